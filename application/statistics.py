"""Funder statistics from participant facts: ESF+ indicator counts by gender, the pathway funnel, and
small-cell suppression. The live views and the as-of replay both feed these functions, so one answer
can be checked against the other.
"""

import itertools
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from domain.case import Case
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


@dataclass(frozen=True)
class Participant:
    """One case as the funder counts it."""

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
    return Participant(
        case_id=str(case.id),
        agency=case.agency,
        gender=case.profile.gender,
        entry_on=case.opened_on,
        exit_on=case.closed_on,
        follow_up_on=case.follow_up.recorded_on if case.follow_up else None,
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
    counts = empty_counts()
    for participant in participants:
        for code in counted_codes(participant, start, end, basis):
            counts[code][participant.gender] += 1
            counts[code]["total"] += 1
    return counts


def suppress(counts: Counts) -> tuple[dict[str, dict[str, Cell]], list[str]]:
    """Hides cells under MIN_CELL, then enough further cells that no hidden one follows from the shown ones.

    Secondary suppression covers each row (the genders add up to the total) and the partitions of EECO01
    (labour status; education level) in every column.
    """
    hidden = {(code, column) for code, row in counts.items() for column, value in row.items() if value < MIN_CELL}
    relations = [[(code, column) for column in COLUMNS] for code in CODES]
    relations += [
        [("EECO01", column), *((part, column) for part in parts)] for parts in PARTITIONS_OF_ALL for column in COLUMNS
    ]
    changed = True
    while changed:
        changed = False
        for related in relations:
            if sum(cell in hidden for cell in related) == 1:
                visible = [cell for cell in related if cell not in hidden]
                hidden.add(min(visible, key=lambda cell: (counts[cell[0]][cell[1]], cell)))
                changed = True
    shown: dict[str, dict[str, Cell]] = {
        code: {column: (None if (code, column) in hidden else value) for column, value in row.items()}
        for code, row in counts.items()
    }
    return shown, sorted(f"{code}.{column}" for code, column in hidden)


def shown_indicators(counts: Counts, *, suppressed: bool) -> tuple[dict[str, dict[str, Cell]], list[str]]:
    """The indicator counts as shown, and what was hidden (`suppressed`: by `suppress`)."""
    if suppressed:
        return suppress(counts)
    return {code: dict(row) for code, row in counts.items()}, []


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
