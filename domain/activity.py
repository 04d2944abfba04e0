"""What the desk did in a period (GET /statistics/activity): the funder's activity report.

Its figures are counted from facts, one per thing the desk did: a counselling session, a first contact, a short
information contact, an outreach event, a contact with or counselling of an employer, a referral. The facts come from
the states the log leaves (cases and the registers beside them: `facts_of` in application/activity.py), so the live
view and a replay of the raw events up to a position count alike.

- `sessions`: counselling sessions dated in the period, by `mode` and by `language` (with how many of them had an
  interpreter).
- `persons_counselled`: the persons (participants: one client's cases are one person) with a first contact or a
  session in the period; `persons_with_foreign_background` of them, and their share: a person counts as of foreign
  background when a case of hers in the period says so.
- `new_cases`: first contacts in the period.
- `short_contacts` by `topic`; `outreach_events` and their `attendees`, by `kind`.
- `employers_contacted`: employers with a contact in the period; `employers_counselled`: with a counselling in the
  period, by size.
- `referrals` made in the period, by `to` and by their latest `outcome` (`pending` while none is recorded).
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import msgspec

DEFINITION_VERSION = "lotse-activity-1"


class SessionHeld(msgspec.Struct, frozen=True, tag="session"):
    agency: str
    day: date
    person: str
    foreign_background: bool
    mode: str
    language: str
    interpreter: bool


class FirstContact(msgspec.Struct, frozen=True, tag="case_opened"):
    agency: str
    day: date
    person: str
    foreign_background: bool


class ShortContact(msgspec.Struct, frozen=True, tag="short_contact"):
    agency: str
    day: date
    topic: str
    mode: str
    language: str


class OutreachHeld(msgspec.Struct, frozen=True, tag="outreach"):
    agency: str
    day: date
    kind: str
    language: str
    attendees: int


class EmployerTouched(msgspec.Struct, frozen=True, tag="employer"):
    """An employer contacted (`counselled` false) or counselled on a day."""

    agency: str
    day: date
    employer: str
    size: str
    counselled: bool


class ReferralMade(msgspec.Struct, frozen=True, tag="referral"):
    agency: str
    day: date
    to: str
    outcome: str  # the latest recorded, or "pending"


Fact = SessionHeld | FirstContact | ShortContact | OutreachHeld | EmployerTouched | ReferralMade


@dataclass(frozen=True)
class LanguageSessions:
    sessions: int
    with_interpreter: int


@dataclass(frozen=True)
class Activity:
    sessions: int = 0
    sessions_by_mode: dict[str, int] = field(default_factory=dict)
    sessions_by_language: dict[str, LanguageSessions] = field(default_factory=dict)
    persons_counselled: int = 0
    persons_with_foreign_background: int = 0
    new_cases: int = 0
    short_contacts: int = 0
    short_contacts_by_topic: dict[str, int] = field(default_factory=dict)
    outreach_events: int = 0
    outreach_attendees: int = 0
    outreach_events_by_kind: dict[str, int] = field(default_factory=dict)
    employers_contacted: int = 0
    employers_counselled: int = 0
    employers_counselled_by_size: dict[str, int] = field(default_factory=dict)
    referrals: int = 0
    referrals_by_to: dict[str, int] = field(default_factory=dict)
    referrals_by_outcome: dict[str, int] = field(default_factory=dict)

    @property
    def share_foreign_background(self) -> float | None:
        """The share of the persons counselled with a foreign background (None when none was counselled)."""
        if self.persons_counselled == 0:
            return None
        return round(self.persons_with_foreign_background / self.persons_counselled, 3)


def activity(facts: Iterable[Fact], start: date, end: date) -> Activity:
    """The figures of the facts dated from `start` to `end` (both included)."""
    in_period = [fact for fact in facts if start <= fact.day <= end]
    sessions = [fact for fact in in_period if isinstance(fact, SessionHeld)]
    opened = [fact for fact in in_period if isinstance(fact, FirstContact)]
    contacts = [fact for fact in in_period if isinstance(fact, ShortContact)]
    outreach = [fact for fact in in_period if isinstance(fact, OutreachHeld)]
    touched = [fact for fact in in_period if isinstance(fact, EmployerTouched)]
    referrals = [fact for fact in in_period if isinstance(fact, ReferralMade)]

    foreign: dict[tuple[str, str], bool] = {}
    counselled_here: list[SessionHeld | FirstContact] = [*sessions, *opened]
    for fact in counselled_here:
        key = (fact.agency, fact.person)
        foreign[key] = foreign.get(key, False) or fact.foreign_background
    languages: dict[str, LanguageSessions] = {}
    for language, count in sorted(Counter(fact.language for fact in sessions).items()):
        interpreted = sum(1 for fact in sessions if fact.language == language and fact.interpreter)
        languages[language] = LanguageSessions(sessions=count, with_interpreter=interpreted)
    counselled = {(fact.agency, fact.employer): fact.size for fact in touched if fact.counselled}
    return Activity(
        sessions=len(sessions),
        sessions_by_mode=_counted(fact.mode for fact in sessions),
        sessions_by_language=languages,
        persons_counselled=len(foreign),
        persons_with_foreign_background=sum(foreign.values()),
        new_cases=len(opened),
        short_contacts=len(contacts),
        short_contacts_by_topic=_counted(fact.topic for fact in contacts),
        outreach_events=len(outreach),
        outreach_attendees=sum(fact.attendees for fact in outreach),
        outreach_events_by_kind=_counted(fact.kind for fact in outreach),
        employers_contacted=len({(fact.agency, fact.employer) for fact in touched if not fact.counselled}),
        employers_counselled=len(counselled),
        employers_counselled_by_size=_counted(counselled.values()),
        referrals=len(referrals),
        referrals_by_to=_counted(fact.to for fact in referrals),
        referrals_by_outcome=_counted(fact.outcome for fact in referrals),
    )


def _counted(values: Iterable[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))
