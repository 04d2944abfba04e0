"""Every offending field of a body, found by walking it against its type: nested Structs, tagged unions by their tag,
lists of Structs (a plan's items), optional Structs; what converts has none."""

from collections.abc import Callable
from typing import Annotated, Literal

import msgspec
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from api.request_body import _decoder, offending_fields
from domain.steps import OpenCase, Step
from tests.unit.test_properties import STEP_TEMPLATES


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


_JSON_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 600),
    st.sampled_from(["2026-12-06", "2026-02-30", "45", "", "de", "B1", "completed"]),
    st.lists(st.sampled_from(["de", "a", ""]), max_size=2),
    st.dictionaries(st.sampled_from(["language", "level", "item_id"]), st.sampled_from(["de", "B1", 3]), max_size=2),
)


@st.composite
def step_bodies(draw: st.DrawFn) -> bytes:
    """A step as a client sends it, as often as not with one field dropped, added, or given another value."""
    step = draw(st.sampled_from(list(STEP_TEMPLATES.values())).flatmap(lambda template: template))
    body = msgspec.to_builtins(step)
    change = draw(st.sampled_from(["none", "none", "drop", "add", "replace", "numbers as text"]))
    field = draw(st.sampled_from(sorted(body)))
    if change == "numbers as text":  # what a lax conversion accepts and a strict one refuses
        body = {name: str(value) if type(value) is int else value for name, value in body.items()}
    elif change == "drop":
        del body[field]
    elif change == "add":
        body[draw(st.sampled_from(["unknown", "minutes", "note", "date"]))] = draw(_JSON_VALUES)
    elif change == "replace":
        body[field] = draw(_JSON_VALUES)
    return msgspec.json.encode(body)


@settings(max_examples=400, deadline=None)
@given(body=step_bodies())
def test_the_quick_check_of_a_body_accepts_exactly_what_the_walk_would(body: bytes) -> None:
    """check_body first decodes the raw body with a decoder made once per type, and walks only what it refuses: what
    the decoder accepts, converting the parsed body must accept too, and the other way round."""

    def accepted(decide: Callable[[], object]) -> bool:
        try:
            decide()
        except msgspec.ValidationError:
            return False
        return True

    quick = accepted(lambda: _decoder(Step).decode(body))
    event("accepted" if quick else "refused")
    assert quick == accepted(lambda: msgspec.convert(msgspec.json.decode(body), Step, strict=False))
    assert quick == (offending_fields(msgspec.json.decode(body), Step) == [])
