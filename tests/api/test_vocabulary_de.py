"""The German vocabulary (api/vocabulary_de.py) is the one source of the words a counsellor reads: it covers every
field and value of the step union, the first contact and the case; the dashboard loads it from the API and keeps no
copy; the API's German problem details name fields with it."""

import json
import re
from collections.abc import Iterator
from typing import Any

from api.dashboard import DASHBOARD_FILES
from api.vocabulary_de import EVENT_TYPES, FIELDS, NEW_IDS, STEP_FIELDS, VALUES, VALUES_OF, vocabulary
from tests.api.conftest import Tokens
from tests.api.helpers import COUNSELLOR, Client, open_case

Json = dict[str, Any]
STEPS = "/cases/{case_id}/steps"
EMPLOYER_STEPS = "/employers/{employer_id}/steps"
# The desk's records beside the cases, recorded through forms of their own page: wording as STEP_FIELDS names them.
DESK_FORMS = {
    "short_contact": "/contacts",
    "outreach_event": "/outreach-events",
    "employer_registered": "/employers",
    "offer": "/offers",
}


async def test_the_vocabulary_is_served_to_the_pages_without_a_token(client: Client) -> None:
    answer = await client.get("/dashboard/vocabulary.json")

    assert answer.status_code == 200
    assert answer.json() == json.loads(json.dumps(vocabulary()))
    assert answer.headers["cache-control"] == "no-cache"  # an upgrade's new words reach every open dashboard


async def test_every_field_and_value_a_counsellor_records_or_reads_has_german_words(client: Client) -> None:
    """A new step type, or a new field or value of one, fails here until its German words are in the vocabulary:
    then the dashboard's generated form labels it without new page code."""
    document = (await client.get("/schema/openapi.json")).json()
    roots = [
        document["paths"][STEPS]["post"]["requestBody"]["content"]["application/json"]["schema"],
        document["paths"]["/cases"]["post"]["requestBody"]["content"]["application/json"]["schema"],
        document["paths"]["/cases/{case_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"],
        *(_request_body(document, path) for path in [*DESK_FORMS.values(), EMPLOYER_STEPS]),
        _without_history(document, "/employers/{employer_id}"),
    ]
    fields: set[str] = set()
    values: set[tuple[str, str]] = set()
    step_types: set[str] = set()
    for root in roots:
        for field, schema in _walk(document, root, "", set()):
            if field:
                fields.add(field)
            values.update((field, str(value)) for value in schema.get("enum", []))
            if field == "type" and "const" in schema:
                step_types.add(schema["const"])

    assert len(step_types) >= 33
    assert sorted(step_types - EVENT_TYPES.keys()) == []
    assert sorted(fields - FIELDS.keys()) == []
    unworded = sorted((field, value) for field, value in values if value not in VALUES_OF.get(field, {}) | VALUES)
    assert unworded == []


async def test_the_words_for_one_step_or_one_field_name_real_ones(client: Client) -> None:
    """A step's own label for a field (STEP_FIELDS) or a field's own words for values (VALUES_OF) that name no real
    step, field or value would never be read: a typo there leaves the form with the general word."""
    document = (await client.get("/schema/openapi.json")).json()
    union = [
        *document["paths"][STEPS]["post"]["requestBody"]["content"]["application/json"]["schema"]["oneOf"],
        *_request_body(document, EMPLOYER_STEPS)["oneOf"],
    ]
    first_contact = document["paths"]["/cases"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    fields_of = {"case_opened": {field for field, _ in _walk(document, first_contact, "", set()) if field}}
    for form, path in DESK_FORMS.items():
        fields_of[form] = {field for field, _ in _walk(document, _request_body(document, path), "", set()) if field}
    for branch in union:
        walked = list(_walk(document, branch, "", set()))
        step_type = next(schema["const"] for field, schema in walked if field == "type" and "const" in schema)
        fields_of[step_type] = {field for field, _ in walked if field}
    values_of: dict[str, set[str]] = {}
    for field, schema in _walk(document, {"allOf": list(document["components"]["schemas"].values())}, "", set()):
        values_of.setdefault(field, set()).update(str(value) for value in schema.get("enum", []))

    assert sorted(STEP_FIELDS.keys() - fields_of.keys()) == []
    unknown_fields = [(step, field) for step, words in STEP_FIELDS.items() for field in words.keys() - fields_of[step]]
    assert unknown_fields == []
    assert [(step, field) for step, fields in NEW_IDS.items() for field in fields if field not in fields_of[step]] == []
    assert sorted(VALUES_OF.keys() - values_of.keys()) == []
    # Codes typed freely (a language) have words without an enum; the others word values the field has.
    enumerated = {field: words for field, words in VALUES_OF.items() if values_of[field]}
    unknown_values = [(field, value) for field, words in enumerated.items() for value in set(words) - values_of[field]]
    assert unknown_values == []


def test_the_pages_keep_no_copy_of_the_vocabulary() -> None:
    """A word of the vocabulary written into a page as `value: "Wort"` (or `"value": 'Wort'`) would be a second
    copy that drifts."""
    pairs = set(_pairs(vocabulary()))
    scripts = [path for path in DASHBOARD_FILES.rglob("*.js") if "vendor" not in path.parts]
    assert scripts
    for path in scripts:
        text = path.read_text()
        copied = [
            pair
            for pair in pairs
            if re.search(rf"""["']?\b{re.escape(pair[0])}\b["']?\s*:\s*["'`]{re.escape(pair[1])}["'`]""", text)
        ]
        assert copied == [], path


def _pairs(table: Any) -> Iterator[tuple[str, str]]:
    """Every (key, word) of the vocabulary, the tables of one field or one step included."""
    for key, word in table.items():
        if isinstance(word, str):
            yield key, word
        elif isinstance(word, dict):
            yield from _pairs(word)


async def test_a_missing_field_is_named_in_german_and_as_the_client_spells_it(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    answer = await client.post(
        f"/cases/{case['id']}/steps",
        json={"type": "recognition_applied", "date": "2026-01-08", "regulated": False, "fast_track": False},
        headers={**headers, "Accept-Language": "de"},
    )

    assert answer.status_code == 422
    messages = {error["field"]: error["message"] for error in answer.json()["errors"]}
    assert messages["application_id"] == "Pflichtangabe fehlt: Kennung des Antrags (application_id)"
    assert messages["responsible_body"] == "Pflichtangabe fehlt: Zuständige Stelle (responsible_body)"


def _without_history(document: Json, path: str) -> Json:
    """A record's answer but its history, whose entries the timeline words as events (EVENT_TYPES), not as fields."""
    schema: Json = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    resolved: Json = document["components"]["schemas"][schema["$ref"].split("/")[-1]]
    properties = {name: value for name, value in resolved["properties"].items() if name != "history"}
    return {**resolved, "properties": properties}


def _request_body(document: Json, path: str) -> Json:
    schema: Json = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
    return schema


def _walk(document: Json, schema: Json, field: str, seen: set[tuple[str, str]]) -> Iterator[tuple[str, Json]]:
    """Every (field name, schema) below `schema`, through references, unions, lists and nested objects."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if (name, field) in seen:
            return
        seen = seen | {(name, field)}
        yield from _walk(document, document["components"]["schemas"][name], field, seen)
        return
    yield field, schema
    for inner, property_schema in schema.get("properties", {}).items():
        yield from _walk(document, property_schema, inner, seen)
    for key in ("oneOf", "anyOf", "allOf"):
        for branch in schema.get(key, []):
            yield from _walk(document, branch, field, seen)
    if isinstance(schema.get("items"), dict):
        yield from _walk(document, schema["items"], field, seen)
