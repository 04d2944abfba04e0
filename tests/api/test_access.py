"""Who may do what: API.md's role table as one matrix over roles, endpoints and the case's agency; bad tokens."""

import base64
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from application.ports import Principal
from infrastructure.bootstrap import bootstrap
from infrastructure.settings import Settings
from tests.api.conftest import FixedClock, Tokens
from tests.api.helpers import (
    ANALYST,
    AUDITOR,
    COUNSELLOR,
    FUNDER_AUDITOR,
    LEAD,
    OTHER_COUNSELLOR,
    OTHER_LEAD,
    SECOND_COUNSELLOR,
    Client,
    Json,
    assert_problem,
    auth,
    case_body,
    log_position,
    open_case,
    read_case,
    session_step,
)

CALLERS = {
    "counsellor": COUNSELLOR,
    "lead": LEAD,
    "auditor": AUDITOR,
    "analyst": ANALYST,
    "funder_auditor": FUNDER_AUDITOR,  # an auditor whose agency is `*`
}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # `{case_id}` is filled with the target case's id
    body: Json | None = None

    @property
    def writes(self) -> bool:
        return self.method in ("POST", "DELETE")

    async def call(self, client: Client, case_id: str, headers: dict[str, str]) -> httpx.Response:
        return await client.request(self.method, self.path.format(case_id=case_id), json=self.body, headers=headers)


ENDPOINTS = {
    "open_case": Endpoint("POST", "/cases", case_body(counsellor="ayse")),
    "record_step": Endpoint("POST", "/cases/{case_id}/steps", session_step("2026-02-02")),
    "reassign": Endpoint(
        "POST", "/cases/{case_id}/steps", {"type": "counsellor_assigned", "date": "2026-02-02", "counsellor": "ben"}
    ),
    "erase": Endpoint("DELETE", "/cases/{case_id}/personal-data"),
    "read_case": Endpoint("GET", "/cases/{case_id}"),
    "read_history": Endpoint("GET", "/cases/{case_id}/history"),
    "list_cases": Endpoint("GET", "/cases"),
}

# API.md's role table as statuses: "own/foreign" is the answer for a case of the caller's agency / of another
# agency (a foreign case does not exist for the caller: 404); a single status where no case is addressed.
MATRIX = """
endpoint       counsellor  lead     auditor  analyst  funder_auditor
open_case      201         201      403      403      403
record_step    201/404     201/404  403/403  403/403  403/403
reassign       403/403     201/404  403/403  403/403  403/403
erase          403/403     204/404  403/403  403/403  403/403
read_case      200/404     200/404  200/404  403/403  200/200
read_history   200/404     200/404  200/404  403/403  200/200
list_cases     200         200      200      403      200
"""


def matrix_cells() -> list[Any]:
    header, *rows = (line.split() for line in MATRIX.strip().splitlines())
    cells = []
    for endpoint, *statuses in rows:
        for role, cell in zip(header[1:], statuses, strict=True):
            for target, status in zip(("own", "foreign"), cell.split("/"), strict=False):
                cells.append(pytest.param(endpoint, role, target, int(status), id=f"{endpoint}-{role}-{target}"))
    return cells


def test_the_matrix_covers_every_role_and_endpoint() -> None:
    cells = {(values[0], values[1]) for values in (cell.values for cell in matrix_cells())}
    assert cells == {(endpoint, role) for endpoint in ENDPOINTS for role in CALLERS}


@pytest.mark.parametrize(("endpoint_name", "role", "target", "status"), matrix_cells())
async def test_role_endpoint_agency_matrix(
    client: Client, tokens: Tokens, endpoint_name: str, role: str, target: str, status: int
) -> None:
    own = await open_case(client, tokens.headers(COUNSELLOR))
    foreign = await open_case(client, tokens.headers(OTHER_COUNSELLOR), counsellor="carla")
    case, its_lead = (own, LEAD) if target == "own" else (foreign, OTHER_LEAD)
    caller = CALLERS[role]
    endpoint = ENDPOINTS[endpoint_name]
    head = await log_position(client)

    response = await endpoint.call(client, case["id"], tokens.headers(caller))

    if status >= 400:
        assert_problem(response, status)
        assert await log_position(client) == head
        assert (await read_case(client, case["id"], tokens.headers(its_lead)))["version"] == 1
        return
    assert response.status_code == status, response.text
    if endpoint_name == "open_case":
        opened = response.json()
        assert (opened["agency"], opened["version"]) == (caller.agency, 1)
    elif endpoint.writes:
        assert await log_position(client) == head + 1
        assert (await read_case(client, case["id"], tokens.headers(its_lead)))["version"] == 2
    else:
        assert await log_position(client) == head
        assert_readable(endpoint_name, response.json(), caller, own, foreign, case)


def assert_readable(endpoint: str, body: Json, caller: Principal, own: Json, foreign: Json, case: Json) -> None:
    """What a reader gets: the case (personal data only for counselling roles) or the list of its agency."""
    sees_personal = caller.role in ("counsellor", "lead")
    if endpoint == "list_cases":
        expected = {own["id"], foreign["id"]} if caller.agency == "*" else {own["id"]}
        assert {item["id"] for item in body["items"]} == expected
    elif endpoint == "read_case":
        assert (body["id"], body["agency"]) == (case["id"], case["agency"])
        assert (body["personal"] is not None) is sees_personal
    else:
        assert body["id"] == case["id"]
        opened = body["events"][0]
        assert opened["type"] == "case_opened"
        assert (opened["data"]["personal"] is not None) is sees_personal


def bad_credentials(tokens: Tokens) -> dict[str, dict[str, str]]:
    good = tokens.token(COUNSELLOR)
    prefix, payload, signature = good.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    promoted = base64.urlsafe_b64encode(json.dumps({**claims, "role": "lead"}).encode()).rstrip(b"=").decode()
    return {
        "missing": {},
        "empty": {"Authorization": "Bearer "},
        "other-scheme": {"Authorization": f"Basic {good}"},
        "malformed": auth("not-a-token"),
        "truncated": auth(f"{prefix}.{payload}"),
        "forged-signature": auth(tokens.forged(COUNSELLOR)),
        "tampered-claims": auth(f"{prefix}.{promoted}.{signature}"),
        "expired": auth(tokens.expired(COUNSELLOR)),
    }


CREDENTIALS = ["missing", "empty", "other-scheme", "malformed", "truncated", "forged-signature", "tampered-claims"]


@pytest.mark.parametrize("credential", [*CREDENTIALS, "expired"])
@pytest.mark.parametrize("endpoint_name", list(ENDPOINTS))
async def test_a_missing_or_bad_token_is_401_on_every_protected_endpoint(
    client: Client, tokens: Tokens, endpoint_name: str, credential: str
) -> None:
    case = await open_case(client, tokens.headers(COUNSELLOR))
    head = await log_position(client)

    response = await ENDPOINTS[endpoint_name].call(client, case["id"], bad_credentials(tokens)[credential])

    assert_problem(response, 401)
    assert response.headers["www-authenticate"].lower().startswith("bearer")
    assert await log_position(client) == head


async def test_a_token_expires_at_its_end(client: Client, tokens: Tokens, clock: FixedClock) -> None:
    token = tokens.token(COUNSELLOR, valid_for=timedelta(hours=1))
    assert (await client.get("/cases", headers=auth(token))).status_code == 200
    clock.advance(timedelta(minutes=59, seconds=59))
    assert (await client.get("/cases", headers=auth(token))).status_code == 200
    clock.advance(timedelta(seconds=1))
    assert_problem(await client.get("/cases", headers=auth(token)), 401)


@pytest.mark.parametrize("path", ["/health", "/schema", "/schema/openapi.json"])
async def test_health_and_schema_need_no_token(client: Client, tokens: Tokens, path: str) -> None:
    without = await client.get(path)
    with_a_bad_one = await client.get(path, headers=auth("not-a-token"))

    assert without.status_code == 200, without.text
    assert with_a_bad_one.status_code == 200, with_a_bad_one.text


async def test_the_health_answer(client: Client) -> None:
    response = await client.get("/health")

    assert response.json() == {"status": "ok"}


async def test_a_lead_of_another_agency_cannot_find_the_case_even_by_guessing_its_id(
    client: Client, tokens: Tokens
) -> None:
    case = await open_case(client, tokens.headers(COUNSELLOR))
    headers = tokens.headers(OTHER_LEAD)

    for response in (
        await client.get(f"/cases/{case['id']}", params={"as_of_version": 1}, headers=headers),
        await client.get(f"/cases/{case['id']}", params={"as_of": "2026-06-01T08:00:00Z"}, headers=headers),
    ):
        problem = assert_problem(response, 404)
        assert "koeln" not in problem["detail"]
    assert (await client.get("/cases", headers=headers)).json()["items"] == []


async def test_a_counsellor_who_left_is_locked_out_at_once(client: Client, tokens: Tokens, settings: Settings) -> None:
    token = tokens.headers(SECOND_COUNSELLOR)
    directory = bootstrap(settings)
    try:
        assert directory.staff.deactivate(SECOND_COUNSELLOR.agency, SECOND_COUNSELLOR.subject)
    finally:
        directory.close()

    assert_problem(await client.get("/cases", headers=token), 401)
    assert_problem(await client.post("/cases", json=case_body(counsellor="ben"), headers=token), 401)
    assert (await client.get("/cases", headers=tokens.headers(COUNSELLOR))).status_code == 200


async def test_a_counsellor_never_registered_as_staff_is_not_let_in(client: Client, tokens: Tokens) -> None:
    stranger = Principal(subject="mallory", role="counsellor", agency=COUNSELLOR.agency)
    assert_problem(await client.get("/cases", headers=tokens.headers(stranger)), 401)
