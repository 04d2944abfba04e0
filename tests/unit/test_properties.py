"""Properties over random journeys: the state is exactly the replay of the accepted events, whatever was refused.

A journey is a first contact and a sequence of plausible step commands (ids drawn from a small pool, so they
may or may not exist; dates walking forward from around the first contact, sometimes back, sometimes past
today), plus the occasional erasure. Each is decided by the domain and, if accepted, evolved into the case.
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, get_args

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import decisions, steps
from domain import events as ev
from domain import vocabulary as v
from domain.case import Case
from domain.deadlines import deadlines
from domain.errors import DomainError, InvalidStep, RuleViolated
from domain.evolution import evolve, project_case
from tests.unit.factories import AGENCY, AT, CASE_ID, TODAY, context

BOUNDED = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

IDS = ("x1", "x2")
COUNSELLORS = ("ayse", "ben", "gone")  # "gone" has left the agency
ERASE = "erase personal data"
EARLIEST_FIRST_CONTACT = TODAY - timedelta(days=300)

Action = steps.StepCommand | str


def values(literal: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from(get_args(literal))


ids = st.sampled_from((*IDS[:1] * 3, *IDS[1:]))  # mostly the same id, so that follow-on steps find it
texts = st.sampled_from(("a", "diploma translation", "Kaufmann im Einzelhandel"))
optional_texts = st.none() | texts
yes_no_unknown = values(v.YesNoUnknown)


ANCHOR = date(2000, 1, 1)  # step templates are dated here, then moved to their day in the journey
later = st.integers(-10, 200).map(lambda days: ANCHOR + timedelta(days=days))
modules = st.none() | st.integers(1, 6)
situations = st.builds(
    steps.Situation,
    job_searching=st.booleans(),
    in_education_or_training=st.booleans(),
    qualification_gained=st.booleans(),
    employed=st.booleans(),
)
profile_changes = st.builds(
    steps.ProfileChanges,
    isced=st.integers(0, 8) | st.just(msgspec.UNSET),
    labour_status=values(v.LabourStatus) | st.just(msgspec.UNSET),
    disability=yes_no_unknown | st.just(msgspec.UNSET),
    minority=yes_no_unknown | st.just(msgspec.UNSET),
    birth_year=st.integers(1960, 2008) | st.just(msgspec.UNSET),
)


def template(
    kind: type[steps.StepCommand], /, **fields: st.SearchStrategy[Any]
) -> st.SearchStrategy[steps.StepCommand]:
    return st.builds(kind, date=st.just(ANCHOR), **fields)


# One strategy per step type, with values that are sometimes right and sometimes break a rule.
STEP_TEMPLATES: dict[type[steps.StepCommand], st.SearchStrategy[steps.StepCommand]] = {
    steps.ProfileCorrected: template(steps.ProfileCorrected, profile=profile_changes),
    steps.CounsellingSessionHeld: template(
        steps.CounsellingSessionHeld, minutes=st.integers(1, 120), note=optional_texts
    ),
    steps.AssessmentStarted: template(steps.AssessmentStarted, assessment_id=ids, instrument=values(v.Instrument)),
    steps.AssessmentCompleted: template(
        steps.AssessmentCompleted,
        assessment_id=ids,
        recommended_pathway=values(v.Pathway),
        result=optional_texts,
    ),
    steps.RecognitionApplied: template(
        steps.RecognitionApplied,
        application_id=ids,
        reference_occupation=texts,
        responsible_body=values(v.ResponsibleBody),
        regulated=st.booleans(),
        fast_track=st.booleans(),
    ),
    steps.RecognitionReceiptConfirmed: template(
        steps.RecognitionReceiptConfirmed,
        application_id=ids,
        missing_documents=st.lists(texts, max_size=2).map(tuple),
    ),
    steps.RecognitionDocumentsCompleted: template(steps.RecognitionDocumentsCompleted, application_id=ids),
    steps.RecognitionDeadlineExtended: template(
        steps.RecognitionDeadlineExtended, application_id=ids, due=later, reason=texts
    ),
    steps.RecognitionDecided: template(
        steps.RecognitionDecided,
        application_id=ids,
        outcome=values(v.RecognitionOutcome),
        substantial_differences=optional_texts,
        compensation=st.just("none") | values(v.Compensation),
    ),
    steps.CourseEnrolled: template(
        steps.CourseEnrolled,
        course_id=ids,
        kind=values(v.CourseKind),
        provider=texts,
        funding=values(v.Funding),
        module=modules,
        modules=modules,
        planned_end=st.none() | later,
    ),
    steps.CourseCompleted: template(steps.CourseCompleted, course_id=ids, certificate=st.booleans()),
    steps.CourseDropped: template(steps.CourseDropped, course_id=ids, reason=texts),
    steps.ExamAdmissionApplied: template(
        steps.ExamAdmissionApplied,
        exam_id=ids,
        route=values(v.ExamRoute),
        occupation=texts,
        chamber=values(v.Chamber),
    ),
    steps.ExamAdmissionDecided: template(
        steps.ExamAdmissionDecided, exam_id=ids, granted=st.booleans(), reason=optional_texts
    ),
    steps.ExamResultRecorded: template(steps.ExamResultRecorded, exam_id=ids, result=values(v.ExamResult)),
    steps.CounsellorAssigned: template(steps.CounsellorAssigned, counsellor=st.sampled_from(COUNSELLORS)),
    steps.CaseClosed: template(steps.CaseClosed, reason=values(v.CloseReason), situation=situations),
    steps.CaseReopened: template(steps.CaseReopened, reason=texts),
    steps.FollowUpRecorded: template(steps.FollowUpRecorded, employed=st.booleans(), improved_situation=st.booleans()),
    steps.ConsentChanged: template(steps.ConsentChanged, special_categories=st.booleans()),
}

JOURNEY_STEPS = (  # the steps that move the stage
    steps.AssessmentStarted,
    steps.AssessmentCompleted,
    steps.RecognitionApplied,
    steps.RecognitionReceiptConfirmed,
    steps.RecognitionDocumentsCompleted,
    steps.RecognitionDeadlineExtended,
    steps.RecognitionDecided,
    steps.CourseEnrolled,
    steps.CourseCompleted,
    steps.CourseDropped,
    steps.ExamAdmissionApplied,
    steps.ExamAdmissionDecided,
    steps.ExamResultRecorded,
)
FOLLOW_ON_STEPS = tuple(  # those that refer to an earlier one
    kind
    for kind in JOURNEY_STEPS
    if kind not in (steps.AssessmentStarted, steps.RecognitionApplied, steps.CourseEnrolled, steps.ExamAdmissionApplied)
)
# Journey steps come three times as often as the rest (follow-on steps four times), and reopening and follow-up
# four times, so that cases get deep and go on after an exit; None erases the personal data.
WEIGHTED_ACTIONS: tuple[st.SearchStrategy[steps.StepCommand] | None, ...] = (
    *STEP_TEMPLATES.values(),
    *(STEP_TEMPLATES[kind] for kind in JOURNEY_STEPS * 2 + FOLLOW_ON_STEPS),
    *(STEP_TEMPLATES[kind] for kind in (steps.CaseReopened, steps.FollowUpRecorded) * 3),
    None,
)


def dated(command: steps.StepCommand, on: date) -> steps.StepCommand:
    """The command moved to `on`, its other dates (a new due date, a planned end) moved along."""
    shift = on - ANCHOR
    moved = {
        name: value + shift for name in command.__struct_fields__ if isinstance(value := getattr(command, name), date)
    }
    return msgspec.structs.replace(command, **moved)


@st.composite
def first_contacts(draw: st.DrawFn) -> steps.OpenCase:
    consent = draw(st.booleans())
    special = yes_no_unknown if consent else st.just("unknown")
    profile = steps.Profile(
        birth_year=draw(st.integers(1960, 2008)),
        gender=draw(values(v.Gender)),
        labour_status=draw(values(v.LabourStatus)),
        isced=draw(st.integers(0, 8)),
        foreign_background=draw(st.booleans()),
        third_country_national=draw(st.booleans()),
        disability=draw(special),
        minority=draw(special),
    )
    return steps.OpenCase(
        first_contact_on=EARLIEST_FIRST_CONTACT + timedelta(days=draw(st.integers(0, 280))),
        channel=draw(values(v.Channel)),
        referral_source=draw(values(v.ReferralSource)),
        profile=profile,
        counsellor=draw(st.sampled_from((None, "ayse", "ben"))),
        personal=steps.PersonalData(name="Client"),
        consent=steps.Consent(special_categories=consent),
    )


@st.composite
def journeys(draw: st.DrawFn, max_steps: int = 40) -> tuple[steps.OpenCase, list[Action]]:
    """A first contact, then steps on days walking on from around it (mostly forward, sometimes back)."""
    opening = draw(first_contacts())
    on = opening.first_contact_on - timedelta(days=2)
    journey: list[Action] = []
    for _ in range(draw(st.integers(0, max_steps))):
        on += timedelta(days=draw(st.integers(-2, 6)))
        template = draw(st.sampled_from(WEIGHTED_ACTIONS))
        journey.append(ERASE if template is None else dated(draw(template), on))
    return opening, journey


@dataclass
class Run:
    """A journey as decided and evolved: accepted events with the state after each, and the refusals."""

    events: list[ev.CaseEvent] = field(default_factory=list)
    states: list[Case] = field(default_factory=list)
    refusals: list[tuple[Case, Action, DomainError]] = field(default_factory=list)  # the case that refused

    @property
    def case(self) -> Case:
        return self.states[-1]


def snapshot(case: Case) -> bytes:
    return msgspec.json.encode(case)


def decide(case: Case, action: Action, ctx: decisions.Context) -> ev.CaseEvent:
    if action == ERASE:
        return decisions.erase_personal_data(case, ctx)
    assert isinstance(action, steps.StepCommand)
    return decisions.record_step(case, action, ctx)


def run(journey: tuple[steps.OpenCase, list[Action]]) -> Run:
    opening, actions = journey
    result = Run()
    first = decisions.open_case(CASE_ID, AGENCY, opening, context(active={"ayse", "ben"}))
    result.events.append(first)
    result.states.append(evolve(None, first))
    for number, action in enumerate(actions, start=1):
        ctx = context(at=AT + timedelta(minutes=number), active={"ayse", "ben"})
        case = result.case
        before = snapshot(case)
        try:
            event = decide(case, action, ctx)
        except DomainError as error:
            assert snapshot(case) == before  # a refused command leaves the case as it was and emits nothing
            result.refusals.append((case, action, error))
            continue
        assert snapshot(case) == before  # deciding never touches the case
        result.events.append(event)
        result.states.append(evolve(case, event))
    return result


@BOUNDED
@given(journeys())
def test_replaying_the_accepted_events_gives_the_evolved_state(journey: tuple[steps.OpenCase, list[Action]]) -> None:
    result = run(journey)
    replayed = project_case(None, result.events)
    assert replayed == result.case
    assert replayed is not None
    assert snapshot(replayed) == snapshot(result.case)


@BOUNDED
@given(journeys())
def test_every_prefix_replays_to_the_state_after_it(journey: tuple[steps.OpenCase, list[Action]]) -> None:
    result = run(journey)
    for count in range(1, len(result.events) + 1):
        replayed = project_case(None, result.events[:count])
        assert replayed == result.states[count - 1]
        assert replayed is not None
        assert replayed.version == count


@BOUNDED
@given(journeys())
def test_replay_may_start_from_any_intermediate_state(journey: tuple[steps.OpenCase, list[Action]]) -> None:
    result = run(journey)
    for count, state in enumerate(result.states, start=1):
        assert project_case(state, result.events[count:]) == result.case


@BOUNDED
@given(journeys())
def test_accepted_events_are_numbered_one_after_another(journey: tuple[steps.OpenCase, list[Action]]) -> None:
    result = run(journey)
    assert [event.originator_version for event in result.events] == list(range(1, len(result.events) + 1))
    assert {event.originator_id for event in result.events} == {CASE_ID}
    assert [state.version for state in result.states] == list(range(1, len(result.states) + 1))


@BOUNDED
@given(journeys())
def test_a_refused_command_is_refused_again_by_the_same_rule(journey: tuple[steps.OpenCase, list[Action]]) -> None:
    ctx = context(active={"ayse", "ben"})
    for case, action, error in run(journey).refusals:
        assert type(error) in (RuleViolated, InvalidStep)
        assert re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*", error.rule), error.rule
        assert str(error) == error.detail
        assert error.detail
        before = snapshot(case)
        with pytest.raises(DomainError) as again:
            decide(case, action, ctx)
        assert (type(again.value), again.value.rule, again.value.field) == (type(error), error.rule, error.field)
        assert snapshot(case) == before


@BOUNDED
@given(journeys())
def test_the_case_stays_consistent_after_every_accepted_step(
    journey: tuple[steps.OpenCase, list[Action]],
) -> None:
    result = run(journey)
    for case in result.states:
        assert (case.status == "closed") == (case.exit is not None) == (case.stage == "closed")
        assert case.stage_before_exit != "closed"
        assert case.follow_up is None or (case.exit is not None and case.follow_up.recorded_on >= case.exit.closed_on)
        assert case.opened_on <= case.last_contact_on <= TODAY
        assert case.closed_on is None or case.opened_on <= case.closed_on <= TODAY
        if not case.special_categories_consent:
            assert (case.profile.disability, case.profile.minority) == ("unknown", "unknown")
        for collection, key in (
            (case.assessments, "assessment_id"),
            (case.applications, "application_id"),
            (case.courses, "course_id"),
            (case.exams, "exam_id"),
        ):
            keys = [getattr(item, key) for item in collection]
            assert len(keys) == len(set(keys))
        for assessment in case.assessments:
            assert (assessment.status == "completed") == (assessment.completed_on is not None)
            assert assessment.completed_on is None or assessment.started_on <= assessment.completed_on
        for application in case.applications:
            assert (application.status == "decided") == (application.outcome is not None)
            assert (application.decision_due is not None) == (application.documents_completed_on is not None)
            if application.documents_completed_on is not None:
                assert application.status in ("documents_complete", "decided")
                assert application.missing_documents == ()
            if application.deadline_extended:
                assert application.decision_due is not None
            if application.outcome is not None and application.outcome != "partial":
                assert application.compensation == "none"
        for course in case.courses:
            assert (course.status == "enrolled") == (course.ended_on is None)
            assert course.ended_on is None or course.enrolled_on <= course.ended_on
            assert course.module is None or course.modules is None or course.module <= course.modules
        for exam in case.exams:
            assert (exam.status == "result_recorded") == (exam.result is not None)
            assert (exam.status == "admission_applied") == (exam.admission_decided_on is None)
            if exam.result is not None:
                assert exam.admission_decided_on is not None
                assert exam.result_on is not None
                assert exam.admission_applied_on <= exam.admission_decided_on <= exam.result_on
        pending = deadlines(case)
        assert pending == sorted(pending, key=lambda d: (d.due, d.kind, d.ref))
        assert any(d.kind == "no_contact" for d in pending) == (case.status == "open")


def test_the_journeys_draw_every_step_type() -> None:
    assert set(STEP_TEMPLATES) == set(get_args(steps.Step))
