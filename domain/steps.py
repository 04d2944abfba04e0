"""The commands a counsellor sends: opening a case and the step types of API.md, as msgspec Structs.

The API decodes request bodies straight into these types; `Step` is the tagged union on `type`.
"""

from datetime import date

import msgspec
from msgspec import UNSET, UnsetType

from domain.vocabulary import (
    BirthYear,
    Chamber,
    Channel,
    ClientId,
    CloseReason,
    Compensation,
    CountryCode,
    CourseKind,
    ExamResult,
    ExamRoute,
    Funding,
    Gender,
    Instrument,
    Isced,
    LabourStatus,
    LongText,
    Minutes,
    ModuleNumber,
    Pathway,
    RecognitionOutcome,
    ReferralSource,
    ResponsibleBody,
    ShortText,
    Subject,
    TextList,
    YesNoUnknown,
)


class Data(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Immutable, strictly decoded data."""


class Profile(Data, frozen=True):
    """The pseudonymous statistical profile, kept in clear for the funder's indicators."""

    birth_year: BirthYear
    gender: Gender
    labour_status: LabourStatus
    isced: Isced
    foreign_background: bool
    third_country_national: bool
    disability: YesNoUnknown = "unknown"
    minority: YesNoUnknown = "unknown"
    homeless: bool = False
    rural: bool = False
    qualification_country: CountryCode | None = None
    target_occupation: ShortText | None = None


class ProfileChanges(Data, frozen=True):
    """The attributes a correction changes; the others stay as they were."""

    birth_year: BirthYear | UnsetType = UNSET
    gender: Gender | UnsetType = UNSET
    labour_status: LabourStatus | UnsetType = UNSET
    isced: Isced | UnsetType = UNSET
    foreign_background: bool | UnsetType = UNSET
    third_country_national: bool | UnsetType = UNSET
    disability: YesNoUnknown | UnsetType = UNSET
    minority: YesNoUnknown | UnsetType = UNSET
    homeless: bool | UnsetType = UNSET
    rural: bool | UnsetType = UNSET
    qualification_country: CountryCode | UnsetType | None = UNSET
    target_occupation: ShortText | UnsetType | None = UNSET

    def changed(self) -> dict[str, object]:
        return {name: value for name in self.__struct_fields__ if (value := getattr(self, name)) is not UNSET}


class PersonalData(Data, frozen=True):
    """Identifying data of the client: stored apart from statistics, erasable."""

    name: ShortText | None = None
    email: ShortText | None = None
    phone: ShortText | None = None
    address: ShortText | None = None


class Consent(Data, frozen=True):
    special_categories: bool = False


class Situation(Data, frozen=True):
    """The client's situation on leaving (ESF+ result indicators EECR01–EECR04)."""

    job_searching: bool
    in_education_or_training: bool
    qualification_gained: bool
    employed: bool


class OpenCase(Data, frozen=True):
    """First contact: opens a case at the caller's agency."""

    first_contact_on: date
    channel: Channel
    referral_source: ReferralSource
    profile: Profile
    counsellor: Subject | None = None
    personal: PersonalData = PersonalData()
    consent: Consent = Consent()


class StepCommand(Data, tag_field="type", frozen=True):
    """A step of the journey; `date` is when it happened."""

    date: date


class ProfileCorrected(StepCommand, tag="profile_corrected", frozen=True):
    profile: ProfileChanges


class CounsellingSessionHeld(StepCommand, tag="counselling_session_held", frozen=True):
    minutes: Minutes
    topics: TextList = ()
    note: LongText | None = None


class AssessmentStarted(StepCommand, tag="assessment_started", frozen=True):
    assessment_id: ClientId
    instrument: Instrument


class AssessmentCompleted(StepCommand, tag="assessment_completed", frozen=True):
    assessment_id: ClientId
    recommended_pathway: Pathway
    result: LongText | None = None


class RecognitionApplied(StepCommand, tag="recognition_applied", frozen=True):
    application_id: ClientId
    reference_occupation: ShortText
    responsible_body: ResponsibleBody
    regulated: bool = False
    fast_track: bool = False


class RecognitionReceiptConfirmed(StepCommand, tag="recognition_receipt_confirmed", frozen=True):
    application_id: ClientId
    missing_documents: TextList = ()


class RecognitionDocumentsCompleted(StepCommand, tag="recognition_documents_completed", frozen=True):
    application_id: ClientId


class RecognitionDeadlineExtended(StepCommand, tag="recognition_deadline_extended", frozen=True):
    application_id: ClientId
    due: date
    reason: ShortText


class RecognitionDecided(StepCommand, tag="recognition_decided", frozen=True):
    application_id: ClientId
    outcome: RecognitionOutcome
    substantial_differences: LongText | None = None
    compensation: Compensation = "none"


class CourseEnrolled(StepCommand, tag="course_enrolled", frozen=True):
    course_id: ClientId
    kind: CourseKind
    provider: ShortText
    funding: Funding
    module: ModuleNumber | None = None
    modules: ModuleNumber | None = None
    planned_end: date | None = None


class CourseCompleted(StepCommand, tag="course_completed", frozen=True):
    course_id: ClientId
    certificate: bool


class CourseDropped(StepCommand, tag="course_dropped", frozen=True):
    course_id: ClientId
    reason: ShortText


class ExamAdmissionApplied(StepCommand, tag="exam_admission_applied", frozen=True):
    exam_id: ClientId
    route: ExamRoute
    occupation: ShortText
    chamber: Chamber


class ExamAdmissionDecided(StepCommand, tag="exam_admission_decided", frozen=True):
    exam_id: ClientId
    granted: bool
    reason: ShortText | None = None


class ExamResultRecorded(StepCommand, tag="exam_result_recorded", frozen=True):
    exam_id: ClientId
    result: ExamResult


class CounsellorAssigned(StepCommand, tag="counsellor_assigned", frozen=True):
    counsellor: Subject
    reason: ShortText | None = None


class CaseClosed(StepCommand, tag="case_closed", frozen=True):
    reason: CloseReason
    situation: Situation


class CaseReopened(StepCommand, tag="case_reopened", frozen=True):
    reason: ShortText


class FollowUpRecorded(StepCommand, tag="follow_up_recorded", frozen=True):
    employed: bool
    improved_situation: bool


class ConsentChanged(StepCommand, tag="consent_changed", frozen=True):
    special_categories: bool


Step = (
    ProfileCorrected
    | CounsellingSessionHeld
    | AssessmentStarted
    | AssessmentCompleted
    | RecognitionApplied
    | RecognitionReceiptConfirmed
    | RecognitionDocumentsCompleted
    | RecognitionDeadlineExtended
    | RecognitionDecided
    | CourseEnrolled
    | CourseCompleted
    | CourseDropped
    | ExamAdmissionApplied
    | ExamAdmissionDecided
    | ExamResultRecorded
    | CounsellorAssigned
    | CaseClosed
    | CaseReopened
    | FollowUpRecorded
    | ConsentChanged
)
