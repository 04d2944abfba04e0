"""The views behind the funders' statistics: each case's facts, and running counts of persons that a period's or a
pathway's figures add up from a few thousand rows, at any caseload.

A case's facts are kept so that its counts can be taken back when it changes. A step that changes nothing a
statistic counts (most of them: sessions, notes) leaves every row as it was. A count that falls to zero is deleted,
so a view always equals its rebuild.
"""

import itertools
from collections.abc import Sequence
from datetime import date
from typing import Any

from application.statistics import FOLLOW_UP_CODES, funnel_facts_of, participant_of
from domain.case import Case
from domain.funnel import FUNNEL_STAGES
from infrastructure.sql import DialectCursor
from infrastructure.views import CASELOAD, DEADLINES, FUNNEL, INDICATORS, PARTICIPANTS, CaseTablesView

INDICATOR_DAYS = "lotse_view_indicator_days"
FUNNEL_STAGE_COUNTS = "lotse_view_funnel_stages"
FUNNEL_SPANS = "lotse_view_funnel_spans"
SPANS = [f"{earlier}->{later}" for earlier, later in itertools.pairwise(FUNNEL_STAGES)]
# Every table of every view: what a rebuild must reproduce exactly.
VIEW_TABLES = (CASELOAD, DEADLINES, PARTICIPANTS, INDICATORS, INDICATOR_DAYS, FUNNEL, FUNNEL_STAGE_COUNTS, FUNNEL_SPANS)


class IndicatorsView(CaseTablesView):
    """ESF+ participants with their entry, exit and follow-up days and the codes they count under; and the persons
    per agency, day, code and gender on entry and on exit basis."""

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
            add_persons(cursor, self.t(INDICATOR_DAYS), INDICATOR_DAYS, _days(tuple(recorded), recorded_codes), -1)
        self.forget(cursor, case)
        cursor.execute(f"INSERT INTO {self.t(PARTICIPANTS)} VALUES (?, ?, ?, ?, ?, ?)", (participant.case_id, *facts))
        if codes:
            cursor.execute(
                f"INSERT INTO {self.t(INDICATORS)} VALUES {', '.join(['(?, ?)'] * len(codes))}",
                [value for code in codes for value in (participant.case_id, code)],
            )
        add_persons(cursor, self.t(INDICATOR_DAYS), INDICATOR_DAYS, _days(facts, codes), +1)


def _days(facts: tuple[Any, ...], codes: list[str]) -> list[tuple[Any, ...]]:
    """The (agency, basis, day, code, gender) a participant counts under."""
    agency, gender, entry_on, exit_on, follow_up_on = facts
    keys: list[tuple[Any, ...]] = [(agency, "entry", entry_on, code, gender) for code in codes]
    for code in codes:
        # Follow-up results count in the period of the follow-up; everything else in the period of the exit.
        day = follow_up_on if code in FOLLOW_UP_CODES else exit_on
        if day is not None:
            keys.append((agency, "exit", day, code, gender))
    return keys


class FunnelView(CaseTablesView):
    """Each case's pathway and the day it reached each funnel stage; and per agency and pathway the persons who
    reached each stage and the persons per number of days between consecutive stages (the medians' histogram)."""

    name = "funnel"
    tables = (FUNNEL, FUNNEL_STAGE_COUNTS, FUNNEL_SPANS)

    def create(self, cursor: DialectCursor) -> None:
        stages = ", ".join(f"{stage} TEXT" for stage in FUNNEL_STAGES)
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.t(FUNNEL)} (case_id TEXT PRIMARY KEY, agency TEXT NOT NULL,"
            f" pathway TEXT NOT NULL, {stages})"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.t(FUNNEL_STAGE_COUNTS)} (agency TEXT NOT NULL, pathway TEXT NOT NULL,"
            " stage TEXT NOT NULL, persons INTEGER NOT NULL, PRIMARY KEY (agency, pathway, stage))"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.t(FUNNEL_SPANS)} (agency TEXT NOT NULL, pathway TEXT NOT NULL,"
            " span TEXT NOT NULL, days INTEGER NOT NULL, persons INTEGER NOT NULL,"
            " PRIMARY KEY (agency, pathway, span, days))"
        )

    def forget(self, cursor: DialectCursor, case: Case) -> None:
        cursor.execute(f"DELETE FROM {self.t(FUNNEL)} WHERE case_id = ?", (str(case.id),))

    def write(self, cursor: DialectCursor, case: Case) -> None:
        facts = funnel_facts_of(case)
        row = (
            facts.agency,
            facts.pathway,
            *(facts.reached[stage].isoformat() if stage in facts.reached else None for stage in FUNNEL_STAGES),
        )
        cursor.execute(
            f"SELECT agency, pathway, {', '.join(FUNNEL_STAGES)} FROM {self.t(FUNNEL)} WHERE case_id = ?",
            (facts.case_id,),
        )
        recorded = cursor.fetchone()
        if recorded is not None:
            if tuple(recorded) == row:
                return
            self._count(cursor, tuple(recorded), -1)
        self.forget(cursor, case)
        cursor.execute(
            f"INSERT INTO {self.t(FUNNEL)} VALUES ({', '.join('?' * (1 + len(row)))})", (facts.case_id, *row)
        )
        self._count(cursor, row, +1)

    def _count(self, cursor: DialectCursor, row: tuple[Any, ...], persons: int) -> None:
        agency, pathway, *days = row
        reached = dict(zip(FUNNEL_STAGES, days, strict=True))
        stages = [(agency, pathway, stage) for stage, day in reached.items() if day is not None]
        add_persons(cursor, self.t(FUNNEL_STAGE_COUNTS), FUNNEL_STAGE_COUNTS, stages, persons)
        spans = [
            (agency, pathway, f"{earlier}->{later}", _days_between(reached[earlier], reached[later]))
            for earlier, later in itertools.pairwise(FUNNEL_STAGES)
            if reached[earlier] is not None and reached[later] is not None
        ]
        add_persons(cursor, self.t(FUNNEL_SPANS), FUNNEL_SPANS, spans, persons)


def _days_between(earlier: str, later: str) -> int:
    return (date.fromisoformat(later) - date.fromisoformat(earlier)).days


KEYS = {
    INDICATOR_DAYS: ("agency", "basis", "day", "code", "gender"),
    FUNNEL_STAGE_COUNTS: ("agency", "pathway", "stage"),
    FUNNEL_SPANS: ("agency", "pathway", "span", "days"),
}


def add_persons(cursor: DialectCursor, table: str, name: str, keys: Sequence[tuple[Any, ...]], persons: int) -> None:
    """Adds `persons` (±1) to the count of each key, in one statement; a count that falls to zero goes."""
    if not keys:
        return
    columns = KEYS[name]
    values = ", ".join([f"({', '.join('?' * (len(columns) + 1))})"] * len(keys))
    cursor.execute(
        f"INSERT INTO {table} VALUES {values} ON CONFLICT ({', '.join(columns)})"
        f" DO UPDATE SET persons = {name}.persons + excluded.persons",
        [value for key in keys for value in (*key, persons)],
    )
    if persons < 0:
        matching = ", ".join([f"({', '.join('?' * len(columns))})"] * len(keys))
        cursor.execute(
            f"DELETE FROM {table} WHERE persons = 0 AND ({', '.join(columns)}) IN (VALUES {matching})",
            [value for key in keys for value in key],
        )
