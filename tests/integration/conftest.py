"""Shared pieces of the integration suite: a controllable clock, builders of Lotse that always close, commands.

Every test here takes the `settings` fixture of tests/conftest.py, so it runs on SQLite and on PostgreSQL.
"""

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import msgspec
import pytest

from application.cases import CaseService
from domain import steps
from domain.privacy import PERSONAL_FIELDS, PERSONAL_ITEM_FIELDS
from infrastructure.bootstrap import Lotse, bootstrap
from infrastructure.settings import Settings

START = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
TICK = timedelta(minutes=1)
AGENCY = "koeln"
COUNSELLOR = "ayse"
ACTIVE_COUNSELLORS = frozenset({(AGENCY, COUNSELLOR), (AGENCY, "ben")})
IDLE_IN_TRANSACTION_LIMIT_SECONDS = 5  # the eventsourcing library's default for its pool's connections


def is_active_counsellor(agency: str, name: str) -> bool:
    return (agency, name) in ACTIVE_COUNSELLORS


class KnownCounsellors:
    """The domain's rule "reassigned only to an active counsellor" asks these instead of the staff directory."""

    def is_active_counsellor(self, agency: str, subject: str) -> bool:
        return is_active_counsellor(agency, subject)


# The catalogue's offers every_step() names, by agency.
KNOWN_OFFERS = frozenset({(AGENCY, "vhs-b2-2026")})


class KnownOffers:
    """The domain's rule "an offer_id names an offer of the agency's catalogue" asks these instead of the offers
    register: the offer every_step() names, as if a lead had listed it."""

    def is_offer_of_agency(self, offer_id: str, agency: str) -> bool:
        return (agency, offer_id) in KNOWN_OFFERS


class SteppingClock:
    """Answers a later UTC instant at every call, one tick apart; safe to share between threads."""

    def __init__(self, start: datetime = START, tick: timedelta = TICK) -> None:
        self._next = start
        self._tick = tick
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            now = self._next
            self._next += self._tick
            return now

    def peek(self) -> datetime:
        """The instant the next call will answer (without consuming it)."""
        with self._lock:
            return self._next


LotseFactory = Callable[..., Lotse]
ServiceFactory = Callable[..., CaseService]


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock()


@pytest.fixture
def make_lotse(settings: Settings, clock: SteppingClock) -> Iterator[LotseFactory]:
    """Builds Lotse on the test's backend (one per call, like a restart or a second replica); closes them all.

    Keyword arguments go to `bootstrap`: by default the test's clock, KnownCounsellors (`counsellors=None`: the
    staff directory) and KnownOffers (`offers=None`: the offers register, the real catalogue).
    """
    built: list[Lotse] = []

    def make(**overrides: Any) -> Lotse:
        options: dict[str, Any] = {
            "clock": clock,
            "counsellors": KnownCounsellors(),
            "offers": KnownOffers(),
            **overrides,
        }
        lotse = bootstrap(settings, **options)
        built.append(lotse)
        return lotse

    yield make
    for lotse in reversed(built):
        lotse.close()


@pytest.fixture
def make_service(make_lotse: LotseFactory) -> ServiceFactory:
    """The case service of a new Lotse (see make_lotse)."""
    return lambda **overrides: make_lotse(**overrides).cases


@pytest.fixture
def system(make_lotse: LotseFactory) -> Lotse:
    """The Lotse under test; `service` is its case service."""
    return make_lotse()


@pytest.fixture
def service(system: Lotse) -> CaseService:
    return system.cases


def open_case_command(first_contact_on: date = date(2026, 1, 5), **changes: object) -> steps.OpenCase:
    fields: dict[str, Any] = {
        "first_contact_on": first_contact_on,
        "channel": "walk_in",
        "referral_source": "jobcenter",
        "counsellor": COUNSELLOR,
        "profile": steps.Profile(
            birth_year=1985,
            gender="female",
            labour_status="unemployed",
            isced=3,
            foreign_background=True,
            third_country_national=True,
            qualification_country="TR",
            target_occupation="Kaufmann im Einzelhandel",
        ),
        "personal": steps.PersonalData(
            name="Ayşe Yılmaz", email="ayse@example.org", phone="+49 221 1234", address="Domstraße 1"
        ),
        "consent": steps.Consent(special_categories=False),
    }
    fields.update(changes)
    return steps.OpenCase(**fields)


def session(day: date, minutes: int = 45, topic: str = "recognition") -> steps.CounsellingSessionHeld:
    return steps.CounsellingSessionHeld(date=day, minutes=minutes, topics=(topic,), note="met at the desk")


def every_step() -> list[steps.StepCommand]:
    """One journey that uses every step type of API.md (tests/integration/test_case_store.py checks it), in an order
    the domain accepts: a second application r2 stands still, runs again and is withdrawn; an exam is retaken; the
    situation on leaving is learnt a week after the exit and a second follow-up names its reference date. A session by
    video in Turkish with an interpreter; the qualification applied for; a referral answered; a plan whose items the
    assessment, the application and the enrolment in an offer complete, and one done by hand."""
    return [
        steps.ProfileCorrected(
            date=date(2026, 1, 6),
            profile=steps.ProfileChanges(labour_status="long_term_unemployed", german_level="B1", arrival_year=2019),
        ),
        steps.CounsellingSessionHeld(
            date=date(2026, 1, 7),
            minutes=60,
            topics=("recognition", "language"),
            note="brought her diploma",
            mode="video",
            language="tr",
            interpreter=True,
        ),
        steps.QualificationRecorded(
            date=date(2026, 1, 8),
            qualification_id="q1",
            kind="vocational",
            country="TR",
            title="Meslek Lisesi Diplomasi, Büro Yönetimi",
            year=2004,
        ),
        steps.PlanAgreed(
            date=date(2026, 1, 9),
            items=(
                steps.PlanItem(item_id="p1", kind="assessment", description="ProfilPASS", target_date=date(2026, 2, 1)),
                steps.PlanItem(
                    item_id="p2", kind="recognition", description="Antrag IHK FOSA", target_date=date(2026, 3, 1)
                ),
                steps.PlanItem(
                    item_id="p3",
                    kind="language",
                    description="Deutsch B2",
                    target_date=date(2026, 4, 1),
                    offer_id="vhs-b2-2026",
                ),
                steps.PlanItem(
                    item_id="p4", kind="other", description="Zeugnisse übersetzen", target_date=date(2026, 5, 1)
                ),
            ),
        ),
        steps.AssessmentStarted(date=date(2026, 1, 12), assessment_id="a1", instrument="profilpass"),
        steps.AssessmentCompleted(
            date=date(2026, 1, 19), assessment_id="a1", recommended_pathway="recognition", result="retail experience"
        ),
        steps.RecognitionApplied(
            date=date(2026, 1, 20),
            application_id="r1",
            reference_occupation="Kaufmann im Einzelhandel",
            responsible_body="ihk_fosa",
            regulated=False,
            fast_track=False,
            qualification_id="q1",
        ),
        steps.ReferralMade(
            date=date(2026, 1, 21),
            referral_id="v1",
            to="migration_counselling",
            organisation="MBE Köln",
            purpose="questions about her residence permit",
        ),
        steps.RecognitionReceiptConfirmed(
            date=date(2026, 1, 27), application_id="r1", missing_documents=("Arbeitszeugnis", "Lehrplan")
        ),
        steps.ReferralOutcomeRecorded(date=date(2026, 2, 5), referral_id="v1", outcome="appointment_kept"),
        steps.RecognitionDocumentsCompleted(date=date(2026, 2, 2), application_id="r1"),
        steps.RecognitionApplied(
            date=date(2026, 2, 3),
            application_id="r2",
            reference_occupation="Kaufmann für Büromanagement",
            responsible_body="ihk_fosa",
        ),
        steps.RecognitionReceiptConfirmed(date=date(2026, 2, 10), application_id="r2"),
        steps.RecognitionDocumentsCompleted(date=date(2026, 2, 11), application_id="r2"),
        steps.RecognitionDeadlineSuspended(
            date=date(2026, 2, 16), application_id="r2", reason="qualification_analysis"
        ),
        steps.RecognitionDeadlineExtended(
            date=date(2026, 2, 20), application_id="r1", due=date(2026, 6, 2), reason="expert opinion needed"
        ),
        steps.RecognitionDecided(
            date=date(2026, 3, 2),
            application_id="r1",
            outcome="partial",
            substantial_differences="Warenwirtschaft, Rechnungswesen",
            compensation="adaptation_qualification",
        ),
        steps.RecognitionDeadlineResumed(date=date(2026, 3, 2), application_id="r2"),
        steps.CourseEnrolled(
            date=date(2026, 3, 9),
            course_id="c1",
            kind="adaptation_qualification",
            provider="Bildungswerk Köln",
            funding="esf",
            module=1,
            modules=3,
            planned_end=date(2026, 4, 10),
            application_id="r1",
        ),
        steps.CourseCompleted(date=date(2026, 4, 10), course_id="c1", certificate=True),
        steps.CourseEnrolled(
            date=date(2026, 3, 16),
            course_id="c2",
            kind="language",
            provider="VHS Köln",
            funding="education_voucher",
            offer_id="vhs-b2-2026",
        ),
        steps.RecognitionWithdrawn(
            date=date(2026, 3, 20), application_id="r2", reason="concentrates on the retail occupation"
        ),
        steps.CourseDropped(date=date(2026, 4, 1), course_id="c2", reason="schedule clash"),
        steps.ConsentChanged(date=date(2026, 4, 2), special_categories=True),
        steps.PlanItemDone(date=date(2026, 4, 8), item_id="p4"),
        steps.ExamAdmissionApplied(
            date=date(2026, 4, 13),
            exam_id="e1",
            route="external_exam",
            occupation="Kaufmann",
            chamber="ihk",
            basis="work_experience",
        ),
        steps.ExamAdmissionDecided(date=date(2026, 4, 20), exam_id="e1", granted=True, reason="work experience"),
        steps.ExamResultRecorded(date=date(2026, 4, 27), exam_id="e1", result="failed"),
        steps.ExamResultRecorded(date=date(2026, 5, 11), exam_id="e1", result="passed"),
        steps.CounsellorAssigned(date=date(2026, 5, 12), counsellor="ben", reason="transfer"),
        steps.CaseClosed(
            date=date(2026, 5, 15),
            reason="qualification_obtained",
            situation=steps.Situation(
                job_searching=True, in_education_or_training=False, qualification_gained=True, employed=False
            ),
        ),
        steps.FollowUpRecorded(date=date(2026, 5, 20), employed=True, improved_situation=True),
        steps.LeavingSituationRecorded(
            date=date(2026, 5, 22),
            situation=steps.Situation(
                job_searching=False, in_education_or_training=False, qualification_gained=True, employed=True
            ),
        ),
        steps.FollowUpRecorded(
            date=date(2026, 5, 23),
            reference_date=date(2026, 5, 22),
            employed=True,
            improvement="precarious_to_stable",
        ),
        steps.CaseReopened(date=date(2026, 5, 25), reason="wants a further qualification"),
    ]


def step_type(step: steps.StepCommand) -> str:
    return str(step.__struct_config__.tag)


# A birth date that stands nowhere else in the tests' data: the scans for values in clear look for it.
MARKED_BIRTH_DATE = date(1977, 7, 13)


def with_personal_values(step: steps.StepCommand, marker: str) -> tuple[steps.StepCommand, dict[str, str]]:
    """The step with each of its personal fields (domain/privacy.py) filled with a marked value, and those values as
    they would appear in clear, by path (`items.0.description` for a field of a list's item). A correction's birth
    date travels in its profile and is a date, not text."""
    values: dict[str, str] = {}
    changes: dict[str, Any] = {}
    for name in PERSONAL_FIELDS.get(step_type(step), ()):
        marked = f"{step_type(step)} {name} {marker}"
        if name == "birth_date" and isinstance(step, steps.ProfileCorrected):
            profile = changes.get("profile", step.profile)
            changes["profile"] = msgspec.structs.replace(profile, birth_date=MARKED_BIRTH_DATE)
            values[name] = MARKED_BIRTH_DATE.isoformat()
        elif name.startswith("profile."):
            profile = changes.get("profile", getattr(step, "profile", None))
            changes["profile"] = msgspec.structs.replace(profile, **{name.removeprefix("profile."): marked})
            values[name] = marked
        elif isinstance(getattr(step, name), tuple):  # a list of texts: sealed as one value
            changes[name] = (marked,)
            values[name] = marked
        else:
            changes[name] = values[name] = marked
    for part, names in PERSONAL_ITEM_FIELDS.get(step_type(step), {}).items():
        items = []
        for number, item in enumerate(getattr(step, part)):
            marked = {name: f"{step_type(step)} {part}.{number}.{name} {marker}" for name in names}
            values |= {f"{part}.{number}.{name}": value for name, value in marked.items()}
            items.append(msgspec.structs.replace(item, **marked))
        changes[part] = tuple(items)
    return msgspec.structs.replace(step, **changes), values


def marked_opening(marker: str, personal: steps.PersonalData) -> tuple[steps.OpenCase, list[str]]:
    """The first contact with its personal data and its target occupation marked, and those values in clear."""
    command = open_case_command(personal=personal)
    target = f"case_opened profile.target_occupation {marker}"
    marked = msgspec.structs.replace(
        command, profile=msgspec.structs.replace(command.profile, target_occupation=target)
    )
    return marked, [value for value in msgspec.structs.astuple(personal) if value] + [target]


def personal_value_count(step: steps.StepCommand) -> int:
    """How many personal values the step carries when every personal field of it is filled."""
    fields = len(PERSONAL_FIELDS.get(step_type(step), ()))
    in_items = PERSONAL_ITEM_FIELDS.get(step_type(step), {})
    return fields + sum(len(getattr(step, part)) * len(names) for part, names in in_items.items())
