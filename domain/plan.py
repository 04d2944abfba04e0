"""The individual qualification plan: which items it holds and when each is done.

An item is done when `plan_item_done` names it, or when a step of its kind is recorded on or after the plan's date:
an item with an `offer_id` by a `course_enrolled` with that offer; an item without one by the first such step after
the agreement, which completes the open item of that kind with the earliest target date (the plan's order breaks a
tie). Each step completes one item at most; an item of kind `other` only `plan_item_done` completes. A later plan
replaces the items, and an item it names again keeps being done.
"""

from datetime import date
from typing import Literal

from msgspec.structs import replace

from domain import events as ev
from domain.case import Case, PlanItem
from domain.vocabulary import PlanItemKind

PlanItemShownStatus = Literal["open", "done", "overdue"]


# Looked up by the step's exact type: an `isinstance` that misses a msgspec struct class is slow (see
# domain/step_effects.py), and every step of a replay asks.
_PLAN_KIND_OF: dict[type[ev.StepRecorded], PlanItemKind] = {
    ev.AssessmentCompleted: "assessment",
    ev.RecognitionApplied: "recognition",
    ev.CourseEnrolled: "course",
    ev.ExamAdmissionApplied: "exam",
    ev.ReferralMade: "referral",
}


def plan_kind_of(event: ev.StepRecorded) -> PlanItemKind | None:
    """The kind of plan item a step of the journey completes, if any."""
    if type(event) is ev.CourseEnrolled and event.kind == "language":
        return "language"
    return _PLAN_KIND_OF.get(type(event))


def may_complete_an_item(kind: type[ev.StepRecorded]) -> bool:
    """Whether a step of this type can complete a plan item at all (`item_completed_by`)."""
    return kind is ev.CourseEnrolled or kind in _PLAN_KIND_OF


def agreed(case: Case, event: ev.PlanAgreed) -> Case:
    """The case with the agreed plan as its current one: an item the previous plan had done stays done."""
    done = {item.item_id: item for item in case.plan_items if item.status == "done"}
    items = []
    for agreed_item in event.items:
        item = PlanItem(
            item_id=agreed_item.item_id,
            kind=agreed_item.kind,
            description=agreed_item.description,
            target_date=agreed_item.target_date,
            offer_id=agreed_item.offer_id,
        )
        if (earlier := done.get(item.item_id)) is not None:
            item = replace(item, status="done", done_on=earlier.done_on, done_with=earlier.done_with)
        items.append(item)
    return replace(case, plan_agreed_on=event.date, plan_items=tuple(items))


def completed_by_step(case: Case, event: ev.StepRecorded) -> Case:
    """The case with the plan item this step completes (if any) done."""
    if case.plan_agreed_on is None or event.date < case.plan_agreed_on:
        return case
    item = item_completed_by(case.plan_items, event)
    return case if item is None else done(case, item.item_id, event.date, event.TYPE)


def item_completed_by(items: tuple[PlanItem, ...], event: ev.StepRecorded) -> PlanItem | None:
    """The open item a step completes: one naming the step's offer, else the earliest due of the step's kind."""
    offer_id = event.offer_id if type(event) is ev.CourseEnrolled else None
    kind = plan_kind_of(event)
    if offer_id is None and kind is None:
        return None  # most steps (a session) complete none: a replay need not look through the plan
    open_items = [item for item in items if item.status == "open"]
    if offer_id is not None:
        of_offer = [item for item in open_items if item.offer_id == offer_id]
        if of_offer:
            return _earliest_due(of_offer)
    if kind is None:
        return None
    return _earliest_due([item for item in open_items if item.kind == kind and item.offer_id is None])


def done(case: Case, item_id: str, on: date, done_with: str) -> Case:
    items = tuple(
        replace(item, status="done", done_on=on, done_with=done_with) if item.item_id == item_id else item
        for item in case.plan_items
    )
    return replace(case, plan_items=items)


def _earliest_due(items: list[PlanItem]) -> PlanItem | None:
    # min() keeps the first of equal target dates: the plan's order breaks the tie.
    return min(items, key=lambda item: item.target_date, default=None)


def status_on(item: PlanItem, today: date) -> PlanItemShownStatus:
    """How an item reads on a day: an open item whose target date has passed is overdue."""
    if item.status == "open" and item.target_date < today:
        return "overdue"
    return item.status
