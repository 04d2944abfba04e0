"""Release 0.2's no-contact clock: only contacts with the client reset `last_contact_on` (first contact, counselling
sessions, assessments, reopening, a reached follow-up); `last_step_on` is the latest step of any kind."""

import pytest

from domain import steps
from domain.calendar import add_days
from domain.case import Case, Deadline
from domain.deadlines import deadlines
from tests.unit.factories import (
    OPENED_ON,
    apply,
    case_with_application,
    case_with_documents_complete,
    case_with_exam,
    case_with_suspension,
    closed_case,
    day,
    opened_case,
    record,
    step,
)


def _no_contact_due(case: Case) -> Deadline:
    return next(d for d in deadlines(case) if d.kind == "no_contact")


def test_the_first_contact_starts_both_clocks() -> None:
    case = opened_case()
    assert (case.last_contact_on, case.last_step_on) == (OPENED_ON, OPENED_ON)
    assert _no_contact_due(case) == Deadline(kind="no_contact", ref="contact", due=add_days(OPENED_ON, 60))


@pytest.mark.parametrize(
    ("before", "command"),
    [
        pytest.param(case_with_application(on=5), step(steps.RecognitionDecided, 30), id="authority's decision"),
        pytest.param(case_with_application(on=5), step(steps.RecognitionReceiptConfirmed, 30), id="receipt"),
        pytest.param(case_with_application(on=5), step(steps.RecognitionDocumentsCompleted, 30), id="documents"),
        pytest.param(case_with_application(on=5), step(steps.RecognitionWithdrawn, 30), id="withdrawal"),
        pytest.param(
            case_with_documents_complete(completed_on=12), step(steps.RecognitionDeadlineSuspended, 30), id="suspension"
        ),
        pytest.param(
            case_with_suspension(completed_on=12, on=13), step(steps.RecognitionDeadlineResumed, 30), id="resumption"
        ),
        pytest.param(opened_case(), step(steps.RecognitionApplied, 30), id="application"),
        pytest.param(opened_case(), step(steps.CourseEnrolled, 30), id="course enrolment"),
        pytest.param(
            apply(opened_case(), step(steps.CourseEnrolled, 5)), step(steps.CourseCompleted, 30), id="course completion"
        ),
        pytest.param(
            apply(opened_case(), step(steps.CourseEnrolled, 5)), step(steps.CourseDropped, 30), id="course drop"
        ),
        pytest.param(opened_case(), step(steps.ExamAdmissionApplied, 30), id="exam admission applied"),
        pytest.param(case_with_exam(granted=None), step(steps.ExamAdmissionDecided, 30), id="exam admission decided"),
        pytest.param(case_with_exam(), step(steps.ExamResultRecorded, 30), id="exam result"),
        pytest.param(opened_case(), step(steps.ProfileCorrected, 30), id="correction"),
        pytest.param(opened_case(), step(steps.ConsentChanged, 30), id="consent"),
        pytest.param(opened_case(), step(steps.CounsellorAssigned, 30), id="reassignment"),
        pytest.param(opened_case(), step(steps.CaseClosed, 30), id="exit"),
        pytest.param(closed_case(on=10), step(steps.LeavingSituationRecorded, 30), id="situation on leaving"),
    ],
)
def test_what_authorities_providers_and_the_desk_record_is_no_contact(before: Case, command: steps.StepCommand) -> None:
    _, after = record(before, command)
    assert after.last_contact_on == before.last_contact_on
    # The desk's own records (corrections, consent, reassignments) are no step of the journey either.
    administrative = isinstance(command, steps.ProfileCorrected | steps.ConsentChanged | steps.CounsellorAssigned)
    assert after.last_step_on == (before.last_step_on if administrative else day(30))


@pytest.mark.parametrize(
    ("before", "command"),
    [
        pytest.param(opened_case(), step(steps.CounsellingSessionHeld, 30), id="session"),
        pytest.param(opened_case(), step(steps.CounsellingSessionHeld, 30, minutes=10), id="short session"),
        pytest.param(opened_case(), step(steps.AssessmentStarted, 30), id="assessment started"),
        pytest.param(
            apply(opened_case(), step(steps.AssessmentStarted, 5)),
            step(steps.AssessmentCompleted, 30),
            id="assessment completed",
        ),
        pytest.param(closed_case(on=10), step(steps.CaseReopened, 30), id="reopening"),
        pytest.param(closed_case(on=10), step(steps.FollowUpRecorded, 30), id="reached follow-up"),
    ],
)
def test_contacts_with_the_client_reset_the_clock(before: Case, command: steps.StepCommand) -> None:
    _, after = record(before, command)
    assert (after.last_contact_on, after.last_step_on) == (day(30), day(30))


@pytest.mark.parametrize("outcome", ["unreachable", "refused"])
def test_a_follow_up_that_did_not_reach_the_client_is_no_contact(outcome: str) -> None:
    command = step(steps.FollowUpRecorded, 30, outcome=outcome, employed=None, improved_situation=None)
    _, case = record(closed_case(on=10), command)
    assert (case.last_contact_on, case.last_step_on) == (OPENED_ON, day(30))


def test_the_no_contact_deadline_runs_from_the_last_contact_not_the_last_step() -> None:
    case = apply(
        case_with_application(on=5),
        step(steps.CounsellingSessionHeld, 20),
        step(steps.RecognitionDecided, 50),
        step(steps.CourseEnrolled, 55),
    )
    assert (case.last_contact_on, case.last_step_on) == (day(20), day(55))
    assert _no_contact_due(case) == Deadline(kind="no_contact", ref="contact", due=add_days(day(20), 60))


def test_a_contact_recorded_late_does_not_move_the_clocks_back() -> None:
    case = apply(opened_case(), step(steps.CounsellingSessionHeld, 30), step(steps.CourseEnrolled, 40))
    case = apply(case, step(steps.CounsellingSessionHeld, 20), step(steps.RecognitionApplied, 25))
    assert (case.last_contact_on, case.last_step_on) == (day(30), day(40))


def test_reopening_restarts_the_no_contact_check_from_the_reopening() -> None:
    case = apply(closed_case(on=10), step(steps.FollowUpRecorded, 20), step(steps.CaseReopened, 30))
    assert _no_contact_due(case) == Deadline(kind="no_contact", ref="contact", due=add_days(day(30), 60))
