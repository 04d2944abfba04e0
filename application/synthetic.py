"""A realistic synthetic caseload: two agencies, their counsellors, every pathway and outcome over two years.

Shared by `lotse demo` and the benchmarks, so both look at the same kind of data.
"""

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from application.cases import CaseService
from application.ports import Role, StaffDirectory
from domain import steps as s
from domain.errors import DomainError

AGENCIES: dict[str, dict[Role, list[str]]] = {
    "koeln": {"counsellor": ["ayse", "jonas", "maria"], "lead": ["petra"]},
    "duesseldorf": {"counsellor": ["lena", "tobias"], "lead": ["murat"]},
}
OCCUPATIONS = [
    ("Kaufmann/-frau im Einzelhandel", "ihk_fosa", False),
    ("Elektroniker/-in", "hwk", False),
    ("Friseur/-in", "hwk", False),
    ("Fachkraft für Lagerlogistik", "ihk_fosa", False),
    ("Koch/Köchin", "ihk_fosa", False),
    ("Pflegefachmann/-frau", "state_authority", True),
    ("Erzieher/-in", "state_authority", True),
]
COUNTRIES = ["TR", "SY", "UA", "PL", "RO", "AF", "IR", "IT", "VN", "NG", None]


@dataclass
class DemoSummary:
    cases: int = 0
    events: int = 0
    rejected_steps: int = 0
    by_pathway: Counter[str] = field(default_factory=Counter)

    def __str__(self) -> str:
        pathways = ", ".join(f"{name} {count}" for name, count in sorted(self.by_pathway.items()))
        return f"loaded {self.cases} cases with {self.events} events ({pathways}); {self.rejected_steps} steps refused"


@dataclass
class Journey:
    """One client's synthetic journey: the first contact and the steps after it, dated in order."""

    agency: str
    counsellor: str
    pathway: str
    opening: s.OpenCase
    steps: list[s.StepCommand]


def load_demo(service: CaseService, staff: StaffDirectory, cases: int = 300, seed: int = 2026) -> DemoSummary:
    """Registers the agencies' staff, then records the journeys as their counsellors (and leads) would."""
    register_staff(staff)
    summary = DemoSummary()
    for journey in journeys(cases, seed, service.today()):
        recorded = service.open_case(journey.agency, journey.opening, journey.counsellor)
        summary.cases += 1
        summary.events += 1
        summary.by_pathway[journey.pathway] += 1
        for step in journey.steps:
            author = _lead_of(journey.agency) if isinstance(step, s.CounsellorAssigned) else journey.counsellor
            try:
                service.record_step(recorded.case.id, step, author, agency=journey.agency)
            except DomainError:
                summary.rejected_steps += 1
                continue
            summary.events += 1
            if isinstance(step, s.CounsellorAssigned):
                journey.counsellor = step.counsellor
    return summary


def register_staff(staff: StaffDirectory) -> None:
    """The demo's counsellors and leads, as `lotse token issue` registers them."""
    for agency, roles in AGENCIES.items():
        for role, names in roles.items():
            for name in names:
                staff.register(agency, name, role)


def journeys(count: int, seed: int, today: date) -> Iterator[Journey]:
    rng = random.Random(seed)
    for _ in range(count):
        yield _journey(rng, today)


def _lead_of(agency: str) -> str:
    return AGENCIES[agency]["lead"][0]


class _Clock:
    """Dates of one journey: each step a few days or weeks after the previous one, never after today."""

    def __init__(self, rng: random.Random, start: date, today: date) -> None:
        self.rng, self.day, self.today = rng, start, today

    def after(self, low: int, high: int) -> date | None:
        self.day += timedelta(days=self.rng.randint(low, high))
        return self.day if self.day <= self.today else None


def _journey(rng: random.Random, today: date) -> Journey:  # noqa: C901, PLR0912, PLR0915 - a story, told in order
    agency = rng.choice(list(AGENCIES))
    counsellor = rng.choice(AGENCIES[agency]["counsellor"])
    first_contact = today - timedelta(days=rng.randint(3, 730))
    consent = rng.random() < 0.35
    disability = rng.choice(["yes", "no", "no", "no"]) if consent else "unknown"
    birth_year = rng.randint(1962, 2008)
    pathway = rng.choices(
        ["recognition", "external_exam", "validation", "partial_qualifications", "retraining"], [40, 20, 10, 20, 10]
    )[0]
    if pathway == "validation" and first_contact.year - birth_year < 26:
        pathway = "external_exam"
    occupation, body, regulated = rng.choice(OCCUPATIONS)
    profile = s.Profile(
        birth_year=birth_year,
        gender=rng.choices(["female", "male", "diverse", "unspecified"], [52, 45, 1, 2])[0],
        labour_status=rng.choices(
            ["employed", "self_employed", "unemployed", "long_term_unemployed", "inactive"], [30, 3, 35, 20, 12]
        )[0],
        isced=rng.choices(range(9), [3, 8, 14, 25, 12, 10, 18, 8, 2])[0],
        foreign_background=rng.random() < 0.85,
        third_country_national=rng.random() < 0.6,
        disability=disability,
        minority=rng.choice(["no", "unknown"]) if consent else "unknown",
        homeless=rng.random() < 0.03,
        rural=rng.random() < 0.15,
        qualification_country=rng.choice(COUNTRIES),
        target_occupation=occupation,
    )
    opening = s.OpenCase(
        first_contact_on=first_contact,
        channel=rng.choice(["walk_in", "phone", "email", "outreach_event", "referral"]),
        referral_source=rng.choice(
            ["self", "jobcenter", "employment_agency", "employer", "migrant_organisation", "language_course", "other"]
        ),
        profile=profile,
        personal=s.PersonalData(name=f"Klient {rng.randint(1000, 9999)}", phone=f"0221 {rng.randint(100000, 999999)}"),
        consent=s.Consent(special_categories=consent),
    )
    clock = _Clock(rng, first_contact, today)
    out: list[s.StepCommand] = []

    def add(make: Any, low: int, high: int) -> bool:
        day = clock.after(low, high)
        if day is None:
            return False
        out.append(make(day))
        return True

    add(
        lambda d: s.CounsellingSessionHeld(date=d, minutes=rng.choice([30, 45, 60, 90]), topics=("Erstberatung",)), 0, 3
    )
    add(
        lambda d: s.AssessmentStarted(date=d, assessment_id="a1", instrument=rng.choice(["profilpass", "myskills"])),
        3,
        14,
    )
    add(lambda d: s.AssessmentCompleted(date=d, assessment_id="a1", recommended_pathway=pathway), 7, 30)
    qualified = False
    if pathway == "recognition":
        add(
            lambda d: s.RecognitionApplied(
                date=d,
                application_id="r1",
                reference_occupation=occupation,
                responsible_body=body,
                regulated=regulated,
                fast_track=rng.random() < 0.2,
            ),
            7,
            30,
        )
        missing = ("Arbeitszeugnis",) if rng.random() < 0.5 else ()
        add(lambda d: s.RecognitionReceiptConfirmed(date=d, application_id="r1", missing_documents=missing), 7, 21)
        add(lambda d: s.RecognitionDocumentsCompleted(date=d, application_id="r1"), 10, 60)
        outcome = rng.choices(["full", "partial", "none"], [50, 35, 15])[0]
        compensation = (
            ("adaptation_course" if rng.random() < 0.6 else "aptitude_test")
            if regulated
            else "adaptation_qualification"
        )
        if add(
            lambda d: s.RecognitionDecided(
                date=d,
                application_id="r1",
                outcome=outcome,
                substantial_differences="Praxisanteile fehlen" if outcome == "partial" else None,
                compensation=compensation if outcome == "partial" else "none",
            ),
            30,
            110,
        ):
            qualified = outcome == "full"
            if outcome == "partial":
                add(
                    lambda d: s.CourseEnrolled(
                        date=d,
                        course_id="c1",
                        kind="adaptation_course" if regulated else "adaptation_qualification",
                        provider="Bildungswerk",
                        funding=rng.choice(["qualification_allowance", "esf", "education_voucher"]),
                    ),
                    14,
                    60,
                )
                qualified = add(lambda d: s.CourseCompleted(date=d, course_id="c1", certificate=True), 90, 200)
    elif pathway in ("external_exam", "partial_qualifications"):
        if pathway == "partial_qualifications":
            modules = rng.randint(5, 8)
            for module in range(1, modules + 1):
                course_id = f"tq{module}"
                add(
                    lambda d, m=module, c=course_id: s.CourseEnrolled(
                        date=d,
                        course_id=c,
                        kind="partial_qualification",
                        provider="TQ-Zentrum",
                        funding=rng.choice(["education_voucher", "sgb3_82", "esf"]),
                        module=m,
                        modules=modules,
                    ),
                    7,
                    20,
                )
                if rng.random() < 0.08:
                    add(lambda d, c=course_id: s.CourseDropped(date=d, course_id=c, reason="Gesundheit"), 10, 40)
                    break
                add(lambda d, c=course_id: s.CourseCompleted(date=d, course_id=c, certificate=True), 40, 90)
        else:
            add(
                lambda d: s.CourseEnrolled(
                    date=d,
                    course_id="prep",
                    kind="exam_preparation",
                    provider="VHS",
                    funding=rng.choice(["education_voucher", "bildungsscheck", "self"]),
                ),
                14,
                40,
            )
            add(lambda d: s.CourseCompleted(date=d, course_id="prep", certificate=False), 60, 150)
        add(
            lambda d: s.ExamAdmissionApplied(
                date=d,
                exam_id="x1",
                route="external_exam",
                occupation=occupation,
                chamber="hwk" if body == "hwk" else "ihk",
            ),
            7,
            30,
        )
        granted = rng.random() < 0.85
        add(
            lambda d: s.ExamAdmissionDecided(
                date=d, exam_id="x1", granted=granted, reason=None if granted else "Berufserfahrung nicht nachgewiesen"
            ),
            14,
            45,
        )
        if granted:
            passed = rng.random() < 0.75
            qualified = (
                add(
                    lambda d: s.ExamResultRecorded(date=d, exam_id="x1", result="passed" if passed else "failed"),
                    30,
                    90,
                )
                and passed
            )
    elif pathway == "validation":
        add(
            lambda d: s.ExamAdmissionApplied(
                date=d, exam_id="v1", route="validation", occupation=occupation, chamber="ihk"
            ),
            7,
            30,
        )
        add(lambda d: s.ExamAdmissionDecided(date=d, exam_id="v1", granted=True), 14, 45)
        levels = ["full", "predominant", "partial"] if disability == "yes" else ["full", "predominant"]
        level = rng.choice(levels)
        qualified = add(lambda d: s.ExamResultRecorded(date=d, exam_id="v1", result=level), 60, 150) and level == "full"
    else:
        add(
            lambda d: s.CourseEnrolled(
                date=d,
                course_id="u1",
                kind="retraining",
                provider="Berufsförderungswerk",
                funding="education_voucher",
                planned_end=d + timedelta(days=730),
            ),
            14,
            60,
        )
        if rng.random() < 0.2:
            add(lambda d: s.CourseDropped(date=d, course_id="u1", reason="Arbeitsaufnahme"), 30, 200)
        else:
            qualified = add(lambda d: s.CourseCompleted(date=d, course_id="u1", certificate=True), 500, 760)
    if rng.random() < 0.08:
        others = [name for name in AGENCIES[agency]["counsellor"] if name != counsellor]
        add(lambda d: s.CounsellorAssigned(date=d, counsellor=rng.choice(others), reason="Vertretung"), 1, 10)
    if rng.random() < 0.75:
        employed = rng.random() < (0.6 if qualified else 0.3)
        situation = s.Situation(
            job_searching=not employed and rng.random() < 0.7,
            in_education_or_training=rng.random() < 0.1,
            qualification_gained=qualified,
            employed=employed,
        )
        reason = (
            "qualification_obtained"
            if qualified
            else rng.choice(["employment", "dropped_out", "moved_away", "no_contact", "other"])
        )
        if add(lambda d: s.CaseClosed(date=d, reason=reason, situation=situation), 7, 40) and rng.random() < 0.85:
            add(
                lambda d: s.FollowUpRecorded(
                    date=d, employed=employed or rng.random() < 0.2, improved_situation=rng.random() < 0.6
                ),
                180,
                200,
            )
    return Journey(agency=agency, counsellor=counsellor, pathway=pathway, opening=opening, steps=out)
