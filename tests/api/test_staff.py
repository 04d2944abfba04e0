"""`GET /staff`: a lead reads her agency's staff (name, role, active) to reassign the cases of someone who left, and
only to someone who may be given them; nobody else reads it, and no other agency's staff show."""

import pytest

from infrastructure.settings import Settings
from tests.api.conftest import Tokens
from tests.api.helpers import (
    AGENCY,
    ANALYST,
    AUDITOR,
    COUNSELLOR,
    FUNDER_AUDITOR,
    LEAD,
    OTHER_LEAD,
    SECOND_COUNSELLOR,
    TODAY,
    Client,
    assert_problem,
    open_case,
)
from tests.api.test_revocation import in_directory

KOELN_STAFF = [
    {"subject": "anna", "role": "analyst", "active": True},
    {"subject": "ayse", "role": "counsellor", "active": True},
    {"subject": "ben", "role": "counsellor", "active": True},
    {"subject": "lea", "role": "lead", "active": True},
    {"subject": "otto", "role": "auditor", "active": True},
]


async def test_a_lead_reads_her_agencys_staff_by_name_and_no_other_agencys(client: Client, tokens: Tokens) -> None:
    answer = await client.get("/staff", headers=tokens.headers(LEAD))

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"items": KOELN_STAFF}
    assert "no-store" not in answer.headers.get("cache-control", "")  # names of staff, not of clients
    other = (await client.get("/staff", headers=tokens.headers(OTHER_LEAD))).json()["items"]
    assert [member["subject"] for member in other] == ["carla", "lena"]


async def test_someone_who_left_is_listed_inactive_and_can_be_given_no_case(
    client: Client, tokens: Tokens, settings: Settings
) -> None:
    case = await open_case(client, tokens.headers(COUNSELLOR))
    in_directory(settings, lambda staff: staff.deactivate(AGENCY, SECOND_COUNSELLOR.subject))
    lead = tokens.headers(LEAD)

    everyone = (await client.get("/staff", headers=lead)).json()["items"]
    assert {"subject": "ben", "role": "counsellor", "active": False} in everyone
    assignable = (await client.get("/staff", params={"active": "true"}, headers=lead)).json()["items"]
    assert "ben" not in [member["subject"] for member in assignable]
    left = (await client.get("/staff", params={"active": "false"}, headers=lead)).json()["items"]
    assert left == [{"subject": "ben", "role": "counsellor", "active": False}]

    step = {"type": "counsellor_assigned", "date": TODAY.isoformat(), "counsellor": "ben"}
    refused = await client.post(f"/cases/{case['id']}/steps", json=step, headers=lead)
    assert_problem(refused, 409, rule="counsellor_active_in_agency")


async def test_the_lists_filters_combine(client: Client, tokens: Tokens) -> None:
    lead = tokens.headers(LEAD)

    counsellors = (await client.get("/staff", params={"role": "counsellor"}, headers=lead)).json()["items"]
    assert counsellors == [member for member in KOELN_STAFF if member["role"] == "counsellor"]
    none = await client.get("/staff", params={"role": "lead", "active": "false"}, headers=lead)
    assert none.json() == {"items": []}


@pytest.mark.parametrize("who", [COUNSELLOR, AUDITOR, ANALYST, FUNDER_AUDITOR], ids=lambda who: who.subject)
async def test_only_leads_read_the_staff(client: Client, tokens: Tokens, who: object) -> None:
    assert_problem(await client.get("/staff", headers=tokens.headers(who)), 403)  # type: ignore[arg-type]


async def test_a_role_that_is_none_is_named(client: Client, tokens: Tokens) -> None:
    problem = assert_problem(await client.get("/staff", params={"role": "boss"}, headers=tokens.headers(LEAD)), 422)
    assert problem["errors"] == [{"field": "role", "message": "Invalid enum value 'boss'"}]


async def test_without_a_token_nothing(client: Client) -> None:
    assert_problem(await client.get("/staff"), 401)
