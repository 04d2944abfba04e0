"""The rules of a recognition application: one id each, steps only on an application that is open (not withdrawn,
not decided), the decision deadline's extension, standstill and resumption, and the compensation measure a partial
outcome names, with the final decision that may follow it."""

from datetime import date

from domain import steps
from domain.case import Case, RecognitionApplication
from domain.errors import InvalidStep, RuleViolated
from domain.rules.common import not_before

COMPENSATION_COURSES = ("adaptation_course", "adaptation_qualification")


def check_recognition_applied(case: Case, step: steps.RecognitionApplied) -> None:
    if case.application(step.application_id):
        raise RuleViolated(
            "application_id_unique",
            f"application '{step.application_id}' exists",
            "application_id",
            application_id=step.application_id,
        )
    if step.qualification_id is not None and case.qualification(step.qualification_id) is None:
        raise RuleViolated(
            "recognition_needs_qualification",
            f"no qualification '{step.qualification_id}' is recorded (record it with qualification_recorded first)",
            "qualification_id",
            qualification_id=step.qualification_id,
        )


def application_of(case: Case, application_id: str, step_name: str) -> RecognitionApplication:
    application = case.application(application_id)
    if application is None:
        raise RuleViolated(
            f"{step_name}_needs_application",
            f"no recognition application '{application_id}'",
            "application_id",
            application_id=application_id,
        )
    if application.status == "withdrawn":
        raise RuleViolated(
            "application_withdrawn",
            f"application '{application_id}' was withdrawn",
            "application_id",
            application_id=application_id,
        )
    return application


def _open_application(case: Case, application_id: str, step_name: str) -> date:
    application = application_of(case, application_id, step_name)
    if application.status == "decided":
        raise RuleViolated(
            "application_decided_once",
            f"application '{application_id}' is already decided",
            application_id=application_id,
        )
    return application.applied_on


def check_receipt_confirmed(case: Case, step: steps.RecognitionReceiptConfirmed) -> None:
    applied_on = _open_application(case, step.application_id, "receipt")
    not_before(step.date, applied_on, "the application")


def check_documents_completed(case: Case, step: steps.RecognitionDocumentsCompleted) -> None:
    applied_on = _open_application(case, step.application_id, "documents_completion")
    application = case.application(step.application_id)
    if application and application.documents_completed_on is not None:
        raise RuleViolated(
            "documents_complete_once",
            f"the documents of '{step.application_id}' are already complete",
            application_id=step.application_id,
        )
    not_before(step.date, applied_on, "the application")


def check_deadline_extended(case: Case, step: steps.RecognitionDeadlineExtended) -> None:
    applied_on = _open_application(case, step.application_id, "extension")
    application = case.application(step.application_id)
    assert application is not None
    if application.decision_due is None:
        raise RuleViolated(
            "extension_needs_running_deadline",
            "the decision deadline starts only once the documents are complete",
            application_id=step.application_id,
        )
    if application.deadline_extended:
        raise RuleViolated(
            "deadline_extended_once",
            f"the deadline of '{step.application_id}' was already extended",
            "application_id",
            application_id=step.application_id,
        )
    if step.due <= application.decision_due:
        raise InvalidStep(
            "extension_moves_deadline_later",
            f"due {step.due} is not after {application.decision_due}",
            "due",
            due=step.due,
            decision_due=application.decision_due,
        )
    not_before(step.date, applied_on, "the application")


def check_deadline_suspended(case: Case, step: steps.RecognitionDeadlineSuspended) -> None:
    applied_on = _open_application(case, step.application_id, "suspension")
    application = case.application(step.application_id)
    assert application is not None
    if application.decision_due is None:
        raise RuleViolated(
            "suspension_needs_running_deadline",
            "the decision deadline starts only once the documents are complete",
            "application_id",
            application_id=step.application_id,
        )
    if application.suspended_since is not None:
        raise RuleViolated(
            "deadline_suspended_already",
            f"the deadline of '{step.application_id}' stands still since {application.suspended_since}",
            "application_id",
            application_id=step.application_id,
            suspended_since=application.suspended_since,
        )
    not_before(
        step.date,
        application.resumed_on or application.documents_completed_on or applied_on,
        "the previous resumption or the completion of the documents",
    )


def check_deadline_resumed(case: Case, step: steps.RecognitionDeadlineResumed) -> None:
    _open_application(case, step.application_id, "resumption")
    application = case.application(step.application_id)
    assert application is not None
    if application.suspended_since is None:
        raise RuleViolated(
            "resumption_needs_suspension",
            f"the deadline of '{step.application_id}' is running",
            "application_id",
            application_id=step.application_id,
        )
    not_before(step.date, application.suspended_since, "the suspension")


def check_withdrawn(case: Case, step: steps.RecognitionWithdrawn) -> None:
    applied_on = _open_application(case, step.application_id, "withdrawal")
    not_before(step.date, applied_on, "the application")


def _compensation_completed_on(case: Case, application_id: str) -> date | None:
    """When the compensation measure of a partial decision first ended successfully (its course completed, its test
    passed), if it did."""
    application = case.application(application_id)
    decided_on = application.decided_on if application is not None else None
    ended = [
        c.ended_on
        for c in case.courses
        if c.application_id == application_id and c.status == "completed" and c.kind in COMPENSATION_COURSES
    ]
    ended += [
        e.result_on
        for e in case.exams
        if e.application_id == application_id and e.result == "passed" and e.route == "aptitude_test"
    ]
    # A measure that ended before the partial decision named it is no compensation of that decision.
    after = [day for day in ended if day is not None and (decided_on is None or day >= decided_on)]
    return min(after, default=None)


def _check_final_decision(case: Case, step: steps.RecognitionDecided, application: RecognitionApplication) -> None:
    completed_on = _compensation_completed_on(case, step.application_id)
    final = (
        application.outcome == "partial"
        and application.final_decided_on is None
        and step.outcome == "full"
        and completed_on is not None
    )
    if not final:
        raise RuleViolated(
            "final_decision_needs_completed_compensation",
            f"application '{step.application_id}' is decided; only full equivalence may follow, once a course or test"
            " that names the application as its compensation measure has ended successfully",
            "outcome",
            application_id=step.application_id,
        )
    assert completed_on is not None
    assert application.decided_on is not None
    _no_compensation_beyond_partial(step)
    not_before(step.date, application.decided_on, "the first decision")
    not_before(step.date, completed_on, "the end of the compensation measure")


def _no_compensation_beyond_partial(step: steps.RecognitionDecided) -> None:
    if step.compensation != "none":
        raise InvalidStep(
            "compensation_only_for_partial", "a compensation measure follows only a partial outcome", "compensation"
        )
    if step.substantial_differences:
        raise InvalidStep(
            "differences_only_for_partial",
            "substantial differences are listed only for a partial outcome",
            "substantial_differences",
        )


def check_recognition_decided(case: Case, step: steps.RecognitionDecided) -> None:
    application = application_of(case, step.application_id, "decision")
    if application.status == "decided":
        _check_final_decision(case, step, application)
        return
    applied_on = application.applied_on
    not_before(step.date, application.suspended_since or applied_on, "the suspension or the application")
    if step.outcome != "partial":
        _no_compensation_beyond_partial(step)
        return
    allowed = ("adaptation_course", "aptitude_test") if application.regulated else ("adaptation_qualification", "none")
    if step.compensation not in allowed:
        kind = "a regulated" if application.regulated else "a non-regulated"
        raise InvalidStep(
            "compensation_fits_regulation",
            f"{kind} profession's partial outcome takes a compensation of {' or '.join(allowed)}",
            "compensation",
        )
