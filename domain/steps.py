"""The commands a counsellor sends: opening a case and the step types of API.md, as msgspec Structs.

The API decodes request bodies straight into these types; `Step` is the tagged union on `type`.
"""

from datetime import date

import msgspec
from msgspec import UNSET, UnsetType

from domain.vocabulary import (
    AdmissionBasis,
    ArrivalYear,
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
    FollowUpOutcome,
    Funding,
    Gender,
    GermanLevel,
    Improvement,
    Instrument,
    Isced,
    KldbCode,
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
    SuspensionReason,
    TextList,
    YesNoUnknown,
)


class Data(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Immutable, strictly decoded data."""


class Profile(Data, frozen=True):
    """The statistical profile, kept in clear for the funder's indicators, and the client's birth date.

    The birth date (preferred) is personal data: it is sealed with the other personal data and only the age at entry
    stays in clear. With the birth year alone the age at entry is the difference of the years. One of them is needed.
    """

    gender: Gender
    labour_status: LabourStatus
    isced: Isced
    foreign_background: bool
    third_country_national: bool
    birth_year: BirthYear | None = None
    birth_date: date | None = None
    disability: YesNoUnknown = "unknown"
    minority: YesNoUnknown = "unknown"
    homeless: bool = False
    rural: bool = False
    qualification_country: CountryCode | None = None
    target_occupation: ShortText | None = None
    german_level: GermanLevel = "unknown"
    arrival_year: ArrivalYear | None = None
    target_kldb: KldbCode | None = None  # the target occupation's KldB 2010 code: matches catalogue offers by it


class ProfileChanges(Data, frozen=True):
    """The attributes a correction changes; the others stay as they were."""

    birth_year: BirthYear | UnsetType = UNSET
    birth_date: date | UnsetType = UNSET
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
    german_level: GermanLevel | UnsetType = UNSET
    arrival_year: ArrivalYear | UnsetType | None = UNSET
    target_kldb: KldbCode | UnsetType | None = UNSET

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
    """The client's situation on leaving (ESF+ result indicators EECR01–EECR04); self-employment counts as employed."""

    job_searching: bool
    in_education_or_training: bool
    qualification_gained: bool
    employed: bool
    self_employed: bool = False


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


class RecognitionDeadlineSuspended(StepCommand, tag="recognition_deadline_suspended", frozen=True):
    """The decision deadline stops running: a qualification analysis (§ 14 BQFG) or requested documents (§ 6(4))."""

    application_id: ClientId
    reason: SuspensionReason


class RecognitionDeadlineResumed(StepCommand, tag="recognition_deadline_resumed", frozen=True):
    """The decision deadline runs again; its due date moves by the days it was suspended."""

    application_id: ClientId


class RecognitionWithdrawn(StepCommand, tag="recognition_withdrawn", frozen=True):
    """The client withdrew the application: no decision follows."""

    application_id: ClientId
    reason: LongText | None = None


class CourseEnrolled(StepCommand, tag="course_enrolled", frozen=True):
    """`application_id`: the recognition application whose compensation measure this course is."""

    course_id: ClientId
    kind: CourseKind
    provider: ShortText
    funding: Funding
    module: ModuleNumber | None = None
    modules: ModuleNumber | None = None
    planned_end: date | None = None
    application_id: ClientId | None = None


class CourseCompleted(StepCommand, tag="course_completed", frozen=True):
    course_id: ClientId
    certificate: bool


class CourseDropped(StepCommand, tag="course_dropped", frozen=True):
    course_id: ClientId
    reason: ShortText


class ExamAdmissionApplied(StepCommand, tag="exam_admission_applied", frozen=True):
    """`application_id`: the recognition application whose aptitude or knowledge test this exam is."""

    exam_id: ClientId
    route: ExamRoute
    occupation: ShortText
    chamber: Chamber
    application_id: ClientId | None = None
    basis: AdmissionBasis | None = None


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


class LeavingSituationRecorded(StepCommand, tag="leaving_situation_recorded", frozen=True):
    """The situation on leaving, learnt within four weeks of the exit (ESF+ "upon leaving"); the latest counts."""

    situation: Situation


class CaseReopened(StepCommand, tag="case_reopened", frozen=True):
    reason: ShortText


class FollowUpRecorded(StepCommand, tag="follow_up_recorded", frozen=True):
    """The situation on `reference_date` (default: `date`); `employed` and `improved_situation` only when reached.

    With `improvement` given, `improved_situation` is `improvement != "none"` and may be left out.
    """

    employed: bool | None = None
    improved_situation: bool | None = None
    reference_date: date | None = None
    outcome: FollowUpOutcome = "reached"
    improvement: Improvement | None = None


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
)
