"""What the registers keep in clear and show every role of the agency (an employer's name and sector, an outreach
event's title, an offer's texts) is one line of visible text: a control character (a NUL, which PostgreSQL's text
cannot hold, a tab, a line break) or a mark that turns the writing direction (U+202E) is refused with 422 naming
the field, in German too, and records nothing."""

from typing import Any

import pytest

from tests.api.conftest import Tokens
from tests.api.helpers import LEAD, VHS_B2_OFFER, Client, Json, assert_problem, error_fields, log_position

FIRM: Json = {"name": "Bäckerei Schmitz GmbH", "size": "small", "sector": "Handwerk", "postal_code": "50667"}
OUTREACH: Json = {"date": "2026-05-12", "title": "Infoabend", "kind": "fair", "language": "de", "attendees": 18}
UNSEEN = ["\x00", "\t", "\n", "\x7f", "\x85", "\u2028", "\u202e", "\u2067", "\u200f"]


def spoilt(body: Json, field: str, character: str) -> tuple[Json, str]:
    """The body with the character inside the field's text (the first item of a list), and the field's path."""
    value = body[field]
    if isinstance(value, list):
        return {**body, field: [f"Kauf{character}mann", *value[1:]]}, f"{field}.0"
    return {**body, field: f"{value[:3]}{character}{value[3:]}"}, field


CASES: list[tuple[str, Json, str]] = [
    ("/employers", FIRM, "name"),
    ("/employers", FIRM, "sector"),
    ("/outreach-events", OUTREACH, "title"),
    *[("/offers", {**VHS_B2_OFFER, "occupations": ["Kaufmann"]}, field) for field in ("provider", "title", "city")],
    ("/offers", {**VHS_B2_OFFER, "occupations": ["Kaufmann"]}, "contact"),
    ("/offers", {**VHS_B2_OFFER, "occupations": ["Kaufmann"]}, "occupations"),
    ("/offers", {**VHS_B2_OFFER, "provider_course_id": "K-2026-17"}, "provider_course_id"),
    ("/offers", {**VHS_B2_OFFER, "url": "https://vhs-koeln.example/kurse"}, "url"),
]


@pytest.mark.parametrize(("path", "body", "field"), CASES, ids=[f"{path}:{field}" for path, _, field in CASES])
@pytest.mark.parametrize("character", UNSEEN, ids=[f"U+{ord(c):04X}" for c in UNSEEN])
async def test_an_unseen_character_in_a_register_s_clear_text_is_refused_naming_the_field(
    client: Client, tokens: Tokens, path: str, body: Json, field: str, character: str
) -> None:
    head = await log_position(client)
    bad, named = spoilt(body, field, character)

    response = await client.post(path, json=bad, headers=tokens.headers(LEAD))

    assert_problem(response, 422)
    assert error_fields(response) == [named]
    assert await log_position(client) == head
    good = await client.post(path, json=body, headers=tokens.headers(LEAD))
    assert good.status_code == 201, good.text  # the same body without the character is taken


async def test_the_refusal_reads_in_words_in_german(client: Client, tokens: Tokens) -> None:
    response = await client.post(
        "/employers", json={**FIRM, "name": "Bäckerei\u202eztimhcS"}, headers=tokens.headers(LEAD, **GERMAN)
    )

    problem = assert_problem(response, 422)
    (error,) = problem["errors"]
    assert "Steuerzeichen" in error["message"], error
    assert "Schreibrichtung" in error["message"], error
    assert "\\x00" not in problem["detail"]


async def test_a_change_and_a_withdrawal_are_held_to_the_same_line(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(LEAD)
    created = await client.post("/offers", json=VHS_B2_OFFER, headers=headers)
    offer_id = created.json()["id"]
    head = await log_position(client)

    changed = await client.patch(f"/offers/{offer_id}", json={"title": "B2\x00"}, headers=headers)
    withdrawn = await client.post(f"/offers/{offer_id}/withdraw", json={"reason": "abgesagt\n"}, headers=headers)

    assert error_fields(changed) == ["title"]
    assert error_fields(withdrawn) == ["reason"]
    assert await log_position(client) == head


GERMAN: dict[str, Any] = {"Accept-Language": "de"}
