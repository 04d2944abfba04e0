"""What the rules of a case start from: the facts only the application knows (`Context`), and the checks several
steps share (dates not in the future nor before what they follow, plausible ages, consent to special categories)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from domain.errors import InvalidStep
from domain.steps import Profile, ProfileChanges

SPECIAL_CATEGORIES = ("disability", "minority")
# Clients are young people from school-leaving age to people past retirement; outside that, a typing error.
MIN_AGE_AT_ENTRY = 14
MAX_AGE_AT_ENTRY = 99


@dataclass(frozen=True)
class Context:
    """What the application knows that the domain must not find out by itself."""

    recorded_by: str
    at: datetime
    today: date
    is_active_counsellor: Callable[[str, str], bool]  # (agency, counsellor)
    # (offer_id, agency): whether the id names an offer of the agency's catalogue, a withdrawn one too
    is_offer_of_agency: Callable[[str, str], bool]


def plausible_age(age: int, field: str) -> None:
    if not MIN_AGE_AT_ENTRY <= age <= MAX_AGE_AT_ENTRY:
        raise InvalidStep(
            "plausible_birth_year",
            f"the birth {field.rpartition('_')[2]} gives an age of {age} at first contact (expected"
            f" {MIN_AGE_AT_ENTRY}–{MAX_AGE_AT_ENTRY})",
            field,
            age=age,
            min_age=MIN_AGE_AT_ENTRY,
            max_age=MAX_AGE_AT_ENTRY,
        )


def plausible_arrival(arrival_year: int | None, birth_year: int, first_contact_on: date, field: str) -> None:
    if arrival_year is not None and not birth_year <= arrival_year <= first_contact_on.year:
        raise InvalidStep(
            "arrival_year_plausible",
            f"arrival year {arrival_year} is not between the birth year {birth_year} and the first contact",
            field,
            arrival_year=arrival_year,
            birth_year=birth_year,
        )


def not_in_future(day: date, today: date, field: str) -> None:
    if day > today:
        raise InvalidStep(
            "date_not_in_future", f"{field} {day} is in the future (today is {today})", field, date=day, today=today
        )


def not_before(day: date, reference: date, what: str) -> None:
    if day < reference:
        raise InvalidStep(
            "date_not_before_reference",
            f"date {day} is before {what} on {reference}",
            "date",
            date=day,
            reference=reference,
            what=what,
        )


def special_categories_consented(profile: Profile | ProfileChanges, consent: bool, path: str) -> None:
    if consent:
        return
    for attribute in SPECIAL_CATEGORIES:
        value = getattr(profile, attribute)
        if value in ("yes", "no"):
            raise InvalidStep(
                "special_category_needs_consent",
                f"{attribute} may only be recorded as yes or no with the client's consent to special categories",
                f"{path}.{attribute}",
            )
