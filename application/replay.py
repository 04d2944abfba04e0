"""Replaying the whole log up to a position: every case and register entry as it stood there, from the raw events.

Up to a bound a replay reads the log in its own order and holds every state it meets until the end; beyond it, it
reads aggregate by aggregate and hands each state on as soon as its last event is in, so it holds one. By aggregate,
the log can also be cut into parts by the aggregates' ids, each replayed in a process of its own (ReplayProcesses):
what each part hands back is not the states but what its caller extracts from them (`extract`, a module's function,
run where the part is replayed), so only small facts cross between processes.
"""

from collections.abc import Callable, Collection, Iterator
from typing import Any, TypeVar
from uuid import UUID

from msgspec.structs import replace

from application.collector import collector_paused
from application.ports import EventLog, Part
from domain.case import Case
from domain.evolution import CASE_EVENTS, evolve
from domain.log import register_of
from domain.registers import RegisterEntry, RegisterEvent

State = Case | RegisterEntry
Fact = TypeVar("Fact")
Extract = Callable[[State], Fact | None]
Marked = TypeVar("Marked", bound=Callable[..., object])

# Per extract, the events whose absence changes none of its facts (`leaves_unread`).
_UNREAD: dict[Callable[..., object], frozenset[type]] = {}


def leaves_unread(*kinds: type) -> Callable[[Marked], Marked]:
    """Marks an extract whose facts the events of `kinds` change nothing of: a replay for it does not read them at all
    (`unread_by`). The mark is a claim about what the extract reads of a state; tests/unit/test_unread_sessions.py
    checks every marked extract against a replay of every event."""

    def mark(extract: Marked) -> Marked:
        _UNREAD[extract] = frozenset(kinds)
        return extract

    return mark


def unread_by(extract: Callable[..., object]) -> frozenset[type]:
    """The events a replay for `extract` leaves unread (none, unless it is marked `leaves_unread`)."""
    return _UNREAD.get(extract, frozenset())


def marked_unread() -> dict[Callable[..., object], frozenset[type]]:
    """Every extract marked so far, with what it leaves unread."""
    return dict(_UNREAD)


def states_in_log_order(
    event_log: EventLog, position: int, batch: int, without: Collection[type] = frozenset()
) -> Iterator[State]:
    """Every state at `position`, reading the log in its order: all are held until the last event is read. Events of
    the types in `without` are not read: the states are as if they had not happened, but for the versions."""
    states: dict[UUID, Any] = {}
    start = 1
    evolve_state = evolved_over_gaps if without else evolved
    while start <= position:
        # Statistics need no personal data: the replay never opens them.
        events = event_log.events_between(start, position, batch, without)
        if not events:
            break
        for _, event in events:
            states[event.originator_id] = evolve_state(states.get(event.originator_id), event)
        start = events[-1][0] + 1
    yield from (state for state in states.values() if state is not None)


def states_by_aggregate(
    event_log: EventLog, position: int, batch: int, part: Part | None = None, without: Collection[type] = frozenset()
) -> Iterator[State]:
    """Every state at `position` (of the aggregates in `part`; None: all), each handed on once its events are in.
    Events of the types in `without` are not read, as in `states_in_log_order`."""
    originator, state = None, None
    evolve_state = evolved_over_gaps if without else evolved
    for event in event_log.events_by_aggregate(position, batch, part, without):
        if event.originator_id != originator:
            if state is not None:
                yield state
            originator, state = event.originator_id, None
        state = evolve_state(state, event)
    if state is not None:
        yield state


def paused_while_reading(states: Iterator[State], agency: str | None) -> Iterator[State]:
    """The states of `agency` (None: all), read with the garbage collector paused (application/collector.py).

    The collector is paused while the replay runs, not while the caller holds a state: a caller that stopped half-way
    would otherwise keep it paused for as long as the suspended replay lives."""
    while True:
        with collector_paused():
            state = next(states, None)
        if state is None:
            return
        if agency is None or state.agency == agency:
            yield state


def extracted_part(
    event_log: EventLog,
    part: Part,
    *,
    position: int,
    agency: str | None,
    batch: int,
    extract: Extract[Fact],
    without: Collection[type] = frozenset(),
) -> list[Fact]:
    """What `extract` finds in each state of the part's aggregates at `position` (of `agency`; None: all), in the
    order a replay by aggregate meets them, events of the types in `without` not read; states it answers None for add
    nothing."""
    states = paused_while_reading(states_by_aggregate(event_log, position, batch, part, without), agency)
    return [fact for state in states if (fact := extract(state)) is not None]


def evolved(state: Any, event: Any) -> Any:
    """The state of a case or a register's entry after the event; None (or as it was) for events of neither."""
    if type(event) in CASE_EVENTS:  # not isinstance: see domain/step_effects.py
        return evolve(state, event)
    if isinstance(event, RegisterEvent):
        return register_of(event).evolve(state, event)
    return state


def evolved_over_gaps(state: Any, event: Any) -> Any:
    """`evolved`, where events left unread leave gaps in a case's versions: the case first takes the version before
    the event's. The log holds each version of a case once and every one from the first (a case's events are only ever
    appended at the next version), so a gap is never anything but the events left unread. A version that does not go
    forwards is refused by `evolved` as ever."""
    if type(state) is Case and event.originator_version > state.version + 1:
        state = replace(state, version=event.originator_version - 1)
    return evolved(state, event)
