"""The ESF+ definition 0.2 (domain/indicators_v2.py), rule by rule: exact age at entry, the situation on leaving as
last recorded, the follow-up window of six months ± 4 weeks, the follow-up response, and one person counted once.

Release 0.1's definition (domain/indicators.py, tests/unit/test_indicators.py) stays as it was; where the two
differ, a test says so.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any, get_args
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec import to_builtins

from domain import decisions, records, steps
from domain import indicators as v1
from domain import indicators_v2 as v2
from domain import vocabulary as v
from domain.case import Case
from domain.deadlines import follow_up_window
from domain.errors import DomainError
from domain.evolution import evolve
from tests.unit.factories import AGENCY, OPENED_ON, apply, context, open_command, opened_case, profile, step

# A calendar far enough on that six months after any exit here lie in the past.
LATER = context(today=date(2028, 12, 31))
EXIT_ON = date(2026, 3, 10)
WINDOW_START, WINDOW_END = follow_up_window(EXIT_ON)  # 2026-08-13 .. 2026-10-08
AGE = frozenset({"EECO06", "EECO07", "EECO08"})


def situation(**flags: bool) -> steps.Situation:
    fields = {"job_searching": False, "in_education_or_training": False, "qualification_gained": False}
    return steps.Situation(**{**fields, "employed": False, **flags})


def closed(case: Case | None = None, *, on: date = EXIT_ON, leaving: steps.Situation | None = None) -> Case:
    situation_on_leaving = leaving or situation(job_searching=True)
    return apply(case or opened_case(), step(steps.CaseClosed, on, situation=situation_on_leaving), ctx=LATER)


def followed_up(case: Case, on: date, reference: date | None = None, **fields: Any) -> Case:
    """A follow-up recorded on `on` describing `reference` (default: `on`); reached and employed unless told."""
    if fields.get("outcome", "reached") == "reached":
        fields = {"employed": True, "improved_situation": True, **fields}
    else:
        fields = {"employed": None, "improved_situation": None, **fields}
    return apply(case, step(steps.FollowUpRecorded, on, reference_date=reference, **fields), ctx=LATER)


def alone(case: Case) -> v2.ParticipantFacts:
    """The participant a single case makes."""
    [participant] = v2.participants([case])
    return participant


def case_of(
    number: int,
    *,
    participant: int | None = 1,
    first_contact_on: date = OPENED_ON,
    agency: str = AGENCY,
    at: datetime = datetime(2026, 6, 30, 8, 15, tzinfo=UTC),
    **profile_fields: Any,
) -> Case:
    """Case `number`, a case of participant `participant` (None: a participant of its own)."""
    case_id = UUID(int=number)
    command = open_command(first_contact_on=first_contact_on, profile=profile(**profile_fields))
    ctx = context(today=LATER.today, at=at)
    pid = None if participant is None else UUID(int=1000 + participant)
    return evolve(None, decisions.open_case(case_id, agency, command, ctx, participant_id=pid))


def test_the_definition_has_a_new_version_and_0_1s_is_kept() -> None:
    assert v2.DEFINITION_VERSION == "esf-plus-2021-1057-annex-i/lotse-2"
    assert v1.DEFINITION_VERSION == "esf-plus-2021-1057-annex-i/lotse-1"
    assert tuple(f"EECO{n:02d}" for n in range(1, 18)) == v2.ENTRY_CODES
    assert tuple(f"EECR{n:02d}" for n in range(1, 7)) == v2.EXIT_CODES


# Age at entry


def test_the_age_is_exact_when_the_birth_date_is_known() -> None:
    """Born on 6 January 2008, entered on 5 January 2026: still 17, although 2026 − 2008 = 18."""
    case = opened_case(profile=profile(birth_year=None, birth_date=date(2008, 1, 6)))
    assert case.age_at_entry == 17
    assert v2.output_codes(case) & AGE == {"EECO06"}
    assert v1.output_codes(case) & AGE == {"EECO07"}  # 0.1 took the difference of the years


def test_on_the_birthday_the_new_age_counts() -> None:
    case = opened_case(profile=profile(birth_year=None, birth_date=date(2008, 1, 5)))
    assert v2.output_codes(case) & AGE == {"EECO07"}


@pytest.mark.parametrize(("born", "expected"), [(date(1971, 1, 5), {"EECO08"}), (date(1971, 1, 6), set())])
def test_fifty_five_and_over_by_the_exact_age(born: date, expected: set[str]) -> None:
    case = opened_case(profile=profile(birth_year=None, birth_date=born))
    assert v2.output_codes(case) & AGE == expected


@settings(max_examples=60, deadline=None, database=None)
@given(
    birth_year=st.integers(1930, 2010),
    labour_status=st.sampled_from(get_args(v.LabourStatus)),
    isced=st.integers(0, 8),
    consent=st.booleans(),
    disability=st.sampled_from(get_args(v.YesNoUnknown)),
    homeless=st.booleans(),
    rural=st.booleans(),
)
def test_with_the_birth_year_alone_the_codes_on_entry_are_0_1s(
    birth_year: int,
    labour_status: str,
    isced: int,
    consent: bool,
    disability: str,
    homeless: bool,
    rural: bool,
) -> None:
    try:
        case = opened_case(
            consent=consent,
            profile=profile(
                birth_year=birth_year,
                labour_status=labour_status,
                isced=isced,
                disability=disability if consent else "unknown",
                homeless=homeless,
                rural=rural,
            ),
        )
    except DomainError:
        return  # an implausible age: the domain refuses it
    assert v2.output_codes(case) == v1.output_codes(case)


# The situation on leaving: EECR01–EECR04


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"job_searching": True}, {"EECR01"}),
        ({"in_education_or_training": True}, {"EECR02"}),
        ({"qualification_gained": True}, {"EECR03"}),
        ({"employed": True}, {"EECR04"}),
        ({"self_employed": True}, {"EECR04"}),  # self-employed counts as in employment
        ({"employed": True, "self_employed": True}, {"EECR04"}),
        (
            {"job_searching": True, "in_education_or_training": True, "qualification_gained": True},
            {"EECR01", "EECR02", "EECR03"},
        ),
        ({}, set()),
    ],
)
def test_the_situation_on_leaving(flags: dict[str, bool], expected: set[str]) -> None:
    assert v2.leaving_codes(records.Situation(**{**to_builtins(situation()), **flags})) == expected
    assert alone(closed(leaving=situation(**flags))).exit_codes == expected


def test_self_employment_on_leaving_counts_under_eecr04_where_0_1_did_not() -> None:
    case = closed(leaving=situation(self_employed=True))
    assert "EECR04" in alone(case).exit_codes
    assert "EECR04" not in v1.result_codes(case)


def test_the_situation_recorded_after_the_exit_replaces_the_exits() -> None:
    case = closed(leaving=situation(job_searching=True))
    later = apply(case, step(steps.LeavingSituationRecorded, EXIT_ON + timedelta(days=20)), ctx=LATER)
    assert alone(later).exit_codes == {"EECR03", "EECR04"}  # the factory's: qualification gained, self-employed
    assert v1.result_codes(later) & {"EECR01", "EECR04"} == {"EECR01"}  # 0.1: the close's situation


def test_the_latest_situation_recorded_counts() -> None:
    case = closed(leaving=situation(job_searching=True))
    case = apply(
        case,
        step(steps.LeavingSituationRecorded, EXIT_ON + timedelta(days=5), situation=situation(employed=True)),
        step(steps.LeavingSituationRecorded, EXIT_ON + timedelta(days=9), situation=situation(job_searching=True)),
        ctx=LATER,
    )
    assert alone(case).exit_codes == {"EECR01"}


SITUATIONS = st.builds(
    steps.Situation,
    job_searching=st.booleans(),
    in_education_or_training=st.booleans(),
    qualification_gained=st.booleans(),
    employed=st.booleans(),
    self_employed=st.booleans(),
)


@settings(max_examples=150, deadline=None, database=None)
@given(
    on_closing=SITUATIONS,
    later=st.lists(st.tuples(st.integers(0, 35), SITUATIONS), max_size=3),
    reopen_and_close_again=st.none() | SITUATIONS,
)
def test_no_case_counts_both_as_job_searching_and_in_employment(
    on_closing: steps.Situation,
    later: list[tuple[int, steps.Situation]],
    reopen_and_close_again: steps.Situation | None,
) -> None:
    """Whatever situations a counsellor tries to record, and whichever of them the domain accepts: never EECR01 and
    EECR04 for one participant."""
    case = opened_case()
    commands: list[steps.StepCommand] = [step(steps.CaseClosed, EXIT_ON, situation=on_closing)]
    commands += [
        step(steps.LeavingSituationRecorded, EXIT_ON + timedelta(days=days), situation=recorded)
        for days, recorded in sorted(later, key=lambda item: item[0])
    ]
    if reopen_and_close_again is not None:
        commands += [
            step(steps.CaseReopened, EXIT_ON + timedelta(days=40)),
            step(steps.CaseClosed, EXIT_ON + timedelta(days=60), situation=reopen_and_close_again),
        ]
    for command in commands:
        try:
            case = apply(case, command, ctx=LATER)
        except DomainError:
            continue  # refused (contradictory, or too late): the case stays as it was
        codes = alone(case).exit_codes
        assert not {"EECR01", "EECR04"} <= codes, (command, case.leaving_situation)


# The follow-up six months after leaving: EECR05, EECR06 and the response


def test_the_window_is_six_calendar_months_after_the_exit_plus_or_minus_four_weeks() -> None:
    assert (date(2026, 8, 13), date(2026, 10, 8)) == (WINDOW_START, WINDOW_END)
    assert follow_up_window(date(2026, 8, 31)) == (date(2027, 1, 31), date(2027, 3, 28))  # clamped to February's end


@pytest.mark.parametrize(
    ("reference", "counts"),
    [
        pytest.param(WINDOW_START - timedelta(days=1), False, id="the day before the window"),
        pytest.param(WINDOW_START, True, id="the first day of the window"),
        pytest.param(date(2026, 9, 10), True, id="six months after the exit"),
        pytest.param(WINDOW_END, True, id="the last day of the window"),
        pytest.param(WINDOW_END + timedelta(days=1), False, id="the day after the window"),
    ],
)
def test_the_window_edges_are_included(reference: date, counts: bool) -> None:
    case = followed_up(closed(), reference + timedelta(days=3), reference)
    participant = alone(case)
    assert ("EECR05" in participant.exit_codes) is counts
    assert participant.follow_up == ("reached" if counts else "missing")


def test_the_reference_date_decides_not_the_day_recorded() -> None:
    """Recorded in the window but describing the day of the exit: not six months after leaving."""
    case = followed_up(closed(), date(2026, 9, 10), EXIT_ON)
    assert alone(case).follow_up == "missing"
    recorded_late = followed_up(closed(), date(2027, 3, 1), date(2026, 9, 1))
    assert alone(recorded_late).follow_up == "reached"


def test_a_follow_up_three_days_after_the_exit_does_not_count_for_eecr05() -> None:
    case = followed_up(closed(), EXIT_ON + timedelta(days=3), employed=True, improved_situation=True)
    participant = alone(case)
    assert "EECR05" not in participant.exit_codes
    assert participant.follow_up == "missing"
    assert "EECR05" in v1.result_codes(case)  # 0.1 counted any follow-up


@pytest.mark.parametrize("outcome", ["unreachable", "refused"])
def test_a_client_not_reached_counts_in_the_response_not_in_the_results(outcome: str) -> None:
    case = followed_up(closed(), date(2026, 9, 10), outcome=outcome)
    participant = alone(case)
    assert participant.follow_up == outcome
    assert participant.exit_codes & {"EECR05", "EECR06"} == set()


def test_the_latest_follow_up_in_the_window_counts() -> None:
    reached = followed_up(closed(), date(2026, 8, 20))
    assert alone(reached).follow_up == "reached"
    then_unreachable = followed_up(reached, date(2026, 9, 20), outcome="unreachable")
    assert alone(then_unreachable).follow_up == "unreachable"
    assert "EECR05" not in alone(then_unreachable).exit_codes
    reached_again = followed_up(then_unreachable, date(2026, 9, 25), employed=False, improved_situation=False)
    assert alone(reached_again).follow_up == "reached"
    assert alone(reached_again).exit_codes & {"EECR05", "EECR06"} == set()


def test_the_latest_recorded_counts_even_when_it_describes_an_earlier_day_of_the_window() -> None:
    case = followed_up(closed(), date(2026, 9, 30), date(2026, 9, 30), employed=False, improved_situation=False)
    case = followed_up(case, date(2026, 10, 1), date(2026, 8, 20), employed=True)
    assert "EECR05" in alone(case).exit_codes


def test_a_follow_up_outside_the_window_is_kept_but_does_not_displace_the_counted_one() -> None:
    case = followed_up(closed(), date(2026, 9, 10), employed=True)
    case = followed_up(case, date(2027, 3, 10), outcome="refused")  # a year on: kept, not counted
    assert len(case.follow_ups) == 2
    participant = alone(case)
    assert participant.follow_up == "reached"
    assert "EECR05" in participant.exit_codes


@pytest.mark.parametrize(
    ("labour_status", "fields", "counted"),
    [
        ("employed", {"improved_situation": True}, True),
        ("self_employed", {"improvement": "higher_skilled"}, True),
        ("employed", {"improvement": "more_responsibility", "improved_situation": True}, True),
        ("employed", {"improvement": "none"}, False),
        ("employed", {"improved_situation": False}, False),
        ("unemployed", {"improved_situation": True}, False),  # asked of those employed on entry only
        ("long_term_unemployed", {"improvement": "precarious_to_stable"}, False),
        ("inactive", {"improved_situation": True}, False),
    ],
)
def test_an_improved_situation_counts_for_those_employed_on_entry(
    labour_status: str, fields: dict[str, Any], counted: bool
) -> None:
    entered = opened_case(profile=profile(labour_status=labour_status))
    fields = {"improved_situation": None, **fields}
    case = followed_up(closed(entered), date(2026, 9, 10), **fields)
    assert ("EECR06" in alone(case).exit_codes) is counted


@pytest.mark.parametrize(("employed", "counted"), [(True, True), (False, False)])
def test_in_employment_six_months_after_leaving(employed: bool, counted: bool) -> None:
    case = followed_up(closed(), date(2026, 9, 10), employed=employed, improved_situation=False)
    assert ("EECR05" in alone(case).exit_codes) is counted


def test_without_an_exit_there_are_no_results_and_no_response() -> None:
    participant = alone(opened_case())
    assert (participant.exit_on, participant.exit_codes, participant.follow_up) == (None, frozenset(), None)


def test_reopening_takes_the_exit_back_and_the_next_exit_starts_a_new_window() -> None:
    case = followed_up(closed(), date(2026, 9, 10))
    reopened = apply(case, step(steps.CaseReopened, date(2026, 10, 1)), ctx=LATER)
    assert alone(reopened).exit_on is None
    again = closed(reopened, on=date(2026, 11, 2))
    participant = alone(again)
    assert (participant.exit_on, participant.follow_up) == (date(2026, 11, 2), "missing")


# One person, counted once


def test_cases_of_one_participant_enter_at_the_first_entry_with_the_first_cases_profile() -> None:
    first = case_of(1, first_contact_on=date(2025, 3, 1), gender="female", labour_status="unemployed")
    second = case_of(2, first_contact_on=date(2025, 9, 1), gender="male", labour_status="employed", isced=7)
    [participant] = v2.participants([second, first])
    assert (participant.entry_on, participant.gender) == (date(2025, 3, 1), "female")
    assert participant.entry_codes == v2.output_codes(first)
    assert "EECO05" not in participant.entry_codes


def test_no_exit_while_one_of_her_cases_is_open() -> None:
    first = closed(case_of(1, first_contact_on=date(2025, 3, 1)), on=date(2026, 2, 1))
    second = case_of(2, first_contact_on=date(2025, 9, 1))
    [participant] = v2.participants([first, second])
    assert participant.exit_on is None
    assert participant.follow_up is None


def test_she_leaves_at_the_final_exit_with_its_situation_and_follow_up() -> None:
    first = closed(case_of(1, first_contact_on=date(2025, 3, 1)), on=EXIT_ON, leaving=situation(employed=True))
    first = followed_up(first, date(2026, 9, 10))
    final_exit = date(2026, 1, 20)  # an earlier day: the second case closed before the first
    second = closed(case_of(2, first_contact_on=date(2025, 9, 1)), on=final_exit, leaving=situation())
    [participant] = v2.participants([first, second])
    assert (participant.exit_on, participant.exit_codes, participant.follow_up) == (
        EXIT_ON,
        frozenset({"EECR04", "EECR05"}),  # EECR06 not: she was unemployed on entry
        "reached",
    )


def test_an_improvement_counts_by_her_first_cases_status_on_entry() -> None:
    first = closed(case_of(1, first_contact_on=date(2025, 3, 1), labour_status="unemployed"), on=date(2026, 1, 5))
    second = case_of(2, first_contact_on=date(2025, 9, 1), labour_status="employed")
    second = followed_up(closed(second, on=EXIT_ON), date(2026, 9, 10), improvement="higher_skilled")
    assert "EECR06" in alone(second).exit_codes  # on her own, the second case would count
    [participant] = v2.participants([first, second])
    assert participant.exit_codes == {"EECR01", "EECR05"}


def test_cases_on_one_day_enter_with_the_case_recorded_first() -> None:
    early = datetime(2026, 6, 30, 8, 0, tzinfo=UTC)
    first = case_of(9, gender="diverse", at=early)
    second = case_of(1, gender="male", at=early + timedelta(minutes=5))
    [participant] = v2.participants([second, first])
    assert participant.gender == "diverse"


def test_final_exits_on_one_day_take_the_case_entered_last() -> None:
    first = closed(case_of(1, first_contact_on=date(2025, 3, 1)), leaving=situation(job_searching=True))
    second = closed(case_of(2, first_contact_on=date(2025, 9, 1)), leaving=situation(employed=True))
    [participant] = v2.participants([first, second])
    assert participant.exit_codes == {"EECR04"}


def test_different_participants_and_agencies_are_different_persons() -> None:
    cases = [
        case_of(1, participant=1),
        case_of(2, participant=1),
        case_of(3, participant=2),
        case_of(4, participant=None),
        case_of(5, participant=1, agency="bonn"),
    ]
    persons = v2.participants(cases)
    assert sorted((p.agency, p.participant) for p in persons) == sorted(
        [
            (AGENCY, str(UUID(int=1001))),
            (AGENCY, str(UUID(int=1002))),
            (AGENCY, str(UUID(int=4))),
            ("bonn", str(UUID(int=1001))),
        ]
    )


def test_a_case_without_a_participant_id_is_a_participant_of_its_own() -> None:
    case = opened_case()
    assert alone(case).participant == str(case.id)
