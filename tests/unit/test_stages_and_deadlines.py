"""Every step type end to end, the stage a case is at, and the deadlines a counsellor watches."""

from datetime import date
from typing import Any, get_args

import pytest

from domain import decisions, steps
from domain import events as ev
from domain.calendar import add_days, add_months
from domain.case import Case, Deadline
from domain.deadlines import deadlines
from domain.vocabulary import Stage
from tests.unit.factories import (
    CONTEXT,
    apply,
    asked_of,
    case_with_application,
    case_with_documents_complete,
    case_with_exam,
    case_with_suspension,
    closed_case,
    context,
    day,
    facts_of,
    opened_case,
    record,
    step,
)


def _with(*commands: steps.StepCommand) -> Case:
    return apply(opened_case(), *commands)


# (case before, step, stage after): one row per step type of API.md
EVERY_STEP_TYPE: list[tuple[Case, steps.StepCommand, Stage]] = [
    (opened_case(), step(steps.ProfileCorrected, 20), "first_contact"),
    (opened_case(), step(steps.CounsellingSessionHeld, 20), "first_contact"),
    (opened_case(), step(steps.AssessmentStarted, 20), "assessment"),
    (_with(step(steps.AssessmentStarted, 5)), step(steps.AssessmentCompleted, 20), "assessment"),
    (opened_case(), step(steps.RecognitionApplied, 20), "recognition"),
    (case_with_application(on=5), step(steps.RecognitionReceiptConfirmed, 20), "recognition"),
    (case_with_application(on=5), step(steps.RecognitionDocumentsCompleted, 20), "recognition"),
    (case_with_documents_complete(completed_on=10), step(steps.RecognitionDeadlineExtended, 20), "recognition"),
    (case_with_application(on=5), step(steps.RecognitionDecided, 20), "recognition"),
    (case_with_documents_complete(completed_on=10), step(steps.RecognitionDeadlineSuspended, 20), "recognition"),
    (case_with_suspension(completed_on=10, on=15), step(steps.RecognitionDeadlineResumed, 20), "recognition"),
    (case_with_application(on=5), step(steps.RecognitionWithdrawn, 20), "recognition"),
    (opened_case(), step(steps.CourseEnrolled, 20), "course"),
    (_with(step(steps.CourseEnrolled, 5)), step(steps.CourseCompleted, 20), "course"),
    (_with(step(steps.CourseEnrolled, 5)), step(steps.CourseDropped, 20), "course"),
    (opened_case(), step(steps.ExamAdmissionApplied, 20), "exam"),
    (case_with_exam(granted=None), step(steps.ExamAdmissionDecided, 20), "exam"),
    (case_with_exam(), step(steps.ExamResultRecorded, 20), "exam"),
    (opened_case(), step(steps.CounsellorAssigned, 20), "first_contact"),
    (opened_case(), step(steps.CaseClosed, 20), "closed"),
    (closed_case(on=10), step(steps.LeavingSituationRecorded, 20), "closed"),
    (closed_case(on=10), step(steps.CaseReopened, 20), "first_contact"),
    (closed_case(on=10), step(steps.FollowUpRecorded, 20), "closed"),
    (opened_case(), step(steps.ConsentChanged, 20), "first_contact"),
    (opened_case(), step(steps.QualificationRecorded, 20), "first_contact"),
    (opened_case(), step(steps.ReferralMade, 20), "first_contact"),
    (_with(step(steps.ReferralMade, 5)), step(steps.ReferralOutcomeRecorded, 20), "first_contact"),
    (opened_case(), step(steps.PlanAgreed, 20), "first_contact"),
    (_with(step(steps.PlanAgreed, 5)), step(steps.PlanItemDone, 20), "first_contact"),
]


def test_the_table_covers_every_step_type() -> None:
    assert {type(command) for _, command, _ in EVERY_STEP_TYPE} == set(get_args(steps.Step))


def recorded_facts(command: steps.StepCommand) -> dict[str, Any]:
    """What the event of a step records: the command's fields, and what the case derives from them.

    A correction records the birth date apart from the profile and the age at entry it gives (None when it corrects
    neither birth date nor year); a follow-up records the day it describes (by default its date) and whether the
    situation improved (from `improvement` when given).
    """
    facts = asked_of(command)
    if isinstance(command, steps.ProfileCorrected):
        facts |= {"birth_date": None, "age_at_entry": None, "age_exact": None}
    if isinstance(command, steps.FollowUpRecorded):
        improved = command.improved_situation if command.improvement is None else command.improvement != "none"
        facts |= {
            "reference_date": (command.reference_date or command.date).isoformat(),
            "improved_situation": improved,
        }
    return facts


@pytest.mark.parametrize(
    ("before", "command", "stage"),
    EVERY_STEP_TYPE,
    ids=[type(command).__name__ for _, command, _ in EVERY_STEP_TYPE],
)
def test_every_step_type_is_recorded_as_its_event(before: Case, command: steps.StepCommand, stage: Stage) -> None:
    event, after = record(before, command)

    assert type(event) is decisions.STEP_EVENTS[type(command)]
    assert ev.event_type_name(event) == command.__struct_config__.tag
    assert ev.occurred_on(event) == command.date
    assert facts_of(event) == recorded_facts(command)
    assert (event.originator_id, event.originator_version) == (before.id, before.version + 1)
    assert (event.timestamp, event.recorded_by) == (CONTEXT.at, CONTEXT.recorded_by)
    assert after.version == before.version + 1
    assert after.stage == stage


# Stage


def test_stage_is_that_of_the_most_recent_journey_step() -> None:
    case = _with(
        step(steps.ExamAdmissionApplied, 5),
        step(steps.AssessmentStarted, 6),
        step(steps.CounsellingSessionHeld, 7),
    )
    assert case.stage == "assessment"
    case = apply(case, step(steps.ExamAdmissionDecided, 8, granted=True))
    assert case.stage == "exam"


@pytest.mark.parametrize(
    "bystander",
    [
        step(steps.CounsellingSessionHeld, 30),
        step(steps.ProfileCorrected, 30),
        step(steps.CounsellorAssigned, 30),
        step(steps.ConsentChanged, 30),
    ],
)
def test_sessions_corrections_reassignment_and_consent_do_not_move_the_stage(bystander: steps.StepCommand) -> None:
    case = case_with_application(on=5)
    _, after = record(case, bystander)
    assert after.stage == "recognition"


def test_follow_up_and_consent_on_a_closed_case_keep_it_closed() -> None:
    case = apply(
        closed_case(on=10, before=[step(steps.CourseEnrolled, 5), step(steps.ConsentChanged, 6)]),
        step(steps.FollowUpRecorded, 20),
        step(steps.ConsentChanged, 21, special_categories=False),
    )
    assert (case.status, case.stage, case.stage_before_exit) == ("closed", "closed", "course")
    assert apply(case, step(steps.CaseReopened, 22)).stage == "course"


# Calendar


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 2, 10), 3, date(2026, 5, 10)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 3, 31), 6, date(2026, 9, 30)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 12, 31), 14, date(2028, 2, 29)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 1, 15), -1, date(2025, 12, 15)),
        (date(2026, 5, 17), 0, date(2026, 5, 17)),
    ],
)
def test_add_months_counts_calendar_months_clamped_to_the_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_add_days_crosses_months_and_years() -> None:
    assert add_days(date(2026, 12, 1), 60) == date(2027, 1, 30)


# Deadlines


def test_an_open_case_has_the_no_contact_check_60_days_after_the_last_contact() -> None:
    assert deadlines(opened_case()) == [Deadline(kind="no_contact", ref="contact", due=add_days(day(0), 60))]
    case = _with(step(steps.CounsellingSessionHeld, 25), step(steps.CounsellingSessionHeld, 20))
    assert deadlines(case) == [Deadline(kind="no_contact", ref="contact", due=add_days(day(25), 60))]


def test_recognition_decision_is_due_three_months_after_documents_complete() -> None:
    case = case_with_documents_complete(completed_on=date(2026, 2, 10))
    assert Deadline(kind="recognition_decision", ref="r1", due=date(2026, 5, 10)) in deadlines(case)


def test_fast_track_decision_is_due_two_months_after_documents_complete() -> None:
    case = case_with_documents_complete(fast_track=True, completed_on=date(2026, 2, 10))
    assert Deadline(kind="recognition_decision", ref="r1", due=date(2026, 4, 10)) in deadlines(case)


def test_no_decision_deadline_before_documents_complete_nor_after_the_decision() -> None:
    case = apply(case_with_application(), step(steps.RecognitionReceiptConfirmed, 12))
    assert [d.kind for d in deadlines(case)] == ["no_contact"]
    case = apply(case_with_documents_complete(), step(steps.RecognitionDecided, 40))
    assert [d.kind for d in deadlines(case)] == ["no_contact"]


def test_a_closed_case_is_watched_only_for_its_follow_up() -> None:
    case = closed_case(on=50, before=[step(steps.RecognitionApplied, 5), step(steps.RecognitionDocumentsCompleted, 10)])
    assert [d.kind for d in deadlines(case)] == ["follow_up"]


def test_follow_up_is_due_six_months_after_the_exit() -> None:
    case = closed_case(on=date(2026, 3, 31))
    assert deadlines(case) == [Deadline(kind="follow_up", ref="exit", due=date(2026, 9, 30))]


# 0.2: only a follow-up describing a day within four weeks of six months after the exit counts (API.md, EECR05/06).
LATER = context(today=date(2026, 12, 31), at=CONTEXT.at)


@pytest.mark.parametrize("reference_date", [date(2026, 9, 2), date(2026, 9, 30), date(2026, 10, 28)])
def test_a_follow_up_describing_a_day_in_the_window_ends_the_follow_up_deadline(reference_date: date) -> None:
    case = closed_case(on=date(2026, 3, 31))  # six months later: 2026-09-30, window 2026-09-02 to 2026-10-28
    command = step(steps.FollowUpRecorded, date(2026, 11, 15), reference_date=reference_date)
    assert deadlines(apply(case, command, ctx=LATER)) == []


@pytest.mark.parametrize("reference_date", [date(2026, 6, 1), date(2026, 9, 1), date(2026, 10, 29)])
def test_a_follow_up_describing_a_day_outside_the_window_leaves_the_deadline(reference_date: date) -> None:
    case = closed_case(on=date(2026, 3, 31))
    command = step(steps.FollowUpRecorded, date(2026, 11, 15), reference_date=reference_date)
    assert deadlines(apply(case, command, ctx=LATER)) == [Deadline(kind="follow_up", ref="exit", due=date(2026, 9, 30))]


def test_a_follow_up_without_reference_date_describes_its_own_date() -> None:
    case = closed_case(on=date(2026, 3, 31))
    assert deadlines(apply(case, step(steps.FollowUpRecorded, date(2026, 6, 1)))) == [
        Deadline(kind="follow_up", ref="exit", due=date(2026, 9, 30))
    ]
    assert deadlines(apply(case, step(steps.FollowUpRecorded, date(2026, 10, 1)), ctx=LATER)) == []


def test_reopening_drops_the_follow_up_and_restarts_the_no_contact_check() -> None:
    case = apply(closed_case(on=10), step(steps.CaseReopened, 50))
    assert deadlines(case) == [Deadline(kind="no_contact", ref="contact", due=add_days(day(50), 60))]


def test_deadlines_are_listed_earliest_first() -> None:
    case = apply(
        case_with_documents_complete(completed_on=date(2026, 1, 20)),  # r1 due 2026-04-20
        step(steps.RecognitionApplied, date(2026, 1, 21), application_id="r2", fast_track=True),
        step(steps.RecognitionDocumentsCompleted, date(2026, 1, 25), application_id="r2"),  # due 2026-03-25
        step(steps.CounsellingSessionHeld, date(2026, 3, 1)),  # no contact check 2026-04-30
    )
    assert deadlines(case) == [
        Deadline(kind="recognition_decision", ref="r2", due=date(2026, 3, 25)),
        Deadline(kind="recognition_decision", ref="r1", due=date(2026, 4, 20)),
        Deadline(kind="no_contact", ref="contact", due=date(2026, 4, 30)),
    ]
