"""Opening, the rules common to every step, sessions, corrections, reassignment, exit, follow-up, consent, erasure."""

from datetime import date, datetime, timedelta

import msgspec
import pytest
from msgspec import to_builtins

from domain import decisions, steps
from domain import events as ev
from domain.errors import InvalidStep, RuleViolated
from domain.evolution import evolve
from tests.unit.factories import (
    AGENCY,
    AT,
    CASE_ID,
    CONTEXT,
    COUNSELLOR,
    OPENED_ON,
    TODAY,
    apply,
    asked_of,
    closed_case,
    context,
    day,
    expect_refusal,
    facts_of,
    open_command,
    opened_case,
    profile,
    record,
    recorded_profile,
    step,
)

# Opening a case


def test_opening_a_case_records_first_contact_profile_and_counsellor() -> None:
    command = open_command(channel="referral", referral_source="employment_agency")
    event = decisions.open_case(CASE_ID, AGENCY, command, CONTEXT)
    case = evolve(None, event)

    assert type(event) is ev.CaseOpened
    assert (event.originator_id, event.originator_version, event.timestamp, event.recorded_by) == (
        CASE_ID,
        1,
        AT,
        COUNSELLOR,
    )
    assert (case.id, case.version, case.agency, case.counsellor) == (CASE_ID, 1, AGENCY, COUNSELLOR)
    assert (case.status, case.stage, case.opened_on, case.closed_on) == ("open", "first_contact", OPENED_ON, None)
    assert (case.channel, case.referral_source) == ("referral", "employment_agency")
    assert to_builtins(case.profile) == recorded_profile()
    # The personal data block keeps the birth date too (none given here: the birth year alone).
    assert to_builtins(case.personal) == to_builtins(command.personal) | {"birth_date": None}
    assert (case.age_at_entry, case.age_exact) == (38, False)
    assert (event.age_at_entry, event.age_exact) == (38, False)
    assert case.last_contact_on == case.last_step_on == OPENED_ON
    assert not case.special_categories_consent


def test_opening_for_another_active_counsellor() -> None:
    case = opened_case(counsellor="ben", ctx=context(active={"ayse", "ben"}))
    assert case.counsellor == "ben"


def test_opening_for_an_inactive_counsellor_is_refused() -> None:
    command = open_command(counsellor="gone")
    with pytest.raises(RuleViolated) as caught:
        decisions.open_case(CASE_ID, AGENCY, command, context(active={"ayse"}))
    assert (caught.value.rule, caught.value.field) == ("counsellor_active_in_agency", "counsellor")


def test_first_contact_is_not_in_the_future() -> None:
    command = open_command(first_contact_on=TODAY + timedelta(days=1))
    with pytest.raises(InvalidStep) as caught:
        decisions.open_case(CASE_ID, AGENCY, command, CONTEXT)
    assert (caught.value.rule, caught.value.field) == ("date_not_in_future", "first_contact_on")


@pytest.mark.parametrize("birth_year", [2013, 1926, 2100])
def test_a_birth_year_that_gives_an_implausible_age_is_refused(birth_year: int) -> None:
    command = open_command(profile=profile(birth_year=birth_year))  # first contact in 2026
    with pytest.raises(InvalidStep) as caught:
        decisions.open_case(CASE_ID, AGENCY, command, CONTEXT)
    assert (caught.value.rule, caught.value.field) == ("plausible_birth_year", "profile.birth_year")


@pytest.mark.parametrize("birth_year", [2012, 1927])
def test_ages_from_14_to_99_are_plausible(birth_year: int) -> None:
    assert opened_case(profile=profile(birth_year=birth_year)).profile.birth_year == birth_year


def test_a_correction_of_the_birth_year_is_checked_too() -> None:
    command = step(steps.ProfileCorrected, 10, profile=steps.ProfileChanges(birth_year=2020))
    expect_refusal(opened_case(), command, InvalidStep, "plausible_birth_year", "profile.birth_year")


def test_the_exit_is_not_before_a_recorded_step() -> None:
    case = apply(opened_case(), step(steps.CounsellingSessionHeld, 30))
    expect_refusal(case, step(steps.CaseClosed, 29), InvalidStep, "date_not_before_reference", "date")
    assert apply(case, step(steps.CaseClosed, 30)).status == "closed"


def test_first_contact_may_be_today() -> None:
    assert opened_case(first_contact_on=TODAY).opened_on == TODAY


@pytest.mark.parametrize("attribute", ["disability", "minority"])
@pytest.mark.parametrize("value", ["yes", "no"])
def test_special_categories_need_consent_at_opening(attribute: str, value: str) -> None:
    command = open_command(profile=profile(**{attribute: value}))
    with pytest.raises(InvalidStep) as caught:
        decisions.open_case(CASE_ID, AGENCY, command, CONTEXT)
    assert (caught.value.rule, caught.value.field) == ("special_category_needs_consent", f"profile.{attribute}")


def test_special_categories_are_recorded_with_consent() -> None:
    case = opened_case(consent=True, profile=profile(disability="yes", minority="no"))
    assert (case.profile.disability, case.profile.minority) == ("yes", "no")
    assert case.special_categories_consent


# Rules common to every step


def test_accepted_step_event_carries_the_next_version_author_and_time() -> None:
    ctx = context(recorded_by="ben", at=datetime(2026, 6, 30, 12, 0, tzinfo=AT.tzinfo))
    command = step(steps.CounsellingSessionHeld, 3)
    event, case = record(opened_case(), command, ctx)

    assert (event.originator_id, event.originator_version, event.recorded_by, event.timestamp) == (
        CASE_ID,
        2,
        "ben",
        ctx.at,
    )
    assert facts_of(event) == asked_of(command)
    assert (case.version, case.modified_on, case.created_on) == (2, ctx.at, AT)


def test_step_date_is_not_in_the_future() -> None:
    command = step(steps.CounsellingSessionHeld, TODAY + timedelta(days=1))
    expect_refusal(opened_case(), command, InvalidStep, "date_not_in_future", "date")


def test_step_date_may_be_today_or_the_first_contact() -> None:
    case = apply(
        opened_case(), step(steps.CounsellingSessionHeld, OPENED_ON), step(steps.CounsellingSessionHeld, TODAY)
    )
    assert case.version == 3


def test_step_date_is_not_before_the_first_contact() -> None:
    command = step(steps.AssessmentStarted, OPENED_ON - timedelta(days=1))
    expect_refusal(opened_case(), command, InvalidStep, "date_before_first_contact", "date")


@pytest.mark.parametrize(
    "kind",
    [
        steps.ProfileCorrected,
        steps.CounsellingSessionHeld,
        steps.AssessmentStarted,
        steps.RecognitionApplied,
        steps.CourseEnrolled,
        steps.ExamAdmissionApplied,
        steps.CounsellorAssigned,
        steps.CaseClosed,
    ],
)
def test_no_journey_step_on_a_closed_case(kind: type[steps.StepCommand]) -> None:
    expect_refusal(closed_case(on=40), step(kind, 50), RuleViolated, "case_closed")


# Sessions, corrections, reassignment: no stage change


def test_counselling_session_is_contact_and_keeps_the_stage() -> None:
    case = apply(opened_case(), step(steps.AssessmentStarted, 5))
    event, case = record(case, step(steps.CounsellingSessionHeld, 30, minutes=60, note="talked about the exam"))

    assert type(event) is ev.CounsellingSessionHeld
    assert case.stage == "assessment"
    assert case.last_contact_on == day(30)


def test_profile_correction_changes_only_the_named_attributes() -> None:
    command = step(steps.ProfileCorrected, 12, profile=steps.ProfileChanges(labour_status="employed", isced=5))
    event, case = record(opened_case(), command)

    assert type(event) is ev.ProfileCorrected
    assert to_builtins(case.profile) == recorded_profile(labour_status="employed", isced=5)
    assert (event.birth_date, event.age_at_entry, event.age_exact) == (None, None, None)
    assert (case.age_at_entry, case.age_exact) == (38, False)
    assert case.stage == "first_contact"


def test_profile_correction_may_clear_an_optional_attribute() -> None:
    _, case = record(
        opened_case(), step(steps.ProfileCorrected, 12, profile=steps.ProfileChanges(qualification_country=None))
    )
    assert case.profile.qualification_country is None


def test_correction_changes_something() -> None:
    command = step(steps.ProfileCorrected, 12, profile=steps.ProfileChanges())
    expect_refusal(opened_case(), command, InvalidStep, "correction_changes_something", "profile")


@pytest.mark.parametrize("attribute", ["disability", "minority"])
def test_correction_of_special_categories_needs_consent(attribute: str) -> None:
    command = step(steps.ProfileCorrected, 12, profile=steps.ProfileChanges(**{attribute: "yes"}))
    expect_refusal(opened_case(), command, InvalidStep, "special_category_needs_consent", f"profile.{attribute}")


def test_correction_of_special_categories_with_consent() -> None:
    case = apply(opened_case(), step(steps.ConsentChanged, 11, special_categories=True))
    _, case = record(case, step(steps.ProfileCorrected, 12, profile=steps.ProfileChanges(disability="yes")))
    assert case.profile.disability == "yes"


def test_reassignment_hands_the_case_to_another_counsellor_and_keeps_the_stage() -> None:
    case = apply(opened_case(), step(steps.CourseEnrolled, 5))
    event, case = record(case, step(steps.CounsellorAssigned, 20, counsellor="ben"), context(active={"ayse", "ben"}))

    assert type(event) is ev.CounsellorAssigned
    assert case.counsellor == "ben"
    assert case.stage == "course"


def test_reassignment_changes_the_counsellor() -> None:
    command = step(steps.CounsellorAssigned, 20, counsellor=COUNSELLOR)
    expect_refusal(opened_case(), command, RuleViolated, "reassignment_changes_counsellor", "counsellor")


def test_reassignment_only_to_an_active_counsellor_of_the_agency() -> None:
    command = step(steps.CounsellorAssigned, 20, counsellor="gone")
    expect_refusal(
        opened_case(), command, RuleViolated, "counsellor_active_in_agency", "counsellor", ctx=context(active={"ayse"})
    )


@pytest.mark.parametrize(
    "administrative",
    [
        step(steps.ProfileCorrected, 30),
        step(steps.CounsellorAssigned, 30),
        step(steps.ConsentChanged, 30),
    ],
)
def test_administrative_steps_are_no_contact_with_the_client(administrative: steps.StepCommand) -> None:
    _, case = record(opened_case(), administrative)
    assert case.last_contact_on == OPENED_ON
    assert case.stage == "first_contact"


# Exit, reopening, follow-up


def test_closing_records_the_exit_and_moves_to_closed() -> None:
    case = apply(opened_case(), step(steps.RecognitionApplied, 5))
    situation = steps.Situation(
        job_searching=True, in_education_or_training=True, qualification_gained=False, employed=False
    )
    event, case = record(case, step(steps.CaseClosed, 40, reason="moved_away", situation=situation))

    assert type(event) is ev.CaseClosed
    assert (case.status, case.stage, case.closed_on) == ("closed", "closed", day(40))
    assert case.exit is not None
    assert (case.exit.reason, to_builtins(case.exit.situation)) == ("moved_away", to_builtins(situation))


def test_reopening_restores_the_stage_before_the_exit() -> None:
    case = apply(opened_case(), step(steps.ExamAdmissionApplied, 5), step(steps.CaseClosed, 40))
    event, case = record(case, step(steps.CaseReopened, 50))

    assert type(event) is ev.CaseReopened
    assert (case.status, case.stage, case.exit, case.closed_on) == ("open", "exam", None, None)
    assert case.last_contact_on == day(50)


def test_reopening_a_case_closed_at_first_contact() -> None:
    case = apply(closed_case(on=3), step(steps.CaseReopened, 4))
    assert (case.status, case.stage) == ("open", "first_contact")


def test_a_reopened_case_takes_steps_again_and_can_close_again() -> None:
    case = apply(
        closed_case(on=40),
        step(steps.CaseReopened, 50),
        step(steps.CourseEnrolled, 55),
        step(steps.CaseClosed, 90, reason="employment"),
    )
    assert (case.status, case.stage, case.stage_before_exit, case.closed_on) == ("closed", "closed", "course", day(90))


def test_reopening_needs_a_closed_case() -> None:
    expect_refusal(opened_case(), step(steps.CaseReopened, 20), RuleViolated, "reopening_needs_closed_case")


def test_reopening_is_not_before_the_exit() -> None:
    expect_refusal(closed_case(on=40), step(steps.CaseReopened, 39), InvalidStep, "date_not_before_reference", "date")


def test_follow_up_is_recorded_after_the_exit() -> None:
    event, case = record(closed_case(on=40), step(steps.FollowUpRecorded, 130, employed=True, improved_situation=False))

    assert type(event) is ev.FollowUpRecorded
    assert case.follow_up is not None
    assert (case.follow_up.recorded_on, case.follow_up.employed, case.follow_up.improved_situation) == (
        day(130),
        True,
        False,
    )
    assert (case.status, case.stage) == ("closed", "closed")


def test_follow_up_needs_an_exit() -> None:
    expect_refusal(opened_case(), step(steps.FollowUpRecorded, 20), RuleViolated, "follow_up_after_exit")


def test_several_follow_ups_are_kept_and_the_latest_counts() -> None:
    # 0.2: the "once" rule goes (API.md): an unreachable client may be reached later, a later follow-up corrects.
    case = apply(
        closed_case(on=40),
        step(steps.FollowUpRecorded, 130, employed=None, improved_situation=None, outcome="unreachable"),
        step(steps.FollowUpRecorded, 140, employed=False, improved_situation=False),
    )
    event, case = record(case, step(steps.FollowUpRecorded, 150, employed=True, improved_situation=True))

    assert type(event) is ev.FollowUpRecorded
    assert [(f.recorded_on, f.outcome, f.employed) for f in case.follow_ups] == [
        (day(130), "unreachable", None),
        (day(140), "reached", False),
        (day(150), "reached", True),
    ]
    assert case.follow_up == case.follow_ups[-1]
    assert (case.status, case.stage) == ("closed", "closed")


def test_follow_up_is_not_before_the_exit() -> None:
    expect_refusal(
        closed_case(on=40), step(steps.FollowUpRecorded, 39), InvalidStep, "date_not_before_reference", "date"
    )


def test_a_new_exit_needs_a_new_follow_up() -> None:
    case = apply(
        closed_case(on=10),
        step(steps.FollowUpRecorded, 20),
        step(steps.CaseReopened, 30),
        step(steps.CaseClosed, 40),
    )
    assert (case.follow_up, case.follow_ups) == (None, ())
    _, case = record(case, step(steps.FollowUpRecorded, 50))
    assert case.follow_up is not None
    assert len(case.follow_ups) == 1


# Consent and erasure


def test_giving_consent_allows_special_categories() -> None:
    event, case = record(opened_case(), step(steps.ConsentChanged, 20, special_categories=True))
    assert type(event) is ev.ConsentChanged
    assert case.special_categories_consent


def test_withdrawing_consent_resets_special_categories_to_unknown() -> None:
    case = opened_case(consent=True, profile=profile(disability="yes", minority="no", homeless=True))
    _, case = record(case, step(steps.ConsentChanged, 20, special_categories=False))

    assert not case.special_categories_consent
    assert (case.profile.disability, case.profile.minority) == ("unknown", "unknown")
    assert to_builtins(case.profile) == recorded_profile(homeless=True)


def test_consent_may_be_withdrawn_after_the_exit() -> None:
    case = closed_case(on=40, before=[step(steps.ConsentChanged, 30, special_categories=True)])
    case = apply(case, step(steps.ConsentChanged, 42, special_categories=False))
    assert (case.status, case.stage, case.special_categories_consent) == ("closed", "closed", False)


def test_consent_is_not_given_on_a_closed_case() -> None:
    command = step(steps.ConsentChanged, 41, special_categories=True)
    expect_refusal(closed_case(on=40), command, RuleViolated, "case_closed")


@pytest.mark.parametrize("consent", [True, False])
def test_consent_change_changes_the_consent(consent: bool) -> None:
    command = step(steps.ConsentChanged, 20, special_categories=consent)
    expect_refusal(opened_case(consent=consent), command, RuleViolated, "consent_changes", "special_categories")


def test_erasing_personal_data_keeps_the_statistics() -> None:
    case = apply(opened_case(), step(steps.CounsellingSessionHeld, 5))
    ctx = context(today=date(2026, 6, 1))
    event = decisions.erase_personal_data(case, ctx)
    erased = evolve(case, event)

    assert type(event) is ev.PersonalDataErased
    assert (event.originator_version, event.erased_on, event.recorded_by) == (3, date(2026, 6, 1), COUNSELLOR)
    assert erased.personal is None
    assert erased.personal_data_erased
    assert erased.version == 3
    # Everything the statistics count stays; the target occupation in words is hers and goes (its KldB code stays).
    assert (erased.profile, erased.stage, erased.status, erased.last_contact_on) == (
        msgspec.structs.replace(case.profile, target_occupation=None),
        case.stage,
        case.status,
        case.last_contact_on,
    )


def test_personal_data_is_erased_once() -> None:
    case = opened_case()
    case = evolve(case, decisions.erase_personal_data(case, CONTEXT))
    with pytest.raises(RuleViolated) as caught:
        decisions.erase_personal_data(case, CONTEXT)
    assert (caught.value.rule, caught.value.field) == ("personal_data_already_erased", None)


def test_personal_data_of_a_closed_case_can_be_erased() -> None:
    case = closed_case()
    erased = evolve(case, decisions.erase_personal_data(case, CONTEXT))
    assert erased.personal is None
