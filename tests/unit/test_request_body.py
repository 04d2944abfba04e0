"""Every offending field of a body, found by walking it against its type: nested Structs, tagged unions by their tag,
lists of Structs (a plan's items), optional Structs; what converts has none."""

from typing import Annotated, Literal

import msgspec
import pytest

from api.request_body import offending_fields
from domain.steps import OpenCase, Step


class Item(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    item_id: Annotated[str, msgspec.Meta(min_length=1)]
    kind: Literal["course", "exam"]


class Agreed(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="type", tag="plan_agreed"):
    items: Annotated[list[Item], msgspec.Meta(max_length=3)]
    note: Item | None = None


class Done(msgspec.Struct, frozen=True, forbid_unknown_fields=True, tag_field="type", tag="plan_item_done"):
    item_id: str


PlanStep = Agreed | Done


def test_each_item_of_a_list_is_walked() -> None:
    body = {"type": "plan_agreed", "items": [{"item_id": "", "kind": "course"}, {"kind": "walk", "x": 1}]}

    assert offending_fields(body, PlanStep) == [
        ("items.0.item_id", "Expected `str` of length >= 1"),
        ("items.1.item_id", "Object missing required field `item_id`"),
        ("items.1.kind", "Invalid enum value 'walk'"),
        ("items.1.x", "Object contains unknown field `x`"),
    ]


def test_a_list_too_long_is_named_once_its_items_are_right() -> None:
    item = {"item_id": "p1", "kind": "exam"}

    assert offending_fields({"type": "plan_agreed", "items": [item] * 4}, PlanStep) == [
        ("items", "Expected `array` of length <= 3")
    ]


def test_an_optional_struct_is_walked_when_given() -> None:
    body = {"type": "plan_agreed", "items": [], "note": {"kind": "exam", "item_id": 5}}

    assert offending_fields(body, PlanStep) == [("note.item_id", "Expected `str`, got `int`")]


def test_the_tag_picks_the_member_of_the_union() -> None:
    assert offending_fields({"type": "plan_item_done", "items": []}, PlanStep) == [
        ("item_id", "Object missing required field `item_id`"),
        ("items", "Object contains unknown field `items`"),
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"type": "plan_made"}, [("type", "Invalid value 'plan_made'")]),
        ({"items": []}, [("type", "Object missing required field `type`")]),
        ([], [("body", "Expected `object`, got `array`")]),
        (None, [("body", "Expected `object`, got `null`")]),
    ],
)
def test_without_a_known_tag_the_tag_or_the_body_is_named(body: object, expected: list[tuple[str, str]]) -> None:
    assert offending_fields(body, PlanStep) == expected


def test_a_body_that_converts_has_no_offending_field() -> None:
    step = {"type": "counselling_session_held", "date": "2026-01-07", "minutes": 45}

    assert offending_fields(step, Step) == []
    assert offending_fields({"type": "plan_agreed", "items": [{"item_id": "p", "kind": "exam"}]}, PlanStep) == []


def test_a_first_contact_names_all_it_misses() -> None:
    assert [field for field, _ in offending_fields({}, OpenCase)] == [
        "first_contact_on",
        "channel",
        "referral_source",
        "profile",
    ]
