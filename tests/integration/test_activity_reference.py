"""The activity report against an independent count over a generated week of a desk, on both backends: live (the
activity view, caught up) and as of an earlier log position (the replay).

The week is generated here: clients first seen in the week or before it, sessions in the week and around it (by
phone, video, in person; in German, Turkish, Russian, Arabic; some with an interpreter), referrals answered or still
waiting, short contacts, outreach events and employers contacted or counselled. The reference counts the commands as
they are sent, with plain counters: it shares no code with domain/activity.py or application/activity.py.
"""

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import msgspec
import pytest

from application.ports import Principal
from domain import steps
from domain.desk import RecordOutreachEvent, RecordShortContact
from domain.employers import ContactEmployer, CounselEmployer, RegisterEmployer
from infrastructure.bootstrap import Lotse
from tests.integration.conftest import LotseFactory, open_case_command

WEEK_START, WEEK_END = date(2026, 5, 18), date(2026, 5, 24)
COUNSELLOR = Principal(subject="ayse", role="counsellor", agency="koeln")
LEAD = Principal(subject="lea", role="lead", agency="koeln")
MODES = ("in_person", "phone", "email", "video", "outreach")
LANGUAGES = ("de", "tr", "ru", "ar")
TOPICS = ("recognition", "external_exam", "funding", "courses", "other")
OUTREACH_KINDS = ("information_event", "migrant_organisation", "integration_course")
TARGETS = ("chamber", "jobcenter", "recognition_body", "language_course")
OUTCOMES = ("appointment_kept", "accepted", "declined", "no_show")
SIZES = ("micro", "small", "medium", "large")


@dataclass
class Tally:
    """The report as a plain count of what was sent."""

    sessions: Counter[str] = field(default_factory=Counter)  # by mode
    languages: Counter[str] = field(default_factory=Counter)
    interpreted: Counter[str] = field(default_factory=Counter)
    persons: dict[str, bool] = field(default_factory=dict)  # client → foreign background
    new_cases: int = 0
    topics: Counter[str] = field(default_factory=Counter)
    outreach: Counter[str] = field(default_factory=Counter)
    attendees: int = 0
    contacted: set[str] = field(default_factory=set)
    counselled: dict[str, str] = field(default_factory=dict)  # employer → size
    referral_targets: Counter[str] = field(default_factory=Counter)
    referral_outcomes: dict[str, str] = field(default_factory=dict)  # case/referral → latest outcome


def in_week(day: date) -> bool:
    return WEEK_START <= day <= WEEK_END


def some_day(rng: random.Random, before: int = 10, after: int = 3) -> date:
    return WEEK_START + timedelta(days=rng.randint(-before, (WEEK_END - WEEK_START).days + after))


def generate_week(system: Lotse, rng: random.Random, tally: Tally) -> None:
    for number in range(rng.randint(18, 26)):
        opened = some_day(rng, before=20, after=0)
        foreign = rng.random() < 0.85
        base = open_case_command()
        command = open_case_command(
            first_contact_on=opened,
            personal=steps.PersonalData(name=f"Klientin {number}"),
            profile=msgspec.structs.replace(base.profile, foreign_background=foreign),
        )
        case = system.workspace.open_case(COUNSELLOR, command).case
        client = str(case.id)
        if in_week(opened):
            tally.new_cases += 1
            tally.persons[client] = foreign
        days = sorted(max(opened, min(some_day(rng), WEEK_END + timedelta(days=3))) for _ in range(rng.randint(0, 4)))
        for day in days:
            mode, language = rng.choice(MODES), rng.choice(LANGUAGES)
            interpreter = language != "de" and rng.random() < 0.4
            step = steps.CounsellingSessionHeld(
                date=day, minutes=45, topics=("recognition",), mode=mode, language=language, interpreter=interpreter
            )
            system.workspace.record_step(COUNSELLOR, case.id, step)
            if in_week(day):
                tally.sessions[mode] += 1
                tally.languages[language] += 1
                tally.interpreted[language] += interpreter
                tally.persons[client] = foreign
        if rng.random() < 0.5:
            day = max(opened, some_day(rng, before=3, after=0))
            target = rng.choice(TARGETS)
            system.workspace.record_step(
                COUNSELLOR,
                case.id,
                steps.ReferralMade(date=day, referral_id="r1", to=target, organisation="Stelle"),
            )
            outcome = "pending"
            for _ in range(rng.randint(0, 2)):
                outcome = rng.choice(OUTCOMES)
                system.workspace.record_step(
                    COUNSELLOR,
                    case.id,
                    steps.ReferralOutcomeRecorded(
                        date=min(day + timedelta(days=2), WEEK_END), referral_id="r1", outcome=outcome
                    ),
                )
            if in_week(day):
                tally.referral_targets[target] += 1
                tally.referral_outcomes[client] = outcome
    for _ in range(rng.randint(15, 40)):
        day, topic = some_day(rng, after=0), rng.choice(TOPICS)
        contact = RecordShortContact(date=day, mode=rng.choice(MODES), language=rng.choice(LANGUAGES), topic=topic)
        system.desk.record_short_contact(COUNSELLOR, contact)
        if in_week(day):
            tally.topics[topic] += 1
    for _ in range(rng.randint(2, 6)):
        day, kind, attendees = some_day(rng, after=0), rng.choice(OUTREACH_KINDS), rng.randint(0, 40)
        event = RecordOutreachEvent(
            date=day, title="Infoabend", kind=kind, language=rng.choice(LANGUAGES), attendees=attendees
        )
        system.desk.record_outreach_event(COUNSELLOR, event)
        if in_week(day):
            tally.outreach[kind] += 1
            tally.attendees += attendees
    for number in range(rng.randint(4, 10)):
        size = rng.choice(SIZES)
        employer = system.desk.register_employer(
            COUNSELLOR, RegisterEmployer(name=f"Betrieb {number}", size=size, sector="Handwerk", postal_code="50667")
        ).employer
        for visit in range(rng.randint(0, 3)):
            day = some_day(rng, after=0)
            if number == visit == 0:  # one counselling in the week at least
                day = WEEK_START
            if rng.random() < 0.5 and not number == visit == 0:
                system.desk.record_employer_step(COUNSELLOR, employer.id, ContactEmployer(date=day, channel="phone"))
                if in_week(day):
                    tally.contacted.add(str(employer.id))
            else:
                system.desk.record_employer_step(COUNSELLOR, employer.id, CounselEmployer(date=day, minutes=30))
                if in_week(day):
                    tally.counselled[str(employer.id)] = size


def expected(tally: Tally) -> dict[str, Any]:
    foreign = sum(1 for is_foreign in tally.persons.values() if is_foreign)
    return {
        "sessions": sum(tally.sessions.values()),
        "sessions_by_mode": dict(sorted((mode, n) for mode, n in tally.sessions.items() if n)),
        "sessions_by_language": {
            language: (tally.languages[language], tally.interpreted[language])
            for language in sorted(tally.languages)
            if tally.languages[language]
        },
        "persons_counselled": len(tally.persons),
        "persons_with_foreign_background": foreign,
        "share": round(foreign / len(tally.persons), 3) if tally.persons else None,
        "new_cases": tally.new_cases,
        "short_contacts_by_topic": dict(sorted(tally.topics.items())),
        "outreach_events_by_kind": dict(sorted(tally.outreach.items())),
        "outreach_attendees": tally.attendees,
        "employers_contacted": len(tally.contacted),
        "employers_counselled_by_size": dict(sorted(Counter(tally.counselled.values()).items())),
        "referrals_by_to": dict(sorted(tally.referral_targets.items())),
        "referrals_by_outcome": dict(sorted(Counter(tally.referral_outcomes.values()).items())),
    }


def answered(system: Lotse, as_of_position: int | None = None) -> dict[str, Any]:
    figures = system.activity.report(LEAD, WEEK_START, WEEK_END, as_of_position=as_of_position).figures.figures
    return {
        "sessions": figures.sessions,
        "sessions_by_mode": figures.sessions_by_mode,
        "sessions_by_language": {
            language: (numbers.sessions, numbers.with_interpreter)
            for language, numbers in figures.sessions_by_language.items()
        },
        "persons_counselled": figures.persons_counselled,
        "persons_with_foreign_background": figures.persons_with_foreign_background,
        "share": figures.share_foreign_background,
        "new_cases": figures.new_cases,
        "short_contacts_by_topic": figures.short_contacts_by_topic,
        "outreach_events_by_kind": figures.outreach_events_by_kind,
        "outreach_attendees": figures.outreach_attendees,
        "employers_contacted": figures.employers_contacted,
        "employers_counselled_by_size": figures.employers_counselled_by_size,
        "referrals_by_to": figures.referrals_by_to,
        "referrals_by_outcome": figures.referrals_by_outcome,
    }


@pytest.mark.parametrize("seed", [3, 11])
def test_the_activity_of_a_generated_week_equals_an_independent_count_live_and_as_of(
    make_lotse: LotseFactory, seed: int
) -> None:
    system = make_lotse()
    rng = random.Random(seed)
    first = Tally()
    generate_week(system, rng, first)
    position = system.projections.runner.head()
    system.projections.runner.catch_up()
    assert answered(system) == expected(first)
    assert expected(first)["sessions"] > 5
    assert expected(first)["referrals_by_outcome"]
    assert expected(first)["employers_counselled_by_size"]

    generate_week(system, rng, Tally())  # a second desk's worth of the same week: the report must move
    system.projections.runner.catch_up()
    assert answered(system) != expected(first)
    assert answered(system, as_of_position=position) == expected(first)
    live = answered(system)
    assert answered(system, as_of_position=system.projections.runner.head()) == live
