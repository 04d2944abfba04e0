"""ESF+ common indicators (Regulation (EU) 2021/1057, Annex I): who counts under which code.

Output indicators describe a participant on entry; result indicators describe the participant's situation on
leaving (EECR01–EECR04) and six months after leaving (EECR05, EECR06, counted once the follow-up is recorded).
Every participant is counted once per case: entry at the first contact, exit at the final exit.
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
    """The output indicators the participant counts under, from the statistical profile at entry."""
    profile = case.profile
    age = age_at_entry(profile.birth_year, case.opened_on)
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
    """The result indicators: the situation on leaving, and six months later once followed up."""
    if case.exit is None:
        return frozenset()
    situation = case.exit.situation
    flags = {
        "EECR01": situation.job_searching,
        "EECR02": situation.in_education_or_training,
        "EECR03": situation.qualification_gained,
        "EECR04": situation.employed,
        "EECR05": case.follow_up is not None and case.follow_up.employed,
        # The Commission's guidance counts an improved situation only for those employed at entry.
        "EECR06": case.follow_up is not None
        and case.follow_up.improved_situation
        and case.profile.labour_status in EMPLOYED,
    }
    return frozenset(code for code, counts in flags.items() if counts)
