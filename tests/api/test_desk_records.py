"""Short contacts and outreach events over HTTP (API.md, "The desk's other work"): recorded by counsellors and leads
of an agency, listed to the agency's readers, refused with problems that name the field or rule, never half-written."""

from typing import Any

import pytest

from application.ports import Principal
from tests.api.conftest import Tokens
from tests.api.helpers import (
    ANALYST,
    AUDITOR,
    COUNSELLOR,
    FUNDER_AUDITOR,
    LEAD,
    OTHER_COUNSELLOR,
    TODAY,
    Client,
    Json,
    assert_problem,
    error_fields,
    log_position,
)

CONTACT: Json = {"date": "2026-05-04", "mode": "phone", "language": "tr", "topic": "recognition"}
OUTREACH: Json = {
    "date": "2026-05-12",
    "title": "Infoabend im Integrationskurs",
    "kind": "integration_course",
    "language": "ru",
    "attendees": 18,
}


async def post(client: Client, path: str, body: Json, who: Principal, tokens: Tokens, **headers: str) -> Json:
    response = await client.post(path, json=body, headers=tokens.headers(who, **headers))
    assert response.status_code == 201, response.text
    answer: Json = response.json()
    answer["_position"] = int(response.headers["Lotse-Position"])
    answer["_replayed"] = response.headers["Idempotent-Replayed"]
    return answer


async def listed(client: Client, path: str, who: Principal, tokens: Tokens, **query: Any) -> Json:
    response = await client.get(path, params=query, headers=tokens.headers(who))
    assert response.status_code == 200, response.text
    page: Json = response.json()
    return page


async def test_a_counsellor_records_a_short_contact_and_the_desk_lists_it(client: Client, tokens: Tokens) -> None:
    recorded = await post(client, "/contacts", {**CONTACT, "referred_to": "chamber"}, COUNSELLOR, tokens)

    assert {key: recorded[key] for key in (*CONTACT, "referred_to", "agency", "recorded_by")} == {
        **CONTACT,
        "referred_to": "chamber",
        "agency": "koeln",
        "recorded_by": "ayse",
    }
    assert recorded["_replayed"] == "false"
    for reader in (COUNSELLOR, LEAD, AUDITOR):
        page = await listed(client, "/contacts", reader, tokens, min_position=recorded["_position"])
        assert [item["id"] for item in page["items"]] == [recorded["id"]], reader
        assert page["items"][0]["recorded_at"] == recorded["recorded_at"]
        assert page["next_cursor"] is None


async def test_a_lead_records_an_outreach_event_and_the_desk_lists_it(client: Client, tokens: Tokens) -> None:
    recorded = await post(client, "/outreach-events", OUTREACH, LEAD, tokens)

    assert {key: recorded[key] for key in OUTREACH} == OUTREACH
    assert (recorded["agency"], recorded["recorded_by"]) == ("koeln", "lea")
    page = await listed(client, "/outreach-events", AUDITOR, tokens, min_position=recorded["_position"])
    assert [item["id"] for item in page["items"]] == [recorded["id"]]


@pytest.mark.parametrize(("path", "body"), [("/contacts", CONTACT), ("/outreach-events", OUTREACH)])
async def test_the_lists_filter_by_period_and_page_newest_first(
    client: Client, tokens: Tokens, path: str, body: Json
) -> None:
    days = ["2026-01-31", "2026-02-01", "2026-02-01", "2026-02-15", "2026-02-28", "2026-03-01", str(TODAY)]
    ids = {day: [] for day in days}  # type: dict[str, list[str]]
    position = 0
    for day in days:
        recorded = await post(client, path, {**body, "date": day}, COUNSELLOR, tokens)
        ids[day].append(recorded["id"])
        position = recorded["_position"]

    february = await listed(
        client, path, LEAD, tokens, min_position=position, **{"from": "2026-02-01", "to": "2026-02-28"}
    )
    assert [item["date"] for item in february["items"]] == ["2026-02-28", "2026-02-15", "2026-02-01", "2026-02-01"]
    walked: list[Json] = []
    cursor = None
    while True:
        page = await listed(client, path, LEAD, tokens, limit=2, **({"cursor": cursor} if cursor else {}))
        walked += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [item["date"] for item in walked] == sorted(days, reverse=True)
    assert sorted(item["id"] for item in walked) == sorted(i for day in ids.values() for i in day)
    since = await listed(client, path, LEAD, tokens, **{"from": "2026-03-01"})
    assert [item["date"] for item in since["items"]] == [str(TODAY), "2026-03-01"]


@pytest.mark.parametrize(("path", "body"), [("/contacts", CONTACT), ("/outreach-events", OUTREACH)])
async def test_roles_and_agencies(client: Client, tokens: Tokens, path: str, body: Json) -> None:
    mine = await post(client, path, body, COUNSELLOR, tokens)
    theirs = await post(client, path, body, OTHER_COUNSELLOR, tokens)

    for refused in (AUDITOR, ANALYST, FUNDER_AUDITOR):
        assert_problem(await client.post(path, json=body, headers=tokens.headers(refused)), 403)
    assert_problem(await client.get(path, headers=tokens.headers(ANALYST)), 403)
    own = await listed(client, path, COUNSELLOR, tokens, min_position=theirs["_position"])
    assert [item["id"] for item in own["items"]] == [mine["id"]]  # another agency's are not listed
    ignored = await listed(client, path, AUDITOR, tokens, agency="bonn")
    assert [item["id"] for item in ignored["items"]] == [mine["id"]]  # only a `*` token chooses the agency
    everyone = await listed(client, path, FUNDER_AUDITOR, tokens)
    assert {item["id"] for item in everyone["items"]} == {mine["id"], theirs["id"]}
    bonn = await listed(client, path, FUNDER_AUDITOR, tokens, agency="bonn")
    assert [item["id"] for item in bonn["items"]] == [theirs["id"]]


@pytest.mark.parametrize(
    ("path", "body", "changes", "fields"),
    [
        ("/contacts", CONTACT, {"language": "TR"}, ["language"]),
        ("/contacts", CONTACT, {"language": "tur"}, ["language"]),
        ("/contacts", CONTACT, {"mode": "fax"}, ["mode"]),
        ("/contacts", CONTACT, {"topic": "weather"}, ["topic"]),
        ("/contacts", CONTACT, {"referred_to": "a friend"}, ["referred_to"]),
        ("/contacts", CONTACT, {"name": "Ayşe Yılmaz"}, ["name"]),
        ("/contacts", {key: value for key, value in CONTACT.items() if key != "topic"}, {}, ["topic"]),
        ("/outreach-events", OUTREACH, {"attendees": -1}, ["attendees"]),
        ("/outreach-events", OUTREACH, {"attendees": 100_001}, ["attendees"]),
        ("/outreach-events", OUTREACH, {"title": ""}, ["title"]),
        ("/outreach-events", OUTREACH, {"kind": "party"}, ["kind"]),
        ("/outreach-events", OUTREACH, {"date": "2026-02-30"}, ["date"]),
    ],
)
async def test_bad_input_is_a_problem_naming_the_field_and_records_nothing(
    client: Client, tokens: Tokens, path: str, body: Json, changes: Json, fields: list[str]
) -> None:
    head = await log_position(client)

    response = await client.post(path, json={**body, **changes}, headers=tokens.headers(COUNSELLOR))

    assert_problem(response, 422)
    assert error_fields(response) == fields
    assert await log_position(client) == head


@pytest.mark.parametrize(("path", "body"), [("/contacts", CONTACT), ("/outreach-events", OUTREACH)])
async def test_a_date_in_the_future_is_refused_naming_the_rule(
    client: Client, tokens: Tokens, path: str, body: Json
) -> None:
    head = await log_position(client)

    response = await client.post(path, json={**body, "date": "2026-06-02"}, headers=tokens.headers(COUNSELLOR))

    problem = assert_problem(response, 422, rule="date_not_in_future")
    assert [error["field"] for error in problem["errors"]] == ["date"]
    assert await log_position(client) == head
    await post(client, path, {**body, "date": str(TODAY)}, COUNSELLOR, tokens)  # today is fine


@pytest.mark.parametrize(("path", "body"), [("/contacts", CONTACT), ("/outreach-events", OUTREACH)])
async def test_a_retry_with_the_idempotency_key_records_once(
    client: Client, tokens: Tokens, path: str, body: Json
) -> None:
    first = await post(client, path, body, COUNSELLOR, tokens, **{"Idempotency-Key": "desk-1"})
    head = await log_position(client)

    again = await post(client, path, body, COUNSELLOR, tokens, **{"Idempotency-Key": "desk-1"})

    assert again["_replayed"] == "true"
    assert {key: value for key, value in again.items() if key != "_replayed"} == {
        key: value for key, value in first.items() if key != "_replayed"
    }
    assert await log_position(client) == head
    other = await client.post(
        path, json={**body, "date": "2026-05-01"}, headers=tokens.headers(COUNSELLOR, **{"Idempotency-Key": "desk-1"})
    )
    assert_problem(other, 422, rule="idempotency_key_unique")
    someone_else = await post(client, path, body, LEAD, tokens, **{"Idempotency-Key": "desk-1"})
    assert someone_else["id"] != first["id"]  # a key counts for its caller alone


@pytest.mark.parametrize("path", ["/contacts", "/outreach-events"])
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"from": "2026-03-01", "to": "2026-02-01"}, "to"),
        ({"from": "March"}, "from"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"limit": 0}, "limit"),
        ({"min_position": 10**9}, "min_position"),
    ],
)
async def test_bad_list_queries_name_the_parameter(
    client: Client, tokens: Tokens, path: str, query: Json, field: str
) -> None:
    response = await client.get(path, params=query, headers=tokens.headers(LEAD))

    assert_problem(response, 422)
    assert error_fields(response) == [field]
