"""`GET /audit/verify`: auditors of any agency recompute the log's hash chain; everyone else is refused."""

import re

import pytest

from application.ports import Principal
from infrastructure.settings import Settings
from tests.api.conftest import Tokens
from tests.api.helpers import (
    ANALYST,
    AUDITOR,
    COUNSELLOR,
    FUNDER_AUDITOR,
    LEAD,
    Client,
    assert_problem,
    log_position,
    open_case,
    session_step,
)
from tests.raw_log import RawLog


async def record(client: Client, tokens: Tokens, sessions: int = 3) -> str:
    """One case with `sessions` counselling sessions of 45 minutes; answers its id."""
    case = await open_case(client, tokens.headers(COUNSELLOR))
    for day in range(sessions):
        response = await client.post(
            f"/cases/{case['id']}/steps",
            json=session_step(f"2026-01-{7 + day:02d}"),
            headers=tokens.headers(COUNSELLOR),
        )
        assert response.status_code == 201, response.text
    return str(case["id"])


@pytest.mark.parametrize("auditor", [AUDITOR, FUNDER_AUDITOR], ids=["agency", "all-agencies"])
async def test_an_auditor_verifies_the_whole_log(client: Client, tokens: Tokens, auditor: Principal) -> None:
    await record(client, tokens)
    head = await log_position(client)

    response = await client.get("/audit/verify", headers=tokens.headers(auditor))

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["ok"] is True
    assert report["events_checked"] == 4
    assert report["position"] == head
    assert re.fullmatch(r"[0-9a-f]{64}", report["head"])
    assert report["first_bad_position"] is None
    assert report["problem"] is None


async def test_an_empty_log_verifies(client: Client, tokens: Tokens) -> None:
    response = await client.get("/audit/verify", headers=tokens.headers(AUDITOR))

    assert response.status_code == 200, response.text
    assert response.json() == {
        "ok": True,
        "events_checked": 0,
        "head": "0" * 64,
        "position": 0,
        "first_bad_position": None,
        "checkpoints_checked": 0,
        "problem": None,
        "access_log": {
            "ok": True,
            "entries_checked": 0,
            "head": "0" * 64,
            "last_id": 0,
            "first_bad_id": None,
            "checkpoints_checked": 0,
            "problem": None,
        },
    }


@pytest.mark.parametrize("who", [COUNSELLOR, LEAD, ANALYST], ids=lambda who: who.role)
async def test_only_auditors_may_verify(client: Client, tokens: Tokens, who: Principal) -> None:
    response = await client.get("/audit/verify", headers=tokens.headers(who))

    assert_problem(response, 403)


async def test_verifying_needs_a_token(client: Client) -> None:
    assert_problem(await client.get("/audit/verify"), 401)


async def test_an_altered_event_is_reported_at_its_position(client: Client, tokens: Tokens, settings: Settings) -> None:
    await record(client, tokens)
    raw = RawLog(settings)
    position, *_, payload = raw.rows()[2]
    assert b"45" in payload
    raw.set_payload(position, payload.replace(b"45", b"46", 1))  # a session of 46 minutes, still valid JSON

    response = await client.get("/audit/verify", headers=tokens.headers(FUNDER_AUDITOR))

    assert response.status_code == 200, response.text
    report = response.json()
    assert report["ok"] is False
    assert report["first_bad_position"] == position
    assert report["events_checked"] == 2
    assert f"position {position}" in report["problem"]


async def test_the_read_access_log_is_verified_too_and_a_changed_entry_is_named(
    client: Client, tokens: Tokens, settings: Settings
) -> None:
    case_id = await record(client, tokens)
    for _ in range(3):
        assert (await client.get(f"/cases/{case_id}", headers=tokens.headers(COUNSELLOR))).status_code == 200
    raw = RawLog(settings)
    second = int(raw.access_entries()[1][0])

    verified = (await client.get("/audit/verify", headers=tokens.headers(AUDITOR))).json()["access_log"]
    assert (verified["ok"], verified["entries_checked"], verified["first_bad_id"]) == (True, 3, None)

    raw.change_access_entry(second, "nobody")
    report = (await client.get("/audit/verify", headers=tokens.headers(AUDITOR))).json()
    assert report["ok"] is True  # the event log's verdict is the event log's
    assert (report["access_log"]["ok"], report["access_log"]["first_bad_id"]) == (False, second)
    assert f"entry {second}" in report["access_log"]["problem"]


async def test_the_schema_documents_the_endpoint(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()

    operation = schema["paths"]["/audit/verify"]["get"]
    assert {"200", "401", "403"} <= set(operation["responses"])
    properties = schema["components"]["schemas"]["AuditReport"]["properties"]
    assert {"ok", "events_checked", "head", "first_bad_position", "access_log"} <= set(properties)
    access = schema["components"]["schemas"]["AccessLogReport"]["properties"]
    assert {"ok", "entries_checked", "head", "last_id", "first_bad_id", "problem"} <= set(access)
