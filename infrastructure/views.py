"""The projection views: tables derived from case states, in one portable SQL for SQLite and PostgreSQL.

Every view replaces a case's rows with what the case's newest state says, so writing a state twice is the same
as writing it once; the runner commits the rows together with the view's tracking position.
"""

from typing import Any, Protocol

from application.statistics import FOLLOW_UP_CODES, funnel_facts_of, participant_of
from domain.case import Case
from domain.deadlines import deadlines
from domain.funnel import FUNNEL_STAGES
from infrastructure.sql import Database, DialectCursor

CASELOAD = "lotse_view_caseload"
DEADLINES = "lotse_view_deadlines"
PARTICIPANTS = "lotse_view_participants"
INDICATORS = "lotse_view_indicators"
INDICATOR_DAYS = "lotse_view_indicator_days"
FUNNEL = "lotse_view_funnel"


class View(Protocol):
    name: str

    @property
    def tables(self) -> tuple[str, ...]: ...

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
    """ESF+ participants with their entry, exit and follow-up days and the codes they count under, and the persons
    per agency, day, code and gender that the statistics add up (on entry and on exit basis).

    The daily counts answer a period's figures from a few thousand rows at any caseload; a step that changes
    nothing the statistics count (most of them: sessions, notes) leaves every row of this view as it was.
    """

    name = "esf"
    tables = (PARTICIPANTS, INDICATORS, INDICATOR_DAYS)

    def create(self, cursor: DialectCursor) -> None:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.t(PARTICIPANTS)} (case_id TEXT PRIMARY KEY, agency TEXT NOT NULL,"
            " gender TEXT NOT NULL, entry_on TEXT NOT NULL, exit_on TEXT, follow_up_on TEXT)"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.t(INDICATORS)} (case_id TEXT NOT NULL, code TEXT NOT NULL,"
            " PRIMARY KEY (case_id, code))"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.t(INDICATOR_DAYS)} (agency TEXT NOT NULL, basis TEXT NOT NULL,"
            " day TEXT NOT NULL, code TEXT NOT NULL, gender TEXT NOT NULL, persons INTEGER NOT NULL,"
            " PRIMARY KEY (agency, basis, day, code, gender))"
        )

    def forget(self, cursor: DialectCursor, case: Case) -> None:
        for table in (PARTICIPANTS, INDICATORS):
            cursor.execute(f"DELETE FROM {self.t(table)} WHERE case_id = ?", (str(case.id),))

    def write(self, cursor: DialectCursor, case: Case) -> None:
        participant = participant_of(case)
        facts = (
            participant.agency,
            participant.gender,
            participant.entry_on.isoformat(),
            participant.exit_on.isoformat() if participant.exit_on else None,
            participant.follow_up_on.isoformat() if participant.follow_up_on else None,
        )
        codes = sorted(participant.codes)
        cursor.execute(
            f"SELECT agency, gender, entry_on, exit_on, follow_up_on FROM {self.t(PARTICIPANTS)} WHERE case_id = ?",
            (participant.case_id,),
        )
        recorded = cursor.fetchone()
        if recorded is not None:
            cursor.execute(
                f"SELECT code FROM {self.t(INDICATORS)} WHERE case_id = ? ORDER BY code", (participant.case_id,)
            )
            recorded_codes = [str(row[0]) for row in cursor.fetchall()]
            if tuple(recorded) == facts and recorded_codes == codes:
                return
            self._count(cursor, tuple(recorded), recorded_codes, -1)
        self.forget(cursor, case)
        cursor.execute(f"INSERT INTO {self.t(PARTICIPANTS)} VALUES (?, ?, ?, ?, ?, ?)", (participant.case_id, *facts))
        for code in codes:
            cursor.execute(f"INSERT INTO {self.t(INDICATORS)} VALUES (?, ?)", (participant.case_id, code))
        self._count(cursor, facts, codes, +1)

    def _count(self, cursor: DialectCursor, facts: tuple[Any, ...], codes: list[str], persons: int) -> None:
        agency, gender, entry_on, exit_on, follow_up_on = facts
        rows = [(agency, "entry", entry_on, code, gender, persons) for code in codes]
        for code in codes:
            # Follow-up results count in the period of the follow-up; everything else in the period of the exit.
            day = follow_up_on if code in FOLLOW_UP_CODES else exit_on
            if day is not None:
                rows.append((agency, "exit", day, code, gender, persons))
        if not rows:
            return
        table = self.t(INDICATOR_DAYS)
        cursor.execute(
            f"INSERT INTO {table} VALUES {', '.join(['(?, ?, ?, ?, ?, ?)'] * len(rows))}"
            f" ON CONFLICT (agency, basis, day, code, gender) DO UPDATE SET persons = {INDICATOR_DAYS}.persons"
            " + excluded.persons",
            [value for row in rows for value in row],
        )
        if persons < 0:  # no rows of nobody: the view stays equal to its rebuild
            days = sorted({row[2] for row in rows})
            cursor.execute(
                f"DELETE FROM {table} WHERE agency = ? AND basis IN ('entry', 'exit')"
                f" AND day IN ({', '.join('?' * len(days))}) AND persons = 0",
                [agency, *days],
            )


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
