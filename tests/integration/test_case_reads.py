"""A case's events read in one query (`EventLog.case_events`), on both backends: every step type with every personal
field filled, read with all personal data opened, none, or only what the case's state keeps; and the as-of state
built from them."""

from datetime import timedelta
from uuid import uuid4

import msgspec
import pytest

from application.cases import CaseService
from domain import events as ev
from domain import steps
from domain.evolution import project_case
from domain.privacy import NOT_KEPT_IN_STATE
from infrastructure.bootstrap import Lotse
from tests.integration.conftest import (
    AGENCY,
    COUNSELLOR,
    SteppingClock,
    every_step,
    open_case_command,
    with_personal_values,
)


def record_every_step_with_its_text(service: CaseService) -> ev.CaseEvent:
    """A case through every step type, each personal field filled; answers its first event."""
    recorded = service.open_case(AGENCY, open_case_command(), COUNSELLOR)
    for step in every_step():
        marked, _ = with_personal_values(step, "marked")
        recorded = service.record_step(recorded.case.id, marked, COUNSELLOR, agency=AGENCY)
    return next(iter(service.events.get(recorded.case.id, lte=1)))


@pytest.fixture
def recorded(system: Lotse) -> tuple[CaseService, ev.CaseEvent]:
    return system.cases, record_every_step_with_its_text(system.cases)


def unread_where_the_state_does_not_keep_it(event: ev.CaseEvent) -> ev.CaseEvent:
    fields = NOT_KEPT_IN_STATE.get(getattr(event, "TYPE", ""), ())
    return msgspec.structs.replace(event, **dict.fromkeys(fields)) if fields else event


def test_a_case_read_in_one_query_is_its_history_as_the_library_reads_it(
    recorded: tuple[CaseService, ev.CaseEvent],
) -> None:
    service, first = recorded
    case_id = first.originator_id
    log = service.ports.event_log
    every = list(service.events.get(case_id))
    assert log.case_events(case_id, "all") == every
    assert log.case_events(case_id, "none") == list(service.sealed_events.get(case_id))
    assert len(every) == len(every_step()) + 1


def test_the_state_opening_leaves_sealed_only_what_the_state_does_not_keep(
    recorded: tuple[CaseService, ev.CaseEvent],
) -> None:
    service, first = recorded
    case_id = first.originator_id
    every = service.ports.event_log.case_events(case_id, "all")
    for_state = service.ports.event_log.case_events(case_id, "state")
    assert for_state == [unread_where_the_state_does_not_keep_it(event) for event in every]
    left_sealed = [event for event in every if getattr(event, "TYPE", "") in NOT_KEPT_IN_STATE]
    assert {event.TYPE for event in left_sealed} == set(NOT_KEPT_IN_STATE)  # type: ignore[union-attr]
    assert all(getattr(event, field) for event in left_sealed for field in NOT_KEPT_IN_STATE[event.TYPE])  # type: ignore[union-attr]
    for count in range(1, len(every) + 1):
        assert project_case(None, for_state[:count]) == project_case(None, every[:count]), every[count - 1]


def test_the_case_as_of_any_instant_is_its_state_replayed_with_every_text_opened(
    recorded: tuple[CaseService, ev.CaseEvent], clock: SteppingClock
) -> None:
    service, first = recorded
    case_id = first.originator_id
    every = service.ports.event_log.case_events(case_id, "all")
    for count, event in enumerate(every, start=1):
        expected = project_case(None, every[:count])
        assert service.case_as_of(case_id, event.timestamp, personal_data=True) == expected
    assert service.case_as_of(case_id, clock.peek() + timedelta(days=1), personal_data=True) == service.get_case(
        case_id, personal_data=True
    )


def test_an_unknown_case_reads_as_no_events(system: Lotse) -> None:
    assert system.cases.ports.event_log.case_events(uuid4(), "state") == []


def test_a_session_with_nothing_sealed_reads_alike_in_every_opening(system: Lotse) -> None:
    service = system.cases
    opened = service.open_case(AGENCY, open_case_command(), COUNSELLOR).case
    bare = steps.CounsellingSessionHeld(date=opened.opened_on, minutes=30)
    service.record_step(opened.id, bare, COUNSELLOR, agency=AGENCY)
    log = service.ports.event_log
    session = log.case_events(opened.id, "all")[1]
    assert (session.topics, session.note) == ((), None)  # type: ignore[union-attr]
    assert log.case_events(opened.id, "state")[1] == session


def test_runs_of_sessions_read_as_each_session_alone(system: Lotse) -> None:
    """Sessions in a row, with their topics and notes, then another step and sessions again: the state's opening
    (decoded a run at a time) reads them as the full opening does, their text unread; and the case's state is theirs."""
    service = system.cases
    opened = service.open_case(AGENCY, open_case_command(), COUNSELLOR).case
    on = opened.opened_on
    for number in range(6):
        session = steps.CounsellingSessionHeld(
            date=on + timedelta(days=number), minutes=30 + number, topics=(f"Thema {number}",), note=f"Notiz {number}"
        )
        service.record_step(opened.id, session, COUNSELLOR, agency=AGENCY)
        if number == 2:
            service.record_step(opened.id, every_step()[0], COUNSELLOR, agency=AGENCY)
    log = service.ports.event_log

    every = log.case_events(opened.id, "all")
    for_state = log.case_events(opened.id, "state")

    assert [type(event) for event in every].count(ev.CounsellingSessionHeld) == 6
    assert [event.note for event in every if isinstance(event, ev.CounsellingSessionHeld)] == [
        f"Notiz {number}" for number in range(6)
    ]
    assert for_state == [unread_where_the_state_does_not_keep_it(event) for event in every]
    assert log.case_events(opened.id, "none") == list(service.sealed_events.get(opened.id))
    assert project_case(None, for_state) == service.get_case(opened.id, personal_data=True)
