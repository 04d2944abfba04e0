"""Release 0.2's exit: the exclusive situation on leaving, the situation learnt up to 28 days later, and follow-ups
with their outcome, reference date and improvement (several per exit, the latest counts)."""

from datetime import date, timedelta
from typing import Any

import pytest
from msgspec import to_builtins

from domain import events as ev
from domain import steps
from domain.errors import InvalidStep, RuleViolated
from tests.unit.factories import (
    TODAY,
    apply,
    closed_case,
    context,
    day,
    expect_refusal,
    opened_case,
    record,
    step,
)


def situation(**flags: bool) -> steps.Situation:
    fields = {"job_searching": False, "in_education_or_training": False, "qualification_gained": False}
    return steps.Situation(**{**fields, "employed": False, **flags})


JOB_SEARCHING = situation(job_searching=True)
EMPLOYED = situation(employed=True)
SELF_EMPLOYED = situation(self_employed=True, qualification_gained=True)
CONTRADICTIONS = [
    pytest.param(situation(job_searching=True, employed=True), id="job searching and employed"),
    pytest.param(situation(job_searching=True, self_employed=True), id="job searching and self-employed"),
    pytest.param(situation(job_searching=True, employed=True, self_employed=True), id="all three"),
]


# The situation on leaving


@pytest.mark.parametrize("contradiction", CONTRADICTIONS)
def test_closing_job_searching_and_in_employment_is_refused(contradiction: steps.Situation) -> None:
    command = step(steps.CaseClosed, 40, situation=contradiction)
    expect_refusal(opened_case(), command, InvalidStep, "leaving_situation_exclusive", "situation.job_searching")


@pytest.mark.parametrize(
    "accepted",
    [
        pytest.param(JOB_SEARCHING, id="job searching"),
        pytest.param(EMPLOYED, id="employed"),
        pytest.param(situation(employed=True, self_employed=True), id="employed and self-employed"),
        pytest.param(situation(job_searching=True, in_education_or_training=True), id="job searching in training"),
        pytest.param(situation(), id="inactive"),
    ],
)
def test_closing_with_one_labour_market_status_is_accepted(accepted: steps.Situation) -> None:
    _, case = record(opened_case(), step(steps.CaseClosed, 40, situation=accepted))
    assert case.exit is not None
    assert to_builtins(case.exit.situation) == to_builtins(accepted)
    assert to_builtins(case.leaving_situation) == to_builtins(accepted)


def test_self_employment_on_leaving_counts_as_employed() -> None:
    event, case = record(opened_case(), step(steps.CaseClosed, 40, reason="employment", situation=SELF_EMPLOYED))

    assert isinstance(event, ev.CaseClosed)
    assert (event.situation.self_employed, event.situation.employed) == (True, False)
    assert case.leaving_situation is not None
    assert (case.leaving_situation.self_employed, case.leaving_situation.in_employment) == (True, True)


@pytest.mark.parametrize("after", [0, 1, 27, 28])
def test_the_situation_on_leaving_is_recorded_up_to_28_days_after_the_exit(after: int) -> None:
    case = closed_case(on=40)  # with the default situation: employed, qualification gained
    event, case = record(case, step(steps.LeavingSituationRecorded, 40 + after, situation=SELF_EMPLOYED))

    assert type(event) is ev.LeavingSituationRecorded
    assert to_builtins(case.leaving_situation) == to_builtins(SELF_EMPLOYED)
    assert case.exit is not None
    assert case.exit.situation.employed  # the exit keeps what was recorded on the day
    assert (case.status, case.stage, case.closed_on) == ("closed", "closed", day(40))
    assert case.last_step_on == day(40 + after)


@pytest.mark.parametrize("after", [29, 60])
def test_the_situation_on_leaving_is_not_recorded_after_28_days(after: int) -> None:
    command = step(steps.LeavingSituationRecorded, 40 + after)
    expect_refusal(closed_case(on=40), command, RuleViolated, "leaving_situation_window", "date")


def test_the_situation_on_leaving_needs_a_closed_case() -> None:
    command = step(steps.LeavingSituationRecorded, 20)
    expect_refusal(opened_case(), command, RuleViolated, "leaving_situation_window", "date")


def test_the_situation_on_leaving_needs_the_case_closed_again_after_reopening() -> None:
    case = apply(closed_case(on=40), step(steps.CaseReopened, 45))
    assert case.leaving_situation is None
    expect_refusal(case, step(steps.LeavingSituationRecorded, 50), RuleViolated, "leaving_situation_window", "date")


def test_the_situation_on_leaving_is_not_dated_before_the_exit() -> None:
    command = step(steps.LeavingSituationRecorded, 39)
    expect_refusal(closed_case(on=40), command, InvalidStep, "date_not_before_reference", "date")


@pytest.mark.parametrize("contradiction", CONTRADICTIONS)
def test_the_situation_learnt_after_the_exit_is_exclusive_too(contradiction: steps.Situation) -> None:
    command = step(steps.LeavingSituationRecorded, 45, situation=contradiction)
    expect_refusal(closed_case(on=40), command, InvalidStep, "leaving_situation_exclusive", "situation.job_searching")


def test_the_latest_situation_on_leaving_counts() -> None:
    case = apply(
        closed_case(on=40),
        step(steps.LeavingSituationRecorded, 45, situation=JOB_SEARCHING),
        step(steps.LeavingSituationRecorded, 60, situation=EMPLOYED),
    )
    assert to_builtins(case.leaving_situation) == to_builtins(EMPLOYED)


def test_a_new_exit_records_its_own_situation_on_leaving() -> None:
    case = apply(
        closed_case(on=40),
        step(steps.LeavingSituationRecorded, 45, situation=SELF_EMPLOYED),
        step(steps.CaseReopened, 50),
        step(steps.CaseClosed, 90, situation=JOB_SEARCHING),
    )
    assert to_builtins(case.leaving_situation) == to_builtins(JOB_SEARCHING)


# Closing: never before a step of the journey already recorded, whether a contact or not


@pytest.mark.parametrize(
    "earlier",
    [
        pytest.param(step(steps.CounsellingSessionHeld, 30), id="session"),
        pytest.param(step(steps.RecognitionApplied, 30), id="application"),
        pytest.param(step(steps.CourseEnrolled, 30), id="course"),
        pytest.param(step(steps.ExamAdmissionApplied, 30), id="exam"),
    ],
)
def test_closing_is_not_dated_before_the_last_step_of_the_journey(earlier: steps.StepCommand) -> None:
    case = apply(opened_case(), earlier)
    assert (case.last_step_on, case.last_contact_on <= day(30)) == (day(30), True)
    expect_refusal(case, step(steps.CaseClosed, 29), InvalidStep, "date_not_before_reference", "date")
    assert apply(case, step(steps.CaseClosed, 30)).closed_on == day(30)


@pytest.mark.parametrize(
    "record",
    [
        pytest.param(step(steps.ProfileCorrected, 30), id="correction"),
        pytest.param(step(steps.ConsentChanged, 30), id="consent"),
        pytest.param(step(steps.CounsellorAssigned, 30), id="reassignment"),
    ],
)
def test_the_desks_own_records_do_not_hold_back_the_exit(record: steps.StepCommand) -> None:
    # As in 0.1: a correction recorded later about the time before the exit does not move the exit's earliest day.
    case = apply(opened_case(), record)
    assert case.last_step_on == opened_case().last_step_on
    assert apply(case, step(steps.CaseClosed, 29)).closed_on == day(29)


def test_closing_again_is_not_dated_before_the_follow_up_of_the_previous_exit() -> None:
    case = apply(closed_case(on=40), step(steps.FollowUpRecorded, 70), step(steps.CaseReopened, 60))
    expect_refusal(case, step(steps.CaseClosed, 65), InvalidStep, "date_not_before_reference", "date")


# Follow-ups


def follow_up(on: int | date, **fields: Any) -> steps.FollowUpRecorded:
    return step(steps.FollowUpRecorded, on, **fields)


def test_a_follow_up_describes_its_own_date_unless_a_reference_date_is_given() -> None:
    event, case = record(closed_case(on=40), follow_up(130))

    assert isinstance(event, ev.FollowUpRecorded)
    assert (event.reference_date, event.outcome) == (day(130), "reached")
    assert case.follow_up is not None
    assert (case.follow_up.reference_date, case.follow_up.recorded_on) == (day(130), day(130))


def test_a_follow_up_may_describe_an_earlier_day() -> None:
    event, case = record(closed_case(on=40), follow_up(150, reference_date=day(130)))

    assert isinstance(event, ev.FollowUpRecorded)
    assert event.reference_date == day(130)
    assert case.follow_up is not None
    assert (case.follow_up.reference_date, case.follow_up.recorded_on) == (day(130), day(150))


def test_a_follow_up_may_describe_the_day_of_the_exit() -> None:
    _, case = record(closed_case(on=40), follow_up(150, reference_date=day(40)))
    assert case.follow_up is not None
    assert case.follow_up.reference_date == day(40)


def test_a_follow_up_does_not_describe_a_day_before_the_exit() -> None:
    command = follow_up(150, reference_date=day(39))
    expect_refusal(closed_case(on=40), command, InvalidStep, "date_not_before_reference", "reference_date")


def test_a_follow_up_does_not_describe_a_day_in_the_future() -> None:
    command = follow_up(TODAY, reference_date=TODAY + timedelta(days=1))
    expect_refusal(closed_case(on=40), command, InvalidStep, "date_not_in_future", "reference_date")


def test_a_follow_up_may_describe_today() -> None:
    _, case = record(closed_case(on=40), follow_up(TODAY, reference_date=TODAY))
    assert case.follow_up is not None
    assert case.follow_up.reference_date == TODAY


@pytest.mark.parametrize("outcome", ["unreachable", "refused"])
def test_a_client_not_reached_is_recorded_without_a_situation(outcome: str) -> None:
    command = follow_up(130, outcome=outcome, employed=None, improved_situation=None)
    event, case = record(closed_case(on=40), command)

    assert isinstance(event, ev.FollowUpRecorded)
    assert (event.outcome, event.employed, event.improved_situation, event.improvement) == (outcome, None, None, None)
    assert case.follow_up is not None
    assert (case.follow_up.outcome, case.follow_up.employed, case.follow_up.improved_situation) == (outcome, None, None)


@pytest.mark.parametrize("outcome", ["unreachable", "refused"])
@pytest.mark.parametrize(
    ("name", "value"),
    [("employed", True), ("employed", False), ("improved_situation", False), ("improvement", "none")],
)
def test_the_situation_is_recorded_only_when_the_client_was_reached(outcome: str, name: str, value: Any) -> None:
    fields: dict[str, Any] = {"employed": None, "improved_situation": None, name: value}
    command = follow_up(130, outcome=outcome, **fields)
    expect_refusal(closed_case(on=40), command, InvalidStep, "follow_up_situation_only_when_reached", name)


def test_a_reached_follow_up_records_whether_employed() -> None:
    command = follow_up(130, employed=None, improved_situation=True)
    expect_refusal(closed_case(on=40), command, InvalidStep, "follow_up_needs_situation", "employed")


def test_a_reached_follow_up_records_whether_the_situation_improved() -> None:
    command = follow_up(130, employed=True, improved_situation=None)
    expect_refusal(closed_case(on=40), command, InvalidStep, "follow_up_needs_situation", "improved_situation")


@pytest.mark.parametrize(
    ("improvement", "improved"),
    [
        ("precarious_to_stable", True),
        ("underemployed_to_full", True),
        ("higher_skilled", True),
        ("more_responsibility", True),
        ("none", False),
    ],
)
def test_the_improvement_gives_whether_the_situation_improved(improvement: str, improved: bool) -> None:
    command = follow_up(130, employed=True, improved_situation=None, improvement=improvement)
    event, case = record(closed_case(on=40), command)

    assert isinstance(event, ev.FollowUpRecorded)
    assert (event.improvement, event.improved_situation) == (improvement, improved)
    assert case.follow_up is not None
    assert (case.follow_up.improvement, case.follow_up.improved_situation) == (improvement, improved)


@pytest.mark.parametrize(("improvement", "improved"), [("higher_skilled", True), ("none", False)])
def test_an_improvement_with_the_matching_improved_situation_is_accepted(improvement: str, improved: bool) -> None:
    command = follow_up(130, employed=True, improved_situation=improved, improvement=improvement)
    _, case = record(closed_case(on=40), command)
    assert case.follow_up is not None
    assert case.follow_up.improved_situation is improved


@pytest.mark.parametrize(("improvement", "improved"), [("higher_skilled", False), ("none", True)])
def test_an_improvement_contradicting_the_improved_situation_is_refused(improvement: str, improved: bool) -> None:
    command = follow_up(130, employed=True, improved_situation=improved, improvement=improvement)
    expect_refusal(
        closed_case(on=40), command, InvalidStep, "improvement_matches_improved_situation", "improved_situation"
    )


def test_several_follow_ups_of_an_exit_are_kept_in_the_order_recorded() -> None:
    case = apply(
        closed_case(on=40),
        follow_up(160, reference_date=day(150), employed=False, improved_situation=False),
        follow_up(170, outcome="refused", employed=None, improved_situation=None),
    )
    assert [(f.recorded_on, f.reference_date, f.outcome) for f in case.follow_ups] == [
        (day(160), day(150), "reached"),
        (day(170), day(170), "refused"),
    ]
    assert case.follow_up is not None
    assert case.follow_up.outcome == "refused"


def test_the_latest_follow_up_counts_even_when_it_describes_an_earlier_day() -> None:
    case = apply(
        closed_case(on=40),
        follow_up(160, employed=True, improved_situation=True),
        follow_up(170, reference_date=day(140), employed=False, improved_situation=False),
    )
    assert case.follow_up is not None
    assert (case.follow_up.recorded_on, case.follow_up.reference_date, case.follow_up.employed) == (
        day(170),
        day(140),
        False,
    )


def test_follow_ups_may_be_recorded_long_after_the_exit() -> None:
    ctx = context(today=date(2027, 6, 30))
    case = apply(closed_case(on=40), follow_up(date(2027, 6, 30), reference_date=date(2026, 8, 14)), ctx=ctx)
    assert case.follow_up is not None
    assert case.follow_up.reference_date == date(2026, 8, 14)


def test_a_follow_up_describes_no_day_after_its_own_date() -> None:
    case = closed_case(on=40)
    expect_refusal(
        case,
        step(steps.FollowUpRecorded, 60, reference_date=day(61)),
        InvalidStep,
        "reference_date_not_after_date",
        "reference_date",
    )
