"""Properties of the qualification plan over random journeys (tests/unit/test_properties.py draws them), where its
rules combine: plans replaced, items done by hand and by steps of their kind, offers, target dates and step dates.

The reference below follows API.md's wording item by item, apart from domain/plan.py, and every state of a journey
must show the plan it gives.
"""

from dataclasses import dataclass
from datetime import date

import pytest
from hypothesis import given

from domain import events as ev
from domain import steps
from domain.case import Case
from tests.unit.test_properties import BOUNDED, Action, Run, _reaches, journeys, run

# The kind of item each step of the journey completes (API.md, `plan_agreed`); a course is a language item when it is
# a language course.
KIND_OF_STEP = {
    ev.AssessmentCompleted: "assessment",
    ev.RecognitionApplied: "recognition",
    ev.ExamAdmissionApplied: "exam",
    ev.ReferralMade: "referral",
}


@dataclass
class ReferenceItem:
    item_id: str
    kind: str
    target_date: date
    offer_id: str | None
    done_on: date | None = None
    done_with: str | None = None


@dataclass
class ReferencePlan:
    agreed_on: date | None = None
    items: list[ReferenceItem] | None = None

    def record(self, event: ev.StepRecorded) -> None:
        if isinstance(event, ev.PlanAgreed):
            earlier = {item.item_id: item for item in self.items or [] if item.done_on is not None}
            self.agreed_on = event.date
            self.items = []
            for agreed in event.items:
                carried = earlier.get(agreed.item_id)
                self.items.append(
                    ReferenceItem(
                        agreed.item_id,
                        agreed.kind,
                        agreed.target_date,
                        agreed.offer_id,
                        carried.done_on if carried else None,
                        carried.done_with if carried else None,
                    )
                )
            return
        if self.items is None or self.agreed_on is None:
            return
        if isinstance(event, ev.PlanItemDone):
            self._mark([item for item in self.items if item.item_id == event.item_id], event)
            return
        if event.date < self.agreed_on:
            return
        still_open = [item for item in self.items if item.done_on is None]
        if isinstance(event, ev.CourseEnrolled):
            named = [item for item in still_open if event.offer_id is not None and item.offer_id == event.offer_id]
            if named:
                self._mark(named, event)
                return
            kind = "language" if event.kind == "language" else "course"
        else:
            kind = KIND_OF_STEP.get(type(event), "")
        self._mark([item for item in still_open if item.kind == kind and item.offer_id is None], event)

    @staticmethod
    def _mark(candidates: list[ReferenceItem], event: ev.StepRecorded) -> None:
        """Marks the candidate due earliest (the first of those due that day) as done by the event."""
        earliest = None
        for item in candidates:
            if earliest is None or item.target_date < earliest.target_date:
                earliest = item
        if earliest is not None:
            earliest.done_on, earliest.done_with = event.date, event.TYPE


def shown(case: Case) -> tuple[date | None, list[tuple[str, str, date, str | None, date | None, str | None]]]:
    return case.plan_agreed_on, [
        (item.item_id, item.kind, item.target_date, item.offer_id, item.done_on, item.done_with)
        for item in case.plan_items
    ]


def expected(
    reference: ReferencePlan,
) -> tuple[date | None, list[tuple[str, str, date, str | None, date | None, str | None]]]:
    return reference.agreed_on, [
        (item.item_id, item.kind, item.target_date, item.offer_id, item.done_on, item.done_with)
        for item in reference.items or []
    ]


@BOUNDED
@given(journeys())
def test_every_state_shows_the_plan_the_rules_give(journey: tuple[steps.OpenCase, list[Action]]) -> None:
    result = run(journey)
    reference = ReferencePlan()
    for event, case in zip(result.events[1:], result.states[1:], strict=True):
        if isinstance(event, ev.StepRecorded):
            reference.record(event)
        assert shown(case) == expected(reference), event
        assert all((item.status == "done") == (item.done_on is not None) for item in case.plan_items)


@BOUNDED
@given(journeys())
def test_a_step_completes_one_item_at_most_and_nothing_is_undone_but_by_a_new_plan(
    journey: tuple[steps.OpenCase, list[Action]],
) -> None:
    result = run(journey)
    for event, before, after in zip(result.events[1:], result.states[:-1], result.states[1:], strict=True):
        done_before = {item.item_id for item in before.plan_items if item.status == "done"}
        done_after = {item.item_id for item in after.plan_items if item.status == "done"}
        if isinstance(event, ev.PlanAgreed):
            # What the new plan names again stays done; nothing else of it is done yet.
            assert done_after == done_before & {item.item_id for item in event.items}
            continue
        assert done_before <= done_after
        assert len(done_after - done_before) <= 1
        for item_id in done_after - done_before:
            item = after.plan_item(item_id)
            assert item is not None
            assert isinstance(event, ev.StepRecorded)
            assert (item.done_on, item.done_with) == (event.date, event.TYPE)
            assert after.plan_agreed_on is not None
            assert event.date >= after.plan_agreed_on
            if item.kind == "other" and item.offer_id is None:  # with an offer, its enrolment completes it too
                assert isinstance(event, ev.PlanItemDone)
            if item.offer_id is not None and not isinstance(event, ev.PlanItemDone):
                assert isinstance(event, ev.CourseEnrolled)
                assert event.offer_id == item.offer_id


def _refused_plan_steps(result: Run) -> list[tuple[Case, steps.StepCommand, str]]:
    return [
        (case, action, error.rule)
        for case, action, error in result.refusals
        if isinstance(action, steps.PlanAgreed | steps.PlanItemDone)
    ]


@BOUNDED
@given(journeys())
def test_plan_steps_are_refused_only_by_their_rules(journey: tuple[steps.OpenCase, list[Action]]) -> None:
    common = {"case_closed", "date_not_in_future", "date_before_first_contact", "date_not_before_reference"}
    for case, action, rule in _refused_plan_steps(run(journey)):
        if isinstance(action, steps.PlanItemDone):
            assert rule in {*common, "completion_needs_plan_item", "plan_item_done_once"}, rule
            if rule == "completion_needs_plan_item":
                assert case.plan_item(action.item_id) is None
            continue
        assert isinstance(action, steps.PlanAgreed)
        assert rule in {*common, "plan_item_ids_unique", "target_date_not_before_plan"}, rule
        ids = [item.item_id for item in action.items]
        if rule == "plan_item_ids_unique":
            assert len(set(ids)) < len(ids)


@pytest.mark.parametrize(
    "predicate",
    [
        pytest.param(
            lambda r: any(
                isinstance(e, ev.PlanAgreed) and any(i.status == "done" for i in s.plan_items)
                for e, s in zip(r.events[1:], r.states[1:], strict=True)
            ),
            id="new plan keeping a done item",
        ),
        pytest.param(
            lambda r: any(i.offer_id and i.done_with == "course_enrolled" for i in r.case.plan_items),
            id="offer enrolled",
        ),
        pytest.param(lambda r: sum(i.status == "done" for i in r.case.plan_items) >= 2, id="two items done"),
        pytest.param(
            lambda r: any(rule == "plan_item_ids_unique" for *_, rule in _refused_plan_steps(r)), id="ids named twice"
        ),
        pytest.param(
            lambda r: any(rule == "plan_item_done_once" for *_, rule in _refused_plan_steps(r)), id="done twice"
        ),
    ],
)
def test_the_journeys_reach_the_plans_states(predicate: object) -> None:
    _reaches(predicate)  # type: ignore[arg-type]
