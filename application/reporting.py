"""Funder statistics with their proof: the log position they were computed at and the log's digest there.

Live answers come from the projection views; an `as_of_position` answer replays the raw events up to that
position through the same definitions, so an auditor can check a published figure against the log itself.

ESF+ figures under release 0.1's definition (`definition_version` esf-plus-2021-1057-annex-i/lotse-1) have no view:
they are always replayed, live answers at the log's head. That costs a replay of the whole log per request — every
event up to the position but the sessions, which change nothing these figures count (`leaves_unread`), decoded and
evolved once, without personal data — the cost of any `as_of_position` answer (README, Performance). It serves an
auditor re-deriving a figure published before 0.2, not a dashboard.
"""

import functools
from collections.abc import Collection, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date

from application.activity import facts_of
from application.cases import CaseService
from application.collector import collector_paused
from application.ports import ActivityFacts, LogDigest, Part, ReplayProcesses, ViewQueries
from application.replay import (
    Extract,
    Fact,
    extracted_part,
    paused_while_reading,
    states_by_aggregate,
    states_in_log_order,
    unread_by,
)
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
    esf_fact_of,
    funnel,
    funnel_facts_in,
    participant_in,
)
from domain.activity import DEFINITION_VERSION as ACTIVITY_DEFINITION
from domain.activity import Activity
from domain.activity import activity as count_activity
from domain.case import Case
from domain.funnel import FUNNEL_DEFINITION_VERSION
from domain.registers import RegisterEntry

# Rows per read of the log. A read costs a round trip and a descent of the index besides its rows: replaying five of
# the eight parts of 1,992,851 events (76,000 cases), 10,000 rows a read took 23.3 s against 25.2-26.4 s with 2,000
# (two runs each), for 14 MB more at the peak of a process replaying half of them (120 MB against 106).
REPLAY_BATCH = 10_000
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
        processes: ReplayProcesses | None = None,
    ) -> None:
        self.cases = cases
        self.views = views
        self.digest = digest
        self.activity_facts = activity
        self.hold_all_up_to = hold_all_up_to
        self.processes = processes  # None: every replay runs in this process alone

    def activity(
        self, agency: str | None, start: date, end: date, as_of_position: int | None = None
    ) -> ActivityFigures:
        """What the desk did in the period (domain/activity.py), live from the activity view or replayed up to
        `as_of_position`."""
        if as_of_position is None:
            position, facts = self.activity_facts.activity_facts(agency, start, end)
        else:
            position = as_of_position
            replayed = self.replay_extracted(position, agency, facts_of)
            facts = [fact for facts_of_state in replayed for fact in facts_of_state]
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
            participants = self.replay_extracted(position, agency, participant_in)
            with collector_paused():
                # Counting allocates about as many objects as there are facts, all held until the answer: the
                # collector's full collections would walk every fact each time (0.4-0.55 s of 1.6-1.8 s at 76,000
                # cases).
                counts = count_indicators(participants, start, end, basis)
            return EsfFigures(start, end, basis, position, self.digest.head_at(position), DEFINITION_0_1, counts)
        if as_of_position is None:
            position, sums = self.views.indicator_counts(agency, start, end, basis)
            figures = esf_counts(basis, sums)
        else:
            position = as_of_position
            cases, employers = case_facts_and_employers(self.replay_extracted(position, agency, esf_fact_of))
            with collector_paused():  # as above
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
            pathways = funnel(self.replay_extracted(position, agency, funnel_facts_in))
        return FunnelFigures(position, self.digest.head_at(position), FUNNEL_DEFINITION_VERSION, pathways)

    def replay_extracted(self, position: int, agency: str | None, extract: Extract[Fact]) -> Iterator[Fact]:
        """What `extract` (a module's function: it may run in another process) finds in each case and register entry
        as it stood at `position` of the global log (of `agency`; None: all), rebuilt from the raw events alone;
        states it answers None for add nothing.

        Beyond `hold_all_up_to` the log is replayed aggregate by aggregate, cut into as many parts as there are
        replay processes: this process replays the first part while the others replay theirs, and the facts come in
        the order of the parts. Raises PositionNotReached at once, not when the facts are first asked for."""
        self._check(position)
        return self._extracted(position, agency, extract)

    def replay_log(
        self, position: int, agency: str | None, without: Collection[type] = frozenset()
    ) -> Iterator[Case | RegisterEntry]:
        """Every case and every entry of the registers beside them (employers, short contacts, outreach events) as
        they stood at `position` of the global log, rebuilt from the raw events alone in this process, one at a time;
        of `agency` (None: all); events of the types in `without` not read. Raises PositionNotReached at once, not
        when the states are first asked for."""
        self._check(position)
        event_log = self.cases.ports.event_log
        if position <= self.hold_all_up_to:
            return paused_while_reading(states_in_log_order(event_log, position, REPLAY_BATCH, without), agency)
        return paused_while_reading(states_by_aggregate(event_log, position, REPLAY_BATCH, None, without), agency)

    def _check(self, position: int) -> None:
        head = self.cases.recorder.max_notification_id() or 0
        if position > head or position < 0:
            raise PositionNotReached(position, head)

    def _extracted(self, position: int, agency: str | None, extract: Extract[Fact]) -> Iterator[Fact]:
        without = unread_by(extract)
        with self._parts(position) as count:
            if count == 1:
                for state in self.replay_log(position, agency, without):
                    if (fact := extract(state)) is not None:
                        yield fact
                return
            assert self.processes is not None
            task = functools.partial(
                extracted_part,
                position=position,
                agency=agency,
                batch=REPLAY_BATCH,
                extract=extract,
                without=without,
            )
            others = [Part(index, count) for index in range(1, count)]
            with self.processes.replaying(task, others) as results:
                yield from task(self.cases.ports.event_log, Part(0, count))
                for facts in results:
                    yield from facts

    def _parts(self, position: int) -> AbstractContextManager[int]:
        if self.processes is None or position <= self.hold_all_up_to:
            return nullcontext(1)
        return self.processes.parts()
