"""What happened to a case: immutable facts, each with a stable topic that names it in the store.

Events are not the API's commands (domain/steps.py): they have fields of their own, carry no request limits and
ignore fields they do not know, so what a release changes about requests never makes stored history unreadable.
Topics never follow the Python module path, so classes can move without breaking stored history. A schema change
raises `class_version` and adds an `upcast_vN_vN1(data)` static method, which the mapper runs on older payloads;
a stored event is never rewritten.
"""

from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID

import msgspec

from domain.records import Consent, PersonalData, PlanItem, Profile, ProfileChanges, Situation
from domain.vocabulary import (
    AdmissionBasis,
    Chamber,
    Channel,
    CloseReason,
    Compensation,
    CourseKind,
    ExamResult,
    ExamRoute,
    FollowUpOutcome,
    Funding,
    Improvement,
    Instrument,
    Pathway,
    QualificationKind,
    RecognitionOutcome,
    ReferralOutcome,
    ReferralSource,
    ReferralTarget,
    ResponsibleBody,
    SessionMode,
    SuspensionReason,
)


class CaseEvent(msgspec.Struct, frozen=True, kw_only=True):
    TOPIC: ClassVar[str]
    TYPE: ClassVar[str]  # the step type as the API names it
    class_version: ClassVar[int] = 1

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    recorded_by: str


class CaseOpened(CaseEvent, frozen=True, kw_only=True):
    TOPIC = "lotse.case.CaseOpened"
    TYPE = "case_opened"
    agency: str
    counsellor: str
    first_contact_on: date
    channel: Channel
    referral_source: ReferralSource
    profile: Profile
    personal: PersonalData | None  # None: erased (the client's key is destroyed)
    consent: Consent
    # Whole years on the first contact; exact from the birth date. 0.1 recorded neither: the age is then the
    # difference of the years of first contact and birth, not exact.
    age_at_entry: int | None = None
    age_exact: bool = False
    # The person the funder counts: the participant of an earlier case of the agency with the same client (same
    # normalised name and birth date), else this case's own id. 0.1 recorded none: each case its own participant.
    participant_id: UUID | None = None


class PersonalDataErased(CaseEvent, frozen=True, kw_only=True):
    TOPIC = "lotse.case.PersonalDataErased"
    TYPE = "personal_data_erased"
    erased_on: date


class StepRecorded(CaseEvent, frozen=True, kw_only=True):
    """A journey step as the counsellor recorded it; `date` is when it happened.

    Version 1 (release 0.1) nested the step's fields under `step`, beside its `type`; version 2 keeps them on the
    event itself. Free text about the client is None once it is erased (or not opened for the reader).
    """

    class_version = 2
    date: date

    @staticmethod
    def upcast_v1_v2(data: dict[str, Any]) -> None:
        step = data.pop("step")
        step.pop("type", None)
        data.update(step)


class ProfileCorrected(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.ProfileCorrected"
    TYPE = "profile_corrected"
    profile: ProfileChanges
    birth_date: date | None = None  # personal data: sealed like the personal data block
    age_at_entry: int | None = None  # set when the correction changes the age at entry
    age_exact: bool | None = None


class CounsellingSessionHeld(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.CounsellingSessionHeld"
    TYPE = "counselling_session_held"
    minutes: int
    topics: tuple[str, ...] | None = ()  # None: erased, or not opened
    note: str | None = None
    # Before 0.2 the desk recorded none of these: such sessions read as held in person, in German, without interpreter.
    mode: SessionMode = "in_person"
    language: str = "de"
    interpreter: bool = False


class AssessmentStarted(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.AssessmentStarted"
    TYPE = "assessment_started"
    assessment_id: str
    instrument: Instrument


class AssessmentCompleted(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.AssessmentCompleted"
    TYPE = "assessment_completed"
    assessment_id: str
    recommended_pathway: Pathway
    result: str | None = None


class RecognitionApplied(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.RecognitionApplied"
    TYPE = "recognition_applied"
    application_id: str
    reference_occupation: str | None  # None: erased, or not opened
    responsible_body: ResponsibleBody
    regulated: bool = False
    fast_track: bool = False
    qualification_id: str | None = None  # the recorded qualification applied for (0.2)


class RecognitionReceiptConfirmed(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.RecognitionReceiptConfirmed"
    TYPE = "recognition_receipt_confirmed"
    application_id: str
    missing_documents: tuple[str, ...] | None = ()  # None: erased, or not opened


class RecognitionDocumentsCompleted(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.RecognitionDocumentsCompleted"
    TYPE = "recognition_documents_completed"
    application_id: str


class RecognitionDeadlineExtended(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.RecognitionDeadlineExtended"
    TYPE = "recognition_deadline_extended"
    application_id: str
    due: date
    reason: str | None = None


class RecognitionDecided(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.RecognitionDecided"
    TYPE = "recognition_decided"
    application_id: str
    outcome: RecognitionOutcome
    substantial_differences: str | None = None
    compensation: Compensation = "none"


class RecognitionDeadlineSuspended(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.RecognitionDeadlineSuspended"
    TYPE = "recognition_deadline_suspended"
    application_id: str
    reason: SuspensionReason


class RecognitionDeadlineResumed(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.RecognitionDeadlineResumed"
    TYPE = "recognition_deadline_resumed"
    application_id: str


class RecognitionWithdrawn(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.RecognitionWithdrawn"
    TYPE = "recognition_withdrawn"
    application_id: str
    reason: str | None = None


class CourseEnrolled(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.CourseEnrolled"
    TYPE = "course_enrolled"
    course_id: str
    kind: CourseKind
    provider: str | None  # None: erased, or not opened
    funding: Funding
    module: int | None = None
    modules: int | None = None
    planned_end: date | None = None
    application_id: str | None = None
    offer_id: str | None = None  # the catalogue's offer (0.2)


class CourseCompleted(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.CourseCompleted"
    TYPE = "course_completed"
    course_id: str
    certificate: bool


class CourseDropped(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.CourseDropped"
    TYPE = "course_dropped"
    course_id: str
    reason: str | None = None


class ExamAdmissionApplied(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.ExamAdmissionApplied"
    TYPE = "exam_admission_applied"
    exam_id: str
    route: ExamRoute
    occupation: str | None  # None: erased, or not opened
    chamber: Chamber
    application_id: str | None = None
    basis: AdmissionBasis | None = None


class ExamAdmissionDecided(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.ExamAdmissionDecided"
    TYPE = "exam_admission_decided"
    exam_id: str
    granted: bool
    reason: str | None = None


class ExamResultRecorded(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.ExamResultRecorded"
    TYPE = "exam_result_recorded"
    exam_id: str
    result: ExamResult


class CounsellorAssigned(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.CounsellorAssigned"
    TYPE = "counsellor_assigned"
    counsellor: str
    reason: str | None = None


class CaseClosed(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.CaseClosed"
    TYPE = "case_closed"
    reason: CloseReason
    situation: Situation


class LeavingSituationRecorded(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.LeavingSituationRecorded"
    TYPE = "leaving_situation_recorded"
    situation: Situation


class CaseReopened(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.CaseReopened"
    TYPE = "case_reopened"
    reason: str | None = None


class FollowUpRecorded(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.FollowUpRecorded"
    TYPE = "follow_up_recorded"
    employed: bool | None  # None: not reached
    improved_situation: bool | None
    reference_date: date | None = None  # None (as 0.1 recorded it): the follow-up's date
    outcome: FollowUpOutcome = "reached"
    improvement: Improvement | None = None


class ConsentChanged(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.ConsentChanged"
    TYPE = "consent_changed"
    special_categories: bool


class QualificationRecorded(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.QualificationRecorded"
    TYPE = "qualification_recorded"
    qualification_id: str
    kind: QualificationKind
    country: str
    title: str | None = None  # personal data: None once erased
    year: int | None = None


class ReferralMade(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.ReferralMade"
    TYPE = "referral_made"
    referral_id: str
    to: ReferralTarget
    organisation: str | None  # None: erased, or not opened
    purpose: str | None = None


class ReferralOutcomeRecorded(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.ReferralOutcomeRecorded"
    TYPE = "referral_outcome_recorded"
    referral_id: str
    outcome: ReferralOutcome


class PlanAgreed(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.PlanAgreed"
    TYPE = "plan_agreed"
    items: tuple[PlanItem, ...]


class PlanItemDone(StepRecorded, frozen=True, kw_only=True):
    TOPIC = "lotse.case.PlanItemDone"
    TYPE = "plan_item_done"
    item_id: str


RecognitionEvent = (
    RecognitionApplied
    | RecognitionReceiptConfirmed
    | RecognitionDocumentsCompleted
    | RecognitionDeadlineExtended
    | RecognitionDecided
    | RecognitionDeadlineSuspended
    | RecognitionDeadlineResumed
    | RecognitionWithdrawn
)
StepEvent = (
    ProfileCorrected
    | CounsellingSessionHeld
    | AssessmentStarted
    | AssessmentCompleted
    | RecognitionApplied
    | RecognitionReceiptConfirmed
    | RecognitionDocumentsCompleted
    | RecognitionDeadlineExtended
    | RecognitionDecided
    | RecognitionDeadlineSuspended
    | RecognitionDeadlineResumed
    | RecognitionWithdrawn
    | CourseEnrolled
    | CourseCompleted
    | CourseDropped
    | ExamAdmissionApplied
    | ExamAdmissionDecided
    | ExamResultRecorded
    | CounsellorAssigned
    | CaseClosed
    | LeavingSituationRecorded
    | CaseReopened
    | FollowUpRecorded
    | ConsentChanged
    | QualificationRecorded
    | ReferralMade
    | ReferralOutcomeRecorded
    | PlanAgreed
    | PlanItemDone
)
STEP_EVENT_TYPES: dict[str, type[StepRecorded]] = {cls.TYPE: cls for cls in StepRecorded.__subclasses__()}
_EVENT_CLASSES: tuple[type[CaseEvent], ...] = (CaseOpened, PersonalDataErased, *StepRecorded.__subclasses__())
EVENT_TYPES: dict[str, type[CaseEvent]] = {event_class.TOPIC: event_class for event_class in _EVENT_CLASSES}
ENVELOPE_FIELDS = ("originator_id", "originator_version", "timestamp", "recorded_by")


def event_type_name(event: CaseEvent) -> str:
    """The step type as the API names it (`recognition_applied`, …)."""
    return type(event).TYPE


def occurred_on(event: CaseEvent) -> date:
    """The day the event happened in the client's journey (not when it was recorded)."""
    if isinstance(event, StepRecorded):
        return event.date
    if isinstance(event, CaseOpened):
        return event.first_contact_on
    if isinstance(event, PersonalDataErased):
        return event.erased_on
    raise TypeError(f"not a case event: {event!r}")
