"""The demo desk's work beside its cases: employers it approached and counselled, short contacts, outreach events.

`lotse demo` records them after the caseload (application/synthetic.py), as the agencies' counsellors would, through
the desk's use cases; a referral to an employer now and then names one of the agency's cases.
"""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID

from application.cases import CaseService
from application.desk import Desk
from application.ports import CaseListQuery, Principal
from application.synthetic import AGENCIES
from domain.desk import ContactTopic, OutreachKind, RecordOutreachEvent, RecordShortContact
from domain.employers import (
    ChangeEmployer,
    ContactEmployer,
    CounselEmployer,
    EmployerChannel,
    EmployerSize,
    EmployerStep,
    EmployerTopic,
    ReferEmployee,
    RegisterEmployer,
)
from domain.vocabulary import ContactMode, ReferralTarget

FIRMS = [
    ("Bäckerei", "Lebensmittelhandwerk"),
    ("Elektro", "Elektrohandwerk"),
    ("Pflegedienst", "Pflege"),
    ("Logistik", "Lagerlogistik"),
    ("Autohaus", "Kfz-Handwerk"),
    ("Gebäudereinigung", "Reinigung"),
    ("Hotel", "Gastgewerbe"),
    ("Friseursalon", "Friseurhandwerk"),
    ("Kita", "Erziehung"),
    ("Metallbau", "Metallhandwerk"),
]
OWNERS = ["Schmitz", "Yılmaz", "Kowalski", "Nguyen", "Petrenko", "Weber", "Haddad", "Rossi", "Öztürk", "Becker"]
LANGUAGES = ["de", "de", "de", "tr", "tr", "ru", "ru", "ar", "uk", "fa", "en"]
SIZES: tuple[EmployerSize, ...] = ("micro", "small", "medium", "large")
CHANNELS: tuple[EmployerChannel, ...] = ("letter", "phone", "email", "visit", "event")
EMPLOYER_TOPICS: tuple[EmployerTopic, ...] = ("qualification_needs", "funding", "partial_qualifications", "recognition")
MODES: tuple[ContactMode, ...] = ("in_person", "phone", "email", "video", "outreach")
TOPICS: tuple[ContactTopic, ...] = ("recognition", "external_exam", "validation", "partial_qualifications", "funding")
REFERRALS: tuple[ReferralTarget | None, ...] = (None, None, None, "chamber", "jobcenter", "language_course")
OUTREACH_TITLES: dict[OutreachKind, str] = {
    "information_event": "Infoabend Berufsanerkennung",
    "fair": "Bildungsmesse",
    "migrant_organisation": "Sprechstunde im Kulturverein",
    "integration_course": "Vorstellung im Integrationskurs",
    "company": "Betriebsbesuch",
    "other": "Stadtteilfest",
}


@dataclass
class DeskSummary:
    employers: int = 0
    employer_steps: int = 0
    short_contacts: int = 0
    outreach_events: int = 0

    def __str__(self) -> str:
        return (
            f"loaded {self.employers} employers with {self.employer_steps} steps, {self.short_contacts} short contacts"
            f" and {self.outreach_events} outreach events"
        )


def load_demo_desk(desk: Desk, cases: CaseService, employers: int = 24, seed: int = 2026) -> DeskSummary:
    """Records each agency's employers with their steps, short contacts and outreach events of the last two years."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrecy
    today = cases.today()
    summary = DeskSummary()
    for agency, staff in AGENCIES.items():
        counsellors = [Principal(subject=name, role="counsellor", agency=agency) for name in staff["counsellor"]]
        case_ids = [item.case_id for item in cases.list_cases(CaseListQuery(agency=agency, limit=200))]
        for number in range(employers):
            _employer(desk, rng, rng.choice(counsellors), number, today, case_ids, summary)
        for _ in range(rng.randint(120, 180)):
            day = _past_day(rng, today)
            contact = RecordShortContact(
                date=day,
                mode=rng.choices(MODES, [40, 35, 10, 5, 10])[0],
                language=rng.choice(LANGUAGES),
                topic=rng.choice(TOPICS),
                referred_to=rng.choice(REFERRALS),
            )
            desk.record_short_contact(rng.choice(counsellors), contact)
            summary.short_contacts += 1
        for _ in range(rng.randint(12, 20)):
            kind = rng.choice(list(OUTREACH_TITLES))
            event = RecordOutreachEvent(
                date=_past_day(rng, today),
                title=OUTREACH_TITLES[kind],
                kind=kind,
                language=rng.choice(LANGUAGES),
                attendees=rng.randint(5, 120),
            )
            desk.record_outreach_event(rng.choice(counsellors), event)
            summary.outreach_events += 1
    return summary


def _employer(
    desk: Desk,
    rng: random.Random,
    counsellor: Principal,
    number: int,
    today: date,
    case_ids: list[UUID],
    summary: DeskSummary,
) -> None:
    kind, sector = FIRMS[number % len(FIRMS)]
    size = rng.choices(SIZES, [35, 35, 20, 10])[0]
    registration = RegisterEmployer(
        name=f"{kind} {rng.choice(OWNERS)} {rng.choice(['GmbH', 'KG', 'e. K.', 'GmbH & Co. KG'])}",
        size=size,
        sector=sector,
        postal_code=f"{rng.randint(40210, 51149):05d}",
    )
    employer_id = desk.register_employer(counsellor, registration).employer.id
    summary.employers += 1
    day = _past_day(rng, today)
    for _ in range(rng.choice([0, 1, 2, 3, 4, 6])):
        day += timedelta(days=rng.randint(7, 90))
        if day > today:
            break
        step = rng.choices(["contacted", "counselled", "referred", "changed"], [40, 40, 15, 5])[0]
        command: EmployerStep
        if step == "contacted":
            command = ContactEmployer(date=day, channel=rng.choice(CHANNELS))
        elif step == "counselled":
            command = CounselEmployer(
                date=day,
                minutes=rng.choice([30, 45, 60, 90]),
                topics=tuple(rng.sample(EMPLOYER_TOPICS, 2)),
                employees_interested=rng.randint(0, 6),
            )
        elif step == "referred":
            linked = rng.choice(case_ids) if case_ids and rng.random() < 0.5 else None
            command = ReferEmployee(date=day, case_id=linked)
        else:  # the firm grew, or was recorded too big
            size = "medium" if size != "medium" else "small"
            command = ChangeEmployer(date=day, size=size)
        desk.record_employer_step(counsellor, employer_id, command)
        summary.employer_steps += 1


def _past_day(rng: random.Random, today: date) -> date:
    return today - timedelta(days=rng.randint(0, 700))
