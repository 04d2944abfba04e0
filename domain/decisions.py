"""The case decides: it checks each rule and emits the event, or raises an error naming the rule."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar, assert_never
from uuid import UUID

import msgspec

from domain import events as ev
from domain import records, steps
from domain.case import Case
from domain.errors import InvalidStep, RuleViolated
from domain.steps import Profile, ProfileChanges

# The exit's follow-up and reopening stay possible after the exit, and so does withdrawing consent
# (GDPR Art. 7(3): as easy as giving it); giving new consent waits for a reopened case.
ALLOWED_ON_CLOSED_CASE = (steps.FollowUpRecorded, steps.CaseReopened)
VALIDATION_MIN_AGE = 25
# Clients are young people from school-leaving age to people past retirement; outside that, a typing error.
MIN_AGE_AT_ENTRY = 14
MAX_AGE_AT_ENTRY = 99
SPECIAL_CATEGORIES = ("disability", "minority")


@dataclass(frozen=True)
class Context:
    """What the application knows that the domain must not find out by itself."""

    recorded_by: str
    at: datetime
    today: date
    is_active_counsellor: Callable[[str, str], bool]


def open_case(case_id: UUID, agency: str, command: steps.OpenCase, context: Context) -> ev.CaseOpened:
    counsellor = command.counsellor or context.recorded_by
    _not_in_future(command.first_contact_on, context.today, "first_contact_on")
    _plausible_birth_year(command.profile.birth_year, command.first_contact_on)
    _special_categories_consented(command.profile, command.consent.special_categories, "profile")
    if counsellor != context.recorded_by and not context.is_active_counsellor(agency, counsellor):
        raise RuleViolated(
            "counsellor_active_in_agency",
            f"'{counsellor}' is not an active counsellor of agency '{agency}'",
            "counsellor",
        )
    return ev.CaseOpened(
        originator_id=case_id,
        originator_version=1,
        timestamp=context.at,
        recorded_by=context.recorded_by,
        agency=agency,
        counsellor=counsellor,
        first_contact_on=command.first_contact_on,
        channel=command.channel,
        referral_source=command.referral_source,
        profile=_recorded(command.profile, records.Profile),
        personal=_recorded(command.personal, records.PersonalData),
        consent=_recorded(command.consent, records.Consent),
    )


def record_step(case: Case, step: steps.Step, context: Context) -> ev.StepRecorded:
    """Checks the step against the case's rules and returns the event that records it."""
    if case.status == "closed" and not _allowed_on_closed_case(step):
        raise RuleViolated(
            "case_closed", "the case is closed: only a follow-up, reopening or withdrawal of consent is allowed"
        )
    _not_in_future(step.date, context.today, "date")
    if step.date < case.opened_on:
        raise InvalidStep(
            "date_before_first_contact", f"date {step.date} is before the first contact on {case.opened_on}", "date"
        )
    _check(case, step, context)
    envelope = {
        "originator_id": case.id,
        "originator_version": case.version + 1,
        "timestamp": context.at,
        "recorded_by": context.recorded_by,
    }
    return _recorded(step, STEP_EVENTS[type(step)], envelope)


# Each step command is recorded as the event of the same type name; the event keeps the command's fields as facts.
STEP_EVENTS: dict[type[steps.StepCommand], type[ev.StepRecorded]] = {
    command: ev.STEP_EVENT_TYPES[str(command.__struct_config__.tag)] for command in steps.StepCommand.__subclasses__()
}


Stored = TypeVar("Stored")


def _recorded(command: msgspec.Struct, stored_type: type[Stored], extra: dict[str, Any] | None = None) -> Stored:
    """The command's data as the stored type (events and their values are types of their own, not commands)."""
    data = msgspec.to_builtins(command) | (extra or {})
    return msgspec.convert(data, stored_type)


def erase_personal_data(case: Case, context: Context) -> ev.PersonalDataErased:
    if case.personal_data_erased:
        raise RuleViolated("personal_data_already_erased", "the client's personal data is already erased")
    return ev.PersonalDataErased(
        originator_id=case.id,
        originator_version=case.version + 1,
        timestamp=context.at,
        recorded_by=context.recorded_by,
        erased_on=context.today,
    )


def _allowed_on_closed_case(step: steps.StepCommand) -> bool:
    if isinstance(step, steps.ConsentChanged):
        return not step.special_categories
    return isinstance(step, ALLOWED_ON_CLOSED_CASE)


def _plausible_birth_year(birth_year: int, first_contact_on: date) -> None:
    age = first_contact_on.year - birth_year
    if not MIN_AGE_AT_ENTRY <= age <= MAX_AGE_AT_ENTRY:
        raise InvalidStep(
            "plausible_birth_year",
            f"birth year {birth_year} gives an age of {age} at first contact (expected {MIN_AGE_AT_ENTRY}–"
            f"{MAX_AGE_AT_ENTRY})",
            "profile.birth_year",
        )


def _not_in_future(day: date, today: date, field: str) -> None:
    if day > today:
        raise InvalidStep("date_not_in_future", f"{field} {day} is in the future (today is {today})", field)


def _not_before(day: date, reference: date, what: str) -> None:
    if day < reference:
        raise InvalidStep("date_not_before_reference", f"date {day} is before {what} on {reference}", "date")


def _special_categories_consented(profile: Profile | ProfileChanges, consent: bool, path: str) -> None:
    if consent:
        return
    for attribute in SPECIAL_CATEGORIES:
        value = getattr(profile, attribute)
        if value in ("yes", "no"):
            raise InvalidStep(
                "special_category_needs_consent",
                f"{attribute} may only be recorded as yes or no with the client's consent to special categories",
                f"{path}.{attribute}",
            )


def _check_profile_corrected(case: Case, step: steps.ProfileCorrected) -> None:
    if not step.profile.changed():
        raise InvalidStep("correction_changes_something", "the correction names no attribute", "profile")
    if isinstance(step.profile.birth_year, int):
        _plausible_birth_year(step.profile.birth_year, case.opened_on)
    _special_categories_consented(step.profile, case.special_categories_consent, "profile")


def _check_assessment_started(case: Case, step: steps.AssessmentStarted) -> None:
    if case.assessment(step.assessment_id):
        raise RuleViolated("assessment_id_unique", f"assessment '{step.assessment_id}' exists", "assessment_id")


def _check_assessment_completed(case: Case, step: steps.AssessmentCompleted) -> None:
    assessment = case.assessment(step.assessment_id)
    if assessment is None:
        raise RuleViolated(
            "completion_needs_assessment", f"assessment '{step.assessment_id}' was not started", "assessment_id"
        )
    if assessment.status == "completed":
        raise RuleViolated("assessment_completes_once", f"assessment '{step.assessment_id}' is already completed")
    _not_before(step.date, assessment.started_on, "the assessment's start")


def _check_recognition_applied(case: Case, step: steps.RecognitionApplied) -> None:
    if case.application(step.application_id):
        raise RuleViolated("application_id_unique", f"application '{step.application_id}' exists", "application_id")


def _open_application(case: Case, application_id: str, step_name: str) -> date:
    application = case.application(application_id)
    if application is None:
        raise RuleViolated(
            f"{step_name}_needs_application", f"no recognition application '{application_id}'", "application_id"
        )
    if application.status == "decided":
        raise RuleViolated("application_decided_once", f"application '{application_id}' is already decided")
    return application.applied_on


def _check_receipt_confirmed(case: Case, step: steps.RecognitionReceiptConfirmed) -> None:
    applied_on = _open_application(case, step.application_id, "receipt")
    _not_before(step.date, applied_on, "the application")


def _check_documents_completed(case: Case, step: steps.RecognitionDocumentsCompleted) -> None:
    applied_on = _open_application(case, step.application_id, "documents_completion")
    application = case.application(step.application_id)
    if application and application.documents_completed_on is not None:
        raise RuleViolated("documents_complete_once", f"the documents of '{step.application_id}' are already complete")
    _not_before(step.date, applied_on, "the application")


def _check_deadline_extended(case: Case, step: steps.RecognitionDeadlineExtended) -> None:
    applied_on = _open_application(case, step.application_id, "extension")
    application = case.application(step.application_id)
    assert application is not None
    if application.decision_due is None:
        raise RuleViolated(
            "extension_needs_running_deadline", "the decision deadline starts only once the documents are complete"
        )
    if application.deadline_extended:
        raise RuleViolated("deadline_extends_once", f"the deadline of '{step.application_id}' was already extended")
    if step.due <= application.decision_due:
        raise InvalidStep(
            "extension_moves_deadline_later", f"due {step.due} is not after {application.decision_due}", "due"
        )
    _not_before(step.date, applied_on, "the application")


def _check_recognition_decided(case: Case, step: steps.RecognitionDecided) -> None:
    applied_on = _open_application(case, step.application_id, "decision")
    application = case.application(step.application_id)
    assert application is not None
    _not_before(step.date, applied_on, "the application")
    if step.outcome != "partial":
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
        return
    allowed = ("adaptation_course", "aptitude_test") if application.regulated else ("adaptation_qualification", "none")
    if step.compensation not in allowed:
        kind = "a regulated" if application.regulated else "a non-regulated"
        raise InvalidStep(
            "compensation_fits_regulation",
            f"{kind} profession's partial outcome takes a compensation of {' or '.join(allowed)}",
            "compensation",
        )


def _check_course_enrolled(case: Case, step: steps.CourseEnrolled) -> None:
    if case.course(step.course_id):
        raise RuleViolated("course_id_unique", f"course '{step.course_id}' exists", "course_id")
    if step.module is not None and step.modules is not None and step.module > step.modules:
        raise InvalidStep("module_within_modules", f"module {step.module} of {step.modules}", "module")
    if step.planned_end is not None and step.planned_end < step.date:
        raise InvalidStep("planned_end_after_start", "the planned end is before the enrolment", "planned_end")


def _check_course_ended(case: Case, step: steps.CourseCompleted | steps.CourseDropped) -> None:
    course = case.course(step.course_id)
    if course is None:
        raise RuleViolated("course_end_needs_enrolment", f"no course '{step.course_id}'", "course_id")
    if course.status != "enrolled":
        raise RuleViolated("course_ends_once", f"course '{step.course_id}' already {course.status}")
    _not_before(step.date, course.enrolled_on, "the enrolment")


def _check_exam_admission_applied(case: Case, step: steps.ExamAdmissionApplied) -> None:
    if case.exam(step.exam_id):
        raise RuleViolated("exam_id_unique", f"exam '{step.exam_id}' exists", "exam_id")
    # With only the birth year known, refuse only someone certainly younger than 25.
    if step.route == "validation" and step.date.year - case.profile.birth_year < VALIDATION_MIN_AGE:
        raise InvalidStep(
            "validation_needs_age_25", "the validation procedure is open from the age of 25 (§50b BBiG)", "route"
        )


def _check_exam_admission_decided(case: Case, step: steps.ExamAdmissionDecided) -> None:
    exam = case.exam(step.exam_id)
    if exam is None:
        raise RuleViolated("admission_decision_needs_application", f"no exam admission '{step.exam_id}'", "exam_id")
    if exam.status != "admission_applied":
        raise RuleViolated("admission_decided_once", f"the admission to '{step.exam_id}' is already decided")
    _not_before(step.date, exam.admission_applied_on, "the admission application")


def _check_exam_result(case: Case, step: steps.ExamResultRecorded) -> None:
    exam = case.exam(step.exam_id)
    if exam is None or exam.status in ("admission_applied", "admission_refused"):
        raise RuleViolated(
            "result_needs_admission_granted", f"exam '{step.exam_id}' has no granted admission", "exam_id"
        )
    if exam.status == "result_recorded":
        raise RuleViolated("exam_result_once", f"exam '{step.exam_id}' already has its result")
    levels = ("full", "predominant", "partial") if exam.route == "validation" else ("passed", "failed")
    if step.result not in levels:
        raise InvalidStep("result_fits_route", f"a {exam.route} result is one of {', '.join(levels)}", "result")
    if step.result == "partial" and case.profile.disability != "yes":
        raise InvalidStep(
            "partial_comparability_needs_disability",
            "partial comparability is open only to persons with disabilities (§50b(4) BBiG)",
            "result",
        )
    assert exam.admission_decided_on is not None
    _not_before(step.date, exam.admission_decided_on, "the admission")


def _check_counsellor_assigned(case: Case, step: steps.CounsellorAssigned, context: Context) -> None:
    if step.counsellor == case.counsellor:
        raise RuleViolated(
            "reassignment_changes_counsellor", f"'{step.counsellor}' already holds the case", "counsellor"
        )
    if not context.is_active_counsellor(case.agency, step.counsellor):
        raise RuleViolated(
            "counsellor_active_in_agency",
            f"'{step.counsellor}' is not an active counsellor of agency '{case.agency}'",
            "counsellor",
        )


def _check_case_closed(case: Case, step: steps.CaseClosed) -> None:
    # The exit ends the journey: it cannot come before a step already recorded on it.
    _not_before(step.date, case.last_contact_on, "the last recorded step")


def _check_case_reopened(case: Case, step: steps.CaseReopened) -> None:
    if case.exit is None:
        raise RuleViolated("reopening_needs_closed_case", "the case is open")
    _not_before(step.date, case.exit.closed_on, "the exit")


def _check_follow_up(case: Case, step: steps.FollowUpRecorded) -> None:
    if case.exit is None:
        raise RuleViolated("follow_up_after_exit", "a follow-up is recorded only after the exit")
    if case.follow_up is not None:
        raise RuleViolated("follow_up_once", "this exit's follow-up is already recorded")
    _not_before(step.date, case.exit.closed_on, "the exit")


def _check_consent_changed(case: Case, step: steps.ConsentChanged) -> None:
    if step.special_categories == case.special_categories_consent:
        state = "given" if step.special_categories else "not given"
        raise RuleViolated("consent_changes", f"consent to special categories is already {state}", "special_categories")


def _check(case: Case, step: steps.Step, context: Context) -> None:  # noqa: C901, PLR0912 - one per type
    match step:
        case steps.ProfileCorrected():
            _check_profile_corrected(case, step)
        case steps.AssessmentStarted():
            _check_assessment_started(case, step)
        case steps.AssessmentCompleted():
            _check_assessment_completed(case, step)
        case steps.RecognitionApplied():
            _check_recognition_applied(case, step)
        case steps.RecognitionReceiptConfirmed():
            _check_receipt_confirmed(case, step)
        case steps.RecognitionDocumentsCompleted():
            _check_documents_completed(case, step)
        case steps.RecognitionDeadlineExtended():
            _check_deadline_extended(case, step)
        case steps.RecognitionDecided():
            _check_recognition_decided(case, step)
        case steps.CourseEnrolled():
            _check_course_enrolled(case, step)
        case steps.CourseCompleted() | steps.CourseDropped():
            _check_course_ended(case, step)
        case steps.ExamAdmissionApplied():
            _check_exam_admission_applied(case, step)
        case steps.ExamAdmissionDecided():
            _check_exam_admission_decided(case, step)
        case steps.ExamResultRecorded():
            _check_exam_result(case, step)
        case steps.CounsellorAssigned():
            _check_counsellor_assigned(case, step, context)
        case steps.CaseReopened():
            _check_case_reopened(case, step)
        case steps.FollowUpRecorded():
            _check_follow_up(case, step)
        case steps.ConsentChanged():
            _check_consent_changed(case, step)
        case steps.CaseClosed():
            _check_case_closed(case, step)
        case steps.CounsellingSessionHeld():
            pass  # only the rules common to every step
        case _:
            assert_never(step)
