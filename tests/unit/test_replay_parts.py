"""How the log's reading by aggregate cuts the id space into parts (infrastructure/eventstore/tables.py): every id,
those on the cuts and at both ends too, falls into exactly one part, and the parts in order are the ids in order."""

from collections.abc import Collection, Sequence
from typing import Any
from uuid import UUID

import pytest

from application.ports import Part
from infrastructure.eventstore.tables import SqlEventLog

EDGES = [0, 1, 2**127 - 1, 2**127, 2**127 + 1, 2**128 // 3, 2**128 // 3 + 1, 2 * 2**128 // 3, 2**128 - 1]


class Rows:
    """A recorder's `select_rows_by_aggregate` over stored ids, with the statements' conditions (recorders.py):
    `(originator_id, originator_version) > after`, `originator_id < below`, ordered, `limit` at a time."""

    def __init__(self, ids: list[Any]) -> None:
        self.rows = sorted((id_, version, "topic", b"") for id_ in ids for version in (1, 2))

    def select_rows_by_aggregate(
        self,
        after: tuple[Any, int] | None,
        stop: int,
        limit: int,
        below: Any = None,
        without_topics: Sequence[str] = (),
    ) -> list[tuple[Any, int, str, bytes]]:
        assert not without_topics
        found = [row for row in self.rows if (after is None or row[:2] > after) and (below is None or row[0] < below)]
        return found[:limit]

    def select_log_rows(self, start: int, limit: int, stop: int | None = None) -> list[Any]:
        raise AssertionError("not read in the log's order")


class Database:
    def __init__(self, dialect: str) -> None:
        self.dialect = dialect

    def table(self, name: str) -> str:
        return name


class Decoder:
    def decode(self, originator_id: Any, originator_version: int, topic: str, state: bytes) -> Any:
        return originator_id, originator_version

    def stored_topics(self, classes: Collection[type]) -> tuple[str, ...]:
        return ()


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
@pytest.mark.parametrize("count", [1, 2, 3, 5])
@pytest.mark.parametrize("batch", [1, 3, 1000])
def test_every_id_falls_into_exactly_one_part_and_the_parts_keep_the_order(
    dialect: str, count: int, batch: int
) -> None:
    as_stored = (lambda n: UUID(int=n).hex) if dialect == "sqlite" else (lambda n: UUID(int=n))
    cuts = [(2**128 * index) // count for index in range(count)]
    ids = [as_stored(n) for n in sorted({*EDGES, *cuts, *(cut - 1 for cut in cuts if cut)})]
    log = SqlEventLog(Database(dialect), "events", Rows(ids), Decoder())  # type: ignore[arg-type]

    parts = [list(log.events_by_aggregate(10**9, batch, Part(index, count))) for index in range(count)]

    assert [row for part in parts for row in part] == list(log.events_by_aggregate(10**9, batch))
    assert [row for part in parts for row in part] == [(id_, version) for id_ in ids for version in (1, 2)]
    for index, part in enumerate(parts):
        below = cuts[index + 1] if index + 1 < count else 2**128
        numbers = {UUID(hex=id_).int if dialect == "sqlite" else id_.int for id_, _ in part}
        assert all(cuts[index] <= number < below for number in numbers), (index, count)
        assert cuts[index] in numbers  # the id on a cut begins the part after it
