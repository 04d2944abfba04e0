"""A replay for the ESF+ figures (either definition), the funnel and the participant export leaves the cases'
sessions unread (`leaves_unread`, application/replay.py): whatever the journey, the facts each marked extract finds
are those a replay of every event finds, at every point of the journey. The activity figures count sessions: their
replay must read them, and a replay without them finds other facts, which shows that the comparison here can tell."""

from typing import Any

import pytest
from hypothesis import given
from msgspec.structs import replace

from application import exports, reports
from application.activity import facts_of
from application.replay import evolved_over_gaps, marked_unread
from application.statistics import esf_fact_of, funnel_facts_in, participant_in
from domain import events as ev
from infrastructure.eventstore.mapper import MsgspecMapper
from tests.unit.test_properties import BOUNDED, run
from tests.unit.test_session_runs import Journey, _opened_with_sessions, journeys_with_runs_of_sessions

SESSIONS = frozenset({ev.CounsellingSessionHeld})


def replayed(events: list[ev.CaseEvent], without: frozenset[type]) -> Any:
    state = None
    for event in events:
        if type(event) not in without:
            state = evolved_over_gaps(state, event)
    return state


@BOUNDED
@given(journeys_with_runs_of_sessions())
def test_the_statistics_find_the_same_facts_with_the_sessions_left_unread(journey: Journey) -> None:
    result = run(journey)
    for extract, unread in marked_unread().items():
        for count in range(1, len(result.events) + 1):
            whole = replayed(result.events[:count], frozenset())
            assert extract(replayed(result.events[:count], unread)) == extract(whole), (extract.__name__, count)


def test_the_esf_figures_the_funnel_and_the_export_leave_the_sessions_unread_and_the_activity_reads_them() -> None:
    marked = {esf_fact_of, participant_in, funnel_facts_in, reports._funnel_of, exports._case_facts_in}
    assert marked_unread() == dict.fromkeys(marked, SESSIONS)
    assert not {facts_of, reports._activity_of} & set(marked_unread())


def test_the_activity_figures_find_other_facts_without_the_sessions() -> None:
    events = _opened_with_sessions(3)
    assert facts_of(replayed(events, SESSIONS)) != facts_of(replayed(events, frozenset()))


@BOUNDED
@given(journeys_with_runs_of_sessions())
def test_without_its_sessions_a_case_has_none_and_keeps_its_version_and_its_journey(journey: Journey) -> None:
    result = run(journey)
    whole = replayed(result.events, frozenset())
    without = replayed(result.events, SESSIONS)
    assert without.sessions == ()
    last_read = max(event.originator_version for event in result.events if type(event) not in SESSIONS)
    assert without.version == last_read  # the gaps were bridged: the order was checked at every event read
    # Nothing else differs from the case replayed with its sessions than what a session sets (domain/evolution.py).
    assert without == replace(
        whole,
        sessions=(),
        version=without.version,
        modified_on=without.modified_on,
        last_step_on=without.last_step_on,
        last_contact_on=without.last_contact_on,
    )


@pytest.mark.parametrize("version", [1, 3, 5], ids=["the opening's", "a session's", "the one before"])
def test_an_event_whose_version_does_not_go_forwards_is_refused_with_the_sessions_left_unread(version: int) -> None:
    events = _opened_with_sessions(3)  # versions 1 to 4, sessions from 2
    consent = ev.ConsentChanged(
        originator_id=events[0].originator_id,
        originator_version=5,
        timestamp=events[-1].timestamp,
        recorded_by="ayse",
        date=events[-1].date,  # type: ignore[attr-defined]
        special_categories=True,
    )
    assert replayed([*events, consent], SESSIONS).version == 5
    with pytest.raises(ValueError, match=f"event version {version} does not follow case version 5"):
        replayed([*events, consent, replace(consent, originator_version=version)], SESSIONS)


def test_a_session_stored_by_0_1_and_by_0_2_is_left_unread() -> None:
    """0.1 stored a session under its class version 1's topic: a replay leaves those unread too."""
    mapper = MsgspecMapper(opens_sealed=False)
    assert mapper.stored_topics(SESSIONS) == (
        "lotse.case.CounsellingSessionHeld",
        "lotse.case.CounsellingSessionHeld@2",
    )
    assert mapper.stored_topics(frozenset()) == ()
