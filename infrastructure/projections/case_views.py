"""The projection views: tables derived from case states, in one portable SQL for SQLite and PostgreSQL.

Every view replaces a case's rows with what the case's newest state says, so writing a state twice is the same
as writing it once; the runner commits the rows together with the view's tracking position. A view writes a batch of
states at once (`write_all`), in a few statements whatever the batch's size: the follower's batches of a few events
and a rebuild's of thousands take the same path, so a view kept event by event equals its rebuild.
"""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

from domain.case import Case
from domain.deadlines import deadlines
from infrastructure.eventstore.sql import Database, DialectCursor, sync_rows
from infrastructure.projections.remembered_rows import RememberedRows

CASELOAD = "lotse_view_caseload"
DEADLINES = "lotse_view_deadlines"
# Each case's ESF+ facts, its own exit day among them: the esf view's (statistics_views.py); retention reads it.
PARTICIPANTS = "lotse_view_esf_cases"
FUNNEL = "lotse_view_funnel"


class View(Protocol):
    """A view follows the states of the kinds it names (cases, or the entries of a register) through the log."""

    name: str
    follows: tuple[type, ...]

    @property
    def tables(self) -> tuple[str, ...]: ...

    def create(self, cursor: DialectCursor) -> None: ...

    def clear(self, cursor: DialectCursor) -> None: ...

    def write(self, cursor: DialectCursor, state: Any) -> None: ...

    def write_all(self, cursor: DialectCursor, states: Sequence[Any]) -> None: ...


@runtime_checkable
class RemembersWrites(Protocol):
    """A view that writes from a memory of what it wrote (for each row, what the row was made from: the activity
    view's facts), so as not to read its rows back. Its runner keeps the memory (one per runner: runners may share
    views) and says when what it remembers is true: after a commit on top of its own last one
    (`RememberedRows.committed`); not after a failed transaction or another writer (`forget`)."""

    def write_remembering(self, cursor: DialectCursor, states: Sequence[Any], memory: "RememberedRows") -> None: ...


S = TypeVar("S")


def newest(states: Sequence[S]) -> list[S]:
    """The last state of each id among the states (a batch holds one per id; a caller may hand more)."""
    return list({state.id: state for state in states}.values())  # type: ignore[attr-defined]


class CaseTablesView(ABC):
    """A view kept in tables with one or more rows per case."""

    name = ""
    follows: tuple[type, ...] = (Case,)
    tables: tuple[str, ...] = ()

    def __init__(self, database: Database) -> None:
        self.database = database

    def t(self, table: str) -> str:
        return self.database.table(table)

    def clear(self, cursor: DialectCursor) -> None:
        for table in self.tables:
            cursor.execute(f"DELETE FROM {self.t(table)}")

    def forget(self, cursor: DialectCursor, case: Case) -> None:
        for table in self.tables:
            cursor.execute(f"DELETE FROM {self.t(table)} WHERE case_id = ?", (str(case.id),))

    def write(self, cursor: DialectCursor, state: Any) -> None:
        self.write_all(cursor, [state])

    @abstractmethod
    def write_all(self, cursor: DialectCursor, states: Sequence[Any]) -> None:
        """Writes the views' rows of these states, in as few statements as the database allows."""


class CaseloadView(CaseTablesView):
    """Who holds which case, open or closed, at which stage."""

    name = "caseload"
    tables = (CASELOAD,)

    def create(self, cursor: DialectCursor) -> None:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.t(CASELOAD)} (case_id TEXT PRIMARY KEY, agency TEXT NOT NULL,"
            " counsellor TEXT NOT NULL, status TEXT NOT NULL, stage TEXT NOT NULL)"
        )
        # Covers a page of GET /caseload: the names of the counsellors with open cases are found by skipping from
        # one to the next (infrastructure/projections/queries.py), and each one's open cases are counted by stage.
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS lotse_view_caseload_open"
            f" ON {self.t(CASELOAD)} (agency, status, counsellor, stage)"
        )
        cursor.execute(f"DROP INDEX IF EXISTS {self.t('lotse_view_caseload_by_agency')}")  # 0.1's, covered now

    def write_all(self, cursor: DialectCursor, states: Sequence[Any]) -> None:
        rows = [(str(case.id), case.agency, case.counsellor, case.status, case.stage) for case in newest(states)]
        columns = ("case_id", "agency", "counsellor", "status", "stage")
        sync_rows(cursor, self.t(CASELOAD), columns, columns[:1], [row[0] for row in rows], rows)


class DeadlinesView(CaseTablesView):
    """Every pending deadline of every case."""

    name = "deadlines"
    tables = (DEADLINES,)

    def create(self, cursor: DialectCursor) -> None:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.t(DEADLINES)} (case_id TEXT NOT NULL, agency TEXT NOT NULL,"
            " counsellor TEXT NOT NULL, kind TEXT NOT NULL, ref TEXT NOT NULL, due TEXT NOT NULL,"
            " PRIMARY KEY (case_id, kind, ref))"
        )
        # In the order GET /deadlines pages in, so a page is read from where the cursor points, and counted: one
        # for an agency's deadlines, one for a counsellor's (which also finds who has overdue items). Both hold
        # every column a page shows, so a page is read from the index alone.
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS lotse_view_deadlines_in_order"
            f" ON {self.t(DEADLINES)} (agency, due, case_id, kind, ref, counsellor)"
        )
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS lotse_view_deadlines_by_counsellor"
            f" ON {self.t(DEADLINES)} (agency, counsellor, due, case_id, kind, ref)"
        )
        cursor.execute(f"DROP INDEX IF EXISTS {self.t('lotse_view_deadlines_by_due')}")  # 0.1's, covered now

    def write_all(self, cursor: DialectCursor, states: Sequence[Any]) -> None:
        cases = newest(states)
        rows = [
            (str(case.id), case.agency, case.counsellor, deadline.kind, deadline.ref, deadline.due.isoformat())
            for case in cases
            for deadline in deadlines(case)
        ]
        columns = ("case_id", "agency", "counsellor", "kind", "ref", "due")
        sync_rows(
            cursor, self.t(DEADLINES), columns, ("case_id", "kind", "ref"), [str(case.id) for case in cases], rows
        )
