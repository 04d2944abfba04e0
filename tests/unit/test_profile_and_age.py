"""Release 0.2's profile: the birth date (personal data) and the age at entry, German level and arrival year."""

from datetime import date
from typing import Any

import msgspec
import pytest
from msgspec import to_builtins

from domain import decisions, steps
from domain import events as ev
from domain.errors import DomainError, InvalidStep
from domain.evolution import evolve
from tests.unit.factories import (
    AGENCY,
    CASE_ID,
    CONTEXT,
    OPENED_ON,
    apply,
    expect_refusal,
    open_command,
    opened_case,
    profile,
    record,
    recorded_profile,
    step,
)

BORN = date(1988, 5, 17)  # 37 on the first contact (2026-01-05), though 2026 - 1988 = 38


def _open(**profile_fields: Any) -> ev.CaseOpened:
    return decisions.open_case(CASE_ID, AGENCY, open_command(profile=profile(**profile_fields)), CONTEXT)


def _refused_opening(error: type[DomainError], rule: str, field: str, **profile_fields: Any) -> None:
    with pytest.raises(DomainError) as caught:
        _open(**profile_fields)
    assert type(caught.value) is error, caught.value
    assert (caught.value.rule, caught.value.field) == (rule, field), caught.value


def _born(birth_date: date, first_contact_on: date = OPENED_ON, **fields: Any) -> Any:
    """A case opened with the birth date alone."""
    return opened_case(
        first_contact_on=first_contact_on, profile=profile(birth_year=None, birth_date=birth_date), **fields
    )


def _correction(**changes: Any) -> steps.ProfileCorrected:
    return step(steps.ProfileCorrected, 10, profile=steps.ProfileChanges(**changes))


# Opening: the birth date or the birth year


def test_a_birth_date_gives_the_exact_age_at_entry_and_is_kept_with_the_personal_data() -> None:
    event = _open(birth_year=None, birth_date=BORN)
    case = evolve(None, event)

    assert (event.age_at_entry, event.age_exact) == (37, True)
    assert (case.age_at_entry, case.age_exact) == (37, True)
    # The statistical profile (in clear) keeps the birth year; the birth date goes with the sealed personal data.
    assert "birth_date" not in to_builtins(event.profile)
    assert event.profile.birth_year == 1988
    assert event.personal is not None
    assert event.personal.birth_date == BORN
    assert to_builtins(case.profile) == recorded_profile(birth_year=None, birth_date=BORN)
    assert case.personal is not None
    assert case.personal.birth_date == BORN


@pytest.mark.parametrize(
    ("birth_date", "age"),
    [
        pytest.param(date(1990, 1, 5), 36, id="on the birthday"),
        pytest.param(date(1990, 1, 6), 35, id="the day before the birthday"),
        pytest.param(date(1990, 1, 4), 36, id="the day after the birthday"),
        pytest.param(date(1989, 12, 31), 36, id="born on new year's eve"),
        pytest.param(date(1990, 12, 31), 35, id="birthday at the end of the year"),
    ],
)
def test_the_age_at_entry_counts_whole_years_on_the_first_contact(birth_date: date, age: int) -> None:
    case = _born(birth_date)  # first contact 2026-01-05
    assert (case.age_at_entry, case.age_exact) == (age, True)


@pytest.mark.parametrize(
    ("first_contact_on", "age"),
    [
        pytest.param(date(2025, 2, 28), 24, id="28 February of a common year"),
        pytest.param(date(2025, 3, 1), 25, id="1 March of a common year"),
        pytest.param(date(2024, 2, 28), 23, id="28 February of a leap year"),
        pytest.param(date(2024, 2, 29), 24, id="29 February"),
        pytest.param(date(2024, 3, 1), 24, id="1 March of a leap year"),
        pytest.param(date(2026, 2, 28), 25, id="28 February, a year later"),
    ],
)
def test_someone_born_on_29_february_is_a_year_older_on_1_march_of_a_common_year(
    first_contact_on: date, age: int
) -> None:
    case = _born(date(2000, 2, 29), first_contact_on)
    assert (case.age_at_entry, case.age_exact) == (age, True)
    assert case.profile.birth_year == 2000


def test_the_birth_year_alone_gives_the_difference_of_the_years_not_exact() -> None:
    event = _open(birth_year=1988)
    case = evolve(None, event)

    assert (event.age_at_entry, event.age_exact) == (38, False)
    assert (case.age_at_entry, case.age_exact) == (38, False)
    assert case.personal is not None
    assert case.personal.birth_date is None


def test_a_birth_year_that_agrees_with_the_birth_date_is_accepted() -> None:
    event = _open(birth_year=1988, birth_date=date(1988, 12, 31))
    assert (event.age_at_entry, event.age_exact, event.profile.birth_year) == (37, True, 1988)


@pytest.mark.parametrize("birth_year", [1987, 1989])
def test_a_birth_year_that_contradicts_the_birth_date_is_refused(birth_year: int) -> None:
    _refused_opening(
        InvalidStep,
        "birth_year_matches_birth_date",
        "profile.birth_year",
        birth_year=birth_year,
        birth_date=date(1988, 1, 1),
    )


def test_opening_needs_the_birth_date_or_the_birth_year() -> None:
    _refused_opening(InvalidStep, "birth_date_or_year_required", "profile.birth_date", birth_year=None)


@pytest.mark.parametrize(
    "birth_date",
    [
        pytest.param(date(2012, 1, 6), id="13 on the first contact"),
        pytest.param(date(1926, 1, 5), id="100 on the first contact"),
        pytest.param(date(2026, 1, 6), id="born after the first contact"),
        pytest.param(date(1900, 1, 1), id="126"),
    ],
)
def test_a_birth_date_that_gives_an_implausible_age_is_refused(birth_date: date) -> None:
    _refused_opening(InvalidStep, "plausible_birth_year", "profile.birth_date", birth_year=None, birth_date=birth_date)


@pytest.mark.parametrize(("birth_date", "age"), [(date(2012, 1, 5), 14), (date(1926, 1, 6), 99)])
def test_ages_14_and_99_from_a_birth_date_are_plausible(birth_date: date, age: int) -> None:
    assert _born(birth_date).age_at_entry == age


def test_the_age_at_entry_outlives_the_erasure_of_the_birth_date() -> None:
    case = _born(BORN)
    erased = evolve(case, decisions.erase_personal_data(case, CONTEXT))

    assert erased.personal is None
    assert (erased.age_at_entry, erased.age_exact, erased.profile.birth_year) == (37, True, 1988)


# German level and arrival year


def test_german_level_is_unknown_and_arrival_year_none_unless_given() -> None:
    case = opened_case()
    assert (case.profile.german_level, case.profile.arrival_year) == ("unknown", None)


def test_german_level_and_arrival_year_are_kept_in_the_statistical_profile() -> None:
    case = opened_case(profile=profile(german_level="A2", arrival_year=2015))
    assert (case.profile.german_level, case.profile.arrival_year) == ("A2", 2015)
    assert to_builtins(case.profile) == recorded_profile(german_level="A2", arrival_year=2015)


@pytest.mark.parametrize("arrival_year", [1988, 2000, 2026])
def test_an_arrival_from_the_birth_year_to_the_first_contact_is_plausible(arrival_year: int) -> None:
    assert opened_case(profile=profile(arrival_year=arrival_year)).profile.arrival_year == arrival_year


@pytest.mark.parametrize(
    ("fields", "arrival_year"),
    [
        pytest.param({"birth_year": 1988}, 1987, id="before the birth year"),
        pytest.param({"birth_year": None, "birth_date": date(1990, 12, 31)}, 1989, id="before the birth date's year"),
        pytest.param({"birth_year": 1988}, 2027, id="after the first contact"),
    ],
)
def test_an_implausible_arrival_year_is_refused(fields: dict[str, Any], arrival_year: int) -> None:
    _refused_opening(InvalidStep, "arrival_year_plausible", "profile.arrival_year", arrival_year=arrival_year, **fields)


def test_an_opening_with_the_birth_date_alone_decodes() -> None:
    body = {
        "first_contact_on": "2026-03-02",
        "channel": "walk_in",
        "referral_source": "self",
        "profile": {
            "birth_date": "1988-02-29",
            "gender": "female",
            "labour_status": "unemployed",
            "isced": 3,
            "foreign_background": True,
            "third_country_national": False,
            "german_level": "B2",
            "arrival_year": 2019,
        },
    }
    opened = msgspec.json.decode(msgspec.json.encode(body), type=steps.OpenCase)
    assert (opened.profile.birth_date, opened.profile.birth_year) == (date(1988, 2, 29), None)
    assert (opened.profile.german_level, opened.profile.arrival_year) == ("B2", 2019)


# Corrections


def test_correcting_the_birth_date_recomputes_the_exact_age() -> None:
    case = opened_case()  # birth year 1988 alone: 38, not exact
    event, case = record(case, _correction(birth_date=date(1988, 6, 1)))

    assert isinstance(event, ev.ProfileCorrected)
    assert (event.birth_date, event.age_at_entry, event.age_exact) == (date(1988, 6, 1), 37, True)
    assert event.profile.changed() == {"birth_year": 1988}  # the clear profile learns the year only
    assert (case.age_at_entry, case.age_exact, case.profile.birth_year) == (37, True, 1988)
    assert case.personal is not None
    assert case.personal.birth_date == date(1988, 6, 1)


@pytest.mark.parametrize(
    ("corrected", "age", "birth_year"),
    [
        pytest.param(date(1990, 1, 5), 36, 1990, id="a day earlier: the birthday"),
        pytest.param(date(1989, 12, 31), 36, 1989, id="another year"),
        pytest.param(date(1990, 2, 1), 35, 1990, id="later in the year"),
    ],
)
def test_correcting_a_known_birth_date_recomputes_the_age_and_the_birth_year(
    corrected: date, age: int, birth_year: int
) -> None:
    case = _born(date(1990, 1, 6))  # 35 on the first contact
    event, case = record(case, _correction(birth_date=corrected))

    assert isinstance(event, ev.ProfileCorrected)
    assert (event.age_at_entry, event.age_exact) == (age, True)
    assert (case.age_at_entry, case.age_exact, case.profile.birth_year) == (age, True, birth_year)
    assert case.personal is not None
    assert case.personal.birth_date == corrected


@pytest.mark.parametrize(("first_contact_on", "age"), [(date(2025, 2, 28), 24), (date(2025, 3, 1), 25)])
def test_correcting_the_birth_year_to_a_29_february_birth_date(first_contact_on: date, age: int) -> None:
    case = opened_case(first_contact_on=first_contact_on, profile=profile(birth_year=2000))
    assert (case.age_at_entry, case.age_exact) == (25, False)
    command = step(steps.ProfileCorrected, first_contact_on, profile=steps.ProfileChanges(birth_date=date(2000, 2, 29)))
    _, case = record(case, command)
    assert (case.age_at_entry, case.age_exact) == (age, True)


def test_correcting_the_birth_year_without_a_birth_date_gives_the_new_inexact_age() -> None:
    event, case = record(opened_case(), _correction(birth_year=1990))

    assert isinstance(event, ev.ProfileCorrected)
    assert (event.birth_date, event.age_at_entry, event.age_exact) == (None, 36, False)
    assert (case.age_at_entry, case.age_exact, case.profile.birth_year) == (36, False, 1990)


@pytest.mark.parametrize("birth_year", [1990, 1988])
def test_correcting_the_birth_year_when_the_birth_date_is_known_is_refused(birth_year: int) -> None:
    case = _born(date(1990, 1, 6))
    expect_refusal(
        case, _correction(birth_year=birth_year), InvalidStep, "birth_year_matches_birth_date", "profile.birth_year"
    )


def test_a_correction_naming_a_birth_year_that_contradicts_its_birth_date_is_refused() -> None:
    command = _correction(birth_date=date(1990, 1, 6), birth_year=1991)
    expect_refusal(opened_case(), command, InvalidStep, "birth_year_matches_birth_date", "profile.birth_year")


def test_a_correction_naming_birth_date_and_the_same_year_is_accepted() -> None:
    _, case = record(opened_case(), _correction(birth_date=date(1990, 1, 6), birth_year=1990))
    assert (case.age_at_entry, case.age_exact, case.profile.birth_year) == (35, True, 1990)


@pytest.mark.parametrize("birth_date", [date(2012, 1, 6), date(1926, 1, 5)])
def test_a_corrected_birth_date_that_gives_an_implausible_age_is_refused(birth_date: date) -> None:
    expect_refusal(
        opened_case(), _correction(birth_date=birth_date), InvalidStep, "plausible_birth_year", "profile.birth_date"
    )


def test_a_correction_that_leaves_the_birth_alone_keeps_the_age() -> None:
    case = _born(BORN)
    event, case = record(case, _correction(isced=6, german_level="C1"))

    assert isinstance(event, ev.ProfileCorrected)
    assert (event.birth_date, event.age_at_entry, event.age_exact) == (None, None, None)
    assert (case.age_at_entry, case.age_exact, case.profile.german_level) == (37, True, "C1")
    assert case.personal is not None
    assert case.personal.birth_date == BORN


@pytest.mark.parametrize("arrival_year", [1987, 2027])
def test_a_corrected_arrival_year_is_checked_against_birth_and_first_contact(arrival_year: int) -> None:
    command = _correction(arrival_year=arrival_year)
    expect_refusal(opened_case(), command, InvalidStep, "arrival_year_plausible", "profile.arrival_year")


def test_an_arrival_year_is_checked_against_the_birth_date_corrected_with_it() -> None:
    command = _correction(birth_date=date(1995, 1, 1), arrival_year=1990)
    expect_refusal(opened_case(), command, InvalidStep, "arrival_year_plausible", "profile.arrival_year")


def test_a_plausible_arrival_year_may_be_corrected_and_cleared() -> None:
    case = apply(opened_case(), _correction(arrival_year=2016))
    assert case.profile.arrival_year == 2016
    case = apply(case, _correction(arrival_year=None))
    assert case.profile.arrival_year is None


@pytest.mark.parametrize(
    "changes",
    [{"birth_year": 2000}, {"birth_date": date(2000, 3, 3)}],
    ids=["birth year", "birth date"],
)
def test_a_birth_corrected_after_the_recorded_arrival_year_is_refused(changes: dict[str, Any]) -> None:
    case = opened_case(profile=profile(arrival_year=1995))
    expect_refusal(case, _correction(**changes), InvalidStep, "arrival_year_plausible", "profile.arrival_year")


# The validation procedure's age limit, with the birth date known


@pytest.mark.parametrize(("applied_on", "accepted"), [(date(2026, 5, 31), False), (date(2026, 6, 1), True)])
def test_validation_is_open_from_the_25th_birthday_when_the_birth_date_is_known(
    applied_on: date, accepted: bool
) -> None:
    case = _born(date(2001, 6, 1))
    command = step(steps.ExamAdmissionApplied, applied_on, route="validation")
    if accepted:
        _, case = record(case, command)
        assert case.exam("e1") is not None
    else:
        expect_refusal(case, command, InvalidStep, "validation_needs_age_25", "route")
