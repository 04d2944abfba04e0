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
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
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
from infrastructure.eventstore.sql import DialectCursor, delete_keys, insert_rows, json_rows, select_keys
from infrastructure.projections.case_views import (
    CASELOAD,
    DEADLINES,
    FUNNEL,
    PARTICIPANTS,
    CaseTablesView,
    newest,
)

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

    def write_all(self, cursor: DialectCursor, states: Sequence[Any]) -> None:
        self._write_employers(cursor, newest([state for state in states if isinstance(state, Employer)]))
        self._write_cases(cursor, newest([state for state in states if isinstance(state, Case)]))

    def _write_cases(self, cursor: DialectCursor, cases: Sequence[Case]) -> None:
        rows = {row[0]: row for row in (_case_row(case_facts(case)) for case in cases)}
        if not rows:
            return
        recorded = {
            row[0]: row
            for row in select_keys(cursor, CASE_COLUMNS, self.t(ESF_CASES), ("case_id",), [(key,) for key in rows])
        }
        changed = [row for case_id, row in rows.items() if recorded.get(case_id) != row]
        if not changed:
            return  # most steps change nothing a statistic counts
        replaced = [recorded[row[0]] for row in changed if row[0] in recorded]
        touched = {(row[1], row[2]) for row in changed} | {(row[1], row[2]) for row in replaced}
        delete_keys(cursor, self.t(ESF_CASES), ("case_id",), [row[:1] for row in replaced])
        insert_rows(cursor, self.t(ESF_CASES), CASE_COLUMNS.split(", "), changed)
        self._recount(cursor, sorted(touched))

    def _write_employers(self, cursor: DialectCursor, employers: Sequence[Employer]) -> None:
        delete_keys(cursor, self.t(SME_SUPPORT_DAYS), ("employer_id",), [(str(employer.id),) for employer in employers])
        rows = [
            (str(employer.id), employer.agency, day.isoformat())
            for employer in employers
            for day in sme_support_days(employer)
        ]
        insert_rows(cursor, self.t(SME_SUPPORT_DAYS), ("employer_id", "agency", "day"), rows)

    def _recount(self, cursor: DialectCursor, participants: Sequence[tuple[str, str]]) -> None:
        """Brings the participants' rows and counts in line with the facts of all their cases."""
        keys = ("agency", "participant_id")
        cases: dict[tuple[str, str], list[CaseFacts]] = defaultdict(list)
        for row in select_keys(cursor, CASE_COLUMNS, self.t(ESF_CASES), keys, participants):
            cases[(row[1], row[2])].append(_case_of(row))
        before = {
            (row[0], row[1]): row
            for row in select_keys(cursor, PARTICIPANT_COLUMNS, self.t(ESF_PARTICIPANTS), keys, participants)
        }
        gone: list[tuple[str, str]] = []
        now_rows: list[tuple[Any, ...]] = []
        persons: Counter[tuple[Any, ...]] = Counter()
        for participant in participants:
            now = _participant_row(participant_facts(cases[participant])) if participant in cases else None
            was = before.get(participant)
            if was == now:
                continue
            if was is not None:
                gone.append(participant)
            if now is not None:
                now_rows.append(now)
            counted_before, counted_now = _count_keys(was), _count_keys(now)
            persons.subtract(counted_before - counted_now)
            persons.update(counted_now - counted_before)
        delete_keys(cursor, self.t(ESF_PARTICIPANTS), keys, gone)
        insert_rows(cursor, self.t(ESF_PARTICIPANTS), PARTICIPANT_COLUMNS.split(", "), now_rows)
        add_counts(cursor, self.t(INDICATOR_DAYS), INDICATOR_DAYS, persons)


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

    def write_all(self, cursor: DialectCursor, states: Sequence[Any]) -> None:
        rows: dict[str, tuple[Any, ...]] = {}
        for case in newest(states):
            facts = funnel_facts_of(case)
            rows[facts.case_id] = (
                facts.agency,
                facts.pathway,
                *(facts.reached[stage].isoformat() if stage in facts.reached else None for stage in FUNNEL_STAGES),
            )
        if not rows:
            return
        columns = f"case_id, agency, pathway, {', '.join(FUNNEL_STAGES)}"
        recorded = {
            row[0]: row[1:]
            for row in select_keys(cursor, columns, self.t(FUNNEL), ("case_id",), [(key,) for key in rows])
        }
        changed = {case_id: row for case_id, row in rows.items() if recorded.get(case_id) != row}
        stages: Counter[tuple[Any, ...]] = Counter()
        spans: Counter[tuple[Any, ...]] = Counter()
        for case_id, row in changed.items():
            if case_id in recorded:
                _count(recorded[case_id], -1, stages, spans)
            _count(row, +1, stages, spans)
        delete_keys(cursor, self.t(FUNNEL), ("case_id",), [(case_id,) for case_id in changed if case_id in recorded])
        insert_rows(cursor, self.t(FUNNEL), columns.split(", "), [(case_id, *row) for case_id, row in changed.items()])
        add_counts(cursor, self.t(FUNNEL_STAGE_COUNTS), FUNNEL_STAGE_COUNTS, stages)
        add_counts(cursor, self.t(FUNNEL_SPANS), FUNNEL_SPANS, spans)


def _count(
    row: tuple[Any, ...], persons: int, stages: Counter[tuple[Any, ...]], spans: Counter[tuple[Any, ...]]
) -> None:
    """Adds `persons` (±1) for the stages a case's funnel row reached and for the days between consecutive ones."""
    agency, pathway, *days = row
    reached = dict(zip(FUNNEL_STAGES, days, strict=True))
    for stage, day in reached.items():
        if day is not None:
            stages[(agency, pathway, stage)] += persons
    for earlier, later in itertools.pairwise(FUNNEL_STAGES):
        if reached[earlier] is not None and reached[later] is not None:
            key = (agency, pathway, f"{earlier}->{later}", _days_between(reached[earlier], reached[later]))
            spans[key] += persons


def _days_between(earlier: str, later: str) -> int:
    return (date.fromisoformat(later) - date.fromisoformat(earlier)).days


KEYS = {
    INDICATOR_DAYS: ("agency", "basis", "day", "code", "gender"),
    FUNNEL_STAGE_COUNTS: ("agency", "pathway", "stage"),
    FUNNEL_SPANS: ("agency", "pathway", "span", "days"),
}


def add_counts(cursor: DialectCursor, table: str, name: str, persons: Mapping[tuple[Any, ...], int]) -> None:
    """Adds to the count of each key what `persons` says (the net of a batch), in one statement; a count that falls
    to zero goes."""
    changes = sorted((key, change) for key, change in persons.items() if change)
    if not changes:
        return
    columns = KEYS[name]
    rows = [(*key, change) for key, change in changes]
    upsert = f"ON CONFLICT ({', '.join(columns)}) DO UPDATE SET persons = {name}.persons + excluded.persons"
    if cursor.dialect == "postgres":
        relation, params = json_rows(rows, [*columns, "persons"])
        names = ", ".join(columns)
        cursor.execute(f"INSERT INTO {table} ({names}, persons) SELECT * FROM {relation} AS k {upsert}", params)
    else:
        placeholders = ", ".join("?" * (len(columns) + 1))
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}, persons) VALUES ({placeholders}) {upsert}", rows
        )
    delete_keys(cursor, table, columns, [key for key, change in changes if change < 0], where="persons = 0")
