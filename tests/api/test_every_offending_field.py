"""API.md (0.2): a refused request names every offending field, not only the first, and nothing is recorded.

The problem keeps what 0.1 clients read (`detail`, `errors[].field`, `errors[].message`); `errors` lists them all.
Garbage of any shape is a 4xx problem document, never a 500.
"""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import Tokens
from tests.api.helpers import (
    CLOSING,
    COUNSELLOR,
    LEAD,
    Client,
    Json,
    assert_nothing_recorded,
    assert_problem,
    case_body,
    error_fields,
    log_position,
    open_case,
    session_step,
)


def errors_by_field(body: Json) -> dict[str, str]:
    return {error["field"]: error["message"] for error in body["errors"]}


async def test_a_first_contact_names_every_offending_field(client: Client, tokens: Tokens) -> None:
    body = case_body(channel="fax", first_contact_on="05.01.2026", counsellor="a b", nickname="Ayşe")
    body["profile"]["isced"] = 9
    del body["profile"]["gender"]
    body["profile"]["shoe_size"] = 38
    body["personal"]["name"] = "x" * 201
    body["consent"] = {"special_categories": "yes"}

    response = await client.post("/cases", json=body, headers=tokens.headers(COUNSELLOR))

    problem = assert_problem(response, 422)
    assert errors_by_field(problem) == {
        "first_contact_on": "Invalid RFC3339 encoded date",
        "channel": "Invalid enum value 'fax'",
        "profile.gender": "Object missing required field `gender`",
        "profile.isced": "Expected `int` <= 8",
        "profile.shoe_size": "Object contains unknown field `shoe_size`",
        "counsellor": "Expected `str` matching regex '^[A-Za-z0-9][A-Za-z0-9._@-]*$'",
        "personal.name": "Expected `str` of length <= 200",
        "consent.special_categories": "Expected `bool`, got `str`",
        "nickname": "Object contains unknown field `nickname`",
    }
    assert problem["detail"] == "; ".join(f"{e['field']}: {e['message']}" for e in problem["errors"])
    assert problem["type"] == "/problems/invalid-request"
    assert (await client.get("/cases", headers=tokens.headers(COUNSELLOR))).json()["items"] == []
    assert await log_position(client) == 0


async def test_one_offending_field_is_answered_as_0_1_answered_it(client: Client, tokens: Tokens) -> None:
    response = await client.post("/cases", json=case_body(channel="fax"), headers=tokens.headers(COUNSELLOR))

    assert assert_problem(response, 422) == {
        "type": "/problems/invalid-request",
        "title": "Invalid request",
        "status": 422,
        "detail": "channel: Invalid enum value 'fax'",
        "errors": [{"field": "channel", "message": "Invalid enum value 'fax'"}],
    }


async def test_a_step_names_every_offending_field(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    head = await log_position(client)
    step = session_step("02.02.2026", minutes="sixty", topics=["x" * 201, "fine", "y" * 300], mood="fine")
    step["note"] = "z" * 4001

    response = await client.post(f"/cases/{case['id']}/steps", json=step, headers=headers)

    assert error_fields(response) == ["date", "minutes", "topics.0", "note", "mood"]
    await assert_nothing_recorded(client, case["id"], headers, 1, head)


async def test_a_nested_situation_names_each_of_its_fields(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    closing = {**CLOSING, "reason": "bored", "situation": {"employed": "no", "in_education_or_training": False}}

    response = await client.post(f"/cases/{case['id']}/steps", json=closing, headers=headers)

    assert errors_by_field(response.json()) == {
        "reason": "Invalid enum value 'bored'",
        "situation.job_searching": "Object missing required field `job_searching`",
        "situation.qualification_gained": "Object missing required field `qualification_gained`",
        "situation.employed": "Expected `bool`, got `str`",
    }


async def test_a_step_of_no_known_type_names_the_type(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)

    unknown = await client.post(f"/cases/{case['id']}/steps", json={"type": "tea", "x": 1}, headers=headers)
    untyped = await client.post(f"/cases/{case['id']}/steps", json={"date": "x", "minutes": 1}, headers=headers)

    assert errors_by_field(unknown.json()) == {"type": "Invalid value 'tea'"}
    assert errors_by_field(untyped.json()) == {"type": "Object missing required field `type`"}


async def test_a_profile_correction_names_every_offending_attribute(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    correction = {"type": "profile_corrected", "date": "2026-02-02", "profile": {"isced": -1, "gender": "f", "x": 1}}

    response = await client.post(f"/cases/{case['id']}/steps", json=correction, headers=headers)

    assert error_fields(response) == ["profile.gender", "profile.isced", "profile.x"]


@pytest.mark.parametrize(
    ("content", "field"),
    [
        pytest.param(b"", "body", id="empty"),
        pytest.param(b"[]", "body", id="array"),
        pytest.param(b"null", "body", id="null"),
        pytest.param(b'"a step"', "body", id="string"),
    ],
)
async def test_a_body_that_is_no_object_is_named_as_the_body(
    client: Client, tokens: Tokens, content: bytes, field: str
) -> None:
    headers = tokens.headers(COUNSELLOR, **{"Content-Type": "application/json"})

    response = await client.post("/cases", content=content, headers=headers)

    assert error_fields(response) == [field]


async def test_query_parameters_are_named_as_the_client_sent_them(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(LEAD)

    both_wrong = await client.get("/statistics/esf?from=someday&to=02.01.2026&basis=both", headers=headers)
    missing = await client.get("/statistics/esf?to=2026-12-31", headers=headers)

    assert errors_by_field(both_wrong.json()) == {
        "from": "Invalid RFC3339 encoded date",
        "to": "Invalid RFC3339 encoded date",
        "basis": "Invalid enum value 'both'",
    }
    assert errors_by_field(missing.json()) == {"from": "Missing required query parameter"}


async def test_every_missing_query_parameter_is_named(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(LEAD)
    missing = "Missing required query parameter"

    statistics = await client.get("/statistics/esf", headers=headers)
    activity = await client.get("/statistics/activity?agency=koeln", headers=headers)
    export = await client.get("/exports/participants?to=2026-12-31", headers=headers)
    german = await client.get("/statistics/esf?basis=exit", headers={**headers, "Accept-Language": "de"})

    assert errors_by_field(statistics.json()) == {"from": missing, "to": missing}  # `basis` has a default
    assert errors_by_field(activity.json()) == {"from": missing, "to": missing}
    assert errors_by_field(export.json()) == {"from": missing}
    assert_problem(german, 422)
    assert errors_by_field(german.json()) == {"from": "Pflichtparameter fehlt", "to": "Pflichtparameter fehlt"}


# Any JSON at all: what a broken or hostile client might send.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


@st.composite
def mangled(draw: st.DrawFn, valid: Json) -> Any:
    """A valid body with some fields replaced by garbage, some dropped and some added; or garbage altogether."""
    if draw(st.integers(0, 9)) == 0:
        return draw(JSON_VALUES)
    body = json.loads(json.dumps(valid))
    for name in draw(st.lists(st.sampled_from(sorted(body)), max_size=4, unique=True)):
        if draw(st.booleans()):
            body[name] = draw(JSON_VALUES)
        else:
            del body[name]
    body.update(draw(st.dictionaries(st.text(max_size=12), JSON_VALUES, max_size=2)))
    return body


STEPS = [session_step(), CLOSING, {"type": "profile_corrected", "date": "2026-02-02", "profile": {"isced": 4}}]


@pytest.fixture
def desk(app: Litestar, tokens: Tokens) -> Iterator[tuple[TestClient[Litestar], str]]:
    """A synchronous client on the app (its lifespan spans every example) and an open case."""
    with TestClient(app=app) as sync_client:
        opened = sync_client.post("/cases", json=case_body(), headers=tokens.headers(COUNSELLOR))
        yield sync_client, opened.json()["id"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    case=mangled(case_body()),
    step=st.sampled_from(STEPS).flatmap(mangled),
    language=st.sampled_from(["de", "en", "de-DE,de;q=0.9,en;q=0.8"]),
)
def test_garbage_is_a_client_error_naming_fields_never_a_server_error(
    desk: tuple[TestClient[Litestar], str], tokens: Tokens, case: Any, step: Any, language: str
) -> None:
    sync_client, case_id = desk
    headers = tokens.headers(COUNSELLOR, **{"Accept-Language": language})
    answers = [
        sync_client.post("/cases", json=case, headers=headers),
        sync_client.post(f"/cases/{case_id}/steps", json=step, headers=headers),
    ]
    for response in answers:
        assert response.status_code < 500, response.text
        if response.status_code >= 400:
            problem = assert_problem(response, response.status_code)
            if problem["type"] == "/problems/invalid-request":
                assert problem["errors"], problem
                assert all(error["field"] and error["message"] for error in problem["errors"]), problem
