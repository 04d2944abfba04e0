"""Funder statistics with their proof: the log position they were computed at and the log's digest there.

Live answers come from the projection views; an `as_of_position` answer replays the raw events up to that
position through the same definitions, so an auditor can check a published figure against the log itself.

ESF+ figures under release 0.1's definition (`definition_version` esf-plus-2021-1057-annex-i/lotse-1) have no view:
they are always replayed, live answers at the log's head. That costs a replay of the whole log per request — time
in proportion to the events up to the position (every event decoded and evolved once, in batches of REPLAY_BATCH,
without personal data) and memory for every case's state — the cost of any `as_of_position` answer: on the
benchmark's log of 2.6 million events, 31–33 s (README, Performance). It serves an auditor re-deriving a
figure published before 0.2, not a dashboard.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from application.activity import facts_of
from application.cases import CaseService
from application.collector import collector_paused
from application.ports import ActivityFacts, LogDigest, ViewQueries
from application.statistics import (
    CURRENT_DEFINITION,
    DEFINITION_0_1,
    DEFINITIONS,
    Basis,
    Counts,
    PathwayFunnel,
    UnknownDefinition,
    count_indicators,
    count_persons,
    esf_counts,
    funnel,
    funnel_facts_of,
    participant_of,
)
from domain.activity import DEFINITION_VERSION as ACTIVITY_DEFINITION
from domain.activity import Activity
from domain.activity import activity as count_activity
from domain.case import Case
from domain.employers import Employer
from domain.evolution import CASE_EVENTS, evolve
from domain.funnel import FUNNEL_DEFINITION_VERSION
from domain.log import register_of
from domain.registers import Entry, RegisterEntry, RegisterEvent

REPLAY_BATCH = 2000


class PositionNotReached(LookupError):
    def __init__(self, position: int, head: int) -> None:
        super().__init__(f"the log has no position {position} yet (it is at {head})")
        self.position = position
        self.head = head


@dataclass(frozen=True)
class EsfFigures:
    start: date
    end: date
    basis: Basis
    position: int
    digest: str
    definition_version: str
    counts: Counts
    follow_up_response: dict[str, int] | None = None  # the exit cohort's, under the current definition


@dataclass(frozen=True)
class FunnelFigures:
    position: int
    digest: str
    definition_version: str
    pathways: dict[str, PathwayFunnel]


@dataclass(frozen=True)
class ActivityFigures:
    start: date
    end: date
    position: int
    digest: str
    definition_version: str
    figures: Activity


@dataclass(frozen=True)
class LogState:
    """What the log says at a position: every case, and every entry of the registers beside them."""

    cases: list[Case]
    entries: list[RegisterEntry]

    def entries_of(self, kind: type[Entry]) -> list[Entry]:
        """The entries of one register, by the type of its state (`Employer`, `ShortContact`, …)."""
        return [entry for entry in self.entries if isinstance(entry, kind)]


class Reporting:
    def __init__(self, cases: CaseService, views: ViewQueries, digest: LogDigest, activity: ActivityFacts) -> None:
        self.cases = cases
        self.views = views
        self.digest = digest
        self.activity_facts = activity

    def activity(
        self, agency: str | None, start: date, end: date, as_of_position: int | None = None
    ) -> ActivityFigures:
        """What the desk did in the period (domain/activity.py), live from the activity view or replayed up to
        `as_of_position`."""
        if as_of_position is None:
            position, facts = self.activity_facts.activity_facts(agency, start, end)
        else:
            position = as_of_position
            log = self.replay_log(as_of_position, agency)
            facts = [fact for state in [*log.cases, *log.entries] for fact in facts_of(state)]
        figures = count_activity(facts, start, end)
        return ActivityFigures(start, end, position, self.digest.head_at(position), ACTIVITY_DEFINITION, figures)

    def esf(
        self,
        agency: str | None,
        start: date,
        end: date,
        basis: Basis,
        as_of_position: int | None = None,
        definition_version: str = CURRENT_DEFINITION,
    ) -> EsfFigures:
        """ESF+ indicators by gender for the period under the named definition, live from the view or replayed up
        to `as_of_position` (0.1's definition: always replayed, at the log's head unless a position is given)."""
        if definition_version not in DEFINITIONS:
            raise UnknownDefinition(definition_version)
        if definition_version == DEFINITION_0_1:
            position = as_of_position if as_of_position is not None else self.cases.recorder.max_notification_id() or 0
            participants = (participant_of(case) for case in self.replay(position, agency))
            counts = count_indicators(participants, start, end, basis)
            return EsfFigures(start, end, basis, position, self.digest.head_at(position), DEFINITION_0_1, counts)
        if as_of_position is None:
            position, sums = self.views.indicator_counts(agency, start, end, basis)
            figures = esf_counts(basis, sums)
        else:
            position = as_of_position
            log = self.replay_log(as_of_position, agency)
            figures = count_persons(log.cases, start, end, basis, employers=log.entries_of(Employer))
        return EsfFigures(
            start,
            end,
            basis,
            position,
            self.digest.head_at(position),
            CURRENT_DEFINITION,
            figures.counts,
            figures.follow_up_response,
        )

    def funnel(self, agency: str | None, as_of_position: int | None = None) -> FunnelFigures:
        """The pathway funnel, live from the view or replayed up to `as_of_position`."""
        if as_of_position is None:
            position, pathways = self.views.funnel(agency)
        else:
            position = as_of_position
            pathways = funnel(funnel_facts_of(case) for case in self.replay(as_of_position, agency))
        return FunnelFigures(position, self.digest.head_at(position), FUNNEL_DEFINITION_VERSION, pathways)

    def replay(self, position: int, agency: str | None) -> Iterator[Case]:
        """Every case as it stood at `position` of the global log, rebuilt from the raw events alone."""
        return iter(self.replay_log(position, agency).cases)

    def replay_log(self, position: int, agency: str | None) -> LogState:
        """Every case and every entry of the registers beside them (employers, short contacts, outreach events) as
        they stood at `position` of the global log, rebuilt from the raw events alone; of `agency` (None: all)."""
        head = self.cases.recorder.max_notification_id() or 0
        if position > head or position < 0:
            raise PositionNotReached(position, head)
        cases: dict[UUID, Case] = {}
        entries: dict[UUID, RegisterEntry] = {}
        with collector_paused():
            self._replay_into(cases, entries, position)
        return LogState(
            cases=[case for case in cases.values() if agency is None or case.agency == agency],
            entries=[entry for entry in entries.values() if agency is None or entry.agency == agency],
        )

    def _replay_into(self, cases: dict[UUID, Case], entries: dict[UUID, RegisterEntry], position: int) -> None:
        start = 1
        while start <= position:
            # Statistics need no personal data: the replay never opens them.
            events = self.cases.ports.event_log.events_between(start, position, REPLAY_BATCH)
            if not events:
                break
            for _, event in events:
                if type(event) in CASE_EVENTS:  # not isinstance: see domain/step_effects.py
                    cases[event.originator_id] = evolve(cases.get(event.originator_id), event)
                elif isinstance(event, RegisterEvent):
                    entries[event.originator_id] = register_of(event).evolve(entries.get(event.originator_id), event)
            start = events[-1][0] + 1
