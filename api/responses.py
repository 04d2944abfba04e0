"""Response bodies of the case endpoints."""

from datetime import date, datetime
from uuid import UUID

import msgspec

from application.history import HistoryEntry
from application.workspace import ListedCase, Shown, Written
from domain.case import (
    Assessment,
    Case,
    Course,
    Deadline,
    Exam,
    Exit,
    FollowUp,
    Qualification,
    RecognitionApplication,
    Referral,
)
from domain.deadlines import deadlines
from domain.plan import PlanItemShownStatus, status_on
from domain.records import PersonalData, Profile, Situation
from domain.vocabulary import CaseStatus, Channel, PlanItemKind, ReferralSource, Stage


class PlanItemView(msgspec.Struct, frozen=True, kw_only=True):
    """An item of the qualification plan. `status`: done, open, or overdue (open and its target date passed before
    today); `done_on` and `done_with` (the step type that completed it) once done; `description` is personal data."""

    item_id: str
    kind: PlanItemKind
    description: str | None
    target_date: date
    offer_id: str | None
    status: PlanItemShownStatus
    done_on: date | None
    done_with: str | None


class PlanView(msgspec.Struct, frozen=True, kw_only=True):
    """The current qualification plan: agreed on `agreed_on` (the latest `plan_agreed`), its items in the plan's order.

    An item is done when `plan_item_done` names it, or when a step of its kind is recorded on or after the plan's
    date: an item with an `offer_id` by a `course_enrolled` with that offer; an item without one by the first such
    step after the agreement, which completes the open item of that kind with the earliest target date (assessment:
    `assessment_completed`; recognition: `recognition_applied`; course: `course_enrolled` of a kind other than
    language; language: `course_enrolled` of kind language; exam: `exam_admission_applied`; referral: `referral_made`;
    other: only `plan_item_done`)."""

    agreed_on: date
    items: list[PlanItemView]


class CaseView(msgspec.Struct, frozen=True, kw_only=True):
    """A case as `GET /cases/{case_id}` and every write answer it (API.md "Cases").

    `personal` (with the birth date) is null when erased or not shown to the caller's role; `participant_id` is a
    pseudonym of the person (shared by the cases of one client), shown only to the roles that read cases.
    `age_at_entry` is whole years on the first contact, `age_exact` false when only the birth year is known.
    `exit` is the exit as recorded by `case_closed`; `leaving_situation` the situation on leaving that counts (the
    latest of the exit's and those recorded after it). `follow_ups` holds every follow-up of the current exit in the
    order recorded, `follow_up` the latest of them. `last_step_on` is the latest day a step happened on (an exit is
    not dated before it). `qualifications`: the qualifications the client holds (titles are personal data);
    `referrals`: each referral, `waiting` for its outcome or `answered` (the latest outcome counts; the purpose is
    personal data); `plan`: the current qualification plan (null before one is agreed).
    """

    id: UUID
    version: int
    agency: str
    counsellor: str
    status: CaseStatus
    stage: Stage
    opened_on: date
    closed_on: date | None
    channel: Channel
    referral_source: ReferralSource
    profile: Profile
    personal: PersonalData | None
    personal_data_erased: bool
    special_categories_consent: bool
    last_contact_on: date
    assessments: tuple[Assessment, ...]
    applications: tuple[RecognitionApplication, ...]
    courses: tuple[Course, ...]
    exams: tuple[Exam, ...]
    exit: Exit | None
    follow_up: FollowUp | None
    deadlines: list[Deadline]
    recorded_at: datetime
    # 0.2
    age_at_entry: int
    age_exact: bool
    participant_id: UUID
    last_step_on: date
    leaving_situation: Situation | None
    follow_ups: tuple[FollowUp, ...]
    qualifications: tuple[Qualification, ...]
    referrals: tuple[Referral, ...]
    plan: PlanView | None


class OpenedCaseView(CaseView, frozen=True, kw_only=True):
    """The answer to `POST /cases` (a first contact): the case, and `possible_duplicates`, the ids of the agency's
    open or closed cases whose client has the same normalised name and birth date (empty when none, and always empty
    without a birth date). No other answer carries it."""

    possible_duplicates: list[UUID]


class HistoryView(msgspec.Struct, frozen=True):
    id: UUID
    events: list[HistoryEntry]


class CaseListItem(msgspec.Struct, frozen=True):
    """A case in `GET /cases`; `name` is the client's for counsellors and leads (each shown name is a logged read),
    null for auditors, once erased, or when none was given."""

    id: UUID
    agency: str
    counsellor: str
    status: str
    stage: str
    opened_on: date
    version: int
    name: str | None


class CaseListPage(msgspec.Struct, frozen=True):
    items: list[CaseListItem]
    next_cursor: str | None


class Health(msgspec.Struct, frozen=True):
    status: str


class Readiness(msgspec.Struct, frozen=True):
    status: str
    database: str
    log_position: int


def case_view(shown: Shown) -> CaseView:
    """The case as the use case gave it: already without what the caller may not see."""
    case = shown.case
    return CaseView(
        id=case.id,
        version=case.version,
        agency=case.agency,
        counsellor=case.counsellor,
        status=case.status,
        stage=case.stage,
        opened_on=case.opened_on,
        closed_on=case.closed_on,
        channel=case.channel,
        referral_source=case.referral_source,
        profile=case.profile,
        personal=case.personal,
        personal_data_erased=shown.personal_data_erased,
        special_categories_consent=case.special_categories_consent,
        last_contact_on=case.last_contact_on,
        assessments=case.assessments,
        applications=case.applications,
        courses=case.courses,
        exams=case.exams,
        exit=case.exit,
        follow_up=case.follow_up,
        deadlines=deadlines(case),
        recorded_at=case.modified_on,
        age_at_entry=case.age_at_entry,
        age_exact=case.age_exact,
        participant_id=case.participant_id,
        last_step_on=case.last_step_on,
        leaving_situation=case.leaving_situation,
        follow_ups=case.follow_ups,
        qualifications=case.qualifications,
        referrals=case.referrals,
        plan=plan_view(case, shown.today),
    )


def plan_view(case: Case, today: date) -> PlanView | None:
    """The case's current plan, each item's status as it reads on `today`."""
    if case.plan_agreed_on is None:
        return None
    items = [
        PlanItemView(
            item_id=item.item_id,
            kind=item.kind,
            description=item.description,
            target_date=item.target_date,
            offer_id=item.offer_id,
            status=status_on(item, today),
            done_on=item.done_on,
            done_with=item.done_with,
        )
        for item in case.plan_items
    ]
    return PlanView(agreed_on=case.plan_agreed_on, items=items)


def opened_case_view(written: Written) -> OpenedCaseView:
    """The answer to a first contact: the case as `case_view` shows it, with its possible duplicates."""
    shown = msgspec.structs.asdict(case_view(written))
    return OpenedCaseView(**shown, possible_duplicates=list(written.possible_duplicates))


def list_item(listed: ListedCase) -> CaseListItem:
    return CaseListItem(
        id=listed.case_id,
        agency=listed.agency,
        counsellor=listed.counsellor,
        status=listed.status,
        stage=listed.stage,
        opened_on=listed.opened_on,
        version=listed.version,
        name=listed.name,
    )
