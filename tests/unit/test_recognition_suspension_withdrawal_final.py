"""Release 0.2's recognition: the decision deadline suspended and resumed, withdrawal, the compensation measure linked
to its application, and the final decision after it."""

from collections.abc import Callable
from datetime import date

import pytest

from domain import events as ev
from domain import steps
from domain.case import Case, Deadline, RecognitionApplication
from domain.deadlines import deadlines
from domain.errors import InvalidStep, RuleViolated
from tests.unit.factories import (
    apply,
    asked_of,
    case_with_application,
    case_with_documents_complete,
    case_with_partial_decision,
    case_with_suspension,
    day,
    expect_refusal,
    facts_of,
    opened_case,
    record,
    step,
)


def _r1(case: Case) -> RecognitionApplication:
    application = case.application("r1")
    assert application is not None
    return application


def _decision_deadlines(case: Case) -> list[Deadline]:
    return [d for d in deadlines(case) if d.kind == "recognition_decision"]


# Suspension and resumption of the decision deadline (§ 6(4), § 14 BQFG)


@pytest.mark.parametrize("reason", ["qualification_analysis", "documents_requested", "other"])
def test_suspending_stops_the_decision_deadline(reason: str) -> None:
    case = case_with_documents_complete(completed_on=date(2026, 2, 10))  # due 2026-05-10
    command = step(steps.RecognitionDeadlineSuspended, date(2026, 3, 1), reason=reason)
    event, case = record(case, command)

    assert type(event) is ev.RecognitionDeadlineSuspended
    assert facts_of(event) == asked_of(command)
    application = _r1(case)
    assert (application.suspended_since, application.suspension_reason) == (date(2026, 3, 1), reason)
    assert (application.status, application.decision_due) == ("documents_complete", date(2026, 5, 10))
    assert _decision_deadlines(case) == []
    assert case.stage == "recognition"


def test_resuming_moves_the_due_date_by_exactly_the_days_suspended() -> None:
    case = case_with_suspension(completed_on=date(2026, 2, 10), on=date(2026, 3, 1))  # due 2026-05-10
    event, case = record(case, step(steps.RecognitionDeadlineResumed, date(2026, 3, 11)))

    assert type(event) is ev.RecognitionDeadlineResumed
    application = _r1(case)
    assert (application.suspended_since, application.suspension_reason) == (None, None)
    assert (application.suspended_days, application.decision_due) == (10, date(2026, 5, 20))
    assert _decision_deadlines(case) == [Deadline(kind="recognition_decision", ref="r1", due=date(2026, 5, 20))]


def test_two_suspensions_add_up() -> None:
    case = apply(
        case_with_suspension(completed_on=date(2026, 2, 10), on=date(2026, 3, 1)),
        step(steps.RecognitionDeadlineResumed, date(2026, 3, 11)),  # 10 days
        step(steps.RecognitionDeadlineSuspended, date(2026, 4, 1), reason="documents_requested"),
        step(steps.RecognitionDeadlineResumed, date(2026, 4, 6)),  # 5 days
    )
    application = _r1(case)
    assert (application.suspended_days, application.decision_due) == (15, date(2026, 5, 25))


def test_a_suspension_resumed_the_same_day_moves_nothing() -> None:
    case = apply(
        case_with_suspension(completed_on=date(2026, 2, 10), on=date(2026, 3, 1)),
        step(steps.RecognitionDeadlineResumed, date(2026, 3, 1)),
    )
    assert (_r1(case).suspended_days, _r1(case).decision_due) == (0, date(2026, 5, 10))


def test_resuming_a_fast_track_deadline_moves_it_across_months() -> None:
    case = case_with_documents_complete(fast_track=True, completed_on=date(2026, 1, 31))  # due 2026-03-31
    case = apply(
        case,
        step(steps.RecognitionDeadlineSuspended, date(2026, 2, 2)),
        step(steps.RecognitionDeadlineResumed, date(2026, 2, 12)),
    )
    assert _r1(case).decision_due == date(2026, 4, 10)


def test_an_extended_deadline_moves_on_by_the_days_suspended_afterwards() -> None:
    case = apply(
        case_with_documents_complete(completed_on=date(2026, 2, 10)),
        step(steps.RecognitionDeadlineExtended, date(2026, 2, 20), due=date(2026, 7, 10)),
        step(steps.RecognitionDeadlineSuspended, date(2026, 3, 1)),
        step(steps.RecognitionDeadlineResumed, date(2026, 3, 8)),
    )
    assert _r1(case).decision_due == date(2026, 7, 17)


@pytest.mark.parametrize("status", ["applied", "receipt_confirmed"])
def test_a_deadline_that_is_not_running_is_not_suspended(status: str) -> None:
    case = case_with_application()
    if status == "receipt_confirmed":
        case = apply(case, step(steps.RecognitionReceiptConfirmed, 12))
    assert _r1(case).status == status
    expect_refusal(
        case,
        step(steps.RecognitionDeadlineSuspended, 20),
        RuleViolated,
        "suspension_needs_running_deadline",
        "application_id",
    )


def test_a_suspended_deadline_is_not_suspended_again() -> None:
    case = case_with_suspension(completed_on=date(2026, 2, 10), on=date(2026, 3, 1))
    command = step(steps.RecognitionDeadlineSuspended, date(2026, 3, 5), reason="documents_requested")
    expect_refusal(case, command, RuleViolated, "deadline_suspended_already", "application_id")


def test_a_running_deadline_is_not_resumed() -> None:
    case = case_with_documents_complete(completed_on=date(2026, 2, 10))
    expect_refusal(
        case,
        step(steps.RecognitionDeadlineResumed, date(2026, 3, 1)),
        RuleViolated,
        "resumption_needs_suspension",
        "application_id",
    )


def test_a_deadline_is_resumed_once_per_suspension() -> None:
    case = apply(
        case_with_suspension(completed_on=date(2026, 2, 10), on=date(2026, 3, 1)),
        step(steps.RecognitionDeadlineResumed, date(2026, 3, 11)),
    )
    expect_refusal(
        case,
        step(steps.RecognitionDeadlineResumed, date(2026, 3, 12)),
        RuleViolated,
        "resumption_needs_suspension",
        "application_id",
    )


def test_an_application_without_documents_complete_is_not_resumed() -> None:
    expect_refusal(
        case_with_application(),
        step(steps.RecognitionDeadlineResumed, 20),
        RuleViolated,
        "resumption_needs_suspension",
        "application_id",
    )


def test_a_suspension_is_not_dated_before_the_documents_were_complete() -> None:
    case = case_with_documents_complete(completed_on=date(2026, 2, 10))
    command = step(steps.RecognitionDeadlineSuspended, date(2026, 2, 9))
    expect_refusal(case, command, InvalidStep, "date_not_before_reference", "date")


def test_a_resumption_is_not_dated_before_the_suspension() -> None:
    case = case_with_suspension(completed_on=date(2026, 2, 10), on=date(2026, 3, 1))
    command = step(steps.RecognitionDeadlineResumed, date(2026, 2, 28))
    expect_refusal(case, command, InvalidStep, "date_not_before_reference", "date")


def test_a_new_suspension_is_not_dated_before_the_previous_resumption() -> None:
    case = apply(
        case_with_suspension(completed_on=date(2026, 2, 10), on=date(2026, 3, 1)),
        step(steps.RecognitionDeadlineResumed, date(2026, 3, 11)),
    )
    expect_refusal(
        case,
        step(steps.RecognitionDeadlineSuspended, date(2026, 3, 6)),
        InvalidStep,
        "date_not_before_reference",
        "date",
    )


@pytest.mark.parametrize("outcome", ["full", "partial", "none"])
def test_a_decision_while_the_deadline_is_suspended_ends_the_suspension(outcome: str) -> None:
    case = case_with_suspension(completed_on=date(2026, 2, 10), on=date(2026, 3, 1))
    compensation = "adaptation_qualification" if outcome == "partial" else "none"
    event, case = record(
        case, step(steps.RecognitionDecided, date(2026, 3, 20), outcome=outcome, compensation=compensation)
    )

    assert type(event) is ev.RecognitionDecided
    application = _r1(case)
    assert (application.status, application.outcome, application.suspended_since) == ("decided", outcome, None)
    assert _decision_deadlines(case) == []
    expect_refusal(
        case, step(steps.RecognitionDeadlineResumed, date(2026, 3, 21)), RuleViolated, "application_decided_once"
    )


def test_only_the_suspended_application_stands_still() -> None:
    case = apply(
        case_with_documents_complete(completed_on=date(2026, 2, 10)),
        step(steps.RecognitionApplied, date(2026, 2, 11), application_id="r2"),
        step(steps.RecognitionDocumentsCompleted, date(2026, 2, 12), application_id="r2"),
        step(steps.RecognitionDeadlineSuspended, date(2026, 3, 1), application_id="r2"),
    )
    assert _decision_deadlines(case) == [Deadline(kind="recognition_decision", ref="r1", due=date(2026, 5, 10))]


# Withdrawal


def test_withdrawal_ends_the_application_without_a_decision() -> None:
    case = case_with_documents_complete(completed_on=date(2026, 2, 10))
    command = step(steps.RecognitionWithdrawn, date(2026, 3, 1), reason="client moved abroad")
    event, case = record(case, command)

    assert type(event) is ev.RecognitionWithdrawn
    assert facts_of(event) == asked_of(command)
    application = _r1(case)
    assert (application.status, application.withdrawn_on, application.withdrawal_reason) == (
        "withdrawn",
        date(2026, 3, 1),
        "client moved abroad",
    )
    assert (application.outcome, application.decided_on) == (None, None)
    assert [d.kind for d in deadlines(case)] == ["no_contact"]
    assert case.stage == "recognition"


def test_withdrawal_needs_no_reason() -> None:
    _, case = record(case_with_application(), step(steps.RecognitionWithdrawn, 20, reason=None))
    assert (_r1(case).status, _r1(case).withdrawal_reason) == ("withdrawn", None)


def test_an_application_not_yet_confirmed_may_be_withdrawn_and_is_no_longer_watched() -> None:
    case = case_with_application()
    assert "recognition_receipt" in [d.kind for d in deadlines(case)]
    _, case = record(case, step(steps.RecognitionWithdrawn, 20))
    assert [d.kind for d in deadlines(case)] == ["no_contact"]


def test_withdrawal_while_suspended_ends_the_suspension() -> None:
    case = case_with_suspension(completed_on=date(2026, 2, 10), on=date(2026, 3, 1))
    _, case = record(case, step(steps.RecognitionWithdrawn, date(2026, 3, 5)))
    assert (_r1(case).status, _r1(case).suspended_since) == ("withdrawn", None)
    assert _decision_deadlines(case) == []


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(step(steps.RecognitionReceiptConfirmed, 60), id="receipt"),
        pytest.param(step(steps.RecognitionDocumentsCompleted, 60), id="documents"),
        pytest.param(step(steps.RecognitionDeadlineExtended, 60), id="extension"),
        pytest.param(step(steps.RecognitionDeadlineSuspended, 60), id="suspension"),
        pytest.param(step(steps.RecognitionDeadlineResumed, 60), id="resumption"),
        pytest.param(step(steps.RecognitionDecided, 60), id="decision"),
        pytest.param(step(steps.RecognitionDecided, 60, outcome="none"), id="rejection"),
        pytest.param(step(steps.RecognitionWithdrawn, 60), id="withdrawal"),
        pytest.param(step(steps.CourseEnrolled, 60, application_id="r1"), id="compensation course"),
        pytest.param(step(steps.ExamAdmissionApplied, 60, application_id="r1"), id="compensation test"),
    ],
)
def test_a_withdrawn_application_takes_no_further_step(command: steps.StepCommand) -> None:
    case = apply(case_with_application(), step(steps.RecognitionWithdrawn, 50))
    expect_refusal(case, command, RuleViolated, "application_withdrawn", "application_id")


def test_a_withdrawn_application_keeps_its_id() -> None:
    case = apply(case_with_application(), step(steps.RecognitionWithdrawn, 50))
    expect_refusal(case, step(steps.RecognitionApplied, 60), RuleViolated, "application_id_unique", "application_id")


def test_withdrawal_leaves_the_other_applications_alone() -> None:
    case = apply(
        case_with_application(),
        step(steps.RecognitionApplied, 12, application_id="r2"),
        step(steps.RecognitionWithdrawn, 20),
        step(steps.RecognitionDecided, 30, application_id="r2"),
    )
    second = case.application("r2")
    assert second is not None
    assert (_r1(case).status, second.status) == ("withdrawn", "decided")


def test_a_decided_application_is_not_withdrawn() -> None:
    case = apply(case_with_application(), step(steps.RecognitionDecided, 40))
    expect_refusal(case, step(steps.RecognitionWithdrawn, 50), RuleViolated, "application_decided_once")


def test_withdrawal_is_not_dated_before_the_application() -> None:
    expect_refusal(
        case_with_application(on=10),
        step(steps.RecognitionWithdrawn, 9),
        InvalidStep,
        "date_not_before_reference",
        "date",
    )


# The compensation measure belongs to its application


def test_a_course_names_the_application_it_compensates() -> None:
    command = step(steps.CourseEnrolled, 60, kind="adaptation_course", application_id="r1")
    event, case = record(case_with_partial_decision(), command)

    assert type(event) is ev.CourseEnrolled
    assert facts_of(event) == asked_of(command)
    course = case.course("c1")
    assert course is not None
    assert (course.application_id, course.kind) == ("r1", "adaptation_course")


def test_an_exam_names_the_application_it_compensates_and_the_basis_of_admission() -> None:
    command = step(
        steps.ExamAdmissionApplied, 60, route="aptitude_test", application_id="r1", basis="foreign_qualification"
    )
    event, case = record(case_with_partial_decision(compensation="aptitude_test"), command)

    assert type(event) is ev.ExamAdmissionApplied
    assert facts_of(event) == asked_of(command)
    exam = case.exam("e1")
    assert exam is not None
    assert (exam.application_id, exam.basis, exam.route) == ("r1", "foreign_qualification", "aptitude_test")


@pytest.mark.parametrize("basis", ["work_experience", "credible_evidence", "foreign_qualification"])
def test_an_external_exam_records_the_basis_of_admission(basis: str) -> None:
    _, case = record(opened_case(), step(steps.ExamAdmissionApplied, 10, basis=basis))
    exam = case.exam("e1")
    assert exam is not None
    assert (exam.basis, exam.application_id) == (basis, None)


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(step(steps.CourseEnrolled, 60, application_id="r9"), id="course"),
        pytest.param(step(steps.ExamAdmissionApplied, 60, application_id="r9"), id="exam"),
    ],
)
def test_a_compensation_measure_needs_its_application(command: steps.StepCommand) -> None:
    expect_refusal(
        case_with_partial_decision(), command, RuleViolated, "compensation_needs_application", "application_id"
    )


# The final decision after the compensation measure


def _course_completed(case: Case, *, kind: str = "adaptation_course", application_id: str | None = "r1") -> Case:
    return apply(
        case,
        step(steps.CourseEnrolled, 60, kind=kind, application_id=application_id),
        step(steps.CourseCompleted, 120),
    )


def _test_taken(case: Case, *results: str) -> Case:
    case = apply(
        case,
        step(steps.ExamAdmissionApplied, 60, route="aptitude_test", application_id="r1"),
        step(steps.ExamAdmissionDecided, 70, granted=True),
    )
    return apply(case, *(step(steps.ExamResultRecorded, 100 + n, result=r) for n, r in enumerate(results)))


def test_full_equivalence_follows_a_completed_adaptation_course() -> None:
    case = _course_completed(case_with_partial_decision())
    event, case = record(case, step(steps.RecognitionDecided, 130, outcome="full"))

    assert type(event) is ev.RecognitionDecided
    application = _r1(case)
    assert (application.status, application.outcome, application.final_decided_on) == ("decided", "full", day(130))
    # The first decision stays as it was: its date, differences and compensation measure.
    assert (application.decided_on, application.compensation) == (day(50), "adaptation_course")
    assert case.stage == "recognition"


def test_full_equivalence_follows_a_passed_aptitude_test() -> None:
    case = _test_taken(case_with_partial_decision(compensation="aptitude_test"), "passed")
    _, case = record(case, step(steps.RecognitionDecided, 130, outcome="full"))
    assert (_r1(case).outcome, _r1(case).final_decided_on) == ("full", day(130))


def test_full_equivalence_follows_an_aptitude_test_passed_at_the_second_attempt() -> None:
    case = _test_taken(case_with_partial_decision(compensation="aptitude_test"), "failed", "passed")
    _, case = record(case, step(steps.RecognitionDecided, 130, outcome="full"))
    assert _r1(case).final_decided_on == day(130)


def test_full_equivalence_follows_the_adaptation_qualification_of_a_non_regulated_profession() -> None:
    case = case_with_partial_decision(regulated=False, compensation="adaptation_qualification")
    case = _course_completed(case, kind="adaptation_qualification")
    _, case = record(case, step(steps.RecognitionDecided, 130, outcome="full"))
    assert (_r1(case).outcome, _r1(case).final_decided_on) == ("full", day(130))


def test_the_final_decision_may_be_recorded_on_the_day_the_measure_ended() -> None:
    case = _course_completed(case_with_partial_decision())
    _, case = record(case, step(steps.RecognitionDecided, 120, outcome="full"))
    assert _r1(case).final_decided_on == day(120)


@pytest.mark.parametrize(
    "measure",
    [
        pytest.param(lambda c: c, id="no measure"),
        pytest.param(
            lambda c: apply(c, step(steps.CourseEnrolled, 60, kind="adaptation_course", application_id="r1")),
            id="course not ended",
        ),
        pytest.param(
            lambda c: apply(
                c,
                step(steps.CourseEnrolled, 60, kind="adaptation_course", application_id="r1"),
                step(steps.CourseDropped, 90),
            ),
            id="course dropped",
        ),
        pytest.param(lambda c: _course_completed(c, application_id=None), id="course for no application"),
        pytest.param(
            lambda c: _course_completed(
                apply(c, step(steps.RecognitionApplied, 55, application_id="r2")), application_id="r2"
            ),
            id="course for another application",
        ),
        pytest.param(_test_taken, id="test not taken"),
        pytest.param(lambda c: _test_taken(c, "failed"), id="test failed"),
        pytest.param(lambda c: _test_taken(c, "failed", "failed", "failed"), id="test failed three times"),
    ],
)
def test_the_final_decision_waits_for_the_measure_to_end_successfully(measure: Callable[[Case], Case]) -> None:
    case = measure(case_with_partial_decision())
    command = step(steps.RecognitionDecided, 130, outcome="full")
    expect_refusal(case, command, RuleViolated, "final_decision_needs_completed_compensation", "outcome")


@pytest.mark.parametrize("outcome", ["partial", "none"])
def test_the_final_decision_is_full_equivalence(outcome: str) -> None:
    case = _course_completed(case_with_partial_decision())
    command = step(steps.RecognitionDecided, 130, outcome=outcome)
    expect_refusal(case, command, RuleViolated, "final_decision_needs_completed_compensation", "outcome")


def test_there_is_no_third_decision() -> None:
    case = apply(_course_completed(case_with_partial_decision()), step(steps.RecognitionDecided, 130, outcome="full"))
    command = step(steps.RecognitionDecided, 140, outcome="full")
    expect_refusal(case, command, RuleViolated, "final_decision_needs_completed_compensation", "outcome")


@pytest.mark.parametrize("first", ["full", "none"])
def test_only_a_partial_decision_is_followed_by_a_final_one(first: str) -> None:
    case = apply(case_with_application(regulated=True), step(steps.RecognitionDecided, 50, outcome=first))
    case = _course_completed(case)
    command = step(steps.RecognitionDecided, 130, outcome="full")
    expect_refusal(case, command, RuleViolated, "final_decision_needs_completed_compensation", "outcome")


def test_a_measure_that_ended_before_the_partial_decision_compensates_nothing() -> None:
    case = apply(
        case_with_application(regulated=True),
        step(steps.CourseEnrolled, 20, kind="adaptation_course", application_id="r1"),
        step(steps.CourseCompleted, 30),
        step(steps.RecognitionDecided, 50, outcome="partial", compensation="adaptation_course"),
    )
    expect_refusal(
        case,
        step(steps.RecognitionDecided, 60, outcome="full"),
        RuleViolated,
        "final_decision_needs_completed_compensation",
        "outcome",
    )


def test_the_final_decision_is_not_dated_before_the_first() -> None:
    case = apply(
        case_with_application(regulated=True),
        step(steps.RecognitionDecided, 50, outcome="partial", compensation="aptitude_test"),
        step(steps.ExamAdmissionApplied, 51, route="aptitude_test", application_id="r1"),
        step(steps.ExamAdmissionDecided, 52),
        step(steps.ExamResultRecorded, 53),
    )
    expect_refusal(
        case, step(steps.RecognitionDecided, 52, outcome="full"), InvalidStep, "date_not_before_reference", "date"
    )


def test_the_final_decision_names_no_further_measure() -> None:
    case = _course_completed(case_with_partial_decision())
    expect_refusal(
        case,
        step(steps.RecognitionDecided, 130, outcome="full", compensation="adaptation_course"),
        InvalidStep,
        "compensation_only_for_partial",
        "compensation",
    )


def test_a_decision_while_suspended_leaves_no_suspension_behind() -> None:
    case = case_with_suspension(completed_on=date(2026, 2, 10), on=date(2026, 3, 1))
    _, case = record(case, step(steps.RecognitionDecided, date(2026, 3, 20)))
    assert (_r1(case).suspended_since, _r1(case).suspension_reason) == (None, None)


def test_the_final_decision_is_not_dated_before_the_measure_ended() -> None:
    case = _course_completed(case_with_partial_decision())  # completed on day 120
    expect_refusal(
        case, step(steps.RecognitionDecided, 100, outcome="full"), InvalidStep, "date_not_before_reference", "date"
    )

    _, decided = record(case, step(steps.RecognitionDecided, 120, outcome="full"))
    assert _r1(decided).final_decided_on == day(120)


def test_a_decision_is_not_dated_before_the_suspension_it_ends() -> None:
    case = case_with_suspension(completed_on=date(2026, 2, 10), on=date(2026, 3, 1))
    expect_refusal(
        case, step(steps.RecognitionDecided, date(2026, 2, 27)), InvalidStep, "date_not_before_reference", "date"
    )
