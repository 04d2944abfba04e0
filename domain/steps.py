"""The commands a counsellor sends: opening a case and the step types of API.md, as msgspec Structs.

The API decodes request bodies straight into these types; `Step` is the tagged union on `type`.
"""

from datetime import date
from typing import Annotated

from msgspec import UNSET, Meta, UnsetType

from domain.command_data import Data
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
    ItemText,
    KldbCode,
    LabourStatus,
    LanguageCode,
    LongText,
    Minutes,
    ModuleNumber,
    Pathway,
    PlanItemKind,
    QualificationKind,
    QualificationYear,
    RecognitionOutcome,
    ReferralOutcome,
    ReferralSource,
    ReferralTarget,
    ResponsibleBody,
    SessionMode,
    ShortText,
    Subject,
    SuspensionReason,
    TextList,
    YesNoUnknown,
)


def personal(text: str) -> Meta:
    """The schema's description of a free-text field about the client."""
    return Meta(
        description=f"{text}: personal data, sealed (null once erased, and to roles that do not see personal data)"
    )


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
    target_occupation: Annotated[ShortText, personal("The occupation she aims at, in words")] | None = None
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
    """`mode`: how the client was counselled; `language`: the language counselled in (ISO 639-1); `interpreter`:
    whether an interpreter took part."""

    minutes: Minutes
    topics: Annotated[TextList, personal("What was talked about")] = ()
    note: LongText | None = None
    mode: SessionMode = "in_person"
    language: LanguageCode = "de"
    interpreter: bool = False


class AssessmentStarted(StepCommand, tag="assessment_started", frozen=True):
    assessment_id: ClientId
    instrument: Instrument


class AssessmentCompleted(StepCommand, tag="assessment_completed", frozen=True):
    assessment_id: ClientId
    recommended_pathway: Pathway
    result: LongText | None = None


class RecognitionApplied(StepCommand, tag="recognition_applied", frozen=True):
    """`qualification_id`: the recorded qualification (`qualification_recorded`) whose recognition is applied for."""

    application_id: ClientId
    reference_occupation: Annotated[ShortText, personal("The German reference occupation")]
    responsible_body: ResponsibleBody
    regulated: bool = False
    fast_track: bool = False
    qualification_id: ClientId | None = None


class RecognitionReceiptConfirmed(StepCommand, tag="recognition_receipt_confirmed", frozen=True):
    application_id: ClientId
    missing_documents: Annotated[TextList, personal("The documents the body asks for")] = ()


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
    """`application_id`: the recognition application whose compensation measure this course is; `offer_id`: the
    catalogue's offer the client enrolled in (it completes a plan item naming that offer)."""

    course_id: ClientId
    kind: CourseKind
    provider: Annotated[ShortText, personal("Who runs the course")]
    funding: Funding
    module: ModuleNumber | None = None
    modules: ModuleNumber | None = None
    planned_end: date | None = None
    application_id: ClientId | None = None
    offer_id: ClientId | None = None


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
    occupation: Annotated[ShortText, personal("The occupation examined")]
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


class QualificationRecorded(StepCommand, tag="qualification_recorded", frozen=True):
    """A qualification the client holds, obtained in `country` (ISO 3166 alpha-2), in `year` if known. `title` (the
    certificate's own name) is personal data. A recognition application may name it by `qualification_id`."""

    qualification_id: ClientId
    kind: QualificationKind
    country: CountryCode
    title: Annotated[ShortText, Meta(description="The certificate's own name: personal data")]
    year: QualificationYear | None = None


class ReferralMade(StepCommand, tag="referral_made", frozen=True):
    """The client was referred to another service; `organisation` and `purpose` (free text) are personal data. Without
    an outcome, the feedback is due 30 days after the referral (deadline `referral_feedback`)."""

    referral_id: ClientId
    to: ReferralTarget
    organisation: Annotated[ShortText, personal("The service she was referred to, by name")]
    purpose: Annotated[LongText, Meta(description="Why she was referred: personal data")] | None = None


class ReferralOutcomeRecorded(StepCommand, tag="referral_outcome_recorded", frozen=True):
    """What became of a referral of the case; several may be recorded, the latest counts."""

    referral_id: ClientId
    outcome: ReferralOutcome


class PlanItem(Data, frozen=True):
    """One item of the qualification plan: `description` is personal data; `offer_id` a catalogue offer."""

    item_id: ClientId
    kind: PlanItemKind
    description: ItemText
    target_date: date
    offer_id: ClientId | None = None


PLAN_RULE = (
    "The plan's items (at least one; item ids unique within the plan; an open item's target date not before the"
    " plan's date). A later plan_agreed replaces the plan; an item it names again that was done stays done. An item is"
    " done when plan_item_done names it, or when a step of its kind is recorded on or after the plan's date: an item"
    " with an offer_id by a course_enrolled with that offer_id; an item without one by the first such step after the"
    " agreement, which completes the open item of that kind with the earliest target date (assessment:"
    " assessment_completed; recognition: recognition_applied; course: course_enrolled of a kind other than language;"
    " language: course_enrolled of kind language; exam: exam_admission_applied; referral: referral_made; other: only"
    " plan_item_done). Each step completes one item at most. The case shows each item's status (open, done, or"
    " overdue: open past its target date); every open item of an open case is a plan_item deadline due on its target"
    " date. Descriptions are personal data."
)
PlanItems = Annotated[tuple[PlanItem, ...], Meta(min_length=1, max_length=50, description=PLAN_RULE)]


class PlanAgreed(StepCommand, tag="plan_agreed", frozen=True):
    """The individual qualification plan agreed with the client; a later plan replaces it (an item done stays done
    when the new plan names its `item_id` again). Item ids are unique within the plan.

    An item is done when `plan_item_done` names it, or when a step of its kind is recorded on or after the plan's
    date: an item with an `offer_id` by a `course_enrolled` with that `offer_id`; an item without one by the first
    such step after the agreement, which completes the open item of that kind with the earliest target date
    (assessment: `assessment_completed`; recognition: `recognition_applied`; course: `course_enrolled` of a kind other
    than language; language: `course_enrolled` of kind language; exam: `exam_admission_applied`; referral:
    `referral_made`; other: only `plan_item_done`). Each step completes one item at most. The case shows an open item
    whose target date has passed as `overdue`; every open item is a `plan_item` deadline due on its target date.
    """

    items: PlanItems


class PlanItemDone(StepCommand, tag="plan_item_done", frozen=True):
    """An item of the current plan is done (whatever its kind)."""

    item_id: Annotated[
        ClientId, Meta(description="An item of the current plan, not yet done (409 completion_needs_plan_item)")
    ]


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
    | QualificationRecorded
    | ReferralMade
    | ReferralOutcomeRecorded
    | PlanAgreed
    | PlanItemDone
)
