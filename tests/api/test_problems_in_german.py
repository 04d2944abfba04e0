"""API.md (0.2): with `Accept-Language: de`, `title`, `detail` and the field messages are German; `type`, `status`,
`rule` and the field paths are the same in every language. English for every other client."""

from collections.abc import Iterator
from typing import Any, get_args

import httpx
import msgspec
import pytest
from litestar import Litestar

from api import messages_de
from api.language import german_message
from api.request_body import json_body_type, offending_fields
from tests.api.conftest import Tokens
from tests.api.helpers import (
    AGENCY,
    AUDITOR,
    CLOSING,
    COUNSELLOR,
    LEAD,
    Client,
    Json,
    assert_problem,
    case_body,
    open_case,
    session_step,
)

GERMAN = {"Accept-Language": "de"}
GERMAN_TITLES = set(messages_de.TITLES.values())
ENGLISH_TITLES = {"Invalid request", "Step conflicts with the case", "Step breaks a rule", "Unauthorized", "Forbidden"}


def german(response: httpx.Response, status: int, *, rule: str | None = None) -> Json:
    """A German problem document: German title, `Content-Language: de`."""
    body = assert_problem(response, status, rule=rule)
    assert body["title"] in GERMAN_TITLES, body
    assert response.headers["content-language"] == "de"
    assert "accept-language" in response.headers["vary"].lower()
    return body


def same_but_for_the_words(english: Json, in_german: Json) -> None:
    """What a program reads is the same in both languages; only the words for people differ."""
    for key in ("type", "status", "rule"):
        assert english.get(key) == in_german.get(key)
    assert [e["field"] for e in english.get("errors") or []] == [e["field"] for e in in_german.get("errors") or []]
    assert english["title"] != in_german["title"]
    assert english["detail"] != in_german["detail"]


async def both_ways(client: Client, method: str, path: str, headers: dict[str, str], **send: Any) -> tuple[Json, Json]:
    english = await client.request(method, path, headers=headers, **send)
    in_german = await client.request(method, path, headers={**headers, **GERMAN}, **send)
    assert english.status_code == in_german.status_code
    assert english.headers["content-language"] == "en"
    return assert_problem(english, english.status_code), german(in_german, in_german.status_code)


async def test_a_reassignment_to_an_inactive_counsellor_is_refused_in_german(client: Client, tokens: Tokens) -> None:
    case = await open_case(client, tokens.headers(COUNSELLOR))
    step = {"type": "counsellor_assigned", "date": "2026-02-02", "counsellor": "zoe"}

    english, in_german = await both_ways(client, "POST", f"/cases/{case['id']}/steps", tokens.headers(LEAD), json=step)

    assert english["rule"] == "counsellor_active_in_agency"
    assert english["detail"] == f"'zoe' is not an active counsellor of agency '{AGENCY}'"
    assert in_german["detail"] == f"„zoe“ ist keine aktive Beraterin / kein aktiver Berater der Stelle „{AGENCY}“."
    assert in_german["errors"] == [{"field": "counsellor", "message": in_german["detail"]}]
    same_but_for_the_words(english, in_german)


async def test_a_date_before_the_application_is_explained_with_german_dates(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    applied = {
        "type": "recognition_applied",
        "date": "2026-02-05",
        "application_id": "r1",
        "reference_occupation": "Kaufmann im Einzelhandel",
        "responsible_body": "ihk_fosa",
    }
    assert (await client.post(f"/cases/{case['id']}/steps", json=applied, headers=headers)).status_code == 201
    receipt = {"type": "recognition_receipt_confirmed", "date": "2026-02-03", "application_id": "r1"}

    english, in_german = await both_ways(client, "POST", f"/cases/{case['id']}/steps", headers, json=receipt)

    assert english["rule"] == "date_not_before_reference"
    assert in_german["detail"] == "Das Datum 03.02.2026 liegt vor der Antragstellung am 05.02.2026."
    same_but_for_the_words(english, in_german)


async def test_a_closed_case_refuses_a_step_in_german(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    assert (await client.post(f"/cases/{case['id']}/steps", json=CLOSING, headers=headers)).status_code == 201

    english, in_german = await both_ways(
        client, "POST", f"/cases/{case['id']}/steps", headers, json=session_step("2026-05-20")
    )

    assert english["rule"] == in_german["rule"] == "case_closed"
    assert in_german["detail"] == messages_de.RULES["case_closed"]
    same_but_for_the_words(english, in_german)


async def test_invalid_fields_are_explained_in_german(client: Client, tokens: Tokens) -> None:
    body = case_body(channel="fax", first_contact_on="05.01.2026")
    body["profile"]["isced"] = 9

    english, in_german = await both_ways(client, "POST", "/cases", tokens.headers(COUNSELLOR), json=body)

    assert {e["field"]: e["message"] for e in in_german["errors"]} == {
        "first_contact_on": "Kein gültiges Datum (JJJJ-MM-TT, z. B. 2026-03-02)",
        "channel": "Unzulässiger Wert „fax“",
        "profile.isced": "Erwartet: ganze Zahl, höchstens 8",
    }
    assert in_german["detail"] == "; ".join(f"{e['field']}: {e['message']}" for e in in_german["errors"])
    same_but_for_the_words(english, in_german)


async def test_a_refused_query_parameter_is_explained_in_german(client: Client, tokens: Tokens) -> None:
    path = "/statistics/esf?from=2026-12-31&to=2026-01-01"

    english, in_german = await both_ways(client, "GET", path, tokens.headers(LEAD))

    assert in_german["errors"] == [{"field": "to", "message": "Der Zeitraum endet, bevor er beginnt"}]
    same_but_for_the_words(english, in_german)


@pytest.mark.parametrize(
    ("path", "who", "status"),
    [
        pytest.param("/cases/00000000-0000-4000-8000-000000000000", COUNSELLOR, 404, id="unknown-case"),
        pytest.param("/cases?q=Demir", AUDITOR, 403, id="name-search-by-auditor"),
        pytest.param("/cases", None, 401, id="no-token"),
        pytest.param("/no/such/path", COUNSELLOR, 404, id="unknown-path"),
    ],
)
async def test_problems_without_a_rule_are_german_too(
    client: Client, tokens: Tokens, path: str, who: Any, status: int
) -> None:
    headers = tokens.headers(who) if who is not None else {}

    english, in_german = await both_ways(client, "GET", path, headers)

    assert english["status"] == status
    assert english["title"] in ENGLISH_TITLES | {"Not found"}
    same_but_for_the_words(english, in_german)


async def test_a_stale_if_match_is_explained_in_german(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR, **{"If-Match": '"7"'})
    case = await open_case(client, tokens.headers(COUNSELLOR))

    english, in_german = await both_ways(client, "POST", f"/cases/{case['id']}/steps", headers, json=session_step())

    assert in_german["rule"] == "if_match_current"
    assert in_german["detail"] == "Der Fall wurde inzwischen geändert (aktuell Version 1); bitte neu laden."
    same_but_for_the_words(english, in_german)


@pytest.mark.parametrize(
    "accept_language",
    ["de", "de-DE", "DE-at", "de-DE,de;q=0.9,en;q=0.8", "en;q=0.5, de;q=0.8", "fr-FR, de;q=0.3", "de, en", "*, de"],
)
async def test_a_client_that_prefers_german_reads_german(client: Client, tokens: Tokens, accept_language: str) -> None:
    headers = tokens.headers(COUNSELLOR, **{"Accept-Language": accept_language})

    response = await client.post("/cases", json=case_body(channel="fax"), headers=headers)

    assert german(response, 422)["errors"] == [{"field": "channel", "message": "Unzulässiger Wert „fax“"}]


@pytest.mark.parametrize(
    "accept_language",
    [None, "", "en", "en-GB", "en-US,en;q=0.9,de;q=0.8", "fr", "*", "de;q=0", "de;q=0.4, en", "tr, en, de", "de;q=x"],
)
async def test_every_other_client_reads_english(client: Client, tokens: Tokens, accept_language: str | None) -> None:
    extra = {} if accept_language is None else {"Accept-Language": accept_language}
    headers = tokens.headers(COUNSELLOR, **extra)

    response = await client.post("/cases", json=case_body(channel="fax"), headers=headers)

    body = assert_problem(response, 422)
    assert body["title"] == "Invalid request"
    assert body["errors"] == [{"field": "channel", "message": "Invalid enum value 'fax'"}]
    assert response.headers["content-language"] == "en"


ODD_VALUES: list[object] = [{}, [], "", "x" * 5000, "a b", "2026-13-45", -(10**6), 10**30, 1.5, True, None, [{}] * 60]


def _structs_of(target: Any, seen: set[type]) -> Iterator[type[msgspec.Struct]]:
    """The Structs a body type is made of: itself, its fields' types, union members and list items, recursively."""
    if isinstance(target, type) and issubclass(target, msgspec.Struct):
        if target not in seen:
            seen.add(target)
            yield target
            for field in msgspec.structs.fields(target):
                yield from _structs_of(field.type, seen)
        return
    for argument in get_args(target):
        yield from _structs_of(argument, seen)


def test_every_message_about_a_field_of_a_request_body_has_its_german_wording(app: Litestar) -> None:
    handlers = [handler for route in app.routes for handler in getattr(route, "route_handlers", [])]
    bodies = {target for handler in handlers if (target := json_body_type(handler)) is not None}
    seen: set[type] = set()
    messages = set()
    for struct in (struct for body in bodies for struct in _structs_of(body, seen)):
        for field in msgspec.structs.fields(struct):
            for value in ODD_VALUES:
                messages |= {message for _, message in offending_fields({field.encode_name: value}, struct)}
    assert len(seen) >= 25
    assert {"Expected `int` >= 1", "Invalid RFC3339 encoded date", "Object missing required field `date`"} <= messages
    untranslated = sorted(message for message in messages if german_message(message) is None)
    assert not untranslated, "add patterns for them to api/messages_de.py MESSAGES"


async def test_a_value_not_in_its_format_is_explained_in_words_not_as_a_pattern(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    step = session_step(language="Türkisch")

    english, in_german = await both_ways(client, "POST", f"/cases/{case['id']}/steps", headers, json=step)

    language_code = "einen Sprachcode aus zwei Kleinbuchstaben (ISO 639-1, z. B. de, ar, tr)"
    assert {e["field"]: e["message"] for e in in_german["errors"]} == {
        "language": f"Ungültiges Format: erwartet {language_code}"
    }
    same_but_for_the_words(english, in_german)


async def test_every_format_the_api_asks_for_has_german_words(client: Client) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    patterns: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                patterns.add(node["pattern"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(document)
    assert len(patterns) >= 10
    assert sorted(pattern for pattern in patterns if repr(pattern) not in messages_de.PATTERNS) == []
