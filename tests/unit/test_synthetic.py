"""The demo and benchmark data speak the API's vocabulary, tell 0.2's journeys and are accepted by the domain."""

from collections import Counter
from datetime import UTC, date, datetime
from uuid import UUID

import msgspec

from application.synthetic import Journey, journeys
from domain import decisions
from domain import steps as s
from domain.case import Case
from domain.evolution import evolve
from domain.steps import OpenCase, Step

TODAY = date(2026, 11, 22)


def test_every_generated_command_is_valid_api_input() -> None:
    for journey in journeys(200, seed=7, today=TODAY):
        msgspec.convert(msgspec.to_builtins(journey.opening), OpenCase)
        for step in journey.steps:
            msgspec.convert(msgspec.to_builtins(step), Step)
            assert step.date <= TODAY


def test_the_same_seed_generates_the_same_journeys() -> None:
    first = [msgspec.to_builtins(journey.__dict__) for journey in journeys(50, seed=3, today=TODAY)]
    again = [msgspec.to_builtins(journey.__dict__) for journey in journeys(50, seed=3, today=TODAY)]
    other = [msgspec.to_builtins(journey.__dict__) for journey in journeys(50, seed=4, today=TODAY)]

    assert first == again
    assert first != other


def recorded(journey: Journey, number: int) -> Case:
    """The journey as the domain decides it: every step must be accepted (a refusal raises)."""
    context = decisions.Context(
        recorded_by=journey.counsellor,
        at=datetime(2026, 11, 22, 9, tzinfo=UTC),
        today=TODAY,
        is_active_counsellor=lambda agency, name: True,
        is_offer_of_agency=lambda offer_id, agency: True,
    )
    case = evolve(None, decisions.open_case(UUID(int=number), journey.agency, journey.opening, context))
    for step in journey.steps:
        case = evolve(case, decisions.record_step(case, msgspec.convert(msgspec.to_builtins(step), Step), context))
    return case


def test_every_generated_journey_is_accepted_by_the_domain_and_tells_the_stories_of_0_2() -> None:
    told: Counter[str] = Counter()
    for number, journey in enumerate(journeys(300, seed=2026, today=TODAY)):
        case = recorded(journey, number)
        told["birth date" if case.age_exact else "birth year only"] += 1
        told["german level known"] += case.profile.german_level != "unknown"
        told["arrival year"] += case.profile.arrival_year is not None
        told["situation learnt after the exit"] += any(
            isinstance(step, s.LeavingSituationRecorded) for step in journey.steps
        )
        told.update(f"follow-up {follow_up.outcome}" for follow_up in case.follow_ups)
        told["improvement"] += any(f.improvement not in (None, "none") for f in case.follow_ups)
        told["suspended and resumed"] += any(a.suspended_days > 0 or a.resumed_on for a in case.applications)
        told["withdrawn"] += any(a.status == "withdrawn" for a in case.applications)
        told["final decision"] += any(a.final_decided_on is not None for a in case.applications)
        told["retake"] += any(e.attempts > 1 for e in case.exams)

    assert told["birth date"] > 2 * told["birth year only"] > 0
    for story in (
        "german level known",
        "arrival year",
        "situation learnt after the exit",
        "follow-up reached",
        "follow-up unreachable",
        "follow-up refused",
        "improvement",
        "suspended and resumed",
        "withdrawn",
        "final decision",
        "retake",
    ):
        assert told[story] >= 3, (story, told)


def test_follow_ups_describe_about_six_months_after_leaving() -> None:
    for number, journey in enumerate(journeys(300, seed=11, today=TODAY)):
        case = recorded(journey, number)
        if case.exit is None:
            continue
        for follow_up in case.follow_ups:
            months = (follow_up.reference_date - case.exit.closed_on).days / 30.44
            assert 5 < months < 8, (case.exit.closed_on, follow_up)


def test_the_journeys_tell_the_desks_records_of_issues_15_and_16() -> None:
    languages: Counter[str] = Counter()
    modes: Counter[str] = Counter()
    told: Counter[str] = Counter()
    for number, journey in enumerate(journeys(300, seed=2026, today=TODAY)):
        case = recorded(journey, number)
        sessions = [step for step in journey.steps if isinstance(step, s.CounsellingSessionHeld)]
        languages.update(session.language for session in sessions)
        modes.update(session.mode for session in sessions)
        told["interpreter"] += any(session.interpreter for session in sessions)
        told["qualification"] += bool(case.qualifications)
        told["qualification applied for"] += any(a.qualification_id for a in case.applications)
        told.update(f"referral {referral.status}" for referral in case.referrals)
        told["plan"] += case.plan_agreed_on is not None
        told.update(f"plan item done with {item.done_with}" for item in case.plan_items if item.done_with)
        told["plan item open"] += any(item.status == "open" for item in case.plan_items)

    assert {"de", "tr", "ru", "ar", "uk", "fa"} <= set(languages), languages
    assert languages["de"] > sum(languages.values()) / 2
    assert {"in_person", "phone", "video", "email", "outreach"} <= set(modes), modes
    for story in (
        "interpreter",
        "qualification",
        "qualification applied for",
        "referral answered",
        "referral waiting",
        "plan",
        "plan item open",
        "plan item done with plan_item_done",
        "plan item done with recognition_applied",
        "plan item done with course_enrolled",
        "plan item done with exam_admission_applied",
        "plan item done with referral_made",
    ):
        assert told[story] >= 3, (story, told)
