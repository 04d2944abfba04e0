"""What happened to a case: immutable facts, each with a stable topic that names it in the store.

Topics never follow the Python module path, so classes can move without breaking stored history.
A schema change raises `class_version` and adds an `upcast_vN_vN1(data)` static method.
"""

from datetime import date, datetime
from typing import ClassVar, get_type_hints
from uuid import UUID

import msgspec

from domain import steps
from domain.vocabulary import Channel, ReferralSource


class CaseEvent(msgspec.Struct, frozen=True, kw_only=True):
    TOPIC: ClassVar[str]
    class_version: ClassVar[int] = 1

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    recorded_by: str


class CaseOpened(CaseEvent, frozen=True, kw_only=True):
    TOPIC = "lotse.case.CaseOpened"
    agency: str
    counsellor: str
    first_contact_on: date
    channel: Channel
    referral_source: ReferralSource
    profile: steps.Profile
    personal: steps.PersonalData | None  # None: erased (the client's key is destroyed)
    consent: steps.Consent


class PersonalDataErased(CaseEvent, frozen=True, kw_only=True):
    TOPIC = "lotse.case.PersonalDataErased"
    erased_on: date


class StepRecorded(CaseEvent, frozen=True, kw_only=True):
    """A journey step as the counsellor recorded it."""

    step: steps.StepCommand


class ProfileCorrected(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.ProfileCorrected"
    step: steps.ProfileCorrected


class CounsellingSessionHeld(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.CounsellingSessionHeld"
    step: steps.CounsellingSessionHeld


class AssessmentStarted(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.AssessmentStarted"
    step: steps.AssessmentStarted


class AssessmentCompleted(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.AssessmentCompleted"
    step: steps.AssessmentCompleted


class RecognitionApplied(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.RecognitionApplied"
    step: steps.RecognitionApplied


class RecognitionReceiptConfirmed(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.RecognitionReceiptConfirmed"
    step: steps.RecognitionReceiptConfirmed


class RecognitionDocumentsCompleted(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.RecognitionDocumentsCompleted"
    step: steps.RecognitionDocumentsCompleted


class RecognitionDeadlineExtended(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.RecognitionDeadlineExtended"
    step: steps.RecognitionDeadlineExtended


class RecognitionDecided(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.RecognitionDecided"
    step: steps.RecognitionDecided


class CourseEnrolled(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.CourseEnrolled"
    step: steps.CourseEnrolled


class CourseCompleted(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.CourseCompleted"
    step: steps.CourseCompleted


class CourseDropped(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.CourseDropped"
    step: steps.CourseDropped


class ExamAdmissionApplied(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.ExamAdmissionApplied"
    step: steps.ExamAdmissionApplied


class ExamAdmissionDecided(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.ExamAdmissionDecided"
    step: steps.ExamAdmissionDecided


class ExamResultRecorded(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.ExamResultRecorded"
    step: steps.ExamResultRecorded


class CounsellorAssigned(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.CounsellorAssigned"
    step: steps.CounsellorAssigned


class CaseClosed(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.CaseClosed"
    step: steps.CaseClosed


class CaseReopened(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.CaseReopened"
    step: steps.CaseReopened


class FollowUpRecorded(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.FollowUpRecorded"
    step: steps.FollowUpRecorded


class ConsentChanged(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.ConsentChanged"
    step: steps.ConsentChanged


STEP_EVENTS: dict[type[steps.StepCommand], type[StepRecorded]] = {
    get_type_hints(event_class)["step"]: event_class for event_class in StepRecorded.__subclasses__()
}

_EVENT_CLASSES: tuple[type[CaseEvent], ...] = (CaseOpened, PersonalDataErased, *StepRecorded.__subclasses__())
EVENT_TYPES: dict[str, type[CaseEvent]] = {event_class.TOPIC: event_class for event_class in _EVENT_CLASSES}


def event_type_name(event: CaseEvent) -> str:
    """The step type as the API names it (`recognition_applied`, …)."""
    if isinstance(event, StepRecorded):
        return str(event.step.__struct_config__.tag)
    return "case_opened" if isinstance(event, CaseOpened) else "personal_data_erased"


def occurred_on(event: CaseEvent) -> date:
    """The day the event happened in the client's journey (not when it was recorded)."""
    if isinstance(event, StepRecorded):
        return event.step.date
    if isinstance(event, CaseOpened):
        return event.first_contact_on
    if isinstance(event, PersonalDataErased):
        return event.erased_on
    raise TypeError(f"not a case event: {event!r}")
