"""The projection views: tables derived from case states, in one portable SQL for SQLite and PostgreSQL.

Every view replaces a case's rows with what the case's newest state says, so writing a state twice is the same
as writing it once; the runner commits the rows together with the view's tracking position.
"""

from typing import Protocol

from application.statistics import funnel_facts_of, participant_of
from domain.case import Case
from domain.deadlines import deadlines
from domain.funnel import FUNNEL_STAGES
from infrastructure.sql import Database, DialectCursor

CASELOAD = "lotse_view_caseload"
DEADLINES = "lotse_view_deadlines"
PARTICIPANTS = "lotse_view_participants"
INDICATORS = "lotse_view_indicators"
FUNNEL = "lotse_view_funnel"


class View(Protocol):
    name: str

    def create(self, cursor: DialectCursor) -> None: ...

    def clear(self, cursor: DialectCursor) -> None: ...

    def write(self, cursor: DialectCursor, case: Case) -> None: ...


class CaseTablesView:
    """A view kept in tables with one or more rows per case."""

    name = ""
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


class CaseloadView(CaseTablesView):
    """Who holds which case, open or closed, at which stage."""

    name = "caseload"
    tables = (CASELOAD,)

    def create(self, cursor: DialectCursor) -> None:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.t(CASELOAD)} (case_id TEXT PRIMARY KEY, agency TEXT NOT NULL,"
            " counsellor TEXT NOT NULL, status TEXT NOT NULL, stage TEXT NOT NULL)"
        )
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS lotse_view_caseload_by_agency ON {self.t(CASELOAD)} (agency, counsellor)"
        )

    def write(self, cursor: DialectCursor, case: Case) -> None:
        self.forget(cursor, case)
        cursor.execute(
            f"INSERT INTO {self.t(CASELOAD)} VALUES (?, ?, ?, ?, ?)",
            (str(case.id), case.agency, case.counsellor, case.status, case.stage),
        )


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
        cursor.execute(f"CREATE INDEX IF NOT EXISTS lotse_view_deadlines_by_due ON {self.t(DEADLINES)} (agency, due)")

    def write(self, cursor: DialectCursor, case: Case) -> None:
        self.forget(cursor, case)
        for deadline in deadlines(case):
            cursor.execute(
                f"INSERT INTO {self.t(DEADLINES)} VALUES (?, ?, ?, ?, ?, ?)",
                (str(case.id), case.agency, case.counsellor, deadline.kind, deadline.ref, deadline.due.isoformat()),
            )


class IndicatorsView(CaseTablesView):
    """ESF+ participants with their entry, exit and follow-up days and the codes they count under."""

    name = "esf"
    tables = (PARTICIPANTS, INDICATORS)

    def create(self, cursor: DialectCursor) -> None:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.t(PARTICIPANTS)} (case_id TEXT PRIMARY KEY, agency TEXT NOT NULL,"
            " gender TEXT NOT NULL, entry_on TEXT NOT NULL, exit_on TEXT, follow_up_on TEXT)"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.t(INDICATORS)} (case_id TEXT NOT NULL, code TEXT NOT NULL,"
            " PRIMARY KEY (case_id, code))"
        )

    def write(self, cursor: DialectCursor, case: Case) -> None:
        self.forget(cursor, case)
        participant = participant_of(case)
        cursor.execute(
            f"INSERT INTO {self.t(PARTICIPANTS)} VALUES (?, ?, ?, ?, ?, ?)",
            (
                participant.case_id,
                participant.agency,
                participant.gender,
                participant.entry_on.isoformat(),
                participant.exit_on.isoformat() if participant.exit_on else None,
                participant.follow_up_on.isoformat() if participant.follow_up_on else None,
            ),
        )
        for code in sorted(participant.codes):
            cursor.execute(f"INSERT INTO {self.t(INDICATORS)} VALUES (?, ?)", (participant.case_id, code))


class FunnelView(CaseTablesView):
    """Each case's pathway and the day it reached each funnel stage."""

    name = "funnel"
    tables = (FUNNEL,)

    def create(self, cursor: DialectCursor) -> None:
        stages = ", ".join(f"{stage} TEXT" for stage in FUNNEL_STAGES)
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.t(FUNNEL)} (case_id TEXT PRIMARY KEY, agency TEXT NOT NULL,"
            f" pathway TEXT NOT NULL, {stages})"
        )

    def write(self, cursor: DialectCursor, case: Case) -> None:
        self.forget(cursor, case)
        facts = funnel_facts_of(case)
        days = [facts.reached[stage].isoformat() if stage in facts.reached else None for stage in FUNNEL_STAGES]
        placeholders = ", ".join("?" * (3 + len(FUNNEL_STAGES)))
        cursor.execute(
            f"INSERT INTO {self.t(FUNNEL)} VALUES ({placeholders})", (facts.case_id, facts.agency, facts.pathway, *days)
        )


def tracked_views(database: Database) -> list[View]:
    return [CaseloadView(database), DeadlinesView(database), IndicatorsView(database), FunnelView(database)]
