"""Competence assessments, courses and exams (external exam, validation, aptitude test)."""

from dataclasses import replace
from datetime import date

import pytest

from domain import events as ev
from domain import steps
from domain.case import Case
from domain.errors import InvalidStep, RuleViolated
from tests.unit.factories import (
    AGENCY,
    NO_OFFERS,
    OFFER,
    apply,
    case_with_exam,
    context,
    day,
    expect_no_offer_of_agency,
    expect_refusal,
    opened_case,
    profile,
    record,
    step,
)

# Assessments


def test_starting_an_assessment_adds_it_and_moves_to_assessment() -> None:
    command = step(steps.AssessmentStarted, 7, instrument="myskills")
    event, case = record(opened_case(), command)

    assert type(event) is ev.AssessmentStarted
    assert case.stage == "assessment"
    assessment = case.assessment("a1")
    assert assessment is not None
    assert (assessment.status, assessment.instrument, assessment.started_on) == ("started", "myskills", day(7))


def test_completing_an_assessment_records_result_and_recommended_pathway() -> None:
    case = apply(opened_case(), step(steps.AssessmentStarted, 7))
    command = step(steps.AssessmentCompleted, 14, recommended_pathway="external_exam", result="strong retail skills")
    event, case = record(case, command)

    assert type(event) is ev.AssessmentCompleted
    assessment = case.assessment("a1")
    assert assessment is not None
    assert assessment.status == "completed"
    assert assessment.completed_on == day(14)
    assert (assessment.recommended_pathway, assessment.result) == ("external_exam", "strong retail skills")
    assert case.stage == "assessment"


def test_assessment_id_is_unique_within_the_case() -> None:
    case = apply(opened_case(), step(steps.AssessmentStarted, 7))
    expect_refusal(case, step(steps.AssessmentStarted, 8), RuleViolated, "assessment_id_unique", "assessment_id")


def test_completion_needs_a_started_assessment() -> None:
    expect_refusal(
        opened_case(), step(steps.AssessmentCompleted, 8), RuleViolated, "completion_needs_assessment", "assessment_id"
    )


def test_an_assessment_completes_once() -> None:
    case = apply(opened_case(), step(steps.AssessmentStarted, 7), step(steps.AssessmentCompleted, 8))
    expect_refusal(case, step(steps.AssessmentCompleted, 9), RuleViolated, "assessment_completes_once")


def test_completion_is_not_before_the_start() -> None:
    case = apply(opened_case(), step(steps.AssessmentStarted, 7))
    expect_refusal(case, step(steps.AssessmentCompleted, 6), InvalidStep, "date_not_before_reference", "date")


# Courses


def test_enrolling_in_a_course_adds_it_and_moves_to_course() -> None:
    command = step(
        steps.CourseEnrolled,
        20,
        kind="partial_qualification",
        funding="esf",
        module=2,
        modules=5,
        planned_end=date(2026, 9, 30),
    )
    event, case = record(opened_case(), command)

    assert type(event) is ev.CourseEnrolled
    assert case.stage == "course"
    course = case.course("c1")
    assert course is not None
    assert (course.status, course.enrolled_on, course.kind, course.funding) == (
        "enrolled",
        day(20),
        "partial_qualification",
        "esf",
    )
    assert (course.module, course.modules, course.planned_end) == (2, 5, date(2026, 9, 30))


def test_the_last_module_may_be_enrolled() -> None:
    _, case = record(opened_case(), step(steps.CourseEnrolled, 20, module=5, modules=5))
    course = case.course("c1")
    assert course is not None
    assert (course.module, course.modules) == (5, 5)


def test_completing_a_course_records_the_certificate() -> None:
    case = apply(opened_case(), step(steps.CourseEnrolled, 20))
    event, case = record(case, step(steps.CourseCompleted, 80, certificate=True))

    assert type(event) is ev.CourseCompleted
    course = case.course("c1")
    assert course is not None
    assert (course.status, course.ended_on, course.certificate) == ("completed", day(80), True)
    assert case.stage == "course"


def test_dropping_a_course_records_the_reason() -> None:
    case = apply(opened_case(), step(steps.CourseEnrolled, 20))
    event, case = record(case, step(steps.CourseDropped, 30, reason="found a job"))

    assert type(event) is ev.CourseDropped
    course = case.course("c1")
    assert course is not None
    assert (course.status, course.ended_on, course.drop_reason) == ("dropped", day(30), "found a job")


def test_course_id_is_unique_within_the_case() -> None:
    case = apply(opened_case(), step(steps.CourseEnrolled, 20))
    expect_refusal(case, step(steps.CourseEnrolled, 21), RuleViolated, "course_id_unique", "course_id")


def test_module_lies_within_the_modules() -> None:
    expect_refusal(
        opened_case(),
        step(steps.CourseEnrolled, 20, module=6, modules=5),
        InvalidStep,
        "module_within_modules",
        "module",
    )


def test_planned_end_is_not_before_the_enrolment() -> None:
    command = step(steps.CourseEnrolled, 20, planned_end=day(19))
    expect_refusal(opened_case(), command, InvalidStep, "planned_end_after_start", "planned_end")


def test_an_enrolment_names_an_offer_of_the_agency_s_catalogue() -> None:
    event, case = record(opened_case(), step(steps.CourseEnrolled, 20, offer_id=OFFER), context(offers={OFFER}))

    assert type(event) is ev.CourseEnrolled
    assert event.offer_id == OFFER
    course = case.course("c1")
    assert course is not None
    assert course.offer_id == OFFER


@pytest.mark.parametrize("offer_id", NO_OFFERS)
def test_an_enrolment_naming_no_offer_of_the_agency_s_catalogue_is_refused(offer_id: str) -> None:
    expect_no_offer_of_agency(opened_case(), step(steps.CourseEnrolled, 20, offer_id=offer_id), "offer_id", offer_id)


def test_the_catalogue_is_asked_for_the_case_s_agency() -> None:
    asked: list[tuple[str, str]] = []

    def of_another_agency(offer_id: str, agency: str) -> bool:
        asked.append((offer_id, agency))
        return agency == "bonn"

    ctx = replace(context(), is_offer_of_agency=of_another_agency)
    expect_refusal(
        opened_case(), step(steps.CourseEnrolled, 20, offer_id=OFFER), RuleViolated, "offer_of_agency", "offer_id", ctx
    )
    assert asked == [(OFFER, AGENCY)]


def test_an_enrolment_without_an_offer_asks_no_catalogue() -> None:
    _, case = record(opened_case(), step(steps.CourseEnrolled, 20), context(offers=()))
    assert case.course("c1") is not None


@pytest.mark.parametrize("kind", [steps.CourseCompleted, steps.CourseDropped])
def test_course_end_needs_an_enrolment(kind: type[steps.StepCommand]) -> None:
    expect_refusal(opened_case(), step(kind, 30), RuleViolated, "course_end_needs_enrolment", "course_id")


@pytest.mark.parametrize("first", [steps.CourseCompleted, steps.CourseDropped])
@pytest.mark.parametrize("second", [steps.CourseCompleted, steps.CourseDropped])
def test_a_course_ends_once(first: type[steps.StepCommand], second: type[steps.StepCommand]) -> None:
    case = apply(opened_case(), step(steps.CourseEnrolled, 20), step(first, 30))
    expect_refusal(case, step(second, 40), RuleViolated, "course_ends_once")


@pytest.mark.parametrize("kind", [steps.CourseCompleted, steps.CourseDropped])
def test_course_end_is_not_before_the_enrolment(kind: type[steps.StepCommand]) -> None:
    case = apply(opened_case(), step(steps.CourseEnrolled, 20))
    expect_refusal(case, step(kind, 19), InvalidStep, "date_not_before_reference", "date")


# Exams


def test_applying_for_exam_admission_adds_the_exam_and_moves_to_exam() -> None:
    command = step(steps.ExamAdmissionApplied, 10, route="external_exam", chamber="hwk", occupation="Tischler")
    event, case = record(opened_case(), command)

    assert type(event) is ev.ExamAdmissionApplied
    assert case.stage == "exam"
    exam = case.exam("e1")
    assert exam is not None
    assert (exam.status, exam.route, exam.chamber, exam.admission_applied_on) == (
        "admission_applied",
        "external_exam",
        "hwk",
        day(10),
    )


@pytest.mark.parametrize(("granted", "status"), [(True, "admission_granted"), (False, "admission_refused")])
def test_admission_decision_grants_or_refuses(granted: bool, status: str) -> None:
    case = case_with_exam(granted=None)
    event, case = record(case, step(steps.ExamAdmissionDecided, 20, granted=granted, reason="4.5 years of work"))

    assert type(event) is ev.ExamAdmissionDecided
    exam = case.exam("e1")
    assert exam is not None
    assert (exam.status, exam.admission_decided_on, exam.admission_reason) == (status, day(20), "4.5 years of work")


@pytest.mark.parametrize(
    ("route", "result"),
    [
        ("external_exam", "passed"),
        ("external_exam", "failed"),
        ("aptitude_test", "passed"),
        ("validation", "full"),
        ("validation", "predominant"),
    ],
)
def test_exam_result_is_recorded(route: str, result: str) -> None:
    case = case_with_exam(route=route)
    event, case = record(case, step(steps.ExamResultRecorded, 60, result=result))

    assert type(event) is ev.ExamResultRecorded
    exam = case.exam("e1")
    assert exam is not None
    assert (exam.status, exam.result, exam.result_on) == ("result_recorded", result, day(60))
    assert case.stage == "exam"


def test_partial_comparability_is_recorded_for_a_person_with_disability() -> None:
    case = case_with_exam(route="validation", consent=True, profile=profile(disability="yes"))
    _, case = record(case, step(steps.ExamResultRecorded, 60, result="partial"))
    exam = case.exam("e1")
    assert exam is not None
    assert exam.result == "partial"


def test_exam_id_is_unique_within_the_case() -> None:
    expect_refusal(
        case_with_exam(granted=None), step(steps.ExamAdmissionApplied, 11), RuleViolated, "exam_id_unique", "exam_id"
    )


@pytest.mark.parametrize(("birth_year", "accepted"), [(2002, False), (2001, True), (1960, True)])
def test_validation_is_open_from_the_age_of_25(birth_year: int, accepted: bool) -> None:
    case = opened_case(profile=profile(birth_year=birth_year))
    command = step(steps.ExamAdmissionApplied, date(2026, 1, 10), route="validation")
    if accepted:
        _, case = record(case, command)
        assert case.exam("e1") is not None
    else:
        expect_refusal(case, command, InvalidStep, "validation_needs_age_25", "route")


def test_the_age_limit_applies_only_to_validation() -> None:
    case = opened_case(profile=profile(birth_year=2005))
    _, case = record(case, step(steps.ExamAdmissionApplied, 10, route="external_exam"))
    assert case.exam("e1") is not None


def test_admission_decision_needs_an_admission_application() -> None:
    expect_refusal(
        opened_case(),
        step(steps.ExamAdmissionDecided, 20),
        RuleViolated,
        "admission_decision_needs_application",
        "exam_id",
    )


@pytest.mark.parametrize("granted", [True, False])
def test_admission_is_decided_once(granted: bool) -> None:
    expect_refusal(
        case_with_exam(granted=granted), step(steps.ExamAdmissionDecided, 30), RuleViolated, "admission_decided_once"
    )


def test_admission_decision_is_not_before_the_application() -> None:
    expect_refusal(
        case_with_exam(granted=None),
        step(steps.ExamAdmissionDecided, 9),
        InvalidStep,
        "date_not_before_reference",
        "date",
    )


@pytest.mark.parametrize("granted", [None, False])
def test_result_needs_a_granted_admission(granted: bool | None) -> None:
    expect_refusal(
        case_with_exam(granted=granted),
        step(steps.ExamResultRecorded, 60),
        RuleViolated,
        "result_needs_admission_granted",
        "exam_id",
    )


def test_result_needs_an_exam() -> None:
    expect_refusal(
        opened_case(), step(steps.ExamResultRecorded, 60), RuleViolated, "result_needs_admission_granted", "exam_id"
    )


@pytest.mark.parametrize("result", ["passed", "failed"])
def test_a_passed_exam_has_its_result(result: str) -> None:
    # 0.2: a failed exam may be retaken (below); a passed one is done.
    case = apply(case_with_exam(), step(steps.ExamResultRecorded, 60, result="passed"))
    expect_refusal(case, step(steps.ExamResultRecorded, 61, result=result), RuleViolated, "exam_result_once")


@pytest.mark.parametrize(
    ("route", "result"),
    [
        ("external_exam", "full"),
        ("external_exam", "predominant"),
        ("external_exam", "partial"),
        ("aptitude_test", "full"),
        ("validation", "passed"),
        ("validation", "failed"),
    ],
)
def test_result_fits_the_route(route: str, result: str) -> None:
    expect_refusal(
        case_with_exam(route=route),
        step(steps.ExamResultRecorded, 60, result=result),
        InvalidStep,
        "result_fits_route",
        "result",
    )


@pytest.mark.parametrize(
    ("consent", "disability"), [(True, "yes"), (True, "no"), (True, "unknown"), (False, "unknown")]
)
def test_partial_comparability_is_accepted_whatever_is_recorded_about_disability(
    consent: bool, disability: str
) -> None:
    # 0.2: partial comparability is the chamber's decision (API.md); 0.1 refused it unless disability was "yes".
    case = case_with_exam(route="validation", consent=consent, profile=profile(disability=disability))
    event, case = record(case, step(steps.ExamResultRecorded, 60, result="partial"))

    assert type(event) is ev.ExamResultRecorded
    exam = case.exam("e1")
    assert exam is not None
    assert (exam.status, exam.result, exam.attempts) == ("result_recorded", "partial", 1)


def test_result_is_not_before_the_admission() -> None:
    expect_refusal(
        case_with_exam(), step(steps.ExamResultRecorded, 19), InvalidStep, "date_not_before_reference", "date"
    )


# Retakes (0.2): after `failed` the same exam is taken again, three results in all (§ 37(1) BBiG)


def _results(case: Case, *results: str, first_day: int = 60) -> Case:
    return apply(case, *(step(steps.ExamResultRecorded, first_day + 30 * n, result=r) for n, r in enumerate(results)))


@pytest.mark.parametrize("route", ["external_exam", "aptitude_test"])
def test_a_failed_exam_is_retaken_until_passed(route: str) -> None:
    case = _results(case_with_exam(route=route), "failed", "failed")
    exam = case.exam("e1")
    assert exam is not None
    assert (exam.attempts, exam.result, exam.result_on) == (2, "failed", day(90))
    event, case = record(case, step(steps.ExamResultRecorded, 120, result="passed"))

    assert type(event) is ev.ExamResultRecorded
    exam = case.exam("e1")
    assert exam is not None
    assert (exam.status, exam.attempts, exam.result, exam.result_on) == ("result_recorded", 3, "passed", day(120))
    assert case.stage == "exam"


def test_the_third_attempt_may_fail_too() -> None:
    case = _results(case_with_exam(), "failed", "failed", "failed")
    exam = case.exam("e1")
    assert exam is not None
    assert (exam.attempts, exam.result) == (3, "failed")


@pytest.mark.parametrize("result", ["passed", "failed"])
def test_a_fourth_result_is_refused(result: str) -> None:
    case = _results(case_with_exam(), "failed", "failed", "failed")
    expect_refusal(
        case, step(steps.ExamResultRecorded, 150, result=result), RuleViolated, "exam_attempts_exhausted", "exam_id"
    )


@pytest.mark.parametrize("results", [("passed",), ("failed", "passed"), ("failed", "failed", "passed")])
def test_no_result_follows_a_pass(results: tuple[str, ...]) -> None:
    case = _results(case_with_exam(), *results)
    expect_refusal(case, step(steps.ExamResultRecorded, 160, result="failed"), RuleViolated, "exam_result_once")


def test_a_retake_is_not_dated_before_the_previous_attempt() -> None:
    case = _results(case_with_exam(), "failed")  # day 60
    command = step(steps.ExamResultRecorded, 59, result="passed")
    expect_refusal(case, command, InvalidStep, "date_not_before_reference", "date")


def test_a_retake_fits_the_route_too() -> None:
    case = _results(case_with_exam(), "failed")
    command = step(steps.ExamResultRecorded, 90, result="full")
    expect_refusal(case, command, InvalidStep, "result_fits_route", "result")


def test_attempts_are_counted_per_exam() -> None:
    case = _results(case_with_exam(), "failed", "failed", "failed")
    case = apply(
        case,
        step(steps.ExamAdmissionApplied, 150, exam_id="e2"),
        step(steps.ExamAdmissionDecided, 155, exam_id="e2", granted=True),
        step(steps.ExamResultRecorded, 160, exam_id="e2", result="failed"),
        step(steps.ExamResultRecorded, 170, exam_id="e2", result="passed"),
    )
    second = case.exam("e2")
    assert second is not None
    assert (second.attempts, second.result) == (2, "passed")


# Validation: comparability found or not (0.2: not_comparable); a validation result is final


def test_validation_may_find_no_comparability() -> None:
    event, case = record(
        case_with_exam(route="validation"), step(steps.ExamResultRecorded, 60, result="not_comparable")
    )

    assert type(event) is ev.ExamResultRecorded
    exam = case.exam("e1")
    assert exam is not None
    assert (exam.status, exam.result, exam.attempts) == ("result_recorded", "not_comparable", 1)


@pytest.mark.parametrize("route", ["external_exam", "aptitude_test"])
def test_not_comparable_is_a_result_of_validation_only(route: str) -> None:
    command = step(steps.ExamResultRecorded, 60, result="not_comparable")
    expect_refusal(case_with_exam(route=route), command, InvalidStep, "result_fits_route", "result")


@pytest.mark.parametrize("first", ["full", "predominant", "partial", "not_comparable"])
def test_a_validation_result_is_not_followed_by_another(first: str) -> None:
    case = _results(case_with_exam(route="validation"), first)
    expect_refusal(case, step(steps.ExamResultRecorded, 90, result="full"), RuleViolated, "exam_result_once")
