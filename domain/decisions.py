"""The case decides: it checks each rule and emits the event, or raises an error naming the rule.

The rules themselves are in `domain.rules`, by the part of the journey they concern."""

from datetime import date
from typing import Any, TypeVar, assert_never
from uuid import UUID

import msgspec

from domain import events as ev
from domain import records, steps
from domain.calendar import age_in_years
from domain.case import Case
from domain.errors import InvalidStep, RuleViolated
from domain.rules import journey, recognition
from domain.rules.common import (
    Context,
    not_in_future,
    plausible_age,
    plausible_arrival,
    special_categories_consented,
)

# Context is part of this module's interface: the application builds one for every decision.
__all__ = ["STEP_EVENTS", "Context", "erase_personal_data", "open_case", "record_step"]

# The exit's follow-up, the situation on leaving learnt afterwards and reopening stay possible after the exit, and so
# does withdrawing consent (GDPR Art. 7(3): as easy as giving it); giving new consent waits for a reopened case.
ALLOWED_ON_CLOSED_CASE = (steps.FollowUpRecorded, steps.LeavingSituationRecorded, steps.CaseReopened)


def open_case(
    case_id: UUID, agency: str, command: steps.OpenCase, context: Context, participant_id: UUID | None = None
) -> ev.CaseOpened:
    """Records the first contact. `participant_id`: the participant of an earlier case of the same client, found by
    the application (the domain cannot search); without one the case's client is a participant of her own."""
    counsellor = command.counsellor or context.recorded_by
    profile = command.profile
    not_in_future(command.first_contact_on, context.today, "first_contact_on")
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
    plausible_age(age, "profile.birth_date" if exact else "profile.birth_year")
    plausible_arrival(profile.arrival_year, birth_year, command.first_contact_on, "profile.arrival_year")
    special_categories_consented(profile, command.consent.special_categories, "profile")
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
    not_in_future(step.date, context.today, "date")
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


def _check(case: Case, step: steps.Step, context: Context) -> None:  # noqa: C901, PLR0912, PLR0915 - one per type
    match step:
        case steps.ProfileCorrected():
            journey.check_profile_corrected(case, step)
        case steps.AssessmentStarted():
            journey.check_assessment_started(case, step)
        case steps.AssessmentCompleted():
            journey.check_assessment_completed(case, step)
        case steps.RecognitionApplied():
            recognition.check_recognition_applied(case, step)
        case steps.RecognitionReceiptConfirmed():
            recognition.check_receipt_confirmed(case, step)
        case steps.RecognitionDocumentsCompleted():
            recognition.check_documents_completed(case, step)
        case steps.RecognitionDeadlineExtended():
            recognition.check_deadline_extended(case, step)
        case steps.RecognitionDecided():
            recognition.check_recognition_decided(case, step)
        case steps.RecognitionDeadlineSuspended():
            recognition.check_deadline_suspended(case, step)
        case steps.RecognitionDeadlineResumed():
            recognition.check_deadline_resumed(case, step)
        case steps.RecognitionWithdrawn():
            recognition.check_withdrawn(case, step)
        case steps.CourseEnrolled():
            journey.check_course_enrolled(case, step, context)
        case steps.CourseCompleted() | steps.CourseDropped():
            journey.check_course_ended(case, step)
        case steps.ExamAdmissionApplied():
            journey.check_exam_admission_applied(case, step)
        case steps.ExamAdmissionDecided():
            journey.check_exam_admission_decided(case, step)
        case steps.ExamResultRecorded():
            journey.check_exam_result(case, step)
        case steps.CounsellorAssigned():
            journey.check_counsellor_assigned(case, step, context)
        case steps.CaseReopened():
            journey.check_case_reopened(case, step)
        case steps.FollowUpRecorded():
            journey.check_follow_up(case, step, context.today)
        case steps.ConsentChanged():
            journey.check_consent_changed(case, step)
        case steps.CaseClosed():
            journey.check_case_closed(case, step)
        case steps.LeavingSituationRecorded():
            journey.check_leaving_situation(case, step)
        case steps.QualificationRecorded():
            journey.check_qualification_recorded(case, step)
        case steps.ReferralMade():
            journey.check_referral_made(case, step)
        case steps.ReferralOutcomeRecorded():
            journey.check_referral_outcome(case, step)
        case steps.PlanAgreed():
            journey.check_plan_agreed(case, step, context)
        case steps.PlanItemDone():
            journey.check_plan_item_done(case, step)
        case steps.CounsellingSessionHeld():
            pass  # only the rules common to every step
        case _:
            assert_never(step)
