"""A case recorded through the service survives a restart: state, history, past states and log positions."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from itertools import pairwise
from typing import Any, get_args
from uuid import UUID, uuid4

import msgspec
import pytest
from msgspec import to_builtins

from application.cases import CaseService
from application.errors import CaseNotFound, VersionNotFound
from domain import steps
from domain.case import Case
from domain.errors import DomainError, InvalidStep, RuleViolated
from domain.privacy import PERSONAL_FIELDS, redacted
from tests.integration.conftest import (
    AGENCY,
    COUNSELLOR,
    START,
    TICK,
    ServiceFactory,
    SteppingClock,
    every_step,
    open_case_command,
    session,
    step_type,
)

# Every step type of API.md (with case_opened and personal_data_erased): the vocabulary of a case history.
API_STEP_TYPES = {
    "case_opened",
    *(str(member.__struct_config__.tag) for member in get_args(steps.Step)),
    "personal_data_erased",
}


@dataclass(frozen=True)
class Journey:
    """A case recorded with every step type; `states[n - 1]` is the case after its n-th event."""

    case_id: UUID
    commands: list[steps.OpenCase | steps.StepCommand | None]  # None: the erasure
    types: list[str]
    states: list[Case]
    positions: list[int]
    recorded_at: list[datetime]


def record_journey(service: CaseService, clock: SteppingClock) -> Journey:
    opening = open_case_command()
    commands: list[steps.OpenCase | steps.StepCommand | None] = [opening]
    types = ["case_opened"]
    recorded_at = [clock.peek()]
    recorded = service.open_case(AGENCY, opening, COUNSELLOR)
    states, positions = [recorded.case], [recorded.position]
    for step in every_step():
        recorded_at.append(clock.peek())
        recorded = service.record_step(
            recorded.case.id, step, COUNSELLOR, expected_version=recorded.case.version, agency=AGENCY
        )
        commands.append(step)
        types.append(step_type(step))
        states.append(recorded.case)
        positions.append(recorded.position)
    recorded_at.append(clock.peek())
    recorded = service.erase_personal_data(recorded.case.id, "lead", agency=AGENCY)
    commands.append(None)
    types.append("personal_data_erased")
    states.append(recorded.case)
    positions.append(recorded.position)
    # Erasure reaches back in time: every past state of the case now reads as erased too.
    states = [redacted(state) for state in states]
    return Journey(recorded.case.id, commands, types, states, positions, recorded_at)


@pytest.fixture
def journey(service: CaseService, clock: SteppingClock) -> Journey:
    return record_journey(service, clock)


def test_the_journey_uses_every_step_type_of_the_api(journey: Journey) -> None:
    assert set(journey.types) == API_STEP_TYPES
    assert len(journey.types) > 12  # crosses more than two snapshot intervals (snapshot_interval=5)


def test_a_restarted_service_answers_the_same_case_and_history(
    service: CaseService, make_service: ServiceFactory, journey: Journey
) -> None:
    case_before = service.get_case(journey.case_id, personal_data=True)
    history_before = service.history(journey.case_id, personal_data=True)
    service.close()

    restarted = make_service()

    assert restarted.get_case(journey.case_id, personal_data=True) == case_before == journey.states[-1]
    assert restarted.history(journey.case_id, personal_data=True) == history_before


# What an event records beyond the command's fields (domain/decisions.py): a correction keeps its birth date and
# the age it gives apart from the profile; a follow-up names the day it describes. And what the erasure at the end
# of the journey took: a plan item's description.
DERIVED_FACTS: dict[str, Any] = {
    "plan_agreed": lambda command: {
        "items": [{**msgspec.to_builtins(item), "description": None} for item in command.items]
    },
    "profile_corrected": lambda command: {
        "profile": {k: v for k, v in msgspec.to_builtins(command.profile).items() if k != "birth_date"},
        "birth_date": None,
        "age_at_entry": None,
        "age_exact": None,
    },
    "follow_up_recorded": lambda command: {
        "reference_date": (command.reference_date or command.date).isoformat(),
        "improved_situation": command.improved_situation
        if command.improvement is None
        else command.improvement != "none",
    },
}


def test_the_history_lists_every_event_as_recorded(make_service: ServiceFactory, journey: Journey) -> None:
    history = make_service().history(journey.case_id, personal_data=True)

    assert [entry.type for entry in history] == journey.types
    assert [entry.version for entry in history] == list(range(1, len(journey.types) + 1))
    assert [entry.recorded_at for entry in history] == journey.recorded_at
    assert [entry.recorded_at for entry in history] == [START + n * TICK for n in range(len(journey.types))]
    assert all(entry.recorded_at.utcoffset() == timedelta(0) for entry in history)
    assert [entry.recorded_by for entry in history] == [COUNSELLOR] * (len(history) - 1) + ["lead"]

    opened, *stepped, erased = history
    assert opened.date == date(2026, 1, 5)
    assert opened.data["agency"] == AGENCY
    assert opened.data["counsellor"] == COUNSELLOR
    assert opened.data["channel"] == "walk_in"
    assert opened.data["profile"]["birth_year"] == 1985
    assert opened.data["personal"] is None, "the journey ends with an erasure: personal data reads as erased"
    assert erased.date == START.date()
    for entry, command in zip(stepped, journey.commands[1:-1], strict=True):
        assert isinstance(command, steps.StepCommand)
        assert entry.date == command.date
        fields = msgspec.to_builtins(command)
        personal = PERSONAL_FIELDS.get(entry.type, ())
        expected = {
            name: None if name in personal else value for name, value in fields.items() if name not in ("type", "date")
        }
        expected |= DERIVED_FACTS.get(entry.type, lambda _: {})(command)
        assert msgspec.json.decode(msgspec.json.encode(entry.data)) == msgspec.json.decode(
            msgspec.json.encode(expected)
        ), entry.type


def test_the_replayed_case_holds_what_the_steps_recorded(make_service: ServiceFactory, journey: Journey) -> None:
    case = make_service().get_case(journey.case_id, personal_data=True)

    assert case.version == len(journey.types)
    assert case.status == "open"
    assert case.stage == "exam"  # reopened: back to the stage before the exit
    assert case.counsellor == "ben"
    assert case.personal is None
    assert case.special_categories_consent is True
    assert case.profile.labour_status == "long_term_unemployed"
    assert [(a.assessment_id, a.status) for a in case.assessments] == [("a1", "completed")]
    first, second = case.applications
    assert (first.status, first.outcome, first.decision_due) == ("decided", "partial", date(2026, 6, 2))
    assert first.deadline_extended is True
    assert (second.status, second.withdrawn_on, second.suspended_days) == ("withdrawn", date(2026, 3, 20), 14)
    assert (second.resumed_on, second.suspended_since, second.decision_due) == (
        date(2026, 3, 2),
        None,
        date(2026, 5, 25),  # three months after 11 February, and the 14 days it stood still
    )
    assert [(c.course_id, c.status, c.application_id, c.offer_id) for c in case.courses] == [
        ("c1", "completed", "r1", None),
        ("c2", "dropped", None, "vhs-b2-2026"),
    ]
    assert first.qualification_id == "q1"
    assert [(q.qualification_id, q.kind, q.country, q.year, q.title) for q in case.qualifications] == [
        ("q1", "vocational", "TR", 2004, None)  # the title went with the erasure
    ]
    assert [(r.referral_id, r.status, r.outcome, r.outcome_on, r.purpose) for r in case.referrals] == [
        ("v1", "answered", "appointment_kept", date(2026, 2, 5), None)
    ]
    assert case.plan_agreed_on == date(2026, 1, 9)
    assert [(i.item_id, i.status, i.done_on, i.done_with, i.description) for i in case.plan_items] == [
        ("p1", "done", date(2026, 1, 19), "assessment_completed", None),
        ("p2", "done", date(2026, 1, 20), "recognition_applied", None),
        ("p3", "done", date(2026, 3, 16), "course_enrolled", None),
        ("p4", "done", date(2026, 4, 8), "plan_item_done", None),
    ]
    assert [(e.exam_id, e.status, e.result, e.attempts, e.basis) for e in case.exams] == [
        ("e1", "result_recorded", "passed", 2, "work_experience")
    ]
    assert (case.profile.german_level, case.profile.arrival_year) == ("B1", 2019)
    assert (case.age_at_entry, case.age_exact, case.participant_id) == (41, False, journey.case_id)
    assert (case.exit, case.leaving_situation, case.follow_ups) == (None, None, ())  # reopened: a new exit to come
    closed = journey.states[journey.types.index("case_closed") + 3]  # with both follow-ups and the later situation
    assert closed.leaving_situation is not None
    assert closed.leaving_situation.employed is True
    assert [(f.recorded_on, f.reference_date, f.improved_situation) for f in closed.follow_ups] == [
        (date(2026, 5, 20), date(2026, 5, 20), True),
        (date(2026, 5, 23), date(2026, 5, 22), True),
    ]


def test_the_case_as_of_each_version_is_the_state_after_that_many_events(
    make_service: ServiceFactory, journey: Journey
) -> None:
    restarted = make_service()  # nothing cached: every past state comes from the store and its snapshots

    snapshots = restarted.snapshots
    assert snapshots is not None
    every_fifth = list(range(5, len(journey.types) + 1, 5))
    assert [s.originator_version for s in snapshots.get(journey.case_id)] == every_fifth
    assert len(every_fifth) >= 6
    for version, expected in enumerate(journey.states, start=1):
        assert restarted.case_as_of_version(journey.case_id, version, personal_data=True) == expected, version


def test_a_version_beyond_the_latest_is_not_found(service: CaseService, journey: Journey) -> None:
    latest = len(journey.types)

    with pytest.raises(VersionNotFound) as raised:
        service.case_as_of_version(journey.case_id, latest + 1, personal_data=True)
    assert raised.value.latest == latest
    with pytest.raises(VersionNotFound):
        service.case_as_of_version(journey.case_id, latest + 100, personal_data=True)


def test_the_case_as_of_an_instant_is_the_state_recorded_until_then(
    make_service: ServiceFactory, journey: Journey
) -> None:
    restarted = make_service()

    for index, recorded_at in enumerate(journey.recorded_at):
        assert restarted.case_as_of(journey.case_id, recorded_at, personal_data=True) == journey.states[index]
        between = recorded_at + TICK / 2  # after this event, before the next one
        assert restarted.case_as_of(journey.case_id, between, personal_data=True) == journey.states[index]
    assert (
        restarted.case_as_of(journey.case_id, journey.recorded_at[-1] + timedelta(days=365), personal_data=True)
        == journey.states[-1]
    )


def test_the_case_as_of_an_instant_accepts_any_utc_offset(service: CaseService, journey: Journey) -> None:
    berlin_summer = timezone(timedelta(hours=2))
    instant = (journey.recorded_at[3] + TICK / 2).astimezone(berlin_summer)

    assert service.case_as_of(journey.case_id, instant, personal_data=True) == journey.states[3]


def test_no_case_before_it_was_opened(service: CaseService, journey: Journey) -> None:
    with pytest.raises(CaseNotFound):
        service.case_as_of(journey.case_id, journey.recorded_at[0] - timedelta(microseconds=1), personal_data=True)


def test_an_unknown_case_is_not_found_by_any_query_or_command(service: CaseService, journey: Journey) -> None:
    unknown = uuid4()

    with pytest.raises(CaseNotFound):
        service.get_case(unknown, personal_data=True)
    with pytest.raises(CaseNotFound):
        service.case_as_of_version(unknown, 1, personal_data=True)
    with pytest.raises(CaseNotFound):
        service.case_as_of(unknown, datetime(2100, 1, 1, tzinfo=UTC), personal_data=True)
    with pytest.raises(CaseNotFound):
        service.history(unknown, personal_data=True)
    with pytest.raises(CaseNotFound):
        service.record_step(unknown, session(date(2026, 1, 5)), COUNSELLOR, agency=AGENCY)
    with pytest.raises(CaseNotFound):
        service.erase_personal_data(unknown, "lead", agency=AGENCY)
    # the known case is unaffected
    assert service.get_case(journey.case_id, personal_data=True).version == len(journey.types)


def test_every_write_gets_a_later_position_in_the_global_log(
    service: CaseService, make_service: ServiceFactory
) -> None:
    first = service.open_case(AGENCY, open_case_command(), COUNSELLOR)
    second = service.open_case(AGENCY, open_case_command(), COUNSELLOR)
    positions = [first.position, second.position]
    for day in range(6, 20):
        case_id = first.case.id if day % 2 else second.case.id
        positions.append(service.record_step(case_id, session(date(2026, 1, day)), COUNSELLOR, agency=AGENCY).position)
    positions.append(
        make_service().record_step(first.case.id, session(date(2026, 1, 21)), COUNSELLOR, agency=AGENCY).position
    )
    positions.append(service.erase_personal_data(second.case.id, "lead", agency=AGENCY).position)

    assert all(earlier < later for earlier, later in pairwise(positions))
    assert positions[-1] == service.recorder.max_notification_id()
    logged = service.recorder.select_notifications(start=None, limit=100)
    assert [notification.id for notification in logged] == positions


def test_the_journey_positions_increase(journey: Journey) -> None:
    assert all(earlier < later for earlier, later in pairwise(journey.positions))


def test_events_are_stored_under_their_stable_topics(service: CaseService, journey: Journey) -> None:
    stored = service.recorder.select_events(journey.case_id)
    topics = [event.topic for event in stored]

    assert topics[0] == "lotse.case.CaseOpened"
    assert topics[-1] == "lotse.case.PersonalDataErased"
    assert all(topic.startswith("lotse.case.") for topic in topics)
    # Step events are stored in their second class version (fields of their own); release 0.1 wrote the first.
    assert "lotse.case.RecognitionDecided@2" in topics


# Rules across persistence


REJECTED_ON_OPEN_CASE = [
    pytest.param(
        steps.RecognitionDecided(date=date(2026, 1, 10), application_id="nope", outcome="full"),
        RuleViolated,
        "decision_needs_application",
        id="decision-without-application",
    ),
    pytest.param(
        steps.ExamResultRecorded(date=date(2026, 1, 10), exam_id="nope", result="passed"),
        RuleViolated,
        "result_needs_admission_granted",
        id="result-without-admission",
    ),
    pytest.param(
        steps.CourseCompleted(date=date(2026, 1, 10), course_id="nope", certificate=True),
        RuleViolated,
        "course_end_needs_enrolment",
        id="course-end-without-enrolment",
    ),
    pytest.param(
        steps.FollowUpRecorded(date=date(2026, 1, 10), employed=True, improved_situation=True),
        RuleViolated,
        "follow_up_after_exit",
        id="follow-up-before-exit",
    ),
    pytest.param(
        steps.CounsellorAssigned(date=date(2026, 1, 10), counsellor="mallory"),
        RuleViolated,
        "counsellor_active_in_agency",
        id="reassignment-to-inactive-counsellor",
    ),
    pytest.param(session(date(2026, 7, 1)), InvalidStep, "date_not_in_future", id="date-in-future"),
    pytest.param(session(date(2026, 1, 4)), InvalidStep, "date_before_first_contact", id="date-before-first-contact"),
]


def assert_nothing_recorded(make_service: ServiceFactory, case_id: UUID, version: int, last_position: int) -> None:
    """A restarted service finds no trace of a refused write: same version, history and log head."""
    restarted = make_service()
    assert restarted.get_case(case_id, personal_data=True).version == version
    assert len(restarted.history(case_id, personal_data=True)) == version
    assert restarted.recorder.max_notification_id() == last_position
    with pytest.raises(VersionNotFound):
        restarted.case_as_of_version(case_id, version + 1, personal_data=True)


@pytest.mark.parametrize(("step", "error", "rule"), REJECTED_ON_OPEN_CASE)
def test_a_refused_step_leaves_no_event(
    service: CaseService,
    make_service: ServiceFactory,
    step: steps.StepCommand,
    error: type[DomainError],
    rule: str,
) -> None:
    opened = service.open_case(AGENCY, open_case_command(), COUNSELLOR)

    with pytest.raises(error) as raised:
        service.record_step(opened.case.id, step, COUNSELLOR, expected_version=1, agency=AGENCY)

    assert raised.value.rule == rule
    assert service.get_case(opened.case.id, personal_data=True) == opened.case
    assert len(service.history(opened.case.id, personal_data=True)) == 1
    assert_nothing_recorded(make_service, opened.case.id, 1, opened.position)
    # The case still takes the next valid step, as version 2.
    assert service.record_step(opened.case.id, session(date(2026, 1, 6)), COUNSELLOR, agency=AGENCY).case.version == 2


def test_a_closed_case_refuses_journey_steps_but_takes_its_follow_up(
    service: CaseService, make_service: ServiceFactory
) -> None:
    case_id = service.open_case(AGENCY, open_case_command(), COUNSELLOR).case.id
    closing = steps.CaseClosed(
        date=date(2026, 2, 1),
        reason="employment",
        situation=steps.Situation(
            job_searching=False, in_education_or_training=False, qualification_gained=False, employed=True
        ),
    )
    closed = service.record_step(case_id, closing, COUNSELLOR, agency=AGENCY)

    for step in (
        session(date(2026, 2, 2)),
        steps.AssessmentStarted(date=date(2026, 2, 2), assessment_id="a1", instrument="myskills"),
        steps.CaseClosed(date=date(2026, 2, 3), reason="other", situation=closing.situation),
    ):
        with pytest.raises(RuleViolated) as raised:
            service.record_step(case_id, step, COUNSELLOR, agency=AGENCY)
        assert raised.value.rule == "case_closed"

    assert_nothing_recorded(make_service, case_id, 2, closed.position)
    follow_up = steps.FollowUpRecorded(date=date(2026, 5, 30), employed=True, improved_situation=True)
    after = make_service().record_step(case_id, follow_up, COUNSELLOR, expected_version=2, agency=AGENCY)
    assert after.case.version == 3
    assert after.case.status == "closed"
    assert after.case.follow_up is not None


def test_personal_data_is_erased_once(service: CaseService, make_service: ServiceFactory) -> None:
    opened = service.open_case(AGENCY, open_case_command(), COUNSELLOR)
    assert opened.case.personal is not None
    erased = service.erase_personal_data(opened.case.id, "lead", agency=AGENCY)

    again = make_service().erase_personal_data(opened.case.id, "lead", agency=AGENCY)

    assert again.replayed
    assert (again.case.version, again.position) == (2, erased.position)
    assert_nothing_recorded(make_service, opened.case.id, 2, erased.position)
    assert make_service().get_case(opened.case.id, personal_data=True).personal is None


def test_the_case_as_of_an_instant_is_a_state_the_case_was_in_even_when_a_replica_clock_lags(
    make_service: ServiceFactory,
) -> None:
    """Two replicas, one clock an hour behind: every as-of answer is still one of the case's real versions."""
    ahead = make_service(clock=SteppingClock(START))
    behind = make_service(clock=SteppingClock(START - timedelta(hours=1)))
    case_id = ahead.open_case(AGENCY, open_case_command(), COUNSELLOR).case.id  # 08:00
    ahead.record_step(case_id, session(date(2026, 1, 6)), COUNSELLOR, agency=AGENCY)  # 08:01
    behind.record_step(case_id, session(date(2026, 1, 7)), COUNSELLOR, agency=AGENCY)  # stamped 07:00
    ahead.record_step(case_id, session(date(2026, 1, 8)), COUNSELLOR, agency=AGENCY)  # 08:02
    versions = [ahead.case_as_of_version(case_id, version, personal_data=True) for version in range(1, 5)]

    answered = []
    for minutes in range(-90, 10):
        instant = START + timedelta(minutes=minutes, seconds=30)
        try:
            case = ahead.case_as_of(case_id, instant, personal_data=True)
        except CaseNotFound:
            assert not answered, "a case once found does not vanish later"
            continue
        assert case in versions, instant
        answered.append(case.version)

    assert answered == sorted(answered)  # later instants never answer earlier versions
    assert answered[-1] == 4
    with pytest.raises(CaseNotFound):
        ahead.case_as_of(case_id, START - timedelta(minutes=30), personal_data=True)


def test_erasure_reaches_every_past_state_and_the_history(make_service: ServiceFactory) -> None:
    service = make_service()
    opened = service.open_case(AGENCY, open_case_command(), COUNSELLOR)
    session = steps.CounsellingSessionHeld(date=date(2026, 1, 6), minutes=30, note="wants to work as a nurse")
    service.record_step(opened.case.id, session, COUNSELLOR, agency=AGENCY)
    past = service.case_as_of_version(opened.case.id, 1, personal_data=True)
    assert to_builtins(past.personal) == {**to_builtins(open_case_command().personal), "birth_date": None}
    assert service.history(opened.case.id, personal_data=True)[1].data["note"] == "wants to work as a nurse"

    service.erase_personal_data(opened.case.id, "lead", agency=AGENCY)

    restarted = make_service()
    assert restarted.case_as_of_version(opened.case.id, 1, personal_data=True).personal is None
    assert (
        restarted.case_as_of(opened.case.id, datetime.now(UTC) + timedelta(days=1), personal_data=True).personal is None
    )
    history = restarted.history(opened.case.id, personal_data=True)
    assert history[0].data["personal"] is None
    assert history[1].data["note"] is None
    assert history[1].data["minutes"] == 30
