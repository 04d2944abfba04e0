"""The desk's records in the demo's journeys (application/synthetic.py): how and in which language sessions are held,
the qualifications clients bring, referrals to other services and their outcomes, and the qualification plans."""

import random
from datetime import date, timedelta

from domain import steps as s
from domain.vocabulary import PlanItemKind, QualificationKind, ReferralOutcome, ReferralTarget, SessionMode

# The languages clients from a country are counselled in when their German does not carry a session yet.
LANGUAGES_OF_COUNTRY: dict[str | None, list[str]] = {
    "TR": ["tr"],
    "SY": ["ar"],
    "UA": ["uk", "uk", "ru"],
    "PL": ["pl"],
    "RO": ["ro"],
    "AF": ["fa", "fa", "ps"],
    "IR": ["fa"],
    "IT": ["it"],
    "VN": ["vi"],
    "NG": ["en"],
    None: ["ar", "ru", "en"],
}
LOW_GERMAN = ("none", "A1", "A2")
VOCATIONAL_TITLES = [
    "Berufsabschluss als Elektriker",
    "Diplom einer Berufsfachschule, Handel",
    "Facharbeiterzeugnis Koch",
    "Abschluss einer Pflegeschule",
    "Zertifikat Friseurhandwerk",
]
ACADEMIC_TITLES = ["Bachelor of Nursing", "Bachelor in Betriebswirtschaft", "Diplom-Ingenieurin", "Lehramtsstudium"]
SCHOOL_TITLES = ["Abschluss der Sekundarschule", "Hochschulreife (Lyzeum)", "Mittlerer Schulabschluss"]
REFERRAL_ORGANISATIONS: dict[ReferralTarget, str] = {
    "language_course": "Volkshochschule, Integrationskurse",
    "jobcenter": "Jobcenter, Arbeitsvermittlung",
    "migration_counselling": "Migrationsberatung für Erwachsene (MBE)",
    "chamber": "Kammer, Anerkennungsberatung",
    "employment_agency": "Agentur für Arbeit, Berufsberatung",
    "recognition_body": "IQ Netzwerk, Anerkennungsberatung",
}
REFERRAL_OUTCOMES: list[ReferralOutcome] = [
    "appointment_kept",
    "accepted",
    "completed",
    "declined",
    "no_show",
    "no_feedback",
]


def client_language(rng: random.Random, country: str | None, german_level: str) -> str:
    """The language the client is counselled in: German, unless hers does not carry a session yet."""
    if german_level not in LOW_GERMAN:
        return "de"
    return rng.choice(LANGUAGES_OF_COUNTRY.get(country, LANGUAGES_OF_COUNTRY[None]))


def session(rng: random.Random, day: date, language: str, topics: tuple[str, ...]) -> s.CounsellingSessionHeld:
    """A session in person mostly, some by phone, video, e-mail or at an outreach event; in a language other than
    German often with an interpreter."""
    modes: list[SessionMode] = ["in_person", "phone", "video", "email", "outreach"]
    mode = rng.choices(modes, [60, 18, 8, 8, 6])[0]
    interpreter = language != "de" and mode != "email" and rng.random() < 0.6
    return s.CounsellingSessionHeld(
        date=day,
        minutes=rng.choice([20, 30, 45, 60, 90]) if mode != "email" else 15,
        topics=topics,
        mode=mode,
        language=language,
        interpreter=interpreter,
    )


def qualification(rng: random.Random, day: date, country: str, isced: int, birth_year: int) -> s.QualificationRecorded:
    """The highest qualification the client brings from abroad: academic from ISCED 6 on, else mostly vocational."""
    kinds: list[QualificationKind] = ["vocational", "school"]
    kind: QualificationKind = "academic" if isced >= 6 else rng.choices(kinds, [80, 20])[0]
    titles = {"academic": ACADEMIC_TITLES, "vocational": VOCATIONAL_TITLES, "school": SCHOOL_TITLES}[kind]
    earliest = birth_year + (22 if kind == "academic" else 17)
    year = rng.randint(earliest, max(earliest, day.year)) if earliest <= day.year and rng.random() < 0.85 else None
    return s.QualificationRecorded(
        date=day, qualification_id="q1", kind=kind, country=country, title=rng.choice(titles), year=year
    )


def plan(rng: random.Random, day: date, pathway: str, *, language: bool, referral: bool, other: bool) -> s.PlanAgreed:
    """The plan agreed after the assessment: the pathway's milestones, a language course and a referral where they
    are due, and now and then something the client sees to herself."""

    def due(low: int, high: int) -> date:
        return day + timedelta(days=rng.randint(low, high))

    wanted: list[tuple[PlanItemKind, str, date]] = []
    if referral:
        wanted.append(("referral", "Termin bei der Beratungsstelle vereinbaren", due(7, 21)))
    if language:
        wanted.append(("language", "Deutschkurs bis B1 beginnen", due(30, 90)))
    if other:
        wanted.append(("other", "Zeugnisse übersetzen und beglaubigen lassen", due(14, 45)))
    milestones: dict[str, list[tuple[PlanItemKind, str, date]]] = {
        "recognition": [("recognition", "Antrag auf Anerkennung stellen", due(30, 60))],
        "external_exam": [
            ("course", "Prüfungsvorbereitung beginnen", due(45, 90)),
            ("exam", "Zulassung zur Externenprüfung beantragen", due(150, 300)),
        ],
        "partial_qualifications": [
            ("course", "Erste Teilqualifikation beginnen", due(30, 75)),
            ("exam", "Zulassung zur Externenprüfung beantragen", due(300, 500)),
        ],
        "validation": [("exam", "Validierungsverfahren beantragen", due(30, 75))],
        "retraining": [("course", "Umschulung beginnen", due(30, 90))],
    }
    wanted += milestones[pathway]
    items = tuple(
        s.PlanItem(item_id=f"p{number}", kind=kind, description=description, target_date=target)
        for number, (kind, description, target) in enumerate(wanted, start=1)
    )
    return s.PlanAgreed(date=day, items=items)


def referral(rng: random.Random, day: date, *, language: bool) -> s.ReferralMade:
    to: ReferralTarget = (
        "language_course"
        if language
        else rng.choice(["jobcenter", "migration_counselling", "chamber", "employment_agency", "recognition_body"])
    )
    return s.ReferralMade(
        date=day,
        referral_id="v1",
        to=to,
        organisation=REFERRAL_ORGANISATIONS[to],
        purpose=rng.choice([None, "Beratung zur Finanzierung", "Aufenthaltsrechtliche Fragen", "Kursplatz"]),
    )


def referral_outcomes(rng: random.Random) -> list[ReferralOutcome]:
    """What becomes of a referral: mostly one outcome, sometimes a kept appointment and then what followed."""
    outcome = rng.choices(REFERRAL_OUTCOMES, [20, 25, 20, 10, 10, 15])[0]
    if outcome == "appointment_kept" and rng.random() < 0.5:
        return [outcome, rng.choice(["accepted", "completed", "declined"])]
    return [outcome]
