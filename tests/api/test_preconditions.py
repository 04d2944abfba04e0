"""Safe writes: If-Match against lost updates, Idempotency-Key against recording a retried POST twice."""

import asyncio

import httpx
import pytest

from tests.api.conftest import Tokens
from tests.api.helpers import (
    COUNSELLOR,
    LEAD,
    OTHER_COUNSELLOR,
    Client,
    Json,
    assert_nothing_recorded,
    assert_problem,
    case_body,
    etag,
    event_count,
    log_position,
    open_case,
    read_case,
    session_step,
)


def answer(response: httpx.Response) -> tuple[int, Json, str, str, str]:
    """What a client keeps from a write's answer."""
    headers = response.headers
    return response.status_code, response.json(), headers["etag"], headers["location"], headers["lotse-position"]


async def test_a_write_with_the_current_etag_succeeds(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    current = (await client.get(f"/cases/{case['id']}", headers=headers)).headers["etag"]

    response = await client.post(
        f"/cases/{case['id']}/steps", json=session_step(), headers={**headers, "If-Match": current}
    )

    assert response.status_code == 201, response.text
    assert response.headers["etag"] == etag(2)
    chained = await client.post(
        f"/cases/{case['id']}/steps",
        json=session_step("2026-01-08"),
        headers={**headers, "If-Match": response.headers["etag"]},
    )
    assert chained.headers["etag"] == etag(3)


async def test_the_second_of_two_writers_from_the_same_version_gets_412_and_records_nothing(
    client: Client, tokens: Tokens
) -> None:
    ayse, lea = tokens.headers(COUNSELLOR), tokens.headers(LEAD)
    case = await open_case(client, ayse)
    seen_by_ayse = (await client.get(f"/cases/{case['id']}", headers=ayse)).headers["etag"]
    seen_by_lea = (await client.get(f"/cases/{case['id']}", headers=lea)).headers["etag"]
    first = await client.post(
        f"/cases/{case['id']}/steps", json=session_step(), headers={**ayse, "If-Match": seen_by_ayse}
    )
    assert first.status_code == 201
    head = await log_position(client)

    second = await client.post(
        f"/cases/{case['id']}/steps", json=session_step("2026-01-09"), headers={**lea, "If-Match": seen_by_lea}
    )

    assert_problem(second, 412)
    await assert_nothing_recorded(client, case["id"], ayse, 2, head)


@pytest.mark.parametrize("if_match", ['"7"', '"0"', "7", "garbage", 'W/"7"'])
async def test_an_if_match_naming_another_version_is_412(client: Client, tokens: Tokens, if_match: str) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    await client.post(f"/cases/{case['id']}/steps", json=session_step(), headers=headers)
    head = await log_position(client)

    response = await client.post(
        f"/cases/{case['id']}/steps", json=session_step("2026-01-08"), headers={**headers, "If-Match": if_match}
    )

    assert_problem(response, 412)
    await assert_nothing_recorded(client, case["id"], headers, 2, head)


@pytest.mark.parametrize("if_match", ['"2"', '"1", "2"', '"9", "2"', "*"])
async def test_an_if_match_naming_the_current_version_among_others_succeeds(
    client: Client, tokens: Tokens, if_match: str
) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    await client.post(f"/cases/{case['id']}/steps", json=session_step(), headers=headers)

    response = await client.post(
        f"/cases/{case['id']}/steps", json=session_step("2026-01-08"), headers={**headers, "If-Match": if_match}
    )

    assert response.status_code == 201, response.text
    assert response.headers["etag"] == etag(3)


async def test_a_weak_tag_never_matches_even_the_current_version(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)

    response = await client.post(
        f"/cases/{case['id']}/steps", json=session_step(), headers={**headers, "If-Match": 'W/"1"'}
    )

    assert_problem(response, 412)


async def test_a_retried_first_contact_answers_the_first_answer_without_a_second_case(
    client: Client, tokens: Tokens
) -> None:
    headers = tokens.headers(COUNSELLOR, **{"Idempotency-Key": "first-contact-0815"})
    first = await client.post("/cases", json=case_body(), headers=headers)
    assert first.status_code == 201
    head = await log_position(client)

    retry = await client.post("/cases", json=case_body(), headers=headers)

    assert answer(retry) == answer(first)
    assert await log_position(client) == head
    listed = (await client.get("/cases", headers=headers)).json()["items"]
    assert [item["id"] for item in listed] == [first.json()["id"]]


async def test_a_retried_step_answers_the_first_answer_without_a_second_event(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    keyed = {**headers, "Idempotency-Key": "session-2026-01-07"}
    first = await client.post(f"/cases/{case['id']}/steps", json=session_step(), headers=keyed)
    assert first.status_code == 201
    head = await log_position(client)

    retry = await client.post(f"/cases/{case['id']}/steps", json=session_step(), headers=keyed)

    assert answer(retry) == answer(first)
    assert retry.json()["version"] == 2
    await assert_nothing_recorded(client, case["id"], headers, 2, head)


async def test_a_late_retry_answers_the_case_as_the_first_answer_left_it(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    keyed = {**headers, "Idempotency-Key": "k-1", "If-Match": etag(1)}
    first = await client.post(f"/cases/{case['id']}/steps", json=session_step(), headers=keyed)
    later = await client.post(f"/cases/{case['id']}/steps", json=session_step("2026-01-08"), headers=headers)
    assert (first.status_code, later.status_code) == (201, 201)
    head = await log_position(client)

    # The same request again, If-Match and all: the first answer, not a 412 for the version it moved on from.
    retry = await client.post(f"/cases/{case['id']}/steps", json=session_step(), headers=keyed)

    assert answer(retry) == answer(first)
    await assert_nothing_recorded(client, case["id"], headers, 3, head)


async def test_a_key_reused_for_another_request_is_422_and_records_nothing(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    other = await open_case(client, headers)
    keyed = {**headers, "Idempotency-Key": "reused"}
    assert (await client.post(f"/cases/{case['id']}/steps", json=session_step(), headers=keyed)).status_code == 201
    head = await log_position(client)

    another_body = await client.post(f"/cases/{case['id']}/steps", json=session_step(minutes=50), headers=keyed)
    another_case = await client.post(f"/cases/{other['id']}/steps", json=session_step(), headers=keyed)
    another_endpoint = await client.post("/cases", json=case_body(), headers=keyed)

    for response in (another_body, another_case, another_endpoint):
        assert_problem(response, 422)
    await assert_nothing_recorded(client, case["id"], headers, 2, head)
    assert await event_count(client, other["id"], headers) == 1


async def test_a_first_contact_key_reused_with_another_body_is_422(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR, **{"Idempotency-Key": "first-contact"})
    assert (await client.post("/cases", json=case_body(), headers=headers)).status_code == 201
    head = await log_position(client)

    response = await client.post("/cases", json=case_body(channel="phone"), headers=headers)

    assert_problem(response, 422)
    assert await log_position(client) == head


async def test_the_same_key_from_another_caller_is_a_separate_request(client: Client, tokens: Tokens) -> None:
    key = {"Idempotency-Key": "shared-key"}
    ayse = await client.post("/cases", json=case_body(), headers=tokens.headers(COUNSELLOR, **key))
    lea = await client.post("/cases", json=case_body(), headers=tokens.headers(LEAD, **key))
    carla = await client.post(
        "/cases", json=case_body(counsellor="carla", channel="phone"), headers=tokens.headers(OTHER_COUNSELLOR, **key)
    )

    assert [response.status_code for response in (ayse, lea, carla)] == [201, 201, 201]
    assert len({response.json()["id"] for response in (ayse, lea, carla)}) == 3
    assert [response.json()["agency"] for response in (ayse, lea, carla)] == ["koeln", "koeln", "bonn"]
    positions = [int(response.headers["lotse-position"]) for response in (ayse, lea, carla)]
    assert positions == sorted(set(positions))


async def test_the_same_step_key_from_another_caller_records_again(client: Client, tokens: Tokens) -> None:
    case = await open_case(client, tokens.headers(COUNSELLOR))
    key = {"Idempotency-Key": "session"}

    ayse = await client.post(
        f"/cases/{case['id']}/steps", json=session_step(), headers=tokens.headers(COUNSELLOR, **key)
    )
    lea = await client.post(f"/cases/{case['id']}/steps", json=session_step(), headers=tokens.headers(LEAD, **key))

    assert (ayse.json()["version"], lea.json()["version"]) == (2, 3)
    assert (await read_case(client, case["id"], tokens.headers(LEAD)))["version"] == 3


async def test_an_empty_idempotency_key_is_422(client: Client, tokens: Tokens) -> None:
    response = await client.post(
        "/cases", json=case_body(), headers=tokens.headers(COUNSELLOR, **{"Idempotency-Key": ""})
    )

    assert_problem(response, 422)
    assert await log_position(client) == 0


async def test_concurrent_retries_of_one_keyed_request_record_it_once(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    keyed = {**headers, "Idempotency-Key": "double-click"}

    answers = await asyncio.gather(
        *(client.post(f"/cases/{case['id']}/steps", json=session_step(), headers=keyed) for _ in range(6))
    )

    assert {answer(response) == answer(answers[0]) for response in answers} == {True}
    assert answers[0].json()["version"] == 2
    assert await event_count(client, case["id"], headers) == 2


async def test_a_retry_after_erasure_does_not_bring_the_personal_data_back(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR, **{"Idempotency-Key": "first-contact"})
    first = await client.post("/cases", json=case_body(), headers=headers)
    assert first.json()["personal"] is not None
    erased = await client.delete(f"/cases/{first.json()['id']}/personal-data", headers=tokens.headers(LEAD))
    assert erased.status_code == 204

    retry = await client.post("/cases", json=case_body(), headers=headers)

    assert retry.status_code == 201
    assert (retry.json()["id"], retry.json()["version"]) == (first.json()["id"], 1)
    assert retry.json()["personal"] is None
