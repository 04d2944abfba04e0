"""Response bodies of the case endpoints."""

from datetime import date, datetime
from uuid import UUID

import msgspec

from application.history import HistoryEntry
from application.ports import CaseSummary
from application.workspace import Shown
from domain.case import Assessment, Course, Deadline, Exam, Exit, FollowUp, RecognitionApplication
from domain.deadlines import deadlines
from domain.records import PersonalData, Profile
from domain.vocabulary import CaseStatus, Channel, ReferralSource, Stage


class CaseView(msgspec.Struct, frozen=True, kw_only=True):
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


class HistoryView(msgspec.Struct, frozen=True):
    id: UUID
    events: list[HistoryEntry]


class CaseListItem(msgspec.Struct, frozen=True):
    id: UUID
    agency: str
    counsellor: str
    status: str
    stage: str
    opened_on: date
    version: int


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
    )


def list_item(summary: CaseSummary) -> CaseListItem:
    return CaseListItem(
        id=summary.case_id,
        agency=summary.agency,
        counsellor=summary.counsellor,
        status=summary.status,
        stage=summary.stage,
        opened_on=summary.opened_on,
        version=summary.version,
    )
