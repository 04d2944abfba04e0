"""The activity view: every fact the activity report counts (domain/activity.py), one row each, by agency and day.

A state's rows are replaced by the facts it yields now (`facts_of` in application/activity.py), so writing a state
twice is writing it once and the view equals its rebuild. A period's report reads its rows and counts them with the
same function a replay of the raw events uses.

A case's facts grow with its steps: reading all of them back to find the one or two a step adds was about half of
the worker's time under steady writing. So a runner remembers the rows it wrote for the cases it wrote last, and the
view compares a remembered case's facts with those it wrote, and reads back only the others' rows
(infrastructure/projections/remembered_rows.py).
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

import msgspec

from application.activity import FOLLOWED, facts_of
from domain.activity import Fact
from infrastructure.eventstore.sql import Database, DialectCursor, delete_keys, insert_rows, sync_rows
from infrastructure.projections.case_views import newest
from infrastructure.projections.queries import SqlViewQueries
from infrastructure.projections.remembered_rows import RememberedRows

ACTIVITY = "lotse_view_activity"
_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Fact)
COLUMNS = ("source_id", "seq", "agency", "day", "fact")
Row = tuple[str, int, str, str, str]


class ActivityView:
    name = "activity"
    follows = FOLLOWED
    tables = (ACTIVITY,)

    def __init__(self, database: Database) -> None:
        self.database = database
        self._table = database.table(ACTIVITY)

    def create(self, cursor: DialectCursor) -> None:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self._table} (source_id TEXT NOT NULL, seq INTEGER NOT NULL,"
            " agency TEXT NOT NULL, day TEXT NOT NULL, fact TEXT NOT NULL, PRIMARY KEY (source_id, seq))"
        )
        cursor.execute(f"CREATE INDEX IF NOT EXISTS lotse_view_activity_by_day ON {self._table} (agency, day)")

    def clear(self, cursor: DialectCursor) -> None:
        cursor.execute(f"DELETE FROM {self._table}")

    def write(self, cursor: DialectCursor, state: Any) -> None:
        self.write_all(cursor, [state])

    def write_all(self, cursor: DialectCursor, states: Sequence[Any]) -> None:
        self.write_remembering(cursor, states, RememberedRows())

    def write_remembering(self, cursor: DialectCursor, states: Sequence[Any], memory: RememberedRows) -> None:
        # Only the facts that changed are written: a step adds a fact or two to a case of a hundred. A case
        # remembered is compared fact by fact with what was written for it; the others' rows are read back.
        states = newest(states)
        written: dict[str, list[Fact]] = {}
        inserted: list[Row] = []
        deleted: list[tuple[str, int]] = []
        unknown: list[str] = []
        unknown_rows: list[Row] = []
        for state in states:
            owner = str(state.id)
            facts = written[owner] = facts_of(state)
            before = memory.entries_of(owner)
            if before is None:
                unknown.append(owner)
                unknown_rows.extend(_row(owner, seq, fact) for seq, fact in enumerate(facts))
                continue
            for seq, fact in enumerate(facts):
                if seq < len(before) and before[seq] == fact:
                    continue
                inserted.append(_row(owner, seq, fact))
                if seq < len(before):
                    deleted.append((owner, seq))
            deleted.extend((owner, seq) for seq in range(len(facts), len(before)))
        delete_keys(cursor, self._table, COLUMNS[:2], deleted)
        insert_rows(cursor, self._table, COLUMNS, inserted)
        sync_rows(cursor, self._table, COLUMNS, COLUMNS[:2], unknown, unknown_rows)
        memory.written(written)


def _row(owner: str, seq: int, fact: Fact) -> Row:
    return (owner, seq, fact.agency, fact.day.isoformat(), _encoder.encode(fact).decode())


def read_facts(cursor: DialectCursor, table: str, agency: str | None, start: date, end: date) -> list[Fact]:
    """The facts of the agency (None: of all) dated from `start` to `end`."""
    where = "day BETWEEN ? AND ?"
    params: list[Any] = [start.isoformat(), end.isoformat()]
    if agency is not None:
        where += " AND agency = ?"
        params.append(agency)
    cursor.execute(f"SELECT fact FROM {table} WHERE {where}", params)
    return [_decoder.decode(row[0]) for row in cursor.fetchall()]


class SqlActivityFacts:
    """application.ports.ActivityFacts on the activity view, read in one snapshot with the view's position."""

    def __init__(self, queries: SqlViewQueries) -> None:
        self.queries = queries

    def activity_facts(self, agency: str | None, start: date, end: date) -> tuple[int, list[Any]]:
        with self.queries.snapshot() as cursor:
            position = self.queries.position_of(cursor, ActivityView.name)
            return position, read_facts(cursor, self.queries.database.table(ACTIVITY), agency, start, end)
