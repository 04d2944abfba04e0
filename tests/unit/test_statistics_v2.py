"""Counting under the ESF+ definition 0.2 (application/statistics.py): which participants a period's figures hold
on each basis, the follow-up response of the exit cohort, and its suppression for analysts."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from application.statistics import (
    COLUMNS,
    FOLLOW_UP_RESPONSE,
    MIN_CELL,
    RESPONSE_COLUMNS,
    count_persons,
    counted_keys,
    esf_counts,
    shown_indicators,
    sum_counted,
)
from domain import indicators_v2 as v2
from domain.indicators import GENDERS
from tests.unit.test_indicators_v2 import case_of, closed

START, END = date(2026, 1, 1), date(2026, 12, 31)


def person(
    number: int,
    *,
    gender: str = "female",
    entry_on: date = date(2026, 2, 1),
    exit_on: date | None = None,
    exit_codes: frozenset[str] = frozenset(),
    follow_up: v2.FollowUpResponse | None = None,
) -> v2.ParticipantFacts:
    return v2.ParticipantFacts(
        agency="koeln",
        participant=str(number),
        gender=gender,
        entry_on=entry_on,
        entry_codes=frozenset({"EECO01", "EECO02"}),
        exit_on=exit_on,
        exit_codes=exit_codes,
        follow_up=follow_up if exit_on is None or follow_up is not None else "missing",
    )


def test_the_entry_basis_answers_the_output_indicators_only() -> None:
    figures = esf_counts("entry", sum_counted([person(1, exit_on=date(2026, 3, 1))], START, END, "entry"))
    assert list(figures.counts) == list(v2.ENTRY_CODES)
    assert figures.follow_up_response is None
    assert figures.counts["EECO01"] == {"female": 1, "male": 0, "diverse": 0, "unspecified": 0, "total": 1}


def test_the_exit_basis_answers_the_result_indicators_and_the_follow_up_response() -> None:
    people = [
        person(1, exit_on=date(2026, 3, 1), exit_codes=frozenset({"EECR01"}), follow_up="missing"),
        person(
            2, gender="male", exit_on=date(2026, 4, 1), exit_codes=frozenset({"EECR04", "EECR05"}), follow_up="reached"
        ),
        person(3, exit_on=date(2026, 5, 1), follow_up="refused"),
        person(4, exit_on=date(2026, 6, 1), follow_up="unreachable"),
        person(5, exit_on=date(2025, 12, 31), follow_up="reached"),  # left before the period
        person(6),  # not left
    ]
    figures = esf_counts("exit", sum_counted(people, START, END, "exit"))
    assert list(figures.counts) == list(v2.EXIT_CODES)
    assert figures.counts["EECR01"]["female"] == 1
    assert figures.counts["EECR04"] == {"female": 0, "male": 1, "diverse": 0, "unspecified": 0, "total": 1}
    assert figures.follow_up_response == {"due": 4, "reached": 1, "unreachable": 1, "refused": 1, "missing": 1}


def test_a_participant_adds_her_entry_on_her_entry_day_and_her_results_on_her_final_exit() -> None:
    left = person(1, exit_on=date(2027, 1, 4), exit_codes=frozenset({"EECR03"}), follow_up="reached")
    assert counted_keys(left) == [
        ("entry", date(2026, 2, 1), "EECO01", "female"),
        ("entry", date(2026, 2, 1), "EECO02", "female"),
        ("exit", date(2027, 1, 4), "EECR03", "female"),
        ("exit", date(2027, 1, 4), f"{FOLLOW_UP_RESPONSE}.due", "female"),
        ("exit", date(2027, 1, 4), f"{FOLLOW_UP_RESPONSE}.reached", "female"),
    ]
    assert sum_counted([left], START, END, "exit") == {}  # she left after the period


def test_period_bounds_are_inclusive_on_both_bases() -> None:
    for day, counted in [(START - timedelta(days=1), 0), (START, 1), (END, 1), (END + timedelta(days=1), 0)]:
        entering = esf_counts("entry", sum_counted([person(1, entry_on=day)], START, END, "entry"))
        leaving = esf_counts("exit", sum_counted([person(1, entry_on=START, exit_on=day)], START, END, "exit"))
        assert entering.counts["EECO01"]["total"] == counted
        assert leaving.follow_up_response is not None
        assert leaving.follow_up_response["due"] == counted


def test_two_cases_of_one_person_count_once() -> None:
    """Built from real cases; tests/unit/test_indicators_v2.py has the rules of the grouping."""
    first = closed(case_of(1, first_contact_on=date(2026, 1, 10)), on=date(2026, 3, 1))
    second = closed(case_of(2, first_contact_on=date(2026, 4, 10)), on=date(2026, 6, 1))
    entry = count_persons([first, second], START, END, "entry")
    exits = count_persons([first, second], START, END, "exit")
    assert entry.counts["EECO01"]["total"] == 1
    assert exits.follow_up_response == {"due": 1, "reached": 0, "unreachable": 0, "refused": 0, "missing": 1}
    before_the_final_exit = count_persons([first, second], START, date(2026, 5, 31), "exit")
    assert before_the_final_exit.follow_up_response is not None
    assert before_the_final_exit.follow_up_response["due"] == 0  # her first exit was not final


# Suppression of the follow-up response


def test_a_small_response_is_hidden_with_a_second_cell_so_due_does_not_give_it_away() -> None:
    counts = esf_counts("exit", {}).counts
    response = {"due": 40, "reached": 20, "unreachable": 3, "refused": 7, "missing": 10}
    shown = shown_indicators(counts, response, suppressed=True)
    assert shown.follow_up_response is not None
    assert shown.follow_up_response["unreachable"] is None
    assert sum(value is None for value in shown.follow_up_response.values()) == 2
    assert shown.follow_up_response["refused"] is None  # the smallest of the others
    assert {"follow_up_response.unreachable", "follow_up_response.refused"} <= set(shown.suppressed)
    assert set(shown.indicators) == set(v2.EXIT_CODES)


def test_leads_see_the_exact_response() -> None:
    counts = esf_counts("exit", {}).counts
    response = {"due": 4, "reached": 1, "unreachable": 1, "refused": 1, "missing": 1}
    shown = shown_indicators(counts, response, suppressed=False)
    assert shown.follow_up_response == response
    assert shown.suppressed == []


@settings(max_examples=100, deadline=None, database=None)
@given(
    parts=st.fixed_dictionaries({column: st.integers(0, 12) for column in RESPONSE_COLUMNS[1:]}),
    rows=st.lists(st.lists(st.integers(0, 9), min_size=4, max_size=4), min_size=6, max_size=6),
)
def test_no_hidden_response_or_result_can_be_recovered(parts: dict[str, int], rows: list[list[int]]) -> None:
    response = {"due": sum(parts.values()), **parts}
    counts = {
        code: {**dict(zip(GENDERS, row, strict=True)), "total": sum(row)}
        for code, row in zip(v2.EXIT_CODES, rows, strict=True)
    }
    shown = shown_indicators(counts, response, suppressed=True)
    assert shown.follow_up_response is not None
    for column, value in response.items():
        assert shown.follow_up_response[column] in ((None,) if value < MIN_CELL else (None, value))
    assert sum(value is None for value in shown.follow_up_response.values()) != 1
    for code in v2.EXIT_CODES:
        assert sum(shown.indicators[code][column] is None for column in COLUMNS) != 1
