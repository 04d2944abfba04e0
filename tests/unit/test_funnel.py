"""The pathway funnel: which pathway a journey took, and the day it first reached each stage."""

import statistics
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import steps
from domain.case import Case
from domain.funnel import FUNNEL_STAGES, PATHWAYS, funnel_position, pathway_of
from infrastructure.projections.queries import median_of_counts
from tests.unit.factories import OPENED_ON, apply, day, opened_case, step


def course(course_id: str, kind: str, on: int = 10) -> steps.CourseEnrolled:
    return step(steps.CourseEnrolled, on, course_id=course_id, kind=kind)


def exam(exam_id: str, route: str, on: int = 10) -> steps.ExamAdmissionApplied:
    return step(steps.ExamAdmissionApplied, on, exam_id=exam_id, route=route)


def journey(*commands: steps.StepCommand) -> Case:
    return apply(opened_case(), *commands)


def situation(*, qualification_gained: bool) -> steps.Situation:
    return steps.Situation(
        job_searching=not qualification_gained,
        in_education_or_training=False,
        qualification_gained=qualification_gained,
        employed=False,
    )


def test_the_stages_and_pathways_the_funder_sees() -> None:
    assert list(FUNNEL_STAGES) == ["first_contact", "assessment", "pathway_started", "outcome", "exit", "qualified"]
    assert set(PATHWAYS) == {
        "recognition",
        "validation",
        "partial_qualifications",
        "external_exam",
        "retraining",
        "undecided",
    }


# pathway_of


def test_recognition_wins_over_every_other_pathway() -> None:
    case = journey(
        exam("v1", "validation"),
        course("c1", "partial_qualification"),
        course("c2", "exam_preparation"),
        course("c3", "retraining"),
        step(steps.RecognitionApplied, 30),
    )
    assert pathway_of(case) == "recognition"


def test_a_recognition_application_alone_is_the_recognition_pathway() -> None:
    assert pathway_of(journey(step(steps.RecognitionApplied, 10))) == "recognition"


def test_validation_procedure() -> None:
    case = journey(
        course("c1", "partial_qualification"), course("c2", "exam_preparation"), exam("v1", "validation", 20)
    )
    assert pathway_of(case) == "validation"


def test_partial_qualifications_lead_to_the_external_exam_but_stay_their_pathway() -> None:
    case = journey(course("c1", "partial_qualification"), exam("e1", "external_exam", 30), course("c3", "retraining"))
    assert pathway_of(case) == "partial_qualifications"


@pytest.mark.parametrize(
    "commands",
    [
        pytest.param((exam("e1", "external_exam"),), id="exam admission"),
        pytest.param((course("c1", "exam_preparation"),), id="exam preparation course"),
        pytest.param((course("c1", "exam_preparation"), course("c2", "retraining")), id="preparation over retraining"),
    ],
)
def test_external_exam_via_the_exam_or_its_preparation_course(commands: tuple[steps.StepCommand, ...]) -> None:
    assert pathway_of(journey(*commands)) == "external_exam"


def test_retraining() -> None:
    assert pathway_of(journey(course("c1", "language"), course("c2", "retraining", 20))) == "retraining"


@pytest.mark.parametrize(
    "commands",
    [
        pytest.param((), id="first contact only"),
        pytest.param((course("c1", "language"),), id="language course"),
        pytest.param((course("c1", "adaptation_course"),), id="adaptation course without application"),
        pytest.param((exam("e1", "aptitude_test"),), id="aptitude test without application"),
        pytest.param(
            (
                step(steps.AssessmentStarted, 5),
                step(steps.AssessmentCompleted, 8, recommended_pathway="external_exam"),
            ),
            id="recommended but not taken",
        ),
    ],
)
def test_undecided_until_a_pathway_is_taken(commands: tuple[steps.StepCommand, ...]) -> None:
    assert pathway_of(journey(*commands)) == "undecided"


# funnel_position


def test_a_first_contact_has_reached_only_its_first_stage() -> None:
    position = funnel_position(opened_case())
    assert position.pathway == "undecided"
    assert position.reached == {"first_contact": OPENED_ON}


def test_assessment_is_reached_on_the_first_assessment_start() -> None:
    case = journey(
        step(steps.AssessmentStarted, 12, assessment_id="a1"),
        step(steps.AssessmentStarted, 7, assessment_id="a2"),  # recorded later, started earlier
        step(steps.AssessmentCompleted, 15, assessment_id="a1"),
    )
    assert funnel_position(case).reached == {"first_contact": OPENED_ON, "assessment": day(7)}


@pytest.mark.parametrize(
    ("commands", "first_start"),
    [
        pytest.param(
            (step(steps.RecognitionApplied, 25), course("c1", "language", 18), exam("e1", "external_exam", 30)),
            18,
            id="course",
        ),
        pytest.param((course("c1", "language", 18), exam("e1", "external_exam", 12)), 12, id="exam admission"),
        pytest.param((exam("e1", "external_exam", 30), step(steps.RecognitionApplied, 9)), 9, id="application"),
    ],
)
def test_pathway_starts_on_the_first_application_course_or_exam_admission(
    commands: tuple[steps.StepCommand, ...], first_start: int
) -> None:
    assert funnel_position(journey(*commands)).reached["pathway_started"] == day(first_start)


def test_an_assessment_is_not_a_pathway_start() -> None:
    reached = funnel_position(journey(step(steps.AssessmentStarted, 5))).reached
    assert "pathway_started" not in reached


def test_outcome_is_the_first_decision_result_or_completed_course() -> None:
    case = journey(
        step(steps.RecognitionApplied, 10),
        course("c1", "adaptation_qualification", 12),
        exam("e1", "external_exam", 14),
        step(steps.ExamAdmissionDecided, 20),
        step(steps.CourseCompleted, 60, course_id="c1"),
        step(steps.RecognitionDecided, 50, outcome="none"),  # a rejection is an outcome too
        step(steps.ExamResultRecorded, 70, result="failed"),
    )
    assert funnel_position(case).reached["outcome"] == day(50)


@pytest.mark.parametrize(
    ("commands", "outcome"),
    [
        pytest.param(
            (exam("e1", "external_exam"), step(steps.ExamAdmissionDecided, 20), step(steps.ExamResultRecorded, 40)),
            40,
            id="exam result",
        ),
        pytest.param((course("c1", "exam_preparation"), step(steps.CourseCompleted, 33)), 33, id="completed course"),
        pytest.param((step(steps.RecognitionApplied, 10), step(steps.RecognitionDecided, 44)), 44, id="decision"),
    ],
)
def test_each_kind_of_outcome(commands: tuple[steps.StepCommand, ...], outcome: int) -> None:
    assert funnel_position(journey(*commands)).reached["outcome"] == day(outcome)


@pytest.mark.parametrize(
    "commands",
    [
        pytest.param((course("c1", "exam_preparation"), step(steps.CourseDropped, 30)), id="dropped course"),
        pytest.param((exam("e1", "external_exam"), step(steps.ExamAdmissionDecided, 20)), id="admission granted"),
        pytest.param(
            (exam("e1", "external_exam"), step(steps.ExamAdmissionDecided, 20, granted=False)), id="admission refused"
        ),
        pytest.param(
            (
                step(steps.RecognitionApplied, 10),
                step(steps.RecognitionReceiptConfirmed, 15),
                step(steps.RecognitionDocumentsCompleted, 25),
            ),
            id="application pending",
        ),
    ],
)
def test_no_outcome_yet(commands: tuple[steps.StepCommand, ...]) -> None:
    assert "outcome" not in funnel_position(journey(*commands)).reached


def test_exit_and_qualified_on_an_exit_with_a_qualification_gained() -> None:
    case = journey(
        exam("e1", "external_exam"),
        step(steps.ExamAdmissionDecided, 20),
        step(steps.ExamResultRecorded, 40),
        step(steps.CaseClosed, 45, situation=situation(qualification_gained=True)),
    )
    position = funnel_position(case)
    assert position.pathway == "external_exam"
    assert position.reached == {
        "first_contact": OPENED_ON,
        "pathway_started": day(10),
        "outcome": day(40),
        "exit": day(45),
        "qualified": day(45),
    }


def test_a_passed_exam_is_not_qualified_unless_the_exit_says_so() -> None:
    case = journey(
        exam("e1", "external_exam"), step(steps.ExamAdmissionDecided, 20), step(steps.ExamResultRecorded, 40)
    )
    assert "qualified" not in funnel_position(case).reached
    closed = apply(
        case, step(steps.CaseClosed, 45, reason="employment", situation=situation(qualification_gained=False))
    )
    reached = funnel_position(closed).reached
    assert reached["exit"] == day(45)
    assert "qualified" not in reached


def test_reopening_takes_back_exit_and_qualified_until_the_final_exit() -> None:
    case = journey(step(steps.CaseClosed, 30, situation=situation(qualification_gained=True)))
    reopened = apply(case, step(steps.CaseReopened, 40))
    assert {"exit", "qualified"}.isdisjoint(funnel_position(reopened).reached)
    final = apply(reopened, step(steps.CaseClosed, 70, situation=situation(qualification_gained=True)))
    reached = funnel_position(final).reached
    assert (reached["exit"], reached["qualified"]) == (day(70), day(70))


def test_validation_journey_reaches_every_stage() -> None:
    case = journey(
        step(steps.AssessmentStarted, 3),
        exam("v1", "validation", 10),
        step(steps.ExamAdmissionDecided, 20, exam_id="v1"),
        step(steps.ExamResultRecorded, 90, exam_id="v1", result="full"),
        step(steps.CaseClosed, 95, situation=situation(qualification_gained=True)),
    )
    position = funnel_position(case)
    assert position.pathway == "validation"
    assert list(position.reached) == list(FUNNEL_STAGES)
    assert [position.reached[stage] for stage in FUNNEL_STAGES] == [OPENED_ON, *map(day, (3, 10, 90, 95, 95))]


@given(st.lists(st.integers(min_value=0, max_value=800), max_size=60))
def test_the_median_from_counts_per_value_is_the_median_of_the_values(days: list[int]) -> None:
    histogram = sorted(Counter(days).items())

    expected = float(statistics.median(days)) if days else None
    assert median_of_counts(histogram) == expected
