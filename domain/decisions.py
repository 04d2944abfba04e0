"""The case decides: it checks each rule and emits the event, or raises an error naming the rule."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar, assert_never
from uuid import UUID

import msgspec

from domain import events as ev
from domain import records, steps
from domain.calendar import add_days, age_in_years
from domain.case import Case, RecognitionApplication
from domain.errors import InvalidStep, RuleViolated
from domain.steps import Profile, ProfileChanges

# The exit's follow-up, the situation on leaving learnt afterwards and reopening stay possible after the exit, and so
# does withdrawing consent (GDPR Art. 7(3): as easy as giving it); giving new consent waits for a reopened case.
ALLOWED_ON_CLOSED_CASE = (steps.FollowUpRecorded, steps.LeavingSituationRecorded, steps.CaseReopened)
LEAVING_SITUATION_DAYS = 28  # ESF+ "upon leaving": within four weeks of the exit
EXAM_ATTEMPTS = 3  # § 37(1) BBiG: an exam may be repeated twice
VALIDATION_RESULTS = ("full", "predominant", "partial", "not_comparable")
COMPENSATION_COURSES = ("adaptation_course", "adaptation_qualification")
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
    is_active_counsellor: Callable[[str, str], bool]  # (agency, counsellor)
    # (offer_id, agency): whether the id names an offer of the agency's catalogue, a withdrawn one too
    is_offer_of_agency: Callable[[str, str], bool]


def open_case(
    case_id: UUID, agency: str, command: steps.OpenCase, context: Context, participant_id: UUID | None = None
) -> ev.CaseOpened:
    """Records the first contact. `participant_id`: the participant of an earlier case of the same client, found by
    the application (the domain cannot search); without one the case's client is a participant of her own."""
    counsellor = command.counsellor or context.recorded_by
    profile = command.profile
    _not_in_future(command.first_contact_on, context.today, "first_contact_on")
    if profile.birth_date is not None:
        if profile.birth_year not in (None, profile.birth_date.year):
            raise InvalidStep(
                "birth_year_matches_birth_date",
                f"birth year {profile.birth_year} is not the year of the birth date {profile.birth_date}",
                "profile.birth_year",
            )
        birth_year, age, exact = (
            profile.birth_date.year,
            age_in_years(profile.birth_date, command.first_contact_on),
            True,
        )
    elif profile.birth_year is not None:
        birth_year, age, exact = profile.birth_year, command.first_contact_on.year - profile.birth_year, False
    else:
        raise InvalidStep(
            "birth_date_or_year_required", "give the birth date (preferred) or the birth year", "profile.birth_date"
        )
    _plausible_age(age, "profile.birth_date" if exact else "profile.birth_year")
    _plausible_arrival(profile.arrival_year, birth_year, command.first_contact_on, "profile.arrival_year")
    _special_categories_consented(profile, command.consent.special_categories, "profile")
    if counsellor != context.recorded_by and not context.is_active_counsellor(agency, counsellor):
        raise RuleViolated(
            "counsellor_active_in_agency",
            f"'{counsellor}' is not an active counsellor of agency '{agency}'",
            "counsellor",
            counsellor=counsellor,
            agency=agency,
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
        profile=_recorded(profile, records.Profile, {"birth_year": birth_year}),
        personal=_recorded(command.personal, records.PersonalData, {"birth_date": profile.birth_date}),
        consent=_recorded(command.consent, records.Consent),
        age_at_entry=age,
        age_exact=exact,
        participant_id=participant_id or case_id,
    )


def record_step(case: Case, step: steps.Step, context: Context) -> ev.StepRecorded:
    """Checks the step against the case's rules and returns the event that records it."""
    if case.status == "closed" and not _allowed_on_closed_case(step):
        raise RuleViolated(
            "case_closed",
            "the case is closed: only a follow-up, the situation on leaving, reopening or withdrawal of consent is"
            " allowed",
        )
    _not_in_future(step.date, context.today, "date")
    if step.date < case.opened_on:
        raise InvalidStep(
            "date_before_first_contact",
            f"date {step.date} is before the first contact on {case.opened_on}",
            "date",
            date=step.date,
            opened_on=case.opened_on,
        )
    _check(case, step, context)
    envelope = {
        "originator_id": case.id,
        "originator_version": case.version + 1,
        "timestamp": context.at,
        "recorded_by": context.recorded_by,
    }
    if isinstance(step, steps.ProfileCorrected):
        return _profile_corrected(case, step, envelope)
    if isinstance(step, steps.FollowUpRecorded):
        improved = step.improved_situation if step.improvement is None else step.improvement != "none"
        facts = {"improved_situation": improved, "reference_date": step.reference_date or step.date}
        return _recorded(step, ev.FollowUpRecorded, envelope | facts)
    return _recorded(step, STEP_EVENTS[type(step)], envelope)


def _profile_corrected(case: Case, step: steps.ProfileCorrected, envelope: dict[str, Any]) -> ev.ProfileCorrected:
    """The correction, with the birth date kept apart from the clear profile and the age at entry it gives."""
    changes = step.profile.changed()
    birth_date = step.profile.birth_date if isinstance(step.profile.birth_date, date) else None
    changes.pop("birth_date", None)
    age: dict[str, Any] = {}
    if isinstance(birth_date, date):
        changes["birth_year"] = birth_date.year
        age = {"age_at_entry": age_in_years(birth_date, case.opened_on), "age_exact": True}
    elif isinstance(changes.get("birth_year"), int):
        age = {"age_at_entry": case.opened_on.year - int(str(changes["birth_year"])), "age_exact": False}
    profile = msgspec.convert(changes, records.ProfileChanges)
    return ev.ProfileCorrected(**envelope, date=step.date, profile=profile, birth_date=birth_date, **age)


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


def _plausible_age(age: int, field: str) -> None:
    if not MIN_AGE_AT_ENTRY <= age <= MAX_AGE_AT_ENTRY:
        raise InvalidStep(
            "plausible_birth_year",
            f"the birth {field.rpartition('_')[2]} gives an age of {age} at first contact (expected"
            f" {MIN_AGE_AT_ENTRY}–{MAX_AGE_AT_ENTRY})",
            field,
            age=age,
            min_age=MIN_AGE_AT_ENTRY,
            max_age=MAX_AGE_AT_ENTRY,
        )


def _plausible_arrival(arrival_year: int | None, birth_year: int, first_contact_on: date, field: str) -> None:
    if arrival_year is not None and not birth_year <= arrival_year <= first_contact_on.year:
        raise InvalidStep(
            "arrival_year_plausible",
            f"arrival year {arrival_year} is not between the birth year {birth_year} and the first contact",
            field,
            arrival_year=arrival_year,
            birth_year=birth_year,
        )


def _not_in_future(day: date, today: date, field: str) -> None:
    if day > today:
        raise InvalidStep(
            "date_not_in_future", f"{field} {day} is in the future (today is {today})", field, date=day, today=today
        )


def _not_before(day: date, reference: date, what: str) -> None:
    if day < reference:
        raise InvalidStep(
            "date_not_before_reference",
            f"date {day} is before {what} on {reference}",
            "date",
            date=day,
            reference=reference,
            what=what,
        )


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
    changes = step.profile
    if not changes.changed():
        raise InvalidStep("correction_changes_something", "the correction names no attribute", "profile")
    birth_year = case.profile.birth_year
    if isinstance(changes.birth_date, date):
        if isinstance(changes.birth_year, int) and changes.birth_year != changes.birth_date.year:
            raise InvalidStep(
                "birth_year_matches_birth_date",
                f"birth year {changes.birth_year} is not the year of the birth date {changes.birth_date}",
                "profile.birth_year",
            )
        birth_year = changes.birth_date.year
        _plausible_age(age_in_years(changes.birth_date, case.opened_on), "profile.birth_date")
    elif isinstance(changes.birth_year, int):
        if case.age_exact:
            raise InvalidStep(
                "birth_year_matches_birth_date",
                "the birth date is known: correct the birth date, the birth year follows from it",
                "profile.birth_year",
            )
        birth_year = changes.birth_year
        _plausible_age(case.opened_on.year - changes.birth_year, "profile.birth_year")
    arrival_year = (
        changes.arrival_year if not isinstance(changes.arrival_year, msgspec.UnsetType) else case.profile.arrival_year
    )
    _plausible_arrival(arrival_year, birth_year, case.opened_on, "profile.arrival_year")
    _special_categories_consented(changes, case.special_categories_consent, "profile")


def _check_assessment_started(case: Case, step: steps.AssessmentStarted) -> None:
    if case.assessment(step.assessment_id):
        raise RuleViolated(
            "assessment_id_unique",
            f"assessment '{step.assessment_id}' exists",
            "assessment_id",
            assessment_id=step.assessment_id,
        )


def _check_assessment_completed(case: Case, step: steps.AssessmentCompleted) -> None:
    assessment = case.assessment(step.assessment_id)
    if assessment is None:
        raise RuleViolated(
            "completion_needs_assessment",
            f"assessment '{step.assessment_id}' was not started",
            "assessment_id",
            assessment_id=step.assessment_id,
        )
    if assessment.status == "completed":
        raise RuleViolated(
            "assessment_completes_once",
            f"assessment '{step.assessment_id}' is already completed",
            assessment_id=step.assessment_id,
        )
    _not_before(step.date, assessment.started_on, "the assessment's start")


def _check_recognition_applied(case: Case, step: steps.RecognitionApplied) -> None:
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


def _application(case: Case, application_id: str, step_name: str) -> RecognitionApplication:
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
    application = _application(case, application_id, step_name)
    if application.status == "decided":
        raise RuleViolated(
            "application_decided_once",
            f"application '{application_id}' is already decided",
            application_id=application_id,
        )
    return application.applied_on


def _check_receipt_confirmed(case: Case, step: steps.RecognitionReceiptConfirmed) -> None:
    applied_on = _open_application(case, step.application_id, "receipt")
    _not_before(step.date, applied_on, "the application")


def _check_documents_completed(case: Case, step: steps.RecognitionDocumentsCompleted) -> None:
    applied_on = _open_application(case, step.application_id, "documents_completion")
    application = case.application(step.application_id)
    if application and application.documents_completed_on is not None:
        raise RuleViolated(
            "documents_complete_once",
            f"the documents of '{step.application_id}' are already complete",
            application_id=step.application_id,
        )
    _not_before(step.date, applied_on, "the application")


def _check_deadline_extended(case: Case, step: steps.RecognitionDeadlineExtended) -> None:
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
    _not_before(step.date, applied_on, "the application")


def _check_deadline_suspended(case: Case, step: steps.RecognitionDeadlineSuspended) -> None:
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
    _not_before(
        step.date,
        application.resumed_on or application.documents_completed_on or applied_on,
        "the previous resumption or the completion of the documents",
    )


def _check_deadline_resumed(case: Case, step: steps.RecognitionDeadlineResumed) -> None:
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
    _not_before(step.date, application.suspended_since, "the suspension")


def _check_withdrawn(case: Case, step: steps.RecognitionWithdrawn) -> None:
    applied_on = _open_application(case, step.application_id, "withdrawal")
    _not_before(step.date, applied_on, "the application")


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
    _not_before(step.date, application.decided_on, "the first decision")
    _not_before(step.date, completed_on, "the end of the compensation measure")


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


def _check_recognition_decided(case: Case, step: steps.RecognitionDecided) -> None:
    application = _application(case, step.application_id, "decision")
    if application.status == "decided":
        _check_final_decision(case, step, application)
        return
    applied_on = application.applied_on
    _not_before(step.date, application.suspended_since or applied_on, "the suspension or the application")
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


def _offer_of_agency(case: Case, offer_id: str | None, context: Context, field: str) -> None:
    """An `offer_id` names an offer of the catalogue of the case's agency. A withdrawn offer counts: the enrolment may
    be recorded after the listing ended, and a new plan may repeat an earlier plan's items."""
    if offer_id is not None and not context.is_offer_of_agency(offer_id, case.agency):
        # The same answer for an id that is no offer's and another agency's offer: nothing tells them apart.
        raise RuleViolated(
            "offer_of_agency",
            f"'{offer_id}' names no offer in the catalogue of agency '{case.agency}'",
            field,
            offer_id=offer_id,
            agency=case.agency,
        )


def _check_course_enrolled(case: Case, step: steps.CourseEnrolled, context: Context) -> None:
    if case.course(step.course_id):
        raise RuleViolated(
            "course_id_unique", f"course '{step.course_id}' exists", "course_id", course_id=step.course_id
        )
    if step.application_id is not None:
        _application(case, step.application_id, "compensation")
    if step.module is not None and step.modules is not None and step.module > step.modules:
        raise InvalidStep(
            "module_within_modules",
            f"module {step.module} of {step.modules}",
            "module",
            module=step.module,
            modules=step.modules,
        )
    if step.planned_end is not None and step.planned_end < step.date:
        raise InvalidStep("planned_end_after_start", "the planned end is before the enrolment", "planned_end")
    # Last: the catalogue is asked only about an enrolment the case's own rules accept.
    _offer_of_agency(case, step.offer_id, context, "offer_id")


def _check_course_ended(case: Case, step: steps.CourseCompleted | steps.CourseDropped) -> None:
    course = case.course(step.course_id)
    if course is None:
        raise RuleViolated(
            "course_end_needs_enrolment", f"no course '{step.course_id}'", "course_id", course_id=step.course_id
        )
    if course.status != "enrolled":
        raise RuleViolated(
            "course_ends_once", f"course '{step.course_id}' already {course.status}", course_id=step.course_id
        )
    _not_before(step.date, course.enrolled_on, "the enrolment")


def _check_exam_admission_applied(case: Case, step: steps.ExamAdmissionApplied) -> None:
    if case.exam(step.exam_id):
        raise RuleViolated("exam_id_unique", f"exam '{step.exam_id}' exists", "exam_id", exam_id=step.exam_id)
    if step.application_id is not None:
        _application(case, step.application_id, "compensation")
    birth_date = case.personal.birth_date if case.personal is not None else None
    # With only the birth year known, refuse only someone certainly younger than 25.
    age = age_in_years(birth_date, step.date) if birth_date else step.date.year - case.profile.birth_year
    if step.route == "validation" and age < VALIDATION_MIN_AGE:
        raise InvalidStep(
            "validation_needs_age_25", "the validation procedure is open from the age of 25 (§50b BBiG)", "route"
        )


def _check_exam_admission_decided(case: Case, step: steps.ExamAdmissionDecided) -> None:
    exam = case.exam(step.exam_id)
    if exam is None:
        raise RuleViolated(
            "admission_decision_needs_application",
            f"no exam admission '{step.exam_id}'",
            "exam_id",
            exam_id=step.exam_id,
        )
    if exam.status != "admission_applied":
        raise RuleViolated(
            "admission_decided_once",
            f"the admission to '{step.exam_id}' is already decided",
            exam_id=step.exam_id,
        )
    _not_before(step.date, exam.admission_applied_on, "the admission application")


def _check_exam_result(case: Case, step: steps.ExamResultRecorded) -> None:
    exam = case.exam(step.exam_id)
    if exam is None or exam.status in ("admission_applied", "admission_refused"):
        raise RuleViolated(
            "result_needs_admission_granted",
            f"exam '{step.exam_id}' has no granted admission",
            "exam_id",
            exam_id=step.exam_id,
        )
    if exam.status == "result_recorded":
        if exam.result != "failed":
            raise RuleViolated(
                "exam_result_once", f"exam '{step.exam_id}' already has its result", exam_id=step.exam_id
            )
        if exam.attempts >= EXAM_ATTEMPTS:
            raise RuleViolated(
                "exam_attempts_exhausted",
                f"exam '{step.exam_id}' was taken {exam.attempts} times: § 37(1) BBiG allows two repetitions",
                "exam_id",
                exam_id=step.exam_id,
                attempts=exam.attempts,
            )
    # Partial comparability is the chamber's decision (§ 50b(4) BBiG): recorded as decided, whatever is known here.
    levels = (
        ("full", "predominant", "partial", "not_comparable") if exam.route == "validation" else ("passed", "failed")
    )
    if step.result not in levels:
        raise InvalidStep("result_fits_route", f"a {exam.route} result is one of {', '.join(levels)}", "result")
    assert exam.admission_decided_on is not None
    _not_before(step.date, exam.result_on or exam.admission_decided_on, "the admission or the previous attempt")


def _check_counsellor_assigned(case: Case, step: steps.CounsellorAssigned, context: Context) -> None:
    if step.counsellor == case.counsellor:
        raise RuleViolated(
            "reassignment_changes_counsellor",
            f"'{step.counsellor}' already holds the case",
            "counsellor",
            counsellor=step.counsellor,
        )
    if not context.is_active_counsellor(case.agency, step.counsellor):
        raise RuleViolated(
            "counsellor_active_in_agency",
            f"'{step.counsellor}' is not an active counsellor of agency '{case.agency}'",
            "counsellor",
            counsellor=step.counsellor,
            agency=case.agency,
        )


def _exclusive(situation: steps.Situation) -> None:
    if situation.job_searching and (situation.employed or situation.self_employed):
        raise InvalidStep(
            "leaving_situation_exclusive",
            "job searching and in employment exclude each other on leaving (ESF+ EECR01, EECR04)",
            "situation.job_searching",
        )


def _check_case_closed(case: Case, step: steps.CaseClosed) -> None:
    # The exit ends the journey: it cannot come before a step already recorded on it.
    _not_before(step.date, case.last_step_on, "the last recorded step")
    _exclusive(step.situation)


def _check_leaving_situation(case: Case, step: steps.LeavingSituationRecorded) -> None:
    if case.exit is None or step.date > add_days(case.exit.closed_on, LEAVING_SITUATION_DAYS):
        raise RuleViolated(
            "leaving_situation_window",
            f"the situation on leaving is recorded after the exit, within {LEAVING_SITUATION_DAYS} days of it",
            "date",
            days=LEAVING_SITUATION_DAYS,
        )
    _not_before(step.date, case.exit.closed_on, "the exit")
    _exclusive(step.situation)


def _check_qualification_recorded(case: Case, step: steps.QualificationRecorded) -> None:
    if case.qualification(step.qualification_id):
        raise RuleViolated(
            "qualification_id_unique",
            f"qualification '{step.qualification_id}' exists",
            "qualification_id",
            qualification_id=step.qualification_id,
        )
    if step.year is not None and not case.profile.birth_year <= step.year <= step.date.year:
        raise InvalidStep(
            "qualification_year_plausible",
            f"year {step.year} is not between the birth year {case.profile.birth_year} and the step's date",
            "year",
            year=step.year,
            birth_year=case.profile.birth_year,
        )


def _check_referral_made(case: Case, step: steps.ReferralMade) -> None:
    if case.referral(step.referral_id):
        raise RuleViolated(
            "referral_id_unique", f"referral '{step.referral_id}' exists", "referral_id", referral_id=step.referral_id
        )


def _check_referral_outcome(case: Case, step: steps.ReferralOutcomeRecorded) -> None:
    referral = case.referral(step.referral_id)
    if referral is None:
        raise RuleViolated(
            "outcome_needs_referral", f"no referral '{step.referral_id}'", "referral_id", referral_id=step.referral_id
        )
    # Outcomes follow one another, so the latest recorded is the latest known.
    _not_before(step.date, referral.outcome_on or referral.referred_on, "the referral or its previous outcome")


def _check_plan_agreed(case: Case, step: steps.PlanAgreed, context: Context) -> None:
    if case.plan_agreed_on is not None:
        _not_before(step.date, case.plan_agreed_on, "the current plan's agreement")
    seen: set[str] = set()
    for number, item in enumerate(step.items):
        if item.item_id in seen:
            raise InvalidStep(
                "plan_item_ids_unique",
                f"item '{item.item_id}' is named twice in the plan",
                f"items.{number}.item_id",
                item_id=item.item_id,
            )
        seen.add(item.item_id)
        carried = case.plan_item(item.item_id)
        if item.target_date < step.date and (carried is None or carried.status != "done"):
            raise InvalidStep(
                "target_date_not_before_plan",
                f"item '{item.item_id}' has its target date {item.target_date} before the plan's date {step.date}",
                f"items.{number}.target_date",
                item_id=item.item_id,
                target_date=item.target_date,
                date=step.date,
            )
    for number, item in enumerate(step.items):
        carried = case.plan_item(item.item_id)
        if carried is not None and carried.offer_id == item.offer_id:
            continue  # repeated as the plan holds it, perhaps from before the catalogue was asked (stored history)
        _offer_of_agency(case, item.offer_id, context, f"items.{number}.offer_id")


def _check_plan_item_done(case: Case, step: steps.PlanItemDone) -> None:
    item = case.plan_item(step.item_id)
    if item is None or case.plan_agreed_on is None:
        raise RuleViolated(
            "completion_needs_plan_item",
            f"the current plan has no item '{step.item_id}'",
            "item_id",
            item_id=step.item_id,
        )
    if item.status == "done":
        raise RuleViolated(
            "plan_item_done_once", f"plan item '{step.item_id}' is already done", "item_id", item_id=step.item_id
        )
    _not_before(step.date, case.plan_agreed_on, "the plan's agreement")


def _check_case_reopened(case: Case, step: steps.CaseReopened) -> None:
    if case.exit is None:
        raise RuleViolated("reopening_needs_closed_case", "the case is open")
    _not_before(step.date, case.exit.closed_on, "the exit")


def _check_follow_up(case: Case, step: steps.FollowUpRecorded, today: date) -> None:
    if case.exit is None:
        raise RuleViolated("follow_up_after_exit", "a follow-up is recorded only after the exit")
    _not_before(step.date, case.exit.closed_on, "the exit")
    if step.reference_date is not None:
        _not_in_future(step.reference_date, today, "reference_date")
        if step.reference_date > step.date:
            raise InvalidStep(
                "reference_date_not_after_date",
                f"reference_date {step.reference_date} is after the follow-up's date {step.date}",
                "reference_date",
                reference_date=step.reference_date,
                date=step.date,
            )
        if step.reference_date < case.exit.closed_on:
            raise InvalidStep(
                "date_not_before_reference",
                f"reference_date {step.reference_date} is before the exit on {case.exit.closed_on}",
                "reference_date",
                date=step.reference_date,
                reference=case.exit.closed_on,
                what="the exit",
            )
    _check_follow_up_situation(step)


def _check_follow_up_situation(step: steps.FollowUpRecorded) -> None:
    if step.outcome != "reached":
        for name in ("employed", "improved_situation", "improvement"):
            if getattr(step, name) is not None:
                raise InvalidStep(
                    "follow_up_situation_only_when_reached",
                    f"{name} is recorded only when the client was reached (outcome {step.outcome})",
                    name,
                )
        return
    if step.employed is None:
        raise InvalidStep("follow_up_needs_situation", "a reached follow-up records whether employed", "employed")
    if step.improvement is None and step.improved_situation is None:
        raise InvalidStep(
            "follow_up_needs_situation",
            "a reached follow-up records improved_situation (or the improvement)",
            "improved_situation",
        )
    if step.improvement is not None and step.improved_situation not in (None, step.improvement != "none"):
        raise InvalidStep(
            "improvement_matches_improved_situation",
            f"improvement '{step.improvement}' and improved_situation {step.improved_situation} contradict each other",
            "improved_situation",
        )


def _check_consent_changed(case: Case, step: steps.ConsentChanged) -> None:
    if step.special_categories == case.special_categories_consent:
        state = "given" if step.special_categories else "not given"
        raise RuleViolated("consent_changes", f"consent to special categories is already {state}", "special_categories")


def _check(case: Case, step: steps.Step, context: Context) -> None:  # noqa: C901, PLR0912, PLR0915 - one per type
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
        case steps.RecognitionDeadlineSuspended():
            _check_deadline_suspended(case, step)
        case steps.RecognitionDeadlineResumed():
            _check_deadline_resumed(case, step)
        case steps.RecognitionWithdrawn():
            _check_withdrawn(case, step)
        case steps.CourseEnrolled():
            _check_course_enrolled(case, step, context)
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
            _check_follow_up(case, step, context.today)
        case steps.ConsentChanged():
            _check_consent_changed(case, step)
        case steps.CaseClosed():
            _check_case_closed(case, step)
        case steps.LeavingSituationRecorded():
            _check_leaving_situation(case, step)
        case steps.QualificationRecorded():
            _check_qualification_recorded(case, step)
        case steps.ReferralMade():
            _check_referral_made(case, step)
        case steps.ReferralOutcomeRecorded():
            _check_referral_outcome(case, step)
        case steps.PlanAgreed():
            _check_plan_agreed(case, step, context)
        case steps.PlanItemDone():
            _check_plan_item_done(case, step)
        case steps.CounsellingSessionHeld():
            pass  # only the rules common to every step
        case _:
            assert_never(step)
