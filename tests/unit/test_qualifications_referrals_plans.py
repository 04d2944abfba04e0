"""Release 0.2's desk records on a case (issues 15 and 16): how sessions were held, the qualifications a client holds,
referrals and their outcomes, and the individual qualification plan with the steps that complete its items."""

from datetime import date
from typing import Any

import msgspec
import pytest

from domain import decisions, steps
from domain import events as ev
from domain.case import Case, Deadline, PlanItem
from domain.deadlines import deadlines
from domain.errors import InvalidStep, RuleViolated
from domain.evolution import evolve
from domain.plan import status_on
from domain.privacy import redacted
from tests.unit.factories import (
    CONTEXT,
    NO_OFFERS,
    OFFER,
    apply,
    asked_of,
    case_with_plan,
    closed_case,
    context,
    day,
    expect_no_offer_of_agency,
    expect_refusal,
    facts_of,
    opened_case,
    plan_item,
    record,
    step,
)


def _item(case: Case, item_id: str) -> PlanItem:
    item = case.plan_item(item_id)
    assert item is not None, item_id
    return item


def _states(case: Case) -> dict[str, tuple[str, date | None, str | None]]:
    return {item.item_id: (item.status, item.done_on, item.done_with) for item in case.plan_items}


def _kinds(case: Case, kind: str) -> list[Deadline]:
    return [deadline for deadline in deadlines(case) if deadline.kind == kind]


# Counselling sessions: how, in which language, with an interpreter


def test_a_session_records_its_mode_language_and_interpreter() -> None:
    command = step(steps.CounsellingSessionHeld, 20, mode="video", language="ar", interpreter=True)
    event, case = record(opened_case(), command)

    assert isinstance(event, ev.CounsellingSessionHeld)
    assert (event.mode, event.language, event.interpreter) == ("video", "ar", True)
    assert facts_of(event) == asked_of(command)
    assert case.last_contact_on == day(20)


@pytest.mark.parametrize("mode", ["in_person", "phone", "email", "video", "outreach"])
def test_a_session_in_any_mode_is_a_contact_with_the_client(mode: str) -> None:
    case = apply(opened_case(), step(steps.CounsellingSessionHeld, 30, mode=mode))
    assert _kinds(case, "no_contact") == [Deadline(kind="no_contact", ref="contact", due=day(90))]


def test_a_session_stored_before_0_2_reads_as_held_in_person_in_german_without_interpreter() -> None:
    stored = {
        "originator_id": str(opened_case().id),
        "originator_version": 2,
        "timestamp": "2026-01-07T09:00:00Z",
        "recorded_by": "ayse",
        "date": "2026-01-07",
        "minutes": 45,
        "topics": ["recognition"],
        "note": None,
    }
    session = msgspec.json.decode(msgspec.json.encode(stored), type=ev.CounsellingSessionHeld)
    assert (session.mode, session.language, session.interpreter) == ("in_person", "de", False)


# Qualifications the client holds


def test_a_qualification_is_recorded_with_its_title() -> None:
    command = step(steps.QualificationRecorded, 20)
    event, case = record(opened_case(), command)

    assert isinstance(event, ev.QualificationRecorded)
    assert facts_of(event) == asked_of(command)
    (qualification,) = case.qualifications
    assert (qualification.qualification_id, qualification.kind, qualification.country) == ("q1", "vocational", "TR")
    assert (qualification.title, qualification.year, qualification.recorded_on) == (
        "Meslek Lisesi Diplomasi",
        2006,
        day(20),
    )
    assert case.stage == "first_contact"  # a record of the desk, no stage of the journey


def test_a_qualification_id_is_unique_within_the_case() -> None:
    case = apply(opened_case(), step(steps.QualificationRecorded, 20))
    expect_refusal(
        case,
        step(steps.QualificationRecorded, 21, kind="school"),
        RuleViolated,
        "qualification_id_unique",
        "qualification_id",
    )


@pytest.mark.parametrize("year", [1987, 2027])  # born 1988; the step is in 2026
def test_a_qualification_is_obtained_between_birth_and_the_step(year: int) -> None:
    expect_refusal(
        opened_case(),
        step(steps.QualificationRecorded, 20, year=year),
        InvalidStep,
        "qualification_year_plausible",
        "year",
    )


@pytest.mark.parametrize("year", [1988, 2026, None])
def test_a_qualification_year_at_the_edges_or_unknown_is_accepted(year: int | None) -> None:
    case = apply(opened_case(), step(steps.QualificationRecorded, 20, year=year))
    assert case.qualifications[0].year == year


def test_a_recognition_application_names_a_recorded_qualification() -> None:
    case = apply(opened_case(), step(steps.QualificationRecorded, 5))
    command = step(steps.RecognitionApplied, 20, qualification_id="q1")
    event, case = record(case, command)

    assert facts_of(event) == asked_of(command)
    application = case.application("r1")
    assert application is not None
    assert application.qualification_id == "q1"


def test_a_recognition_application_naming_an_unknown_qualification_is_refused() -> None:
    case = apply(opened_case(), step(steps.QualificationRecorded, 5))
    expect_refusal(
        case,
        step(steps.RecognitionApplied, 20, qualification_id="q2"),
        RuleViolated,
        "recognition_needs_qualification",
        "qualification_id",
    )


@pytest.mark.parametrize("body", ["school_authority", "zab"])
def test_school_and_academic_qualifications_go_to_their_own_bodies(body: str) -> None:
    case = apply(opened_case(), step(steps.RecognitionApplied, 20, responsible_body=body))
    application = case.application("r1")
    assert application is not None
    assert application.responsible_body == body


# Referrals and their outcomes (closing the loop)


def test_a_referral_waits_for_its_feedback_thirty_days() -> None:
    command = step(steps.ReferralMade, 20)
    event, case = record(opened_case(), command)

    assert isinstance(event, ev.ReferralMade)
    assert facts_of(event) == asked_of(command)
    (referral,) = case.referrals
    assert (referral.referral_id, referral.to, referral.organisation, referral.purpose) == (
        "v1",
        "language_course",
        "VHS Köln",
        "B1",
    )
    assert (referral.referred_on, referral.status, referral.outcome, referral.outcome_on) == (
        day(20),
        "waiting",
        None,
        None,
    )
    assert _kinds(case, "referral_feedback") == [Deadline(kind="referral_feedback", ref="v1", due=day(50))]


def test_an_outcome_answers_the_referral_and_the_latest_counts() -> None:
    case = apply(opened_case(), step(steps.ReferralMade, 20), step(steps.ReferralMade, 22, referral_id="v2"))
    case = apply(case, step(steps.ReferralOutcomeRecorded, 30, outcome="appointment_kept"))
    first = case.referral("v1")
    assert first is not None
    assert (first.status, first.outcome, first.outcome_on) == ("answered", "appointment_kept", day(30))
    assert [d.ref for d in _kinds(case, "referral_feedback")] == ["v2"]

    case = apply(case, step(steps.ReferralOutcomeRecorded, 60, outcome="completed"))
    first = case.referral("v1")
    assert first is not None
    assert (first.outcome, first.outcome_on) == ("completed", day(60))


def test_a_referral_id_is_unique_within_the_case() -> None:
    case = apply(opened_case(), step(steps.ReferralMade, 20))
    expect_refusal(
        case, step(steps.ReferralMade, 21, to="jobcenter"), RuleViolated, "referral_id_unique", "referral_id"
    )


def test_an_outcome_needs_its_referral() -> None:
    case = apply(opened_case(), step(steps.ReferralMade, 20))
    expect_refusal(
        case,
        step(steps.ReferralOutcomeRecorded, 30, referral_id="v9"),
        RuleViolated,
        "outcome_needs_referral",
        "referral_id",
    )


def test_an_outcome_is_not_dated_before_the_referral_or_the_previous_outcome() -> None:
    case = apply(opened_case(), step(steps.ReferralMade, 20))
    expect_refusal(case, step(steps.ReferralOutcomeRecorded, 19), InvalidStep, "date_not_before_reference", "date")
    case = apply(case, step(steps.ReferralOutcomeRecorded, 30))
    expect_refusal(case, step(steps.ReferralOutcomeRecorded, 29), InvalidStep, "date_not_before_reference", "date")
    same_day = apply(case, step(steps.ReferralOutcomeRecorded, 30, outcome="declined"))
    assert same_day.referrals[0].outcome == "declined"


def test_a_closed_case_chases_no_referral_and_takes_none() -> None:
    case = closed_case(on=25, before=[step(steps.ReferralMade, 20)])
    assert _kinds(case, "referral_feedback") == []
    expect_refusal(case, step(steps.ReferralMade, 30, referral_id="v2"), RuleViolated, "case_closed")


# The qualification plan: agreement, replacement, items done by hand


def test_a_plan_is_agreed_and_each_open_item_is_due_on_its_target_date() -> None:
    items = (plan_item("p1", "language", 60), plan_item("p2", "recognition", 90, offer_id=None))
    command = step(steps.PlanAgreed, 10, items=items)
    event, case = record(opened_case(), command)

    assert isinstance(event, ev.PlanAgreed)
    assert facts_of(event) == asked_of(command)
    assert case.plan_agreed_on == day(10)
    assert _states(case) == {"p1": ("open", None, None), "p2": ("open", None, None)}
    assert _item(case, "p1").description == "language p1"
    assert _kinds(case, "plan_item") == [
        Deadline(kind="plan_item", ref="p1", due=day(60)),
        Deadline(kind="plan_item", ref="p2", due=day(90)),
    ]


def test_item_ids_are_unique_within_the_plan() -> None:
    items = (plan_item("p1", "language", 60), plan_item("p2", "exam", 70), plan_item("p1", "course", 80))
    expect_refusal(
        opened_case(), step(steps.PlanAgreed, 10, items=items), InvalidStep, "plan_item_ids_unique", "items.2.item_id"
    )


def test_an_open_item_is_not_due_before_the_plan() -> None:
    items = (plan_item("p1", "language", 60), plan_item("p2", "exam", 9))
    expect_refusal(
        opened_case(),
        step(steps.PlanAgreed, 10, items=items),
        InvalidStep,
        "target_date_not_before_plan",
        "items.1.target_date",
    )


def test_a_plan_item_names_an_offer_of_the_agency_s_catalogue() -> None:
    items = (plan_item("p1", "recognition", 60), plan_item("p2", "language", 90, offer_id=OFFER))
    event, case = record(opened_case(), step(steps.PlanAgreed, 10, items=items), context(offers={OFFER}))

    assert isinstance(event, ev.PlanAgreed)
    assert [item.offer_id for item in event.items] == [None, OFFER]
    assert _item(case, "p2").offer_id == OFFER


@pytest.mark.parametrize("offer_id", NO_OFFERS)
def test_a_plan_item_naming_no_offer_of_the_agency_s_catalogue_is_refused_naming_the_item(offer_id: str) -> None:
    items = (
        plan_item("p1", "language", 60, offer_id=OFFER),
        plan_item("p2", "course", 90, offer_id=offer_id),
        plan_item("p3", "other", 90),
    )
    expect_no_offer_of_agency(opened_case(), step(steps.PlanAgreed, 10, items=items), "items.1.offer_id", offer_id)


def test_a_later_plan_repeats_an_item_with_the_offer_it_holds_and_asks_the_catalogue_only_for_new_offers() -> None:
    """A plan recorded before the catalogue was asked may hold an offer_id of no offer: stored history stays, so a
    later plan may name the item again as it is; a changed or a new item's offer is asked for."""
    stored = apply(
        opened_case(),
        step(steps.PlanAgreed, 10, items=(plan_item("p1", "language", 60, offer_id=NO_OFFERS[0]),)),
        ctx=context(),  # every offer accepted: as 0.2's first plans were
    )
    catalogue = context(offers={OFFER})
    repeated = step(steps.PlanAgreed, 20, items=(plan_item("p1", "language", 60, offer_id=NO_OFFERS[0]),))

    assert [item.offer_id for item in apply(stored, repeated, ctx=catalogue).plan_items] == [NO_OFFERS[0]]
    changed = step(steps.PlanAgreed, 20, items=(plan_item("p1", "language", 60, offer_id=NO_OFFERS[1]),))
    expect_no_offer_of_agency(stored, changed, "items.0.offer_id", NO_OFFERS[1])
    added = (plan_item("p1", "language", 60, offer_id=NO_OFFERS[0]), plan_item("p2", "course", 90, NO_OFFERS[0]))
    expect_no_offer_of_agency(stored, step(steps.PlanAgreed, 20, items=added), "items.1.offer_id", NO_OFFERS[0])


def test_a_later_plan_replaces_the_items_and_what_was_done_stays_done() -> None:
    case = case_with_plan(plan_item("p1", "other", 40), plan_item("p2", "language", 50), on=10)
    case = apply(case, step(steps.PlanItemDone, 20, item_id="p1"))

    # The new plan names p1 again (its target date long past: it is done) and drops p2.
    later = (plan_item("p1", "other", 40), plan_item("p3", "exam", 120))
    case = apply(case, step(steps.PlanAgreed, 45, items=later))

    assert case.plan_agreed_on == day(45)
    assert _states(case) == {"p1": ("done", day(20), "plan_item_done"), "p3": ("open", None, None)}
    assert [d.ref for d in _kinds(case, "plan_item")] == ["p3"]
    expect_refusal(
        case, step(steps.PlanItemDone, 50, item_id="p2"), RuleViolated, "completion_needs_plan_item", "item_id"
    )


def test_a_later_plan_is_not_dated_before_the_current_one() -> None:
    case = case_with_plan(plan_item("p1", "other", 40), on=20)
    expect_refusal(
        case,
        step(steps.PlanAgreed, 19, items=(plan_item("p1", "other", 40),)),
        InvalidStep,
        "date_not_before_reference",
        "date",
    )


def test_an_item_is_done_by_hand_once() -> None:
    case = case_with_plan(plan_item("p1", "other", 40), on=10)
    command = step(steps.PlanItemDone, 30, item_id="p1")
    event, case = record(case, command)

    assert facts_of(event) == asked_of(command)
    assert _states(case) == {"p1": ("done", day(30), "plan_item_done")}
    assert _kinds(case, "plan_item") == []
    expect_refusal(case, step(steps.PlanItemDone, 31, item_id="p1"), RuleViolated, "plan_item_done_once", "item_id")


@pytest.mark.parametrize("plan", [None, "p1"])
def test_an_item_done_by_hand_is_one_of_the_current_plan(plan: str | None) -> None:
    case = opened_case() if plan is None else case_with_plan(plan_item(plan, "other", 40))
    expect_refusal(
        case, step(steps.PlanItemDone, 30, item_id="p9"), RuleViolated, "completion_needs_plan_item", "item_id"
    )


def test_an_item_is_not_done_before_its_plan() -> None:
    case = case_with_plan(plan_item("p1", "other", 40), on=10)
    expect_refusal(case, step(steps.PlanItemDone, 9, item_id="p1"), InvalidStep, "date_not_before_reference", "date")


# The steps that complete an item of their kind


def _enrolled(on: int, kind: str = "exam_preparation", offer_id: str | None = None, course_id: str = "c1") -> Any:
    return step(steps.CourseEnrolled, on, kind=kind, offer_id=offer_id, course_id=course_id)


COMPLETING_STEPS = [
    pytest.param(
        "assessment", [step(steps.AssessmentStarted, 15)], step(steps.AssessmentCompleted, 20), id="assessment"
    ),
    pytest.param("recognition", [], step(steps.RecognitionApplied, 20), id="recognition"),
    pytest.param("course", [], _enrolled(20, "partial_qualification"), id="course"),
    pytest.param("course", [], _enrolled(20, "retraining"), id="retraining-course"),
    pytest.param("language", [], _enrolled(20, "language"), id="language"),
    pytest.param("exam", [], step(steps.ExamAdmissionApplied, 20), id="exam"),
    pytest.param("referral", [], step(steps.ReferralMade, 20), id="referral"),
]


@pytest.mark.parametrize(("kind", "before", "completing"), COMPLETING_STEPS)
def test_a_step_of_the_items_kind_completes_it(
    kind: str, before: list[steps.StepCommand], completing: steps.StepCommand
) -> None:
    case = apply(case_with_plan(plan_item("p1", kind, 60), plan_item("p2", "other", 60), on=10), *before)
    assert _item(case, "p1").status == "open"

    case = apply(case, completing)

    assert _states(case) == {"p1": ("done", day(20), completing.__struct_config__.tag), "p2": ("open", None, None)}
    assert [d.ref for d in _kinds(case, "plan_item")] == ["p2"]


def test_a_language_course_completes_no_course_item_and_a_course_no_language_item() -> None:
    case = case_with_plan(plan_item("p1", "course", 60), plan_item("p2", "language", 60), on=10)

    language = apply(case, _enrolled(20, "language"))
    assert _states(language)["p1"][0] == "open"
    assert _states(language)["p2"][0] == "done"
    course = apply(case, _enrolled(20, "adaptation_qualification"))
    assert (_states(course)["p1"][0], _states(course)["p2"][0]) == ("done", "open")


def test_an_item_of_kind_other_is_done_only_by_hand() -> None:
    case = case_with_plan(plan_item("p1", "other", 60), on=10)
    case = apply(
        case,
        step(steps.AssessmentStarted, 11),
        step(steps.AssessmentCompleted, 12),
        step(steps.RecognitionApplied, 13),
        _enrolled(14),
        _enrolled(15, "language", course_id="c2"),
        step(steps.ExamAdmissionApplied, 16),
        step(steps.ReferralMade, 17),
        step(steps.CounsellingSessionHeld, 18),
        step(steps.QualificationRecorded, 19),
    )
    assert _item(case, "p1").status == "open"


def test_a_step_before_the_plan_completes_nothing() -> None:
    # Recorded before the plan was agreed.
    case = apply(opened_case(), step(steps.RecognitionApplied, 5))
    case = apply(case, step(steps.PlanAgreed, 10, items=(plan_item("p1", "recognition", 60),)))
    assert _item(case, "p1").status == "open"
    # Recorded after it, but dated before the plan's day.
    case = apply(case, step(steps.ReferralMade, 8))
    case = apply(
        case, step(steps.PlanAgreed, 10, items=(plan_item("p1", "recognition", 60), plan_item("p2", "referral", 60)))
    )
    case = apply(case, step(steps.ReferralMade, 9, referral_id="v2"))
    assert _states(case) == {"p1": ("open", None, None), "p2": ("open", None, None)}


def test_a_step_on_the_plans_day_completes_an_item() -> None:
    case = apply(case_with_plan(plan_item("p1", "exam", 60), on=10), step(steps.ExamAdmissionApplied, 10))
    assert _states(case) == {"p1": ("done", day(10), "exam_admission_applied")}


def test_the_open_item_of_the_kind_due_earliest_is_done_first_and_the_plans_order_breaks_a_tie() -> None:
    case = case_with_plan(
        plan_item("late", "language", 90),
        plan_item("first", "language", 40),
        plan_item("tied", "language", 40),
        on=10,
    )
    case = apply(case, _enrolled(20, "language"))
    assert [item.item_id for item in case.plan_items if item.status == "done"] == ["first"]
    case = apply(case, _enrolled(21, "language", course_id="c2"))
    assert [item.item_id for item in case.plan_items if item.status == "done"] == ["first", "tied"]
    case = apply(case, _enrolled(22, "language", course_id="c3"))
    assert all(item.status == "done" for item in case.plan_items)


def test_each_step_completes_one_item_at_most() -> None:
    case = case_with_plan(plan_item("p1", "referral", 40), plan_item("p2", "referral", 40), on=10)
    case = apply(case, step(steps.ReferralMade, 20))
    assert [item.status for item in case.plan_items] == ["done", "open"]


def test_an_item_done_by_hand_is_not_done_again_by_a_step() -> None:
    case = case_with_plan(plan_item("p1", "exam", 40), plan_item("p2", "exam", 50), on=10)
    case = apply(case, step(steps.PlanItemDone, 15, item_id="p1"), step(steps.ExamAdmissionApplied, 20))
    assert _states(case) == {
        "p1": ("done", day(15), "plan_item_done"),
        "p2": ("done", day(20), "exam_admission_applied"),
    }


def test_an_item_naming_an_offer_is_done_by_enrolling_in_that_offer_only() -> None:
    case = case_with_plan(plan_item("p1", "language", 60, offer_id="o1"), plan_item("p2", "course", 60), on=10)

    other_offer = apply(case, _enrolled(20, "language", offer_id="o2"))
    assert _item(other_offer, "p1").status == "open"
    without_offer = apply(case, _enrolled(20, "language"))
    assert _item(without_offer, "p1").status == "open"

    # The offer decides, whatever kind of course it is.
    offered = apply(case, _enrolled(20, "exam_preparation", offer_id="o1"))
    assert _states(offered) == {"p1": ("done", day(20), "course_enrolled"), "p2": ("open", None, None)}


def test_an_enrolment_in_an_offer_no_item_names_completes_an_item_of_its_kind() -> None:
    case = case_with_plan(plan_item("p1", "course", 60, offer_id="o1"), plan_item("p2", "course", 70), on=10)
    case = apply(case, _enrolled(20, "partial_qualification", offer_id="o7"))
    assert _states(case) == {"p1": ("open", None, None), "p2": ("done", day(20), "course_enrolled")}
    assert case.courses[0].offer_id == "o7"


# How an item reads on a day, and deadlines of a closed case


def test_an_open_item_past_its_target_date_reads_overdue() -> None:
    case = case_with_plan(plan_item("p1", "other", 40), plan_item("p2", "other", 40), on=10)
    case = apply(case, step(steps.PlanItemDone, 45, item_id="p2"))
    p1, p2 = case.plan_items

    assert [status_on(p1, on) for on in (day(39), day(40), day(41))] == ["open", "open", "overdue"]
    assert status_on(p2, day(41)) == "done"
    assert p1.status == "open"  # the state keeps open: overdue depends on the day it is read


def test_a_closed_case_chases_no_plan_item() -> None:
    case = closed_case(on=25, before=[step(steps.PlanAgreed, 10, items=(plan_item("p1", "other", 60),))])
    assert _kinds(case, "plan_item") == []
    assert _item(case, "p1").status == "open"


# Personal data of the new records


def test_titles_purposes_and_descriptions_are_erased_with_the_client() -> None:
    case = apply(
        opened_case(),
        step(steps.QualificationRecorded, 5),
        step(steps.ReferralMade, 6),
        step(steps.PlanAgreed, 7),
    )
    erased = evolve(case, decisions.erase_personal_data(case, CONTEXT))

    assert [q.title for q in erased.qualifications] == [None]
    assert [r.purpose for r in erased.referrals] == [None]
    assert [i.description for i in erased.plan_items] == [None, None]
    assert redacted(case).plan_items == erased.plan_items
    # Recorded afterwards: kept without its text.
    later = apply(erased, step(steps.ReferralMade, 8, referral_id="v2", purpose="Sprachkurs B2"))
    assert later.referral("v2") is not None
    assert [r.purpose for r in later.referrals] == [None, None]
    # The organisation's name is typed in too (0.2 seals it): erased; the kind of service stays.
    assert [(r.to, r.organisation) for r in later.referrals] == [("language_course", None)] * 2
