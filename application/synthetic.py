"""A realistic synthetic caseload: two agencies, their counsellors, every pathway and outcome over two years.

Shared by `lotse demo` and the benchmarks, so both look at the same kind of data.
"""

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import msgspec

from application import synthetic_records as records
from application.cases import CaseService
from application.ports import Role, StaffDirectory
from application.synthetic_names import client_name
from domain import steps as s
from domain.calendar import add_days, add_months
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


class _Story:
    """One journey's steps as they are told: each dated by the clock, none after today (the rest has not happened)."""

    def __init__(self, rng: random.Random, start: date, today: date) -> None:
        self.rng = rng
        self.clock = _Clock(rng, start, today)
        self.steps: list[s.StepCommand] = []

    def add(self, make: Any, low: int, high: int) -> bool:
        return self.added(make, low, high) is not None

    def added(self, make: Any, low: int, high: int) -> Any:
        """The step made for the next day, or None when that day has not come yet."""
        day = self.clock.after(low, high)
        if day is None:
            return None
        step = make(day)
        self.steps.append(step)
        return step

    def add_on(self, day: date, step: s.StepCommand) -> bool:
        """A step on a day of its own (after the exit: the situation learnt later, the follow-ups)."""
        if day > self.clock.today:
            return False
        self.steps.append(step)
        return True


GERMAN_LEVELS = ["none", "A1", "A2", "B1", "B2", "C1", "C2", "native", "unknown"]
IMPROVEMENTS = ["precarious_to_stable", "underemployed_to_full", "higher_skilled", "more_responsibility", "none"]
SUSPENSION_REASONS = ["qualification_analysis", "documents_requested", "other"]
FOLLOW_UP_MONTHS = 6  # ESF+ EECR05/EECR06: six months after leaving


def _opening(rng: random.Random, first_contact: date, consent: bool, occupation: str) -> s.OpenCase:
    """The first contact: most clients give their birth date, some only the year of birth."""
    birth_date = date(rng.randint(1962, 2008), 1, 1) + timedelta(days=rng.randint(0, 364))
    exact = rng.random() < 0.8
    foreign = rng.random() < 0.85
    arrival_year = None
    if foreign and rng.random() < 0.9:
        arrival_year = rng.randint(max(birth_date.year, first_contact.year - 25), first_contact.year)
    profile = s.Profile(
        birth_date=birth_date if exact else None,
        birth_year=None if exact else birth_date.year,
        gender=rng.choices(["female", "male", "diverse", "unspecified"], [52, 45, 1, 2])[0],
        labour_status=rng.choices(
            ["employed", "self_employed", "unemployed", "long_term_unemployed", "inactive"], [30, 3, 35, 20, 12]
        )[0],
        isced=rng.choices(range(9), [3, 8, 14, 25, 12, 10, 18, 8, 2])[0],
        foreign_background=foreign,
        third_country_national=foreign and rng.random() < 0.7,
        disability=rng.choice(["yes", "no", "no", "no"]) if consent else "unknown",
        minority=rng.choice(["no", "unknown"]) if consent else "unknown",
        homeless=rng.random() < 0.03,
        rural=rng.random() < 0.15,
        qualification_country=rng.choice(COUNTRIES),
        target_occupation=occupation,
        german_level=rng.choices(GERMAN_LEVELS, [3, 8, 12, 22, 20, 8, 2, 10, 15])[0] if foreign else "native",
        arrival_year=arrival_year,
    )
    return s.OpenCase(
        first_contact_on=first_contact,
        channel=rng.choice(["walk_in", "phone", "email", "outreach_event", "referral"]),
        referral_source=rng.choice(
            ["self", "jobcenter", "employment_agency", "employer", "migrant_organisation", "language_course", "other"]
        ),
        profile=profile,
        personal=s.PersonalData(
            name=client_name(rng.randint(1000, 9999), profile.gender), phone=f"0221 {rng.randint(100000, 999999)}"
        ),
        consent=s.Consent(special_categories=consent),
    )


# Streets and postal codes of the demo's agencies' cities, for the clients' addresses (matching measures from them).
ADDRESSES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "koeln": (
        "Köln",
        ("Venloer Straße", "Bonner Straße", "Frankfurter Straße", "Neusser Straße", "Aachener Straße"),
        ("50667", "50823", "50677", "51065", "50733", "50931", "51143", "50765"),
    ),
    "duesseldorf": (
        "Düsseldorf",
        ("Kölner Straße", "Ackerstraße", "Münsterstraße", "Benrather Schloßallee"),
        ("40211", "40233", "40477", "40597", "40227", "40589", "40549"),
    ),
}


def _with_address(opening: s.OpenCase, agency: str) -> s.OpenCase:
    """The client's address in the agency's city, drawn apart from the journey's randomness (the journeys of a seed
    stay what they were)."""
    local = random.Random(opening.personal.phone)
    city, streets, postal_codes = ADDRESSES[agency]
    address = f"{local.choice(streets)} {local.randint(1, 180)}, {local.choice(postal_codes)} {city}"
    return msgspec.structs.replace(opening, personal=msgspec.structs.replace(opening.personal, address=address))


def _journey(rng: random.Random, today: date) -> Journey:
    agency = rng.choice(list(AGENCIES))
    counsellor = rng.choice(AGENCIES[agency]["counsellor"])
    first_contact = today - timedelta(days=rng.randint(3, 730))
    consent = rng.random() < 0.35
    pathway = rng.choices(
        ["recognition", "external_exam", "validation", "partial_qualifications", "retraining"], [40, 20, 10, 20, 10]
    )[0]
    occupation, body, regulated = rng.choice(OCCUPATIONS)
    opening = _with_address(_opening(rng, first_contact, consent, occupation), agency)
    birth_year = opening.profile.birth_date.year if opening.profile.birth_date else opening.profile.birth_year
    assert birth_year is not None
    if pathway == "validation" and first_contact.year - birth_year < 26:
        pathway = "external_exam"
    story = _Story(rng, first_contact, today)
    profile = opening.profile
    language = records.client_language(rng, profile.qualification_country, profile.german_level)
    story.add(lambda d: records.session(rng, d, language, ("Erstberatung",)), 0, 3)
    brought = profile.qualification_country is not None and rng.random() < 0.8
    if brought:
        country = profile.qualification_country
        assert country is not None
        story.add(lambda d: records.qualification(rng, d, country, profile.isced, birth_year), 0, 2)
    story.add(
        lambda d: s.AssessmentStarted(date=d, assessment_id="a1", instrument=rng.choice(["profilpass", "myskills"])),
        3,
        14,
    )
    story.add(lambda d: s.AssessmentCompleted(date=d, assessment_id="a1", recommended_pathway=pathway), 7, 30)
    learns_german = profile.german_level in records.LOW_GERMAN and rng.random() < 0.4
    _plan_and_referral(story, pathway, language, learns_german=learns_german)
    if pathway == "recognition":
        qualified = _recognition(story, occupation, body, regulated, qualification="q1" if brought else None)
    elif pathway in ("external_exam", "partial_qualifications"):
        qualified = _external_exam(story, pathway, occupation, body)
    elif pathway == "validation":
        qualified = _validation(story, occupation)
    else:
        qualified = _retraining(story)
    if rng.random() < 0.08:
        others = [name for name in AGENCIES[agency]["counsellor"] if name != counsellor]
        story.add(lambda d: s.CounsellorAssigned(date=d, counsellor=rng.choice(others), reason="Vertretung"), 1, 10)
    if rng.random() < 0.75:
        _exit(story, qualified, employed_at_entry=opening.profile.labour_status in ("employed", "self_employed"))
    return Journey(agency=agency, counsellor=counsellor, pathway=pathway, opening=opening, steps=story.steps)


def _plan_and_referral(story: _Story, pathway: str, language: str, *, learns_german: bool) -> None:
    """After the assessment: mostly a plan (its items done as the journey goes on, something done by hand), a session
    about it, a referral (to a language course when German is learnt), the language course."""
    rng = story.rng
    referred = learns_german or rng.random() < 0.3
    if rng.random() < 0.7:
        other = rng.random() < 0.4
        agreed = story.added(
            lambda d: records.plan(rng, d, pathway, language=learns_german, referral=referred, other=other), 0, 7
        )
        by_hand = [item.item_id for item in agreed.items if item.kind == "other"] if agreed else []
        if by_hand and rng.random() < 0.7:
            story.add(lambda d: s.PlanItemDone(date=d, item_id=by_hand[0]), 7, 30)
    if rng.random() < 0.6:
        story.add(lambda d: records.session(rng, d, language, ("Planung", "Finanzierung")), 1, 14)
    if referred:
        _referral(story, learns_german)
    if learns_german:
        _language_course(story)


def _referral(story: _Story, language: bool) -> None:
    """A referral and what the other service reported back; a recent one may still wait for its feedback."""
    rng = story.rng
    if not story.add(lambda d: records.referral(rng, d, language=language), 0, 10):
        return
    if rng.random() < 0.15:
        return  # no feedback yet
    for outcome in records.referral_outcomes(rng):
        story.add(lambda d, o=outcome: s.ReferralOutcomeRecorded(date=d, referral_id="v1", outcome=o), 7, 40)


def _language_course(story: _Story) -> None:
    rng = story.rng
    story.add(
        lambda d: s.CourseEnrolled(
            date=d, course_id="de1", kind="language", provider="VHS", funding=rng.choice(["esf", "other", "self"])
        ),
        3,
        20,
    )
    if rng.random() < 0.15:
        story.add(lambda d: s.CourseDropped(date=d, course_id="de1", reason="Kinderbetreuung"), 20, 60)
    else:
        story.add(lambda d: s.CourseCompleted(date=d, course_id="de1", certificate=rng.random() < 0.7), 60, 150)


def _recognition(story: _Story, occupation: str, body: str, regulated: bool, qualification: str | None) -> bool:
    """An application for the qualification the client brought, perhaps standing still for a while or withdrawn; after
    a partial decision the compensation measure and, once it ended successfully, full equivalence. Answers whether a
    qualification was obtained."""
    rng = story.rng
    story.add(
        lambda d: s.RecognitionApplied(
            date=d,
            application_id="r1",
            reference_occupation=occupation,
            responsible_body=body,
            regulated=regulated,
            fast_track=rng.random() < 0.2,
            qualification_id=qualification,
        ),
        7,
        30,
    )
    missing = ("Arbeitszeugnis",) if rng.random() < 0.5 else ()
    story.add(lambda d: s.RecognitionReceiptConfirmed(date=d, application_id="r1", missing_documents=missing), 7, 21)
    if rng.random() < 0.04:
        story.add(lambda d: s.RecognitionWithdrawn(date=d, application_id="r1", reason="Umzug ins Ausland"), 5, 40)
        return False
    story.add(lambda d: s.RecognitionDocumentsCompleted(date=d, application_id="r1"), 10, 60)
    if rng.random() < 0.15:
        reason = rng.choice(SUSPENSION_REASONS)
        if story.add(lambda d: s.RecognitionDeadlineSuspended(date=d, application_id="r1", reason=reason), 7, 30):
            story.add(lambda d: s.RecognitionDeadlineResumed(date=d, application_id="r1"), 14, 70)
    if rng.random() < 0.05:
        story.add(lambda d: s.RecognitionWithdrawn(date=d, application_id="r1", reason=None), 5, 40)
        return False
    outcome = rng.choices(["full", "partial", "none"], [50, 35, 15])[0]
    compensation = (
        ("adaptation_course" if rng.random() < 0.6 else "aptitude_test") if regulated else "adaptation_qualification"
    )
    decided = story.add(
        lambda d: s.RecognitionDecided(
            date=d,
            application_id="r1",
            outcome=outcome,
            substantial_differences="Praxisanteile fehlen" if outcome == "partial" else None,
            compensation=compensation if outcome == "partial" else "none",
        ),
        30,
        110,
    )
    if not decided or outcome != "partial":
        return decided and outcome == "full"
    if compensation == "aptitude_test":
        ended = _exam_attempts(
            story,
            s.ExamAdmissionApplied(
                date=story.clock.day,
                exam_id="t1",
                route="aptitude_test",
                occupation=occupation,
                chamber="state_authority",
                application_id="r1",
            ),
        )
    else:
        story.add(
            lambda d: s.CourseEnrolled(
                date=d,
                course_id="c1",
                kind="adaptation_course" if regulated else "adaptation_qualification",
                provider="Bildungswerk",
                funding=rng.choice(["qualification_allowance", "esf", "education_voucher"]),
                application_id="r1",
            ),
            14,
            60,
        )
        if rng.random() < 0.1:
            story.add(lambda d: s.CourseDropped(date=d, course_id="c1", reason="Arbeitsaufnahme"), 20, 90)
            return False
        ended = story.add(lambda d: s.CourseCompleted(date=d, course_id="c1", certificate=True), 90, 200)
    if ended and rng.random() < 0.8:
        return story.add(lambda d: s.RecognitionDecided(date=d, application_id="r1", outcome="full"), 14, 60)
    return ended


def _exam_attempts(story: _Story, admission: s.ExamAdmissionApplied) -> bool:
    """Admission, and up to three attempts while the exam is failed (a retake is not always tried). Answers whether
    it was passed."""
    rng = story.rng
    if not story.add(lambda d: msgspec.structs.replace(admission, date=d), 7, 30):
        return False
    granted = rng.random() < 0.85
    story.add(
        lambda d: s.ExamAdmissionDecided(
            date=d,
            exam_id=admission.exam_id,
            granted=granted,
            reason=None if granted else "Berufserfahrung nicht nachgewiesen",
        ),
        14,
        45,
    )
    if not granted:
        return False
    for attempt in range(1, 4):
        passed = rng.random() < 0.7
        result = "passed" if passed else "failed"
        if not story.add(lambda d, r=result: s.ExamResultRecorded(date=d, exam_id=admission.exam_id, result=r), 30, 90):
            return False
        if passed:
            return True
        if attempt < 3 and rng.random() < 0.3:
            return False  # not tried again
    return False


def _external_exam(story: _Story, pathway: str, occupation: str, body: str) -> bool:
    rng = story.rng
    if pathway == "partial_qualifications":
        modules = rng.randint(5, 8)
        for module in range(1, modules + 1):
            course_id = f"tq{module}"
            story.add(
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
                story.add(lambda d, c=course_id: s.CourseDropped(date=d, course_id=c, reason="Gesundheit"), 10, 40)
                break
            story.add(lambda d, c=course_id: s.CourseCompleted(date=d, course_id=c, certificate=True), 40, 90)
    else:
        story.add(
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
        story.add(lambda d: s.CourseCompleted(date=d, course_id="prep", certificate=False), 60, 150)
    basis = rng.choices(["work_experience", "credible_evidence", "foreign_qualification", None], [60, 15, 15, 10])[0]
    admission = s.ExamAdmissionApplied(
        date=story.clock.day,
        exam_id="x1",
        route="external_exam",
        occupation=occupation,
        chamber="hwk" if body == "hwk" else "ihk",
        basis=basis,
    )
    return _exam_attempts(story, admission)


def _validation(story: _Story, occupation: str) -> bool:
    rng = story.rng
    story.add(
        lambda d: s.ExamAdmissionApplied(
            date=d, exam_id="v1", route="validation", occupation=occupation, chamber="ihk", basis="work_experience"
        ),
        7,
        30,
    )
    story.add(lambda d: s.ExamAdmissionDecided(date=d, exam_id="v1", granted=True), 14, 45)
    # Partial comparability is the chamber's finding, whatever is recorded about disability.
    level = rng.choices(["full", "predominant", "partial", "not_comparable"], [45, 30, 15, 10])[0]
    return story.add(lambda d: s.ExamResultRecorded(date=d, exam_id="v1", result=level), 60, 150) and level == "full"


def _retraining(story: _Story) -> bool:
    rng = story.rng
    story.add(
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
        story.add(lambda d: s.CourseDropped(date=d, course_id="u1", reason="Arbeitsaufnahme"), 30, 200)
        return False
    return story.add(lambda d: s.CourseCompleted(date=d, course_id="u1", certificate=True), 500, 760)


def _situation(rng: random.Random, qualified: bool, employed: bool) -> s.Situation:
    self_employed = employed and rng.random() < 0.1
    return s.Situation(
        job_searching=not employed and rng.random() < 0.7,
        in_education_or_training=rng.random() < 0.1,
        qualification_gained=qualified,
        employed=employed and not self_employed,
        self_employed=self_employed,
    )


def _exit(story: _Story, qualified: bool, *, employed_at_entry: bool) -> None:
    """The exit; sometimes the situation on leaving learnt within four weeks; the follow-ups about six months later,
    some clients not reached at the first try or refusing."""
    rng = story.rng
    employed = rng.random() < (0.6 if qualified else 0.3)
    situation = _situation(rng, qualified, employed)
    reason = (
        "qualification_obtained"
        if qualified
        else rng.choice(["employment", "dropped_out", "moved_away", "no_contact", "other"])
    )
    if not story.add(lambda d: s.CaseClosed(date=d, reason=reason, situation=situation), 7, 40):
        return
    exit_on = story.clock.day
    if not employed and rng.random() < 0.3:
        learnt = add_days(exit_on, rng.randint(3, 28))  # ESF+ "upon leaving": within four weeks
        found_work = rng.random() < 0.6
        if story.add_on(
            learnt, s.LeavingSituationRecorded(date=learnt, situation=_situation(rng, qualified, found_work))
        ):
            employed = found_work
    if rng.random() >= 0.85:
        return
    day = add_days(add_months(exit_on, FOLLOW_UP_MONTHS), rng.randint(-14, 21))
    for _ in range(3):
        outcome = rng.choices(["reached", "unreachable", "refused"], [75, 18, 7])[0]
        if outcome != "reached":
            if not story.add_on(day, s.FollowUpRecorded(date=day, outcome=outcome)) or outcome == "refused":
                return
            day = add_days(day, rng.randint(7, 21))  # tried again
            continue
        still_employed = employed or rng.random() < 0.2
        reference_date = add_days(day, -rng.randint(0, 7))
        if rng.random() < 0.2:  # as 0.1 recorded it: whether the situation improved, on the day of the call
            follow_up = s.FollowUpRecorded(date=day, employed=still_employed, improved_situation=rng.random() < 0.6)
        else:
            improvement = rng.choices(IMPROVEMENTS, [15, 10, 10, 10, 55 if employed_at_entry else 30])[0]
            follow_up = s.FollowUpRecorded(
                date=day, reference_date=reference_date, employed=still_employed, improvement=improvement
            )
        story.add_on(day, follow_up)
        return
