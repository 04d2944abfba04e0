"""ESF+ common indicators (Regulation (EU) 2021/1057, Annex I): each code against its definition.

Output indicators describe the participant on entry; result indicators the situation on leaving (EECR01–EECR04)
and six months later (EECR05, EECR06, once the follow-up is recorded).
"""

from datetime import date
from typing import Any, get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from domain import steps
from domain import vocabulary as v
from domain.case import Case
from domain.indicators import CODES, OUTPUT_CODES, RESULT_CODES, age_at_entry, output_codes, result_codes
from tests.unit.factories import OPENED_ON, TODAY, apply, opened_case, profile, step

LABOUR = frozenset({"EECO02", "EECO03", "EECO04", "EECO05"})
AGE = frozenset({"EECO06", "EECO07", "EECO08"})
EDUCATION = frozenset({"EECO09", "EECO10", "EECO11"})
ENTRY_YEAR = OPENED_ON.year


def codes_of(*, consent: bool = False, first_contact_on: date = OPENED_ON, **profile_fields: Any) -> frozenset[str]:
    """The output codes of a case opened with this profile."""
    case = opened_case(consent=consent, first_contact_on=first_contact_on, profile=profile(**profile_fields))
    return output_codes(case)


def situation(**flags: bool) -> steps.Situation:
    fields = {"job_searching": False, "in_education_or_training": False, "qualification_gained": False}
    return steps.Situation(**{**fields, "employed": False, **flags})


def closed(situation_on_leaving: steps.Situation, *, on: int = 40, case: Case | None = None) -> Case:
    return apply(case or opened_case(), step(steps.CaseClosed, on, situation=situation_on_leaving))


def test_the_codes_are_those_of_annex_i() -> None:
    assert list(OUTPUT_CODES) == [f"EECO{n:02d}" for n in range(1, 18)]
    assert list(RESULT_CODES) == [f"EECR{n:02d}" for n in range(1, 7)]
    assert list(CODES) == [*OUTPUT_CODES, *RESULT_CODES]


# EECO01 and labour-market status on entry


def test_every_participant_counts_under_eeco01() -> None:
    bare = codes_of(
        labour_status="inactive", isced=5, foreign_background=False, third_country_national=False, birth_year=1980
    )
    assert "EECO01" in bare


@pytest.mark.parametrize(
    ("labour_status", "expected"),
    [
        ("unemployed", {"EECO02"}),
        ("long_term_unemployed", {"EECO02", "EECO03"}),  # EECO02 includes the long-term unemployed
        ("inactive", {"EECO04"}),
        ("employed", {"EECO05"}),
        ("self_employed", {"EECO05"}),  # EECO05 includes the self-employed
    ],
)
def test_labour_market_status_on_entry(labour_status: str, expected: set[str]) -> None:
    assert codes_of(labour_status=labour_status) & LABOUR == expected


# Age at entry


def test_age_at_entry_is_the_age_reached_in_the_year_of_entry() -> None:
    assert age_at_entry(1988, date(2026, 1, 1)) == 38
    assert age_at_entry(1988, date(2026, 12, 31)) == 38
    assert age_at_entry(2008, date(2026, 3, 2)) == 18


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (16, {"EECO06"}),
        (17, {"EECO06"}),  # under 18
        (18, {"EECO07"}),  # 18–29
        (29, {"EECO07"}),
        (30, set()),
        (54, set()),
        (55, {"EECO08"}),  # 55 and over
        (70, {"EECO08"}),
    ],
)
def test_age_groups_at_their_boundaries(age: int, expected: set[str]) -> None:
    assert codes_of(birth_year=ENTRY_YEAR - age) & AGE == expected


def test_age_is_taken_at_entry_not_later() -> None:
    """Entered at 17 in December: still counted under 18 after the next new year."""
    entered = opened_case(first_contact_on=date(2025, 12, 15), profile=profile(birth_year=2008))
    case = apply(entered, step(steps.CaseClosed, date(2026, 2, 1)))
    assert output_codes(case) & AGE == {"EECO06"}


def test_a_corrected_birth_year_moves_the_age_group() -> None:
    case = opened_case(profile=profile(birth_year=ENTRY_YEAR - 30))
    assert output_codes(case) & AGE == set()
    corrected = apply(case, step(steps.ProfileCorrected, 5, profile=steps.ProfileChanges(birth_year=ENTRY_YEAR - 29)))
    assert output_codes(corrected) & AGE == {"EECO07"}


# Education (ISCED)


@pytest.mark.parametrize(
    ("isced", "code"),
    [(0, "EECO09"), (1, "EECO09"), (2, "EECO09"), (3, "EECO10"), (4, "EECO10")]
    + [(level, "EECO11") for level in range(5, 9)],
)
def test_education_level(isced: int, code: str) -> None:
    assert codes_of(isced=isced) & EDUCATION == {code}


# Special categories: only with consent


@pytest.mark.parametrize(("attribute", "code"), [("disability", "EECO12"), ("minority", "EECO15")])
def test_special_category_counts_with_consent_when_yes(attribute: str, code: str) -> None:
    assert code in codes_of(consent=True, **{attribute: "yes"})
    assert code not in codes_of(consent=True, **{attribute: "no"})
    assert code not in codes_of(consent=True, **{attribute: "unknown"})


@pytest.mark.parametrize(("attribute", "code"), [("disability", "EECO12"), ("minority", "EECO15")])
def test_special_category_never_counts_without_consent(attribute: str, code: str) -> None:
    assert code not in codes_of(consent=False)
    # Even a profile that says yes does not count while consent is missing.
    consented = opened_case(consent=True, profile=profile(**{attribute: "yes"}))
    assert code not in output_codes(replace(consented, special_categories_consent=False))


@pytest.mark.parametrize(("attribute", "code"), [("disability", "EECO12"), ("minority", "EECO15")])
def test_special_category_stops_counting_once_consent_is_withdrawn(attribute: str, code: str) -> None:
    case = opened_case(consent=True, profile=profile(**{attribute: "yes"}))
    withdrawn = apply(case, step(steps.ConsentChanged, 5, special_categories=False))
    assert code not in output_codes(withdrawn)
    # Consent given again does not revive what was withdrawn: it counts once recorded anew.
    given_again = apply(withdrawn, step(steps.ConsentChanged, 6, special_categories=True))
    assert code not in output_codes(given_again)
    recorded_anew = apply(
        given_again, step(steps.ProfileCorrected, 7, profile=steps.ProfileChanges(**{attribute: "yes"}))
    )
    assert code in output_codes(recorded_anew)


def test_withdrawal_after_the_exit_removes_disability_from_the_exit_figures() -> None:
    case = closed(situation(employed=True), case=opened_case(consent=True, profile=profile(disability="yes")))
    assert "EECO12" in output_codes(case)
    withdrawn = apply(case, step(steps.ConsentChanged, 50, special_categories=False))
    assert "EECO12" not in output_codes(withdrawn)


# The other attributes, each counting under its own code only


@pytest.mark.parametrize(
    ("attribute", "code"),
    [
        ("third_country_national", "EECO13"),
        ("foreign_background", "EECO14"),
        ("homeless", "EECO16"),
        ("rural", "EECO17"),
    ],
)
def test_attribute_counts_under_its_own_code(attribute: str, code: str) -> None:
    neutral = {"foreign_background": False, "third_country_national": False, "homeless": False, "rural": False}
    without = codes_of(**neutral)
    with_it = codes_of(**{**neutral, attribute: True})
    assert with_it - without == {code}
    assert code not in without


# Result indicators


@pytest.mark.parametrize(
    ("flag", "code"),
    [
        ("job_searching", "EECR01"),
        ("in_education_or_training", "EECR02"),
        ("qualification_gained", "EECR03"),
        ("employed", "EECR04"),
    ],
)
def test_situation_on_leaving(flag: str, code: str) -> None:
    assert result_codes(closed(situation(**{flag: True}))) == {code}


def test_several_situations_on_leaving_count_each() -> None:
    case = closed(situation(qualification_gained=True, employed=True))
    assert result_codes(case) == {"EECR03", "EECR04"}


def test_no_result_before_the_exit() -> None:
    case = apply(opened_case(), step(steps.ExamAdmissionApplied, 10), step(steps.ExamAdmissionDecided, 20))
    case = apply(case, step(steps.ExamResultRecorded, 30, result="passed"))
    assert result_codes(case) == frozenset()
    assert result_codes(closed(situation())) == frozenset()


def test_results_are_gone_after_reopening() -> None:
    case = closed(situation(qualification_gained=True, employed=True))
    case = apply(case, step(steps.FollowUpRecorded, 45, employed=True, improved_situation=True))
    reopened = apply(case, step(steps.CaseReopened, 50))
    assert result_codes(reopened) == frozenset()
    # Closed again: the new exit counts, and six-month results wait for its own follow-up.
    again = apply(reopened, step(steps.CaseClosed, 60, situation=situation(job_searching=True)))
    assert result_codes(again) == {"EECR01"}


@pytest.mark.parametrize(
    ("employed", "improved", "expected"),
    [
        (True, False, {"EECR05"}),
        (False, True, {"EECR06"}),
        (True, True, {"EECR05", "EECR06"}),
        (False, False, set()),
    ],
)
def test_six_month_results_only_once_followed_up(employed: bool, improved: bool, expected: set[str]) -> None:
    case = closed(situation(), case=opened_case(profile=profile(labour_status="employed")))
    assert result_codes(case) & {"EECR05", "EECR06"} == set()
    followed_up = apply(case, step(steps.FollowUpRecorded, 45, employed=employed, improved_situation=improved))
    assert result_codes(followed_up) == expected


@pytest.mark.parametrize("labour_status", ["unemployed", "long_term_unemployed", "inactive"])
def test_an_improved_situation_counts_only_for_those_employed_at_entry(labour_status: str) -> None:
    case = closed(situation(), case=opened_case(profile=profile(labour_status=labour_status)))
    followed_up = apply(case, step(steps.FollowUpRecorded, 45, employed=True, improved_situation=True))
    assert result_codes(followed_up) == {"EECR05"}


def test_follow_up_does_not_change_the_situation_on_leaving() -> None:
    case = closed(situation(job_searching=True))
    followed_up = apply(case, step(steps.FollowUpRecorded, 45, employed=True, improved_situation=False))
    assert result_codes(followed_up) == {"EECR01", "EECR05"}


# For any profile


profiles = st.builds(
    steps.Profile,
    birth_year=st.just(2000),  # replaced by an age at entry the domain accepts (14–99)
    gender=st.sampled_from(get_args(v.Gender)),
    labour_status=st.sampled_from(get_args(v.LabourStatus)),
    isced=st.integers(0, 8),
    foreign_background=st.booleans(),
    third_country_national=st.booleans(),
    disability=st.sampled_from(get_args(v.YesNoUnknown)),
    minority=st.sampled_from(get_args(v.YesNoUnknown)),
    homeless=st.booleans(),
    rural=st.booleans(),
)
entry_days = st.dates(min_value=date(2021, 1, 1), max_value=TODAY)


@settings(max_examples=200, deadline=None, database=None)
@given(profile_at_entry=profiles, first_contact_on=entry_days, age=st.integers(14, 99))
def test_status_and_education_partition_the_participants(
    profile_at_entry: steps.Profile, first_contact_on: date, age: int
) -> None:
    at_entry = replace(profile_at_entry, birth_year=first_contact_on.year - age)
    case = opened_case(consent=True, first_contact_on=first_contact_on, profile=at_entry)
    codes = output_codes(case)
    assert codes <= set(OUTPUT_CODES)
    assert "EECO01" in codes
    assert len(codes & {"EECO02", "EECO04", "EECO05"}) == 1
    assert len(codes & EDUCATION) == 1
    assert "EECO03" not in codes or "EECO02" in codes
    assert len(codes & AGE) <= 1
    assert result_codes(case) == frozenset()
