"""Funder statistics from participant facts: ESF+ indicator counts by gender, the pathway funnel, and
small-cell suppression. The live views and the as-of replay both feed these functions, so one answer
can be checked against the other.

Two definitions of the ESF+ figures are answered, each named by its `definition_version`:
- the current one (0.2, domain/indicators_v2.py): persons counted once, output indicators on the entry basis and
  result indicators with the follow-up response on the exit basis. Live answers are summed from the views' running
  counts (`counted_keys` says what each participant adds to them); an as-of answer sums the same keys over a replay.
- release 0.1's (domain/indicators.py), frozen so that a figure published under it is re-derived exactly: one
  participant per case, every code on both bases, follow-up results in the period the follow-up was recorded. It is
  always computed by replaying the log (`Participant`, `participant_of`, `count_indicators`).
"""

import itertools
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, TypeVar

from application.replay import leaves_unread
from domain import indicators as v1
from domain import indicators_v2 as v2
from domain.case import Case
from domain.employers import Employer
from domain.events import CounsellingSessionHeld
from domain.funnel import FUNNEL_STAGES, PATHWAYS, funnel_position
from domain.indicators import CODES, GENDERS, output_codes, result_codes

Basis = Literal["entry", "exit"]
Counts = dict[str, dict[str, int]]  # code → gender (and "total") → persons
Cell = int | None  # a count as shown: None where it is suppressed
MIN_CELL = 5  # fewer persons than this are not shown to analysts
COLUMNS = (*GENDERS, "total")
FOLLOW_UP_CODES = ("EECR05", "EECR06")
# Codes that add up to EECO01 for every participant: a suppressed part could be recovered from the others.
PARTITIONS_OF_ALL = (("EECO02", "EECO04", "EECO05"), ("EECO09", "EECO10", "EECO11"))

SMES_SUPPORTED = v2.SMES_SUPPORTED
CURRENT_DEFINITION = v2.DEFINITION_VERSION
DEFINITION_0_1 = v1.DEFINITION_VERSION
DEFINITIONS = (CURRENT_DEFINITION, DEFINITION_0_1)
# The exit cohort's follow-up response: `due` (the cohort) is the sum of the others.
FOLLOW_UP_RESPONSE = "follow_up_response"
RESPONSE_COLUMNS = ("due", *v2.FOLLOW_UP_RESPONSES)


class UnknownDefinition(ValueError):
    def __init__(self, version: str) -> None:
        super().__init__(f"no definition '{version}' (known: {', '.join(DEFINITIONS)})")
        self.version = version


# Release 0.1's definition (frozen): one participant per case.


@dataclass(frozen=True)
class Participant:
    """One case as the funder counted it under 0.1."""

    case_id: str
    agency: str
    gender: str
    entry_on: date
    exit_on: date | None
    follow_up_on: date | None
    codes: frozenset[str]


@dataclass(frozen=True)
class FunnelFacts:
    case_id: str
    agency: str
    pathway: str
    reached: dict[str, date]


def participant_of(case: Case) -> Participant:
    """The case as 0.1 counted it; 0.1 knew one follow-up per exit, the first (domain/indicators.py counts it)."""
    return Participant(
        case_id=str(case.id),
        agency=case.agency,
        gender=case.profile.gender,
        entry_on=case.opened_on,
        exit_on=case.closed_on,
        follow_up_on=case.follow_ups[0].recorded_on if case.follow_ups else None,
        codes=output_codes(case) | result_codes(case),
    )


def funnel_facts_of(case: Case) -> FunnelFacts:
    position = funnel_position(case)
    return FunnelFacts(case_id=str(case.id), agency=case.agency, pathway=position.pathway, reached=position.reached)


def empty_counts() -> Counts:
    return {code: dict.fromkeys(COLUMNS, 0) for code in CODES}


def counted_codes(participant: Participant, start: date, end: date, basis: Basis) -> frozenset[str]:
    """The codes this participant adds to a period's figures.

    entry: participants whose first contact falls in the period, with every code they count under.
    exit: participants whose final exit falls in the period; EECR05/EECR06 instead count those whose
    follow-up was recorded in the period.
    """
    if basis == "entry":
        return participant.codes if start <= participant.entry_on <= end else frozenset()
    on_exit = participant.exit_on is not None and start <= participant.exit_on <= end
    followed_up = participant.follow_up_on is not None and start <= participant.follow_up_on <= end
    return frozenset(code for code in participant.codes if (followed_up if code in FOLLOW_UP_CODES else on_exit))


def count_indicators(participants: Iterable[Participant], start: date, end: date, basis: Basis) -> Counts:
    """0.1's figures: every code on either basis."""
    counts = empty_counts()
    for participant in participants:
        for code in counted_codes(participant, start, end, basis):
            counts[code][participant.gender] += 1
            counts[code]["total"] += 1
    return counts


# The current definition (0.2): persons counted once.

CountKey = tuple[Basis, date, str, str]  # basis, day, code (or follow_up_response.<column>), gender


@dataclass(frozen=True)
class EsfCounts:
    """A period's figures under the current definition: the basis' codes by gender, and on the exit basis the
    cohort's follow-up response (`due` and how the follow-ups came out)."""

    counts: Counts
    follow_up_response: dict[str, int] | None


def counted_keys(participant: v2.ParticipantFacts) -> list[CountKey]:
    """Where a participant counts: her entry codes on her entry day; her result codes and her follow-up response
    (`due`, and one of reached, unreachable, refused, missing) on the day of her final exit."""
    gender = participant.gender
    keys: list[CountKey] = [("entry", participant.entry_on, code, gender) for code in sorted(participant.entry_codes)]
    if participant.exit_on is not None and participant.follow_up is not None:
        day = participant.exit_on
        keys += [("exit", day, code, gender) for code in sorted(participant.exit_codes)]
        keys += [("exit", day, f"{FOLLOW_UP_RESPONSE}.{column}", gender) for column in ("due", participant.follow_up)]
    return keys


def sum_counted(participants: Iterable[v2.ParticipantFacts], start: date, end: date, basis: Basis) -> Counts:
    """Persons per code (as `counted_keys` names them) and gender, counted on `basis` in the period: the sums the
    views' running counts give for it."""
    sums: Counts = {}
    for participant in participants:
        for counted_basis, day, code, gender in counted_keys(participant):
            if counted_basis == basis and start <= day <= end:
                row = sums.setdefault(code, {})
                row[gender] = row.get(gender, 0) + 1
    return sums


def esf_counts(basis: Basis, sums: Counts) -> EsfCounts:
    """The answer's figures from the persons per code and gender: every code of the basis, with its total.

    On the entry basis EECO19 follows EECO17 as a total alone when the sums count employers (`sums["EECO19"]
    ["total"]`, enterprises: the view's and the replay's always do, `smes_sums`)."""
    codes = v2.ENTRY_CODES if basis == "entry" else v2.EXIT_CODES
    counts: Counts = {}
    for code in codes:
        row = {gender: sums.get(code, {}).get(gender, 0) for gender in GENDERS}
        counts[code] = {**row, "total": sum(row.values())}
    if basis == "entry":
        if SMES_SUPPORTED in sums:
            counts[SMES_SUPPORTED] = {"total": sums[SMES_SUPPORTED].get("total", 0)}
        return EsfCounts(counts, None)
    response = {column: sum(sums.get(f"{FOLLOW_UP_RESPONSE}.{column}", {}).values()) for column in RESPONSE_COLUMNS}
    return EsfCounts(counts, response)


def smes_sums(employers: Iterable[Employer], start: date, end: date) -> Counts:
    """EECO19 of the period as `esf_counts` reads it from the sums: enterprises, a total alone."""
    return {SMES_SUPPORTED: {"total": v2.smes_supported(employers, start, end)}}


def count_persons(
    cases: Iterable[Case], start: date, end: date, basis: Basis, employers: Iterable[Employer] | None = None
) -> EsfCounts:
    """The current definition's figures for the cases (all of their participants' cases), computed directly; with
    `employers`, the entry basis counts EECO19 among them."""
    return count_persons_of_facts((v2.case_facts(case) for case in cases), start, end, basis, employers)


def count_persons_of_facts(
    cases: Iterable[v2.CaseFacts], start: date, end: date, basis: Basis, employers: Iterable[Employer] | None = None
) -> EsfCounts:
    """`count_persons` from each case's facts (`domain.indicators_v2.case_facts`)."""
    sums = sum_counted(v2.participants_of_facts(cases), start, end, basis)
    if employers is not None and basis == "entry":
        sums |= smes_sums(employers, start, end)
    return esf_counts(basis, sums)


# Sessions are about three in five events of a desk's log, and a session sets nothing of a case but its sessions, its
# version and the days of its last step and contact (domain/evolution.py, `_sessions_held`): the ESF+ facts of either
# definition and the funnel's read none of these, so their replays leave the sessions unread.
SESSIONS = CounsellingSessionHeld


@leaves_unread(SESSIONS)
def esf_fact_of(state: object) -> v2.CaseFacts | Employer | None:
    """What the current definition counts of a replayed state (a case or a register's entry): a case's facts, not
    the case; an employer as it is; nothing of other entries."""
    if isinstance(state, Case):
        return v2.case_facts(state)
    if isinstance(state, Employer):
        return state
    return None


def case_facts_and_employers(
    facts: Iterable[v2.CaseFacts | Employer],
) -> tuple[list[v2.CaseFacts], list[Employer]]:
    """The cases' facts and the employers among what `esf_fact_of` found in a replay's states."""
    cases: list[v2.CaseFacts] = []
    employers: list[Employer] = []
    for fact in facts:
        if isinstance(fact, Employer):
            employers.append(fact)
        else:
            cases.append(fact)
    return cases, employers


@leaves_unread(SESSIONS)
def participant_in(state: object) -> Participant | None:
    """A replayed case as 0.1 counted it (`participant_of`); nothing of a register's entry."""
    return participant_of(state) if isinstance(state, Case) else None


@leaves_unread(SESSIONS)
def funnel_facts_in(state: object) -> FunnelFacts | None:
    """A replayed case's place in the funnel (`funnel_facts_of`); nothing of a register's entry."""
    return funnel_facts_of(state) if isinstance(state, Case) else None


# Suppression, for either definition.


Cell_ = TypeVar("Cell_", str, tuple[str, str])  # a cell's name, or its (row, column)


def hidden_cells(values: Mapping[Cell_, int], relations: Iterable[Sequence[Cell_]]) -> set[Cell_]:
    """The cells to hide: those under MIN_CELL (primary), then in every relation (cells of which one follows from
    the others: parts and their total) that hides exactly one, the smallest visible one too, until none hides just
    one (secondary suppression)."""
    related = [list(cells) for cells in relations]
    hidden = {cell for cell, value in values.items() if value < MIN_CELL}
    changed = True
    while changed:
        changed = False
        for cells in related:
            if sum(cell in hidden for cell in cells) == 1:
                visible = [cell for cell in cells if cell not in hidden]
                if visible:
                    hidden.add(min(visible, key=lambda cell: (values[cell], cell)))
                    changed = True
    return hidden


def suppress(counts: Counts) -> tuple[dict[str, dict[str, Cell]], list[str]]:
    """Hides cells under MIN_CELL, then enough further cells that no hidden one follows from the shown ones.

    Secondary suppression covers each row (the genders add up to the total; the follow-up responses to `due`) and,
    where the figures hold them, the partitions of EECO01 (labour status; education level) in every column.
    """
    # A row of one cell (EECO19's total) is no sum of others: nothing else reveals it.
    relations = [[(code, column) for column in row] for code, row in counts.items() if len(row) > 1]
    relations += [
        [("EECO01", column), *((part, column) for part in parts)]
        for parts in PARTITIONS_OF_ALL
        if all(code in counts for code in ("EECO01", *parts))
        for column in COLUMNS
    ]
    values = {(code, column): value for code, row in counts.items() for column, value in row.items()}
    hidden = hidden_cells(values, relations)
    shown: dict[str, dict[str, Cell]] = {
        code: {column: (None if (code, column) in hidden else value) for column, value in row.items()}
        for code, row in counts.items()
    }
    return shown, sorted(f"{code}.{column}" for code, column in hidden)


@dataclass(frozen=True)
class ShownEsf:
    """ESF+ figures as a reader sees them: None where a cell is suppressed, and the names of those cells."""

    indicators: dict[str, dict[str, Cell]]
    follow_up_response: dict[str, Cell] | None
    suppressed: list[str]


def shown_indicators(counts: Counts, follow_up_response: dict[str, int] | None = None, *, suppressed: bool) -> ShownEsf:
    """The indicator counts and follow-up response as shown, and what was hidden (`suppressed`: by `suppress`, the
    response as one more row whose parts add up to `due`)."""
    table = dict(counts)
    if follow_up_response is not None:
        table[FOLLOW_UP_RESPONSE] = follow_up_response
    if suppressed:
        shown, hidden = suppress(table)
    else:
        shown, hidden = {code: dict[str, Cell](row) for code, row in table.items()}, []
    response = shown.pop(FOLLOW_UP_RESPONSE, None)
    return ShownEsf(indicators=shown, follow_up_response=response, suppressed=hidden)


@dataclass(frozen=True)
class PathwayFunnel:
    reached: dict[str, int]
    median_days: dict[str, float | None]
    persons_per_median: dict[str, int]


@dataclass(frozen=True)
class ShownPathway:
    """A pathway's funnel as a reader sees it: None where a figure is suppressed."""

    reached: dict[str, Cell]
    median_days: dict[str, float | None]


def shown_funnel(pathways: dict[str, PathwayFunnel], *, suppressed: bool) -> tuple[dict[str, ShownPathway], list[str]]:
    """The funnel as shown, and what was hidden: with `suppressed`, counts under MIN_CELL and medians over fewer
    persons."""
    hidden: list[str] = []
    shown = {}
    for pathway, numbers in pathways.items():
        reached: dict[str, Cell] = dict(numbers.reached)
        medians = dict(numbers.median_days)
        if suppressed:
            for stage, count in numbers.reached.items():
                if count < MIN_CELL:
                    reached[stage] = None
                    hidden.append(f"{pathway}.reached.{stage}")
            for step, persons in numbers.persons_per_median.items():
                if persons < MIN_CELL:
                    medians[step] = None
                    hidden.append(f"{pathway}.median_days.{step}")
        shown[pathway] = ShownPathway(reached=reached, median_days=medians)
    return shown, hidden


def funnel(facts: Iterable[FunnelFacts]) -> dict[str, PathwayFunnel]:
    """Per pathway: how many cases reached each stage, and the median days from each stage to the next."""
    by_pathway: dict[str, list[FunnelFacts]] = {pathway: [] for pathway in PATHWAYS}
    for fact in facts:
        by_pathway[fact.pathway].append(fact)
    result = {}
    for pathway, cases in by_pathway.items():
        reached = {stage: sum(stage in case.reached for case in cases) for stage in FUNNEL_STAGES}
        medians: dict[str, float | None] = {}
        persons: dict[str, int] = {}
        for earlier, later in itertools.pairwise(FUNNEL_STAGES):
            days = [
                (case.reached[later] - case.reached[earlier]).days
                for case in cases
                if earlier in case.reached and later in case.reached
            ]
            medians[f"{earlier}->{later}"] = float(statistics.median(days)) if days else None
            persons[f"{earlier}->{later}"] = len(days)
        result[pathway] = PathwayFunnel(reached=reached, median_days=medians, persons_per_median=persons)
    return result
