"""The case list's rows written with a group commit's events: one statement for all its writes, on both backends,
leaving what one upsert after another would leave. Each backend writes them as its recorder does: SQLite with a
statement of VALUES, PostgreSQL with a statement of arrays (the WITH clause in front of the events' INSERT)."""

from collections.abc import Iterator
from datetime import date
from uuid import UUID, uuid4

import pytest

from application.ports import CaseSummary
from infrastructure.bootstrap import Lotse, bootstrap
from infrastructure.eventstore.tables import (
    CASE_INDEX_TABLE,
    SUMMARIES_PER_STATEMENT,
    case_summaries_from_arrays,
    summary_columns,
    write_case_summaries,
)
from infrastructure.settings import Settings


@pytest.fixture
def lotse(settings: Settings) -> Iterator[Lotse]:
    built = bootstrap(settings)
    yield built
    built.close()


def summary(case_id: UUID, version: int, stage: str = "intake", counsellor: str = "ayse") -> CaseSummary:
    return CaseSummary(case_id, "koeln", counsellor, "open", stage, date(2026, 11, 2), version)


def write(lotse: Lotse, summaries: list[CaseSummary]) -> None:
    table = lotse.database.table(CASE_INDEX_TABLE)
    with lotse.database.transaction(commit=True) as cursor:
        if lotse.database.dialect == "postgres":
            cursor.cursor.execute(case_summaries_from_arrays(table), summary_columns(summaries))
        else:
            write_case_summaries(cursor, table, summaries)


def rows(lotse: Lotse) -> dict[str, tuple[str, str, int]]:
    with lotse.database.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT case_id, counsellor, stage, version FROM {lotse.database.table(CASE_INDEX_TABLE)}")
        return {row[0]: (row[1], row[2], int(row[3])) for row in cursor.fetchall()}


def one_after_another(batches: list[list[CaseSummary]]) -> dict[str, tuple[str, str, int]]:
    """The reference: each summary upserted alone, a newer version replacing an older one, in the order given."""
    expected: dict[str, tuple[str, str, int]] = {}
    for batch in batches:
        for each in batch:
            key = str(each.case_id)
            if key not in expected or each.version > expected[key][2]:
                expected[key] = (each.counsellor, each.stage, each.version)
    return expected


def test_a_case_twice_in_one_statement_keeps_its_latest_version_and_an_older_one_never_wins(lotse: Lotse) -> None:
    first, second = uuid4(), uuid4()
    batches = [
        [summary(first, 1)],
        [summary(second, 1), summary(first, 3, "assessment", "ben"), summary(first, 2, "intake", "cem")],
        [summary(first, 2, "exam", "dora"), summary(second, 2, "recognition")],
    ]
    for batch in batches:
        write(lotse, batch)

    assert rows(lotse) == one_after_another(batches)
    assert rows(lotse)[str(first)] == ("ben", "assessment", 3)


def test_more_rows_than_one_statement_takes_are_all_written(lotse: Lotse) -> None:
    cases = [uuid4() for _ in range(SUMMARIES_PER_STATEMENT + 7)]
    batch = [summary(case_id, 1) for case_id in cases] + [summary(cases[-1], 2, "exam")]

    write(lotse, batch)

    assert rows(lotse) == one_after_another([batch])
    assert len(rows(lotse)) == SUMMARIES_PER_STATEMENT + 7


def test_nothing_to_write_writes_nothing(lotse: Lotse) -> None:
    write(lotse, [])

    assert rows(lotse) == {}
