"""Funder statistics with their proof: the log position they were computed at and the log's digest there.

Live answers come from the projection views; an `as_of_position` answer replays the raw events up to that
position through the same definitions, so an auditor can check a published figure against the log itself.

ESF+ figures under release 0.1's definition (`definition_version` esf-plus-2021-1057-annex-i/lotse-1) have no view:
they are always replayed, live answers at the log's head. That costs a replay of the whole log per request — every
event up to the position decoded and evolved once, without personal data — the cost of any `as_of_position`
answer (README, Performance). It serves an auditor re-deriving a figure published before 0.2, not a dashboard.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
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
    case_facts_and_employers,
    count_indicators,
    count_persons_of_facts,
    esf_counts,
    funnel,
    funnel_facts_of,
    participant_of,
)
from domain.activity import DEFINITION_VERSION as ACTIVITY_DEFINITION
from domain.activity import Activity
from domain.activity import activity as count_activity
from domain.case import Case
from domain.evolution import CASE_EVENTS, evolve
from domain.funnel import FUNNEL_DEFINITION_VERSION
from domain.log import register_of
from domain.registers import RegisterEntry, RegisterEvent

REPLAY_BATCH = 2000
# Up to this position a replay reads the log in its own order and holds every state it meets until the end; beyond
# it, aggregate by aggregate, one state at a time. By aggregate, the read passes over the whole log's index whatever
# the position (later events are fetched and skipped). Measured on 2,625,610 events of 100,000 cases, in the log's
# order against by aggregate: at position 100,000 0.98 s against 2.73 s; at 200,000 1.59 s (108 MB peak) against
# 5.14 s; at 400,000 3.06 s (160 MB) against 5.35 s (82 MB); at the head 26.6-27.4 s (779-841 MB) against 24.9-25.3 s
# (231 MB). In the log's order memory grows by about 6 KB per case met, which this bound keeps near 100 MB.
HOLD_ALL_UP_TO = 200_000


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


class Reporting:
    def __init__(
        self,
        cases: CaseService,
        views: ViewQueries,
        digest: LogDigest,
        activity: ActivityFacts,
        hold_all_up_to: int = HOLD_ALL_UP_TO,
    ) -> None:
        self.cases = cases
        self.views = views
        self.digest = digest
        self.activity_facts = activity
        self.hold_all_up_to = hold_all_up_to

    def activity(
        self, agency: str | None, start: date, end: date, as_of_position: int | None = None
    ) -> ActivityFigures:
        """What the desk did in the period (domain/activity.py), live from the activity view or replayed up to
        `as_of_position`."""
        if as_of_position is None:
            position, facts = self.activity_facts.activity_facts(agency, start, end)
        else:
            position = as_of_position
            facts = [fact for state in self.replay_log(as_of_position, agency) for fact in facts_of(state)]
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
            cases, employers = case_facts_and_employers(self.replay_log(as_of_position, agency))
            figures = count_persons_of_facts(cases, start, end, basis, employers=employers)
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
        """Every case as it stood at `position` of the global log, rebuilt from the raw events alone, one at a time."""
        return (state for state in self.replay_log(position, agency) if isinstance(state, Case))

    def replay_log(self, position: int, agency: str | None) -> Iterator[Case | RegisterEntry]:
        """Every case and every entry of the registers beside them (employers, short contacts, outreach events) as
        they stood at `position` of the global log, rebuilt from the raw events alone; of `agency` (None: all).

        Beyond `hold_all_up_to` the log is read aggregate by aggregate, so each state is handed on once its last
        event up to `position` is in and is not held after: the replay's memory is one state, not every case's (on the
        benchmark's log of 50,000 cases, peak memory 143 MB instead of 417–479 MB). Raises PositionNotReached at once,
        not when the states are first asked for."""
        head = self.cases.recorder.max_notification_id() or 0
        if position > head or position < 0:
            raise PositionNotReached(position, head)
        return self._replayed(position, agency)

    def _replayed(self, position: int, agency: str | None) -> Iterator[Case | RegisterEntry]:
        in_log_order = position <= self.hold_all_up_to
        states = self._in_log_order(position) if in_log_order else self._by_aggregate(position)
        while True:
            # The collector is paused while the replay runs, not while the caller holds a state: a caller that
            # stopped half-way would otherwise keep it paused for as long as the suspended replay lives.
            with collector_paused():
                state = next(states, None)
            if state is None:
                return
            if agency is None or state.agency == agency:
                yield state

    def _in_log_order(self, position: int) -> Iterator[Case | RegisterEntry]:
        states: dict[UUID, Any] = {}
        start = 1
        while start <= position:
            # Statistics need no personal data: the replay never opens them.
            events = self.cases.ports.event_log.events_between(start, position, REPLAY_BATCH)
            if not events:
                break
            for _, event in events:
                states[event.originator_id] = _evolved(states.get(event.originator_id), event)
            start = events[-1][0] + 1
        yield from (state for state in states.values() if state is not None)

    def _by_aggregate(self, position: int) -> Iterator[Case | RegisterEntry]:
        originator, state = None, None
        for event in self.cases.ports.event_log.events_by_aggregate(position, REPLAY_BATCH):
            if event.originator_id != originator:
                if state is not None:
                    yield state
                originator, state = event.originator_id, None
            state = _evolved(state, event)
        if state is not None:
            yield state


def _evolved(state: Any, event: Any) -> Any:
    """The state of a case or a register's entry after the event; None (or as it was) for events of neither."""
    if type(event) in CASE_EVENTS:  # not isinstance: see domain/step_effects.py
        return evolve(state, event)
    if isinstance(event, RegisterEvent):
        return register_of(event).evolve(state, event)
    return state
