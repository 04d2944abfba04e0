"""The views behind the funders' statistics: each case's and each participant's facts, and running counts of persons
that a period's or a pathway's figures add up from a few thousand rows, at any caseload.

Facts are kept so that counts can be taken back when they change. A step that changes nothing a statistic counts
(most of them: sessions, notes) leaves every row as it was. A count that falls to zero is deleted, so a view always
equals its rebuild.

The ESF+ view counts persons (domain/indicators_v2.py): a participant's figures depend on all of her cases — she
enters with the first and leaves with the last exit — so a change to one case can move the counts another case
made. The view keeps each case's facts, and whenever they change it recomputes that case's participant from the
facts of all her cases and moves her counts from what her stored facts said to what they say now.
"""

import itertools
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

from application.statistics import counted_keys, funnel_facts_of
from domain.case import Case
from domain.employers import Employer
from domain.funnel import FUNNEL_STAGES
from domain.indicators_v2 import (
    CaseFacts,
    FollowUpResponse,
    ParticipantFacts,
    case_facts,
    participant_facts,
    sme_support_days,
)
from infrastructure.eventstore.sql import DialectCursor
from infrastructure.projections.case_views import CASELOAD, DEADLINES, FUNNEL, PARTICIPANTS, CaseTablesView

ESF_CASES = PARTICIPANTS  # each case's ESF+ facts, its own exit among them (retention reads that)
ESF_PARTICIPANTS = "lotse_view_esf_participants"
INDICATOR_DAYS = "lotse_view_esf_days"
SME_SUPPORT_DAYS = "lotse_view_esf_sme_days"  # EECO19: the days each small or medium employer was counselled
# Release 0.1's per-case ESF+ tables: replaced by the ones above, whose new names make a 0.1 installation rebuild.
RETIRED_ESF_TABLES = ("lotse_view_participants", "lotse_view_indicators", "lotse_view_indicator_days")
FUNNEL_STAGE_COUNTS = "lotse_view_funnel_stages"
FUNNEL_SPANS = "lotse_view_funnel_spans"
SPANS = [f"{earlier}->{later}" for earlier, later in itertools.pairwise(FUNNEL_STAGES)]
# Every table of every view: what a rebuild must reproduce exactly.
VIEW_TABLES = (
    CASELOAD,
    DEADLINES,
    ESF_CASES,
    ESF_PARTICIPANTS,
    INDICATOR_DAYS,
    SME_SUPPORT_DAYS,
    FUNNEL,
    FUNNEL_STAGE_COUNTS,
    FUNNEL_SPANS,
)

CASE_COLUMNS = (
    "case_id, agency, participant_id, entry_on, created_on, gender, entry_codes, exit_on, exit_codes, follow_up"
)
PARTICIPANT_COLUMNS = "agency, participant_id, gender, entry_on, entry_codes, exit_on, exit_codes, follow_up"


class IndicatorsView(CaseTablesView):
    """ESF+ facts per case and per participant (entry day and codes, final exit day, results and follow-up
    response), and the persons per agency, basis, day, code and gender that the figures of a period sum up; and for
    EECO19 the days each small or medium-sized employer was counselled (domain/indicators_v2.py), kept in this view
    so that its figures and the persons' are read at one log position."""

    name = "esf"
    follows: tuple[type, ...] = (Case, Employer)
    tables = (ESF_CASES, ESF_PARTICIPANTS, INDICATOR_DAYS, SME_SUPPORT_DAYS)

    def create(self, cursor: DialectCursor) -> None:
        for retired in RETIRED_ESF_TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {self.t(retired)}")
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.t(ESF_CASES)} (case_id TEXT PRIMARY KEY, agency TEXT NOT NULL,"
            " participant_id TEXT NOT NULL, entry_on TEXT NOT NULL, created_on TEXT NOT NULL, gender TEXT NOT NULL,"
            " entry_codes TEXT NOT NULL, exit_on TEXT, exit_codes TEXT NOT NULL, follow_up TEXT)"
        )
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS lotse_view_esf_cases_by_participant ON {self.t(ESF_CASES)}"
            " (agency, participant_id)"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.t(ESF_PARTICIPANTS)} (agency TEXT NOT NULL,"
            " participant_id TEXT NOT NULL, gender TEXT NOT NULL, entry_on TEXT NOT NULL, entry_codes TEXT NOT NULL,"
            " exit_on TEXT, exit_codes TEXT NOT NULL, follow_up TEXT, PRIMARY KEY (agency, participant_id))"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.t(INDICATOR_DAYS)} (agency TEXT NOT NULL, basis TEXT NOT NULL,"
            " day TEXT NOT NULL, code TEXT NOT NULL, gender TEXT NOT NULL, persons INTEGER NOT NULL,"
            " PRIMARY KEY (agency, basis, day, code, gender))"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.t(SME_SUPPORT_DAYS)} (employer_id TEXT NOT NULL, agency TEXT NOT NULL,"
            " day TEXT NOT NULL, PRIMARY KEY (employer_id, day))"
        )
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS lotse_view_esf_sme_days_by_day ON {self.t(SME_SUPPORT_DAYS)} (agency, day)"
        )

    def forget(self, cursor: DialectCursor, case: Case) -> None:
        recorded = self._recorded_case(cursor, str(case.id))
        if recorded is None:
            return
        cursor.execute(f"DELETE FROM {self.t(ESF_CASES)} WHERE case_id = ?", (str(case.id),))
        self._recount(cursor, recorded[1], recorded[2])

    def write(self, cursor: DialectCursor, state: Any) -> None:
        if isinstance(state, Employer):
            self._write_employer(cursor, state)
        elif isinstance(state, Case):
            self._write_case(cursor, state)

    def _write_case(self, cursor: DialectCursor, case: Case) -> None:
        facts = case_facts(case)
        row = _case_row(facts)
        recorded = self._recorded_case(cursor, facts.case_id)
        if recorded == row:
            return
        touched = {(facts.agency, facts.participant)}
        if recorded is not None:
            touched.add((recorded[1], recorded[2]))
            cursor.execute(f"DELETE FROM {self.t(ESF_CASES)} WHERE case_id = ?", (facts.case_id,))
        cursor.execute(f"INSERT INTO {self.t(ESF_CASES)} VALUES ({', '.join('?' * len(row))})", row)
        for agency, participant in sorted(touched):
            self._recount(cursor, agency, participant)

    def _write_employer(self, cursor: DialectCursor, employer: Employer) -> None:
        cursor.execute(f"DELETE FROM {self.t(SME_SUPPORT_DAYS)} WHERE employer_id = ?", (str(employer.id),))
        for day in sme_support_days(employer):
            cursor.execute(
                f"INSERT INTO {self.t(SME_SUPPORT_DAYS)} VALUES (?, ?, ?)",
                (str(employer.id), employer.agency, day.isoformat()),
            )

    def _recorded_case(self, cursor: DialectCursor, case_id: str) -> tuple[Any, ...] | None:
        cursor.execute(f"SELECT {CASE_COLUMNS} FROM {self.t(ESF_CASES)} WHERE case_id = ?", (case_id,))
        recorded = cursor.fetchone()
        return None if recorded is None else tuple(recorded)

    def _recount(self, cursor: DialectCursor, agency: str, participant: str) -> None:
        """Brings the participant's row and counts in line with the facts of all her cases."""
        cursor.execute(
            f"SELECT {CASE_COLUMNS} FROM {self.t(ESF_CASES)} WHERE agency = ? AND participant_id = ?",
            (agency, participant),
        )
        cases = [_case_of(tuple(row)) for row in cursor.fetchall()]
        now = _participant_row(participant_facts(cases)) if cases else None
        cursor.execute(
            f"SELECT {PARTICIPANT_COLUMNS} FROM {self.t(ESF_PARTICIPANTS)} WHERE agency = ? AND participant_id = ?",
            (agency, participant),
        )
        fetched = cursor.fetchone()
        before = None if fetched is None else tuple(fetched)
        if before == now:
            return
        counted_before = _count_keys(before)
        counted_now = _count_keys(now)
        if before is not None:
            cursor.execute(
                f"DELETE FROM {self.t(ESF_PARTICIPANTS)} WHERE agency = ? AND participant_id = ?",
                (agency, participant),
            )
        if now is not None:
            cursor.execute(f"INSERT INTO {self.t(ESF_PARTICIPANTS)} VALUES ({', '.join('?' * len(now))})", now)
        add_persons(cursor, self.t(INDICATOR_DAYS), INDICATOR_DAYS, sorted(counted_before - counted_now), -1)
        add_persons(cursor, self.t(INDICATOR_DAYS), INDICATOR_DAYS, sorted(counted_now - counted_before), +1)


def _codes(codes: frozenset[str]) -> str:
    return ",".join(sorted(codes))


def _codes_of(text: str) -> frozenset[str]:
    return frozenset(text.split(",")) if text else frozenset()


def _day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _day_of(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _case_row(facts: CaseFacts) -> tuple[Any, ...]:
    return (
        facts.case_id,
        facts.agency,
        facts.participant,
        facts.entry_on.isoformat(),
        facts.created_on.isoformat(),
        facts.gender,
        _codes(facts.entry_codes),
        _day(facts.exit_on),
        _codes(facts.exit_codes),
        facts.follow_up,
    )


def _case_of(row: tuple[Any, ...]) -> CaseFacts:
    case_id, agency, participant, entry_on, created_on, gender, entry_codes, exit_on, exit_codes, follow_up = row
    return CaseFacts(
        case_id=case_id,
        agency=agency,
        participant=participant,
        entry_on=date.fromisoformat(entry_on),
        created_on=datetime.fromisoformat(created_on),
        gender=gender,
        entry_codes=_codes_of(entry_codes),
        exit_on=_day_of(exit_on),
        exit_codes=_codes_of(exit_codes),
        follow_up=cast(FollowUpResponse | None, follow_up),
    )


def _participant_row(facts: ParticipantFacts) -> tuple[Any, ...]:
    return (
        facts.agency,
        facts.participant,
        facts.gender,
        facts.entry_on.isoformat(),
        _codes(facts.entry_codes),
        _day(facts.exit_on),
        _codes(facts.exit_codes),
        facts.follow_up,
    )


def participant_of_row(row: tuple[Any, ...]) -> ParticipantFacts:
    agency, participant, gender, entry_on, entry_codes, exit_on, exit_codes, follow_up = row
    return ParticipantFacts(
        agency=agency,
        participant=participant,
        gender=gender,
        entry_on=date.fromisoformat(entry_on),
        entry_codes=_codes_of(entry_codes),
        exit_on=_day_of(exit_on),
        exit_codes=_codes_of(exit_codes),
        follow_up=cast(FollowUpResponse | None, follow_up),
    )


def _count_keys(row: tuple[Any, ...] | None) -> set[tuple[Any, ...]]:
    """The (agency, basis, day, code, gender) a participant's stored row counts under."""
    if row is None:
        return set()
    participant = participant_of_row(row)
    return {
        (participant.agency, basis, day.isoformat(), code, gender)
        for basis, day, code, gender in counted_keys(participant)
    }


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
