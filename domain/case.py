"""The case aggregate: one client's journey at one agency, as immutable state evolved from its events."""

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID

import msgspec

from domain.records import PersonalData, Profile, Situation
from domain.vocabulary import (
    AdmissionBasis,
    CaseStatus,
    Chamber,
    Channel,
    CloseReason,
    Compensation,
    CourseKind,
    DeadlineKind,
    ExamResult,
    ExamRoute,
    FollowUpOutcome,
    Funding,
    Improvement,
    Instrument,
    Pathway,
    PlanItemKind,
    QualificationKind,
    RecognitionOutcome,
    ReferralOutcome,
    ReferralSource,
    ReferralTarget,
    ResponsibleBody,
    SessionMode,
    Stage,
    SuspensionReason,
)

AssessmentStatus = Literal["started", "completed"]
ApplicationStatus = Literal["applied", "receipt_confirmed", "documents_complete", "decided", "withdrawn"]
CourseStatus = Literal["enrolled", "completed", "dropped"]
ExamStatus = Literal["admission_applied", "admission_granted", "admission_refused", "result_recorded"]
ReferralStatus = Literal["waiting", "answered"]  # answered: an outcome is recorded
PlanItemStatus = Literal["open", "done"]  # "overdue" is how an open item past its target date reads on a given day


class State(msgspec.Struct, frozen=True, kw_only=True):
    """Immutable state: evolved by replacing, never by mutating."""


class Assessment(State, frozen=True):
    assessment_id: str
    instrument: Instrument
    status: AssessmentStatus
    started_on: date
    completed_on: date | None = None
    recommended_pathway: Pathway | None = None
    result: str | None = None


class RecognitionApplication(State, frozen=True):
    application_id: str
    reference_occupation: str | None  # None: erased, or not opened (domain/privacy.py)
    responsible_body: ResponsibleBody
    regulated: bool
    fast_track: bool
    status: ApplicationStatus
    applied_on: date
    receipt_confirmed_on: date | None = None
    missing_documents: tuple[str, ...] | None = ()
    documents_completed_on: date | None = None
    decision_due: date | None = None
    deadline_extended: bool = False
    decided_on: date | None = None
    outcome: RecognitionOutcome | None = None
    substantial_differences: str | None = None
    compensation: Compensation | None = None
    # The decision deadline stops while the body runs a qualification analysis or waits for documents; decision_due
    # moves on by the days it stood still once it runs again.
    suspended_since: date | None = None
    suspension_reason: SuspensionReason | None = None
    suspended_days: int = 0
    resumed_on: date | None = None
    final_decided_on: date | None = None  # full equivalence after the compensation measure of a partial decision
    withdrawn_on: date | None = None
    withdrawal_reason: str | None = None
    qualification_id: str | None = None  # the recorded qualification applied for


class Course(State, frozen=True):
    course_id: str
    kind: CourseKind
    provider: str | None
    funding: Funding
    status: CourseStatus
    enrolled_on: date
    module: int | None = None
    modules: int | None = None
    planned_end: date | None = None
    ended_on: date | None = None
    certificate: bool | None = None
    drop_reason: str | None = None
    application_id: str | None = None
    offer_id: str | None = None


class Exam(State, frozen=True):
    exam_id: str
    route: ExamRoute
    occupation: str | None
    chamber: Chamber
    status: ExamStatus
    admission_applied_on: date
    admission_decided_on: date | None = None
    admission_reason: str | None = None
    result: ExamResult | None = None  # the latest attempt's
    result_on: date | None = None
    attempts: int = 0  # results recorded: a failed exam may be taken again, three times in all
    application_id: str | None = None
    basis: AdmissionBasis | None = None


class Qualification(State, frozen=True):
    """A qualification the client holds; the title is personal data."""

    qualification_id: str
    kind: QualificationKind
    country: str
    title: str | None
    year: int | None
    recorded_on: date


class Referral(State, frozen=True):
    """A referral to another service and, once known, what became of it (the latest outcome recorded)."""

    referral_id: str
    to: ReferralTarget
    organisation: str | None
    purpose: str | None
    referred_on: date
    status: ReferralStatus = "waiting"
    outcome: ReferralOutcome | None = None
    outcome_on: date | None = None


class PlanItem(State, frozen=True):
    """An item of the current qualification plan; `done_with` names the step type that completed it."""

    item_id: str
    kind: PlanItemKind
    description: str | None
    target_date: date
    offer_id: str | None = None
    status: PlanItemStatus = "open"
    done_on: date | None = None
    done_with: str | None = None


class Exit(State, frozen=True):
    closed_on: date
    reason: CloseReason
    situation: Situation


class Session(State, frozen=True):
    """A counselling session as the activity report counts it (its topics and note are not kept here)."""

    held_on: date
    minutes: int
    mode: SessionMode = "in_person"
    language: str = "de"
    interpreter: bool = False


class FollowUp(State, frozen=True):
    recorded_on: date
    employed: bool | None  # None unless reached
    improved_situation: bool | None
    reference_date: date  # the day the situation describes
    outcome: FollowUpOutcome = "reached"
    improvement: Improvement | None = None


class Deadline(State, frozen=True):
    kind: DeadlineKind
    ref: str
    due: date


class Case(State, frozen=True):
    """A case as of some version. The identity and version come from its event stream."""

    id: UUID
    version: int
    created_on: datetime
    modified_on: datetime
    agency: str
    counsellor: str
    status: CaseStatus
    stage: Stage
    stage_before_exit: Stage
    opened_on: date
    channel: Channel
    referral_source: ReferralSource
    profile: Profile
    personal: PersonalData | None
    special_categories_consent: bool
    last_contact_on: date  # the latest contact with the client: what the no-contact clock runs from
    last_step_on: date  # the latest day a step of the journey happened (corrections and reassignments are none)
    age_at_entry: int
    age_exact: bool
    participant_id: UUID  # cases of one client share it: the funder counts the person once
    assessments: tuple[Assessment, ...] = ()
    applications: tuple[RecognitionApplication, ...] = ()
    courses: tuple[Course, ...] = ()
    exams: tuple[Exam, ...] = ()
    exit: Exit | None = None
    leaving_situation: Situation | None = None  # the latest of the exit's and those recorded after it
    follow_ups: tuple[FollowUp, ...] = ()  # of the current exit, in the order recorded
    sessions: tuple[Session, ...] = ()  # in the order recorded
    qualifications: tuple[Qualification, ...] = ()
    referrals: tuple[Referral, ...] = ()
    plan_agreed_on: date | None = None  # the current plan's date; None: no plan agreed
    plan_items: tuple[PlanItem, ...] = ()  # the current plan's items, in the plan's order

    @property
    def follow_up(self) -> FollowUp | None:
        """The latest follow-up of the current exit."""
        return self.follow_ups[-1] if self.follow_ups else None

    @property
    def closed_on(self) -> date | None:
        return self.exit.closed_on if self.exit else None

    @property
    def personal_data_erased(self) -> bool:
        return self.personal is None

    def assessment(self, assessment_id: str) -> Assessment | None:
        return next((a for a in self.assessments if a.assessment_id == assessment_id), None)

    def application(self, application_id: str) -> RecognitionApplication | None:
        return next((a for a in self.applications if a.application_id == application_id), None)

    def course(self, course_id: str) -> Course | None:
        return next((c for c in self.courses if c.course_id == course_id), None)

    def exam(self, exam_id: str) -> Exam | None:
        return next((e for e in self.exams if e.exam_id == exam_id), None)

    def qualification(self, qualification_id: str) -> Qualification | None:
        return next((q for q in self.qualifications if q.qualification_id == qualification_id), None)

    def referral(self, referral_id: str) -> Referral | None:
        return next((r for r in self.referrals if r.referral_id == referral_id), None)

    def plan_item(self, item_id: str) -> PlanItem | None:
        return next((i for i in self.plan_items if i.item_id == item_id), None)


class CaseSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """A case's state at a version, so long cases need not replay from their first event."""

    TOPIC: ClassVar[str] = "lotse.case.Snapshot"
    class_version: ClassVar[int] = 1

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    state: Case
