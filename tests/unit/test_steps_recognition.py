"""Recognition of a foreign qualification: application, receipt, documents, deadline, decision."""

from datetime import date

import pytest

from domain import events as ev
from domain import steps
from domain.deadlines import deadlines
from domain.errors import InvalidStep, RuleViolated
from tests.unit.factories import (
    apply,
    asked_of,
    case_with_application,
    case_with_documents_complete,
    day,
    expect_refusal,
    facts_of,
    opened_case,
    record,
    step,
)

# Accepted steps: the event and its effect on the case


def test_applying_for_recognition_adds_the_application_and_moves_to_recognition() -> None:
    command = step(steps.RecognitionApplied, 10, responsible_body="state_authority", regulated=True, fast_track=True)
    event, case = record(opened_case(), command)

    assert type(event) is ev.RecognitionApplied
    assert facts_of(event) == asked_of(command)
    assert case.stage == "recognition"
    application = case.application("r1")
    assert application is not None
    assert (application.status, application.applied_on) == ("applied", day(10))
    assert (application.responsible_body, application.regulated, application.fast_track) == (
        "state_authority",
        True,
        True,
    )
    assert application.decision_due is None


def test_confirmed_receipt_lists_the_missing_documents() -> None:
    command = step(steps.RecognitionReceiptConfirmed, 15, missing_documents=("birth certificate", "diploma"))
    event, case = record(case_with_application(), command)

    assert type(event) is ev.RecognitionReceiptConfirmed
    application = case.application("r1")
    assert application is not None
    assert application.status == "receipt_confirmed"
    assert application.receipt_confirmed_on == day(15)
    assert application.missing_documents == ("birth certificate", "diploma")
    assert case.stage == "recognition"


def test_complete_documents_start_the_three_month_decision_deadline() -> None:
    case = apply(case_with_application(), step(steps.RecognitionReceiptConfirmed, 15))
    event, case = record(case, step(steps.RecognitionDocumentsCompleted, date(2026, 2, 10)))

    assert type(event) is ev.RecognitionDocumentsCompleted
    application = case.application("r1")
    assert application is not None
    assert application.status == "documents_complete"
    assert application.documents_completed_on == date(2026, 2, 10)
    assert application.missing_documents == ()
    assert application.decision_due == date(2026, 5, 10)


def test_a_receipt_recorded_after_the_documents_are_complete_keeps_them_complete() -> None:
    case = case_with_documents_complete(completed_on=date(2026, 2, 10))
    _, case = record(case, step(steps.RecognitionReceiptConfirmed, date(2026, 2, 1), missing_documents=("diploma",)))

    application = case.application("r1")
    assert application is not None
    assert application.receipt_confirmed_on == date(2026, 2, 1)
    assert (application.status, application.missing_documents) == ("documents_complete", ())
    assert application.decision_due == date(2026, 5, 10)


def test_fast_track_decision_deadline_is_two_months() -> None:
    case = case_with_documents_complete(fast_track=True, completed_on=date(2026, 2, 10))
    application = case.application("r1")
    assert application is not None
    assert application.decision_due == date(2026, 4, 10)


@pytest.mark.parametrize(
    ("fast_track", "due"),
    [(False, date(2026, 4, 30)), (True, date(2026, 3, 31))],
)
def test_decision_deadline_is_clamped_to_the_end_of_a_shorter_month(fast_track: bool, due: date) -> None:
    case = case_with_documents_complete(fast_track=fast_track, completed_on=date(2026, 1, 31))
    application = case.application("r1")
    assert application is not None
    assert application.decision_due == due


def test_extension_moves_the_decision_deadline() -> None:
    case = case_with_documents_complete(completed_on=date(2026, 2, 10))
    event, case = record(case, step(steps.RecognitionDeadlineExtended, 60, due=date(2026, 7, 10)))

    assert type(event) is ev.RecognitionDeadlineExtended
    application = case.application("r1")
    assert application is not None
    assert (application.decision_due, application.deadline_extended) == (date(2026, 7, 10), True)
    assert application.status == "documents_complete"
    assert [(d.kind, d.ref, d.due) for d in deadlines(case) if d.kind == "recognition_decision"] == [
        ("recognition_decision", "r1", date(2026, 7, 10))
    ]


def test_full_equivalence_decides_the_application_and_ends_its_deadline() -> None:
    case = case_with_documents_complete()
    event, case = record(case, step(steps.RecognitionDecided, 50, outcome="full"))

    assert type(event) is ev.RecognitionDecided
    application = case.application("r1")
    assert application is not None
    assert (application.status, application.decided_on, application.outcome) == ("decided", day(50), "full")
    assert application.compensation == "none"
    assert [d for d in deadlines(case) if d.kind == "recognition_decision"] == []
    assert case.stage == "recognition"


def test_partial_equivalence_of_a_non_regulated_profession_lists_differences_and_adaptation() -> None:
    command = step(
        steps.RecognitionDecided,
        50,
        outcome="partial",
        substantial_differences="no practice in retail law",
        compensation="adaptation_qualification",
    )
    _, case = record(case_with_application(), command)

    application = case.application("r1")
    assert application is not None
    assert application.outcome == "partial"
    assert application.substantial_differences == "no practice in retail law"
    assert application.compensation == "adaptation_qualification"


@pytest.mark.parametrize("compensation", ["adaptation_course", "aptitude_test"])
def test_partial_outcome_of_a_regulated_profession_takes_a_compensation_measure(compensation: str) -> None:
    case = case_with_application(regulated=True)
    _, case = record(case, step(steps.RecognitionDecided, 50, outcome="partial", compensation=compensation))

    application = case.application("r1")
    assert application is not None
    assert (application.outcome, application.compensation) == ("partial", compensation)


def test_rejection_decides_the_application() -> None:
    _, case = record(case_with_application(), step(steps.RecognitionDecided, 50, outcome="none"))
    application = case.application("r1")
    assert application is not None
    assert (application.status, application.outcome) == ("decided", "none")


def test_a_case_holds_several_applications_independently() -> None:
    case = apply(
        case_with_application(),
        step(steps.RecognitionApplied, 12, application_id="r2", responsible_body="hwk"),
        step(steps.RecognitionDecided, 20, application_id="r2", outcome="full"),
    )
    first, second = case.application("r1"), case.application("r2")
    assert first is not None
    assert second is not None
    assert (first.status, second.status) == ("applied", "decided")


# Refused steps: each rule names itself


def test_application_id_is_unique_within_the_case() -> None:
    expect_refusal(
        case_with_application(),
        step(steps.RecognitionApplied, 12),
        RuleViolated,
        "application_id_unique",
        "application_id",
    )


@pytest.mark.parametrize(
    ("command", "rule"),
    [
        (step(steps.RecognitionReceiptConfirmed, application_id="r9"), "receipt_needs_application"),
        (step(steps.RecognitionDocumentsCompleted, application_id="r9"), "documents_completion_needs_application"),
        (step(steps.RecognitionDeadlineExtended, application_id="r9"), "extension_needs_application"),
        (step(steps.RecognitionDecided, application_id="r9"), "decision_needs_application"),
        (step(steps.RecognitionDeadlineSuspended, application_id="r9"), "suspension_needs_application"),
        (step(steps.RecognitionDeadlineResumed, application_id="r9"), "resumption_needs_application"),
        (step(steps.RecognitionWithdrawn, application_id="r9"), "withdrawal_needs_application"),
        (step(steps.CourseEnrolled, application_id="r9"), "compensation_needs_application"),
        (step(steps.ExamAdmissionApplied, application_id="r9"), "compensation_needs_application"),
    ],
)
def test_recognition_steps_need_their_application(command: steps.StepCommand, rule: str) -> None:
    expect_refusal(case_with_application(), command, RuleViolated, rule, "application_id")


@pytest.mark.parametrize(
    "command",
    [
        step(steps.RecognitionReceiptConfirmed, 60),
        step(steps.RecognitionDocumentsCompleted, 60),
        step(steps.RecognitionDeadlineExtended, 60),
        step(steps.RecognitionDeadlineSuspended, 60),
        step(steps.RecognitionDeadlineResumed, 60),
        step(steps.RecognitionWithdrawn, 60),
    ],
)
def test_a_decided_application_takes_no_further_step(command: steps.StepCommand) -> None:
    case = apply(case_with_documents_complete(), step(steps.RecognitionDecided, 50))
    expect_refusal(case, command, RuleViolated, "application_decided_once")


@pytest.mark.parametrize("outcome", ["full", "partial", "none"])
def test_a_decided_application_takes_no_second_decision_without_a_compensation_measure(outcome: str) -> None:
    # 0.2: a second decision is the final one after a compensation measure; 0.1 answered application_decided_once.
    case = apply(case_with_documents_complete(), step(steps.RecognitionDecided, 50))
    command = step(steps.RecognitionDecided, 60, outcome=outcome)
    expect_refusal(case, command, RuleViolated, "final_decision_needs_completed_compensation", "outcome")


def test_documents_are_completed_once() -> None:
    case = case_with_documents_complete(completed_on=30)
    expect_refusal(case, step(steps.RecognitionDocumentsCompleted, 40), RuleViolated, "documents_complete_once")
    application = case.application("r1")
    assert application is not None
    assert application.documents_completed_on == day(30)


def test_extension_needs_a_running_deadline() -> None:
    expect_refusal(
        case_with_application(),
        step(steps.RecognitionDeadlineExtended, 20),
        RuleViolated,
        "extension_needs_running_deadline",
    )


def test_the_deadline_is_extended_once() -> None:
    case = apply(
        case_with_documents_complete(completed_on=date(2026, 2, 10)),
        step(steps.RecognitionDeadlineExtended, 60, due=date(2026, 7, 10)),
    )
    expect_refusal(
        case,
        step(steps.RecognitionDeadlineExtended, 70, due=date(2026, 9, 10)),
        RuleViolated,
        "deadline_extended_once",
        "application_id",
    )


@pytest.mark.parametrize("due", [date(2026, 5, 10), date(2026, 4, 1)])
def test_extension_moves_the_deadline_later(due: date) -> None:
    case = case_with_documents_complete(completed_on=date(2026, 2, 10))  # due 2026-05-10
    expect_refusal(
        case, step(steps.RecognitionDeadlineExtended, 60, due=due), InvalidStep, "extension_moves_deadline_later", "due"
    )


@pytest.mark.parametrize("outcome", ["full", "none"])
def test_compensation_only_follows_a_partial_outcome(outcome: str) -> None:
    command = step(steps.RecognitionDecided, 50, outcome=outcome, compensation="adaptation_course")
    expect_refusal(
        case_with_application(regulated=True), command, InvalidStep, "compensation_only_for_partial", "compensation"
    )


@pytest.mark.parametrize("outcome", ["full", "none"])
def test_substantial_differences_only_for_a_partial_outcome(outcome: str) -> None:
    command = step(steps.RecognitionDecided, 50, outcome=outcome, substantial_differences="no practice")
    expect_refusal(
        case_with_application(), command, InvalidStep, "differences_only_for_partial", "substantial_differences"
    )


@pytest.mark.parametrize(
    ("regulated", "compensation"),
    [
        (True, "none"),
        (True, "adaptation_qualification"),
        (False, "adaptation_course"),
        (False, "aptitude_test"),
    ],
)
def test_compensation_fits_the_regulation_of_the_profession(regulated: bool, compensation: str) -> None:
    command = step(steps.RecognitionDecided, 50, outcome="partial", compensation=compensation)
    expect_refusal(
        case_with_application(regulated=regulated),
        command,
        InvalidStep,
        "compensation_fits_regulation",
        "compensation",
    )


@pytest.mark.parametrize(
    "command",
    [
        step(steps.RecognitionReceiptConfirmed, 9),
        step(steps.RecognitionDocumentsCompleted, 9),
        step(steps.RecognitionDecided, 9),
    ],
)
def test_recognition_steps_are_not_before_the_application(command: steps.StepCommand) -> None:
    expect_refusal(case_with_application(on=10), command, InvalidStep, "date_not_before_reference", "date")


def test_extension_is_not_before_the_application() -> None:
    case = case_with_documents_complete(completed_on=10)  # applied and completed on day 10
    command = step(steps.RecognitionDeadlineExtended, 9, due=date(2026, 12, 1))
    expect_refusal(case, command, InvalidStep, "date_not_before_reference", "date")
