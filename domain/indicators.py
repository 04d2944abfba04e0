"""ESF+ common indicators (Regulation (EU) 2021/1057, Annex I): who counts under which code — definition 0.1.

This is release 0.1's definition ("lotse-1"), kept frozen so that a figure published under it can be re-derived
from the log at any time (`?definition_version=esf-plus-2021-1057-annex-i/lotse-1`). The current definition is
domain/indicators_v2.py; the vocabulary (codes, genders, statuses) and the codes on entry are shared.

Under 0.1, output indicators describe a participant on entry, with the age as the difference of the years;
result indicators describe the situation the exit recorded (EECR01–EECR04) and the first follow-up (EECR05,
EECR06, counted in the period it was recorded). Every case is a participant of its own: entry at the first
contact, exit at the final exit.
"""

from datetime import date

from domain.case import Case

DEFINITION_VERSION = "esf-plus-2021-1057-annex-i/lotse-1"

OUTPUT_CODES = tuple(f"EECO{number:02d}" for number in range(1, 18))
RESULT_CODES = tuple(f"EECR{number:02d}" for number in range(1, 7))
CODES = OUTPUT_CODES + RESULT_CODES
GENDERS = ("female", "male", "diverse", "unspecified")

UNEMPLOYED = ("unemployed", "long_term_unemployed")
EMPLOYED = ("employed", "self_employed")


def age_at_entry(birth_year: int, entry_on: date) -> int:
    """Age in the year of entry: only the birth year is recorded, so this is the age reached during that year."""
    return entry_on.year - birth_year


def output_codes(case: Case) -> frozenset[str]:
    """The output indicators the participant counts under, from the statistical profile at entry (0.1's age)."""
    return codes_at_entry(case, age_at_entry(case.profile.birth_year, case.opened_on))


def codes_at_entry(case: Case, age: int) -> frozenset[str]:
    """The output indicators of the case's statistical profile for a participant of `age` at entry."""
    profile = case.profile
    consented = case.special_categories_consent
    flags = {
        "EECO01": True,
        "EECO02": profile.labour_status in UNEMPLOYED,
        "EECO03": profile.labour_status == "long_term_unemployed",
        "EECO04": profile.labour_status == "inactive",
        "EECO05": profile.labour_status in EMPLOYED,
        "EECO06": age < 18,
        "EECO07": 18 <= age <= 29,
        "EECO08": age >= 55,
        "EECO09": profile.isced <= 2,
        "EECO10": 3 <= profile.isced <= 4,
        "EECO11": profile.isced >= 5,
        # Special categories count only while the client consents to their use.
        "EECO12": consented and profile.disability == "yes",
        "EECO13": profile.third_country_national,
        "EECO14": profile.foreign_background,
        "EECO15": consented and profile.minority == "yes",
        "EECO16": profile.homeless,
        "EECO17": profile.rural,
    }
    return frozenset(code for code, counts in flags.items() if counts)


def result_codes(case: Case) -> frozenset[str]:
    """The result indicators (0.1): the situation the exit recorded, and the first follow-up once recorded."""
    if case.exit is None:
        return frozenset()
    situation = case.exit.situation
    # 0.1 kept one follow-up per exit; a case may now hold several, of which this definition counts the first.
    follow_up = case.follow_ups[0] if case.follow_ups else None
    flags = {
        "EECR01": situation.job_searching,
        "EECR02": situation.in_education_or_training,
        "EECR03": situation.qualification_gained,
        "EECR04": situation.employed,
        "EECR05": follow_up is not None and bool(follow_up.employed),
        # The Commission's guidance counts an improved situation only for those employed at entry.
        "EECR06": follow_up is not None
        and bool(follow_up.improved_situation)
        and case.profile.labour_status in EMPLOYED,
    }
    return frozenset(code for code, counts in flags.items() if counts)
