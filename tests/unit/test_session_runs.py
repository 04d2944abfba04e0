"""A replay applies a run of sessions in one copy of the case (domain/evolution.py, `_sessions_held`): the state is
still exactly what `evolve` gives one event after another, whatever the sessions are mixed with."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from domain import events as ev
from domain import steps
from domain.case import Case
from domain.evolution import evolve, project_case
from tests.unit.test_properties import BOUNDED, STEP_TEMPLATES, Action, Run, dated, journeys, run, snapshot

Journey = tuple[steps.OpenCase, list[Action]]


@st.composite
def journeys_with_runs_of_sessions(draw: st.DrawFn) -> Journey:
    """A journey with runs of two to six sessions put in at random places (after an erasure or a plan too), each a
    few days before or after the one before it."""
    opening, journey = draw(journeys())
    with_runs: list[Action] = []
    on = opening.first_contact_on
    for action in [*journey, None]:
        if draw(st.integers(0, 2)) == 0:
            for _ in range(draw(st.integers(2, 6))):
                on += timedelta(days=draw(st.integers(-2, 3)))
                with_runs.append(dated(draw(STEP_TEMPLATES[steps.CounsellingSessionHeld]), on))
        if action is not None:
            with_runs.append(action)
            on = action.date if isinstance(action, steps.StepCommand) else on
    return opening, with_runs


def runs_of_sessions(result: Run) -> list[list[ev.CaseEvent]]:
    """The runs of two or more sessions among the accepted events, each with the event before it."""
    found: list[list[ev.CaseEvent]] = []
    current: list[ev.CaseEvent] = []
    for before, event in zip(result.events, result.events[1:], strict=False):
        if type(event) is ev.CounsellingSessionHeld:
            current = current or [before]
            current.append(event)
            continue
        if len(current) > 2:
            found.append(current)
        current = []
    return [*found, current] if len(current) > 2 else found


@BOUNDED
@given(journeys_with_runs_of_sessions())
def test_a_replay_through_runs_of_sessions_gives_the_state_after_every_event(journey: Journey) -> None:
    result = run(journey)
    for count in range(1, len(result.events) + 1):
        replayed = project_case(None, result.events[:count])
        assert replayed is not None
        assert snapshot(replayed) == snapshot(result.states[count - 1])
    for count, state in enumerate(result.states, start=1):  # from a snapshot taken anywhere, a run's middle too
        continued = project_case(state, result.events[count:])
        assert continued is not None
        assert snapshot(continued) == snapshot(result.case)


def _reaches(predicate: Callable[[Run], bool]) -> None:
    find(
        journeys_with_runs_of_sessions(),
        lambda journey: predicate(run(journey)),
        settings=settings(max_examples=3000, deadline=None, database=None, phases=[Phase.generate]),
    )


def _after(result: Run, before: Callable[[ev.CaseEvent], bool]) -> bool:
    return any(before(session_run[0]) for session_run in runs_of_sessions(result))


@pytest.mark.parametrize(
    "predicate",
    [
        pytest.param(lambda r: any(len(found) > 4 for found in runs_of_sessions(r)), id="a run of four sessions"),
        pytest.param(lambda r: _after(r, lambda e: type(e) is ev.PersonalDataErased), id="a run after the erasure"),
        pytest.param(lambda r: _after(r, lambda e: type(e) is ev.PlanAgreed), id="a run after a plan"),
        pytest.param(
            lambda r: any(
                session_run[2].date < session_run[1].date  # type: ignore[attr-defined]
                for session_run in runs_of_sessions(r)
            ),
            id="a run whose sessions are not in date order",
        ),
    ],
)
def test_the_journeys_reach_runs_of_sessions(predicate: Callable[[Run], bool]) -> None:
    _reaches(predicate)


def _opened_with_sessions(count: int) -> list[ev.CaseEvent]:
    result = run(
        find(
            journeys(),
            lambda journey: len(run(journey).events) == 1,
            settings=settings(max_examples=500, deadline=None, database=None, phases=[Phase.generate]),
        )
    )
    opened = result.events[0]
    assert isinstance(opened, ev.CaseOpened)
    sessions: list[ev.CaseEvent] = [
        ev.CounsellingSessionHeld(
            originator_id=opened.originator_id,
            originator_version=version,
            timestamp=opened.timestamp + timedelta(minutes=version),
            recorded_by="ayse",
            date=opened.first_contact_on + timedelta(days=version),
            minutes=45,
        )
        for version in range(2, count + 2)
    ]
    return [opened, *sessions]


def _evolved_one_by_one(events: list[ev.CaseEvent]) -> Case | None:
    case = None
    for event in events:
        case = evolve(case, event)
    return case


def test_a_session_out_of_order_in_a_run_is_refused_as_evolve_refuses_it() -> None:
    events = _opened_with_sessions(5)
    events[3] = replace(events[3], originator_version=9)
    refusal = "event version 9 does not follow case version 3"

    with pytest.raises(ValueError, match=refusal):
        _evolved_one_by_one(events)
    with pytest.raises(ValueError, match=refusal):
        project_case(None, events)


def test_sessions_without_an_opening_are_refused_as_evolve_refuses_them() -> None:
    sessions = _opened_with_sessions(3)[1:]

    with pytest.raises(ValueError, match="CounsellingSessionHeld before the case was opened"):
        project_case(None, sessions)


def test_two_hundred_sessions_replay_to_the_case_evolve_gives() -> None:
    events = _opened_with_sessions(199)
    case = _evolved_one_by_one(events)

    replayed = project_case(None, events)

    assert replayed is not None
    assert case is not None
    assert snapshot(replayed) == snapshot(case)
    assert len(replayed.sessions) == 199
    assert replayed.version == 200
    assert replayed.last_contact_on == events[-1].date  # type: ignore[attr-defined]
