"""Funder statistics: who is counted in a period on which basis, small-cell suppression, and the pathway funnel."""

import dataclasses
from datetime import date, timedelta
from typing import get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from application.statistics import (
    COLUMNS,
    MIN_CELL,
    PARTITIONS_OF_ALL,
    Basis,
    Counts,
    FunnelFacts,
    Participant,
    count_indicators,
    counted_codes,
    empty_counts,
    funnel,
    funnel_facts_of,
    participant_of,
    suppress,
)
from domain import steps
from domain import vocabulary as v
from domain.funnel import FUNNEL_STAGES, PATHWAYS
from domain.indicators import CODES, GENDERS, output_codes
from tests.unit.factories import AGENCY, OPENED_ON, apply, day, opened_case, profile, step

BOUNDED = settings(max_examples=200, deadline=None, database=None)

START = date(2026, 1, 1)
END = date(2026, 3, 31)
Cell = tuple[str, str]


def person(
    *codes: str,
    gender: str = "female",
    entry_on: date = date(2026, 2, 1),
    exit_on: date | None = None,
    follow_up_on: date | None = None,
    case_id: str = "p",
) -> Participant:
    return Participant(
        case_id=case_id,
        agency=AGENCY,
        gender=gender,
        entry_on=entry_on,
        exit_on=exit_on,
        follow_up_on=follow_up_on,
        codes=frozenset({"EECO01", *codes}),
    )


def people(n: int, *codes: str, gender: str = "female") -> list[Participant]:
    return [person(*codes, gender=gender, case_id=f"{gender}-{i}") for i in range(n)]


# participant_of: a case as the funder counts it


def test_participant_of_an_open_case() -> None:
    case = opened_case(profile=profile(gender="diverse", labour_status="inactive"))
    participant = participant_of(case)
    assert participant.gender == "diverse"
    assert participant.agency == AGENCY
    assert participant.entry_on == OPENED_ON
    assert (participant.exit_on, participant.follow_up_on) == (None, None)
    assert participant.codes == output_codes(case)


def test_participant_of_a_followed_up_case_carries_exit_follow_up_and_results() -> None:
    employed = opened_case(profile=profile(labour_status="employed"))
    case = apply(employed, step(steps.CaseClosed, 40), step(steps.FollowUpRecorded, 60))
    participant = participant_of(case)
    assert (participant.exit_on, participant.follow_up_on) == (day(40), day(60))
    assert {"EECO01", "EECR03", "EECR04", "EECR05", "EECR06"} <= participant.codes


def test_participant_of_a_reopened_case_has_no_exit_until_the_final_one() -> None:
    case = apply(opened_case(), step(steps.CaseClosed, 40), step(steps.CaseReopened, 50))
    assert participant_of(case).exit_on is None
    assert participant_of(apply(case, step(steps.CaseClosed, 80))).exit_on == day(80)


# counted_codes: entry basis


@pytest.mark.parametrize(
    ("entry_on", "counted"),
    [(START - timedelta(days=1), False), (START, True), (END, True), (END + timedelta(days=1), False)],
)
def test_entry_basis_counts_first_contacts_in_the_period_inclusive(entry_on: date, counted: bool) -> None:
    participant = person("EECO02", entry_on=entry_on)
    assert counted_codes(participant, START, END, "entry") == (participant.codes if counted else frozenset())


def test_entry_basis_counts_every_code_of_the_participant() -> None:
    participant = person("EECO02", "EECR01", "EECR05", exit_on=date(2026, 9, 1), follow_up_on=date(2027, 3, 1))
    assert counted_codes(participant, START, END, "entry") == participant.codes


# counted_codes: exit basis


@pytest.mark.parametrize(
    ("exit_on", "counted"),
    [(START - timedelta(days=1), False), (START, True), (END, True), (END + timedelta(days=1), False)],
)
def test_exit_basis_counts_exits_in_the_period_inclusive(exit_on: date, counted: bool) -> None:
    participant = person("EECO02", "EECR04", entry_on=date(2025, 6, 1), exit_on=exit_on)
    assert counted_codes(participant, START, END, "exit") == (participant.codes if counted else frozenset())


def test_exit_basis_does_not_count_a_participant_without_exit() -> None:
    assert counted_codes(person("EECO02"), START, END, "exit") == frozenset()


def test_exit_basis_counts_six_month_results_when_the_follow_up_is_recorded() -> None:
    participant = person(
        "EECO05", "EECR04", "EECR05", "EECR06", exit_on=date(2025, 9, 30), follow_up_on=date(2026, 3, 31)
    )
    # Left in 2025: only the follow-up recorded in the period counts now.
    assert counted_codes(participant, START, END, "exit") == {"EECR05", "EECR06"}
    # In the period of the exit, everything but the follow-up codes.
    assert counted_codes(participant, date(2025, 7, 1), date(2025, 12, 31), "exit") == {
        "EECO01",
        "EECO05",
        "EECR04",
    }


@pytest.mark.parametrize(
    ("follow_up_on", "counted"),
    [(START - timedelta(days=1), False), (START, True), (END, True), (END + timedelta(days=1), False)],
)
def test_exit_basis_follow_up_bounds_are_inclusive(follow_up_on: date, counted: bool) -> None:
    participant = person("EECR05", exit_on=date(2025, 6, 1), follow_up_on=follow_up_on)
    assert counted_codes(participant, START, END, "exit") == ({"EECR05"} if counted else set())


def test_exit_and_follow_up_in_the_same_period_count_everything() -> None:
    participant = person("EECR03", "EECR05", exit_on=date(2026, 1, 10), follow_up_on=date(2026, 3, 10))
    assert counted_codes(participant, START, END, "exit") == participant.codes


def test_follow_up_codes_not_earned_are_not_counted() -> None:
    participant = person("EECR04", exit_on=date(2025, 9, 30), follow_up_on=date(2026, 3, 31))
    assert counted_codes(participant, START, END, "exit") == frozenset()


# count_indicators


def test_empty_figures_list_every_code_and_column_at_zero() -> None:
    for basis in get_args(Basis):
        counts = count_indicators([], START, END, basis)
        assert list(counts) == list(CODES)
        assert all(row == dict.fromkeys(COLUMNS, 0) for row in counts.values())
    assert list(COLUMNS) == [*GENDERS, "total"]


def test_counts_by_gender_and_total() -> None:
    participants = [
        *people(3, "EECO02", gender="female"),
        *people(2, "EECO05", gender="male"),
        person("EECO02", "EECO03", gender="diverse"),
        person("EECO04", gender="unspecified"),
        person("EECO02", entry_on=START - timedelta(days=1)),  # before the period
    ]
    counts = count_indicators(participants, START, END, "entry")
    assert counts["EECO01"] == {"female": 3, "male": 2, "diverse": 1, "unspecified": 1, "total": 7}
    assert counts["EECO02"] == {"female": 3, "male": 0, "diverse": 1, "unspecified": 0, "total": 4}
    assert counts["EECO03"] == {"female": 0, "male": 0, "diverse": 1, "unspecified": 0, "total": 1}
    assert counts["EECO04"]["total"] == 1
    assert counts["EECO05"] == {"female": 0, "male": 2, "diverse": 0, "unspecified": 0, "total": 2}
    assert counts["EECR01"]["total"] == 0


def test_exit_basis_counts_from_real_cases() -> None:
    """A case that left in January and was followed up in July: results fall in their own periods."""
    case = opened_case(first_contact_on=date(2025, 11, 3), profile=profile(gender="male", labour_status="employed"))
    case = apply(case, step(steps.CaseClosed, date(2026, 1, 20)), step(steps.FollowUpRecorded, date(2026, 6, 25)))
    participant = participant_of(case)
    winter = count_indicators([participant], START, END, "exit")
    assert winter["EECO01"]["male"] == winter["EECO05"]["male"] == winter["EECR04"]["male"] == 1
    assert winter["EECR05"]["total"] == 0
    summer = count_indicators([participant], date(2026, 4, 1), date(2026, 6, 30), "exit")
    assert summer["EECR05"] == {"female": 0, "male": 1, "diverse": 0, "unspecified": 0, "total": 1}
    assert summer["EECO01"]["total"] == 0
    entry_2025 = count_indicators([participant], date(2025, 1, 1), date(2025, 12, 31), "entry")
    assert entry_2025["EECO01"]["total"] == entry_2025["EECR05"]["total"] == 1


def test_a_case_counts_once_at_its_final_exit() -> None:
    case = apply(
        opened_case(),
        step(steps.CaseClosed, date(2026, 1, 20)),
        step(steps.CaseReopened, date(2026, 2, 2)),
        step(steps.CaseClosed, date(2026, 5, 4)),
    )
    participant = participant_of(case)
    assert count_indicators([participant], START, END, "exit")["EECO01"]["total"] == 0
    assert count_indicators([participant], date(2026, 4, 1), date(2026, 6, 30), "exit")["EECO01"]["total"] == 1


# suppress: primary and secondary suppression


def relations() -> list[list[Cell]]:
    """The additive relations an analyst can use: each row (genders → total) and each partition of EECO01."""
    rows = [[(code, column) for column in COLUMNS] for code in CODES]
    partitions = [
        [("EECO01", column), *((part, column) for part in parts)] for parts in PARTITIONS_OF_ALL for column in COLUMNS
    ]
    return rows + partitions


def recoverable(shown: dict[str, dict[str, int | None]]) -> list[Cell]:
    """Hidden cells that a shown total minus its shown parts (or a shown part from its total) gives exactly."""
    found = []
    for related in relations():
        hidden = [cell for cell in related if shown[cell[0]][cell[1]] is None]
        if len(hidden) == 1:
            found.append(hidden[0])
    return found


def assert_consistent(counts: Counts) -> None:
    """The figures the generator produced add up as a funder expects."""
    for code in CODES:
        assert counts[code]["total"] == sum(counts[code][gender] for gender in GENDERS)
    for parts in PARTITIONS_OF_ALL:
        for column in COLUMNS:
            assert counts["EECO01"][column] == sum(counts[part][column] for part in parts)


def assert_suppressed_safely(counts: Counts) -> None:
    original = {code: dict(row) for code, row in counts.items()}
    shown, names = suppress(counts)
    assert counts == original  # the exact figures are left alone
    hidden = {(code, column) for code, row in shown.items() for column, value in row.items() if value is None}
    assert sorted(names) == names
    assert set(names) == {f"{code}.{column}" for code, column in hidden}
    assert len(names) == len(set(names))
    for code, row in counts.items():
        for column, value in row.items():
            if value < MIN_CELL:
                assert shown[code][column] is None, f"{code}.{column} = {value} is shown"
            else:
                assert shown[code][column] in (None, value)
    assert recoverable(shown) == []


def test_every_cell_under_five_is_hidden_and_named() -> None:
    participants = [*people(9, "EECO02", "EECO10"), *people(6, "EECO02", "EECO10", gender="male")]
    participants += people(4, "EECO02", "EECO10", "EECO13", gender="male")
    counts = count_indicators(participants, START, END, "entry")
    shown, names = suppress(counts)
    assert shown["EECO13"] == {"female": None, "male": None, "diverse": None, "unspecified": None, "total": None}
    assert {"EECO13.male", "EECO13.total", "EECO13.female"} <= set(names)
    assert shown["EECO01"]["female"] == 9
    assert shown["EECO01"]["male"] == 10
    assert shown["EECO01"]["total"] == 19
    assert_suppressed_safely(counts)


def test_nothing_is_hidden_when_every_cell_has_five_or_more() -> None:
    counts = empty_counts()
    for code in CODES:
        counts[code] = {"female": 5, "male": 6, "diverse": 7, "unspecified": 8, "total": 26}
    shown, names = suppress(counts)
    assert names == []
    assert shown == counts


def test_a_single_small_gender_hides_a_second_cell_of_its_row() -> None:
    participants = [
        *people(20, "EECO02", "EECO09", gender="female"),
        *people(12, "EECO02", "EECO09", gender="male"),
        *people(3, "EECO02", "EECO09", gender="diverse"),
        *people(5, "EECO02", "EECO09", gender="unspecified"),
    ]
    counts = count_indicators(participants, START, END, "entry")
    shown, names = suppress(counts)
    row = shown["EECO01"]
    assert row["diverse"] is None
    # total − female − male − unspecified would give the 3 diverse persons: another cell of the row is hidden,
    # the smallest one, so the large figures stay shown.
    assert row["unspecified"] is None
    assert (row["female"], row["male"], row["total"]) == (20, 12, 40)
    assert "EECO01.unspecified" in names
    assert_suppressed_safely(counts)


def test_a_single_small_status_hides_a_second_part_of_the_partition() -> None:
    participants = [
        *people(20, "EECO02", "EECO10", gender="female"),
        *people(4, "EECO04", "EECO10", gender="female"),
        *people(6, "EECO05", "EECO10", gender="female"),
        *people(10, "EECO02", "EECO10", gender="male"),
        *people(10, "EECO04", "EECO10", gender="male"),
        *people(10, "EECO05", "EECO10", gender="male"),
    ]
    counts = count_indicators(participants, START, END, "entry")
    shown, _ = suppress(counts)
    assert shown["EECO04"]["female"] is None
    # EECO01 − EECO02 − EECO05 among women would give the 4 inactive women.
    female_parts = [shown["EECO01"]["female"], shown["EECO02"]["female"], shown["EECO05"]["female"]]
    assert None in female_parts
    assert shown["EECO01"]["total"] == 60
    assert_suppressed_safely(counts)


# suppress: for any consistent figures


@st.composite
def participants(draw: st.DrawFn) -> list[Participant]:
    """Groups of identical participants built from real profiles, with random results and dates."""
    result = []
    for group in range(draw(st.integers(0, 12))):
        at_entry = steps.Profile(
            birth_year=OPENED_ON.year - draw(st.integers(14, 99)),
            gender=draw(st.sampled_from(GENDERS)),
            labour_status=draw(st.sampled_from(get_args(v.LabourStatus))),
            isced=draw(st.integers(0, 8)),
            foreign_background=draw(st.booleans()),
            third_country_national=draw(st.booleans()),
            disability=draw(st.sampled_from(get_args(v.YesNoUnknown))),
            minority=draw(st.sampled_from(get_args(v.YesNoUnknown))),
            homeless=draw(st.booleans()),
            rural=draw(st.booleans()),
        )
        codes = output_codes(opened_case(consent=True, profile=at_entry))
        codes |= draw(st.sets(st.sampled_from(["EECR01", "EECR02", "EECR03", "EECR04", "EECR05", "EECR06"])))
        exit_on = draw(st.none() | st.dates(START, END + timedelta(days=60)))
        participant = Participant(
            case_id="",
            agency=AGENCY,
            gender=at_entry.gender,
            entry_on=draw(st.dates(START - timedelta(days=60), END)),
            exit_on=exit_on,
            follow_up_on=None if exit_on is None else draw(st.none() | st.just(exit_on + timedelta(days=182))),
            codes=codes,
        )
        size = draw(st.integers(1, 14))
        result += [dataclasses.replace(participant, case_id=f"{group}-{i}") for i in range(size)]
    return result


def counted_in_period(participant: Participant, basis: Basis) -> bool:
    day_counted = participant.entry_on if basis == "entry" else participant.exit_on
    return day_counted is not None and START <= day_counted <= END


@BOUNDED
@given(everyone=participants(), basis=st.sampled_from(get_args(Basis)))
def test_no_hidden_cell_can_be_recovered_from_a_total_and_its_shown_parts(
    everyone: list[Participant], basis: Basis
) -> None:
    counts = count_indicators(everyone, START, END, basis)
    assert_consistent(counts)
    assert counts["EECO01"]["total"] == sum(counted_in_period(p, basis) for p in everyone)
    assert_suppressed_safely(counts)


@BOUNDED
@given(cells=st.lists(st.integers(0, 12), min_size=len(CODES) * len(GENDERS), max_size=len(CODES) * len(GENDERS)))
def test_rows_that_add_up_never_keep_a_single_hidden_cell(cells: list[int]) -> None:
    """Any table whose rows add up, however its codes relate: no row keeps exactly one hidden cell."""
    counts = empty_counts()
    for index, code in enumerate(CODES):
        values = cells[index * len(GENDERS) : (index + 1) * len(GENDERS)]
        counts[code] = {**dict(zip(GENDERS, values, strict=True)), "total": sum(values)}
    shown, _ = suppress(counts)
    for code in CODES:
        assert sum(value is None for value in shown[code].values()) != 1


# funnel


def facts(pathway: str, **offsets: int) -> FunnelFacts:
    """A case of `pathway` that reached each named stage `offset` days after 2026-01-01."""
    return FunnelFacts(
        case_id="f",
        agency=AGENCY,
        pathway=pathway,
        reached={stage: START + timedelta(days=offset) for stage, offset in offsets.items()},
    )


STEPS = [
    "first_contact->assessment",
    "assessment->pathway_started",
    "pathway_started->outcome",
    "outcome->exit",
    "exit->qualified",
]


def test_empty_funnel_lists_every_pathway_with_nothing_reached() -> None:
    result = funnel([])
    assert list(result) == list(PATHWAYS)
    for numbers in result.values():
        assert numbers.reached == dict.fromkeys(FUNNEL_STAGES, 0)
        assert numbers.median_days == dict.fromkeys(STEPS, None)
        assert numbers.persons_per_median == dict.fromkeys(STEPS, 0)


def test_funnel_counts_per_stage_and_pathway() -> None:
    result = funnel(
        [
            facts("recognition", first_contact=0, assessment=10, pathway_started=20),
            facts("recognition", first_contact=0, pathway_started=30, outcome=120, exit=150, qualified=150),
            facts("recognition", first_contact=0),
            facts("external_exam", first_contact=0, pathway_started=5),
        ]
    )
    assert result["recognition"].reached == {
        "first_contact": 3,
        "assessment": 1,
        "pathway_started": 2,
        "outcome": 1,
        "exit": 1,
        "qualified": 1,
    }
    assert result["external_exam"].reached["pathway_started"] == 1
    assert result["validation"].reached["first_contact"] == 0


def test_funnel_medians_over_the_cases_that_reached_both_stages() -> None:
    result = funnel(
        [
            facts("recognition", first_contact=0, assessment=10, pathway_started=20, outcome=100),
            facts("recognition", first_contact=0, assessment=20, pathway_started=50),
            facts("recognition", first_contact=0, assessment=40, pathway_started=45, outcome=75),
            facts("recognition", first_contact=0, pathway_started=5, outcome=9),  # skipped the assessment
            facts("validation", first_contact=0, assessment=400),
        ]
    )["recognition"]
    assert result.median_days["first_contact->assessment"] == 20.0  # 10, 20, 40
    assert result.persons_per_median["first_contact->assessment"] == 3
    assert result.median_days["assessment->pathway_started"] == 10.0  # 10, 30, 5
    assert result.persons_per_median["assessment->pathway_started"] == 3
    assert result.median_days["pathway_started->outcome"] == 30.0  # 80, 30, 4
    assert result.persons_per_median["pathway_started->outcome"] == 3
    assert result.median_days["outcome->exit"] is None
    assert result.persons_per_median["outcome->exit"] == 0


def test_funnel_median_of_an_even_number_is_the_mean_of_the_middle_two() -> None:
    result = funnel(
        [
            facts("retraining", first_contact=0, assessment=10),
            facts("retraining", first_contact=0, assessment=15),
        ]
    )["retraining"]
    assert result.median_days["first_contact->assessment"] == 12.5
    assert result.persons_per_median["first_contact->assessment"] == 2


def test_funnel_facts_of_a_case() -> None:
    case = apply(opened_case(), step(steps.RecognitionApplied, 10))
    fact = funnel_facts_of(case)
    assert fact.pathway == "recognition"
    assert fact.agency == AGENCY
    assert fact.reached == {"first_contact": OPENED_ON, "pathway_started": day(10)}
