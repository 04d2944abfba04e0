"""The activity report (GET /statistics/activity): the facts each state yields, and the report as a reader sees it.

Counted by domain/activity.py, from the activity view (live) or from a replay of the raw events up to a position;
shown to analysts with cells under MIN_CELL hidden, and enough further cells that none follows from the others.
"""

from dataclasses import dataclass
from typing import Any

from application.statistics import Cell, hidden_cells
from domain import desk
from domain.activity import (
    Activity,
    EmployerTouched,
    Fact,
    FirstContact,
    OutreachHeld,
    ReferralMade,
    SessionHeld,
    ShortContact,
)
from domain.case import Case
from domain.employers import Employer

FOLLOWED: tuple[type, ...] = (Case, desk.ShortContact, desk.OutreachEvent, Employer)  # what the report counts


def facts_of(state: Any) -> list[Fact]:
    """What a case (or an entry of a register) adds to the activity report, as it stands now."""
    if isinstance(state, Case):
        return _case_facts(state)
    if isinstance(state, desk.ShortContact):
        return [
            ShortContact(
                agency=state.agency, day=state.date, topic=state.topic, mode=state.mode, language=state.language
            )
        ]
    if isinstance(state, desk.OutreachEvent):
        return [
            OutreachHeld(
                agency=state.agency,
                day=state.date,
                kind=state.kind,
                language=state.language,
                attendees=state.attendees,
            )
        ]
    if isinstance(state, Employer):
        employer = str(state.id)
        return [
            EmployerTouched(agency=state.agency, day=day, employer=employer, size=state.size, counselled=counselled)
            for counselled, days in ((False, state.contacted_on), (True, state.counselled_on))
            for day in days
        ]
    return []


def _case_facts(case: Case) -> list[Fact]:
    person = str(case.participant_id)
    foreign = case.profile.foreign_background
    facts: list[Fact] = [
        FirstContact(agency=case.agency, day=case.opened_on, person=person, foreign_background=foreign)
    ]
    facts += [
        SessionHeld(
            agency=case.agency,
            day=session.held_on,
            person=person,
            foreign_background=foreign,
            mode=session.mode,
            language=session.language,
            interpreter=session.interpreter,
        )
        for session in case.sessions
    ]
    facts += [
        ReferralMade(
            agency=case.agency, day=referral.referred_on, to=referral.to, outcome=referral.outcome or "pending"
        )
        for referral in case.referrals
    ]
    return facts


@dataclass(frozen=True)
class ShownActivity:
    """The report's cells by name (`sessions`, `sessions_by_mode.phone`, `sessions_by_language.tr.with_interpreter`,
    …) as a reader sees them, the share of persons with a foreign background, and what was hidden."""

    cells: dict[str, Cell]
    share_foreign_background: float | None
    suppressed: list[str]


def activity_cells(figures: Activity) -> tuple[dict[str, int], list[list[str]]]:
    """The report's cells by name, and its relations: each a cell followed by the cells that add up to it."""
    cells: dict[str, int] = {
        "sessions": figures.sessions,
        "persons_counselled": figures.persons_counselled,
        "persons_with_foreign_background": figures.persons_with_foreign_background,
        "new_cases": figures.new_cases,
        "short_contacts": figures.short_contacts,
        "outreach_events": figures.outreach_events,
        "outreach_attendees": figures.outreach_attendees,
        "employers_contacted": figures.employers_contacted,
        "employers_counselled": figures.employers_counselled,
        "referrals": figures.referrals,
    }
    relations: list[list[str]] = []

    def partition(total: str, name: str, parts: dict[str, int]) -> None:
        names = [f"{name}.{part}" for part in parts]
        cells.update(zip(names, parts.values(), strict=True))
        relations.append([total, *names])

    partition("sessions", "sessions_by_mode", figures.sessions_by_mode)
    partition(
        "sessions", "sessions_by_language", {lang: n.sessions for lang, n in figures.sessions_by_language.items()}
    )
    for language, numbers in figures.sessions_by_language.items():
        cells[f"sessions_by_language.{language}.with_interpreter"] = numbers.with_interpreter
        cells[f"sessions_by_language.{language}.without_interpreter"] = numbers.sessions - numbers.with_interpreter
        relations.append(
            [
                f"sessions_by_language.{language}",
                f"sessions_by_language.{language}.with_interpreter",
                f"sessions_by_language.{language}.without_interpreter",
            ]
        )
    foreign = figures.persons_with_foreign_background
    cells["persons_without_foreign_background"] = figures.persons_counselled - foreign
    relations.append(["persons_counselled", "persons_with_foreign_background", "persons_without_foreign_background"])
    partition("short_contacts", "short_contacts_by_topic", figures.short_contacts_by_topic)
    partition("outreach_events", "outreach_events_by_kind", figures.outreach_events_by_kind)
    partition("employers_counselled", "employers_counselled_by_size", figures.employers_counselled_by_size)
    partition("referrals", "referrals_by_to", figures.referrals_by_to)
    partition("referrals", "referrals_by_outcome", figures.referrals_by_outcome)
    return cells, relations


def shown_activity(figures: Activity, *, suppressed: bool) -> ShownActivity:
    cells, relations = activity_cells(figures)
    hidden = hidden_cells(cells, relations) if suppressed else set()
    share = figures.share_foreign_background
    if {"persons_with_foreign_background", "persons_without_foreign_background"} & hidden:
        share = None  # with the persons counselled it would give the hidden count back
    return ShownActivity(
        cells={name: (None if name in hidden else value) for name, value in cells.items()},
        share_foreign_background=share,
        suppressed=sorted(hidden),
    )
