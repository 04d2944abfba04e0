"""API.md: "Never a 500 for anything a client sends." Odd bytes, odd numbers and odd characters in every input."""

import pytest

from application.ports import Principal
from tests.api.conftest import Tokens
from tests.api.helpers import (
    COUNSELLOR,
    FUNDER_AUDITOR,
    Client,
    assert_nothing_recorded,
    assert_problem,
    auth,
    case_body,
    log_position,
    open_case,
)

STEP_PREFIX = b'{"type": "counselling_session_held", "date": "2026-02-02", "minutes": 30, "note": '


def assert_client_error(status: int) -> None:
    assert 400 <= status < 500, status


async def test_invalid_utf8_inside_a_json_string_is_400(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR, **{"Content-Type": "application/json"})
    case = await open_case(client, headers)
    head = await log_position(client)

    on_steps = await client.post(f"/cases/{case['id']}/steps", content=STEP_PREFIX + b'"\xff"}', headers=headers)
    on_cases = await client.post("/cases", content=b'{"channel": "\xc3\x28"}', headers=headers)

    assert_problem(on_steps, 400)
    assert_problem(on_cases, 400)
    await assert_nothing_recorded(client, case["id"], headers, 1, head)


async def test_a_token_with_a_non_ascii_character_is_401(client: Client, tokens: Tokens) -> None:
    good = tokens.token(COUNSELLOR)

    for token in (good[:-1] + "é", "lotse1.é.é", "é"):
        response = await client.get("/cases", headers={"Authorization": f"Bearer {token}".encode("latin-1")})
        assert_problem(response, 401)


async def test_a_version_beyond_any_integer_column_is_not_found(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)

    for version in (2**63, 10**30):
        response = await client.get(f"/cases/{case['id']}", params={"as_of_version": version}, headers=headers)
        assert response.status_code in (404, 422), response.text
        assert_problem(response, response.status_code)


@pytest.mark.parametrize(
    ("who", "params"),
    [
        pytest.param(COUNSELLOR, {"counsellor": "ay\x00se"}, id="counsellor"),
        pytest.param(FUNDER_AUDITOR, {"agency": "koe\x00ln"}, id="agency"),
    ],
)
async def test_a_nul_character_in_a_list_filter_is_not_a_server_error(
    client: Client, tokens: Tokens, who: Principal, params: dict[str, str]
) -> None:
    await open_case(client, tokens.headers(COUNSELLOR))

    response = await client.get("/cases", params=params, headers=tokens.headers(who))

    if response.status_code == 200:
        assert response.json()["items"] == []
    else:
        assert_problem(response, 422)


async def test_a_nul_character_in_an_idempotency_key_is_not_a_server_error(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR, **{"Idempotency-Key": "key\x00one"})

    first = await client.post("/cases", json=case_body(), headers=headers)
    retry = await client.post("/cases", json=case_body(), headers=headers)

    if first.status_code == 201:
        assert retry.json()["id"] == first.json()["id"]
        assert await log_position(client) == 1
    else:
        assert_problem(first, 422)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"[" * 10_000, id="deeply-nested"),
        pytest.param(STEP_PREFIX.replace(b"30", b"1" + b"0" * 400) + b"null}", id="huge-integer"),
        pytest.param(STEP_PREFIX + b'"\\ud800"}', id="lone-surrogate-escape"),
        pytest.param(STEP_PREFIX + b'"\\u0000"}', id="escaped-nul-is-fine"),
        pytest.param(b"", id="empty"),
        pytest.param(b"null", id="null"),
        pytest.param(b"42", id="number"),
        pytest.param(b'"counselling_session_held"', id="string"),
    ],
)
async def test_odd_bodies_are_answered_without_a_server_error(client: Client, tokens: Tokens, content: bytes) -> None:
    headers = tokens.headers(COUNSELLOR, **{"Content-Type": "application/json"})
    case = await open_case(client, headers)

    response = await client.post(f"/cases/{case['id']}/steps", content=content, headers=headers)

    if response.status_code == 201:  # a NUL written as an escape is a character like any other
        assert response.json()["version"] == 2
        return
    assert_client_error(response.status_code)
    assert_problem(response, response.status_code)


async def test_a_form_or_multipart_body_is_a_client_error(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    head = await log_position(client)

    form = await client.post(f"/cases/{case['id']}/steps", data={"type": "case_reopened"}, headers=headers)
    multipart = await client.post(f"/cases/{case['id']}/steps", files={"type": b"case_reopened"}, headers=headers)

    assert_client_error(form.status_code)
    assert_client_error(multipart.status_code)
    await assert_nothing_recorded(client, case["id"], headers, 1, head)


async def test_an_unsupported_method_is_405(client: Client, tokens: Tokens) -> None:
    case = await open_case(client, tokens.headers(COUNSELLOR))

    response = await client.put(f"/cases/{case['id']}", json=case_body(), headers=tokens.headers(COUNSELLOR))

    assert_problem(response, 405)


async def test_an_unknown_path_is_404(client: Client, tokens: Tokens) -> None:
    response = await client.get("/clients", headers=tokens.headers(COUNSELLOR))

    assert_problem(response, 404)


async def test_a_bearer_token_is_read_whatever_the_case_of_its_scheme(client: Client, tokens: Tokens) -> None:
    response = await client.get("/cases", headers={"Authorization": f"bearer {tokens.token(COUNSELLOR)}"})

    assert response.status_code == 200, response.text
    assert_problem(await client.get("/cases", headers=auth(tokens.token(COUNSELLOR) + "x")), 401)
