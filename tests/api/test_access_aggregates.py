"""The role table for the endpoints that address no single case: projections, statistics and the audit."""

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
    Client,
    assert_problem,
    auth,
    open_case,
)

CALLERS: dict[str, Principal] = {
    "counsellor": COUNSELLOR,
    "lead": LEAD,
    "auditor": AUDITOR,
    "analyst": ANALYST,
    "funder_auditor": FUNDER_AUDITOR,
}
PERIOD = {"from": "2026-01-01", "to": "2026-12-31"}
ENDPOINTS: dict[str, tuple[str, dict[str, Any]]] = {
    "caseload": ("/caseload", {}),
    "caseload_page": ("/caseload", {"limit": 10}),
    "deadlines": ("/deadlines", {}),
    "esf": ("/statistics/esf", PERIOD),
    "esf_as_of": ("/statistics/esf", {**PERIOD, "as_of_position": 1}),
    "funnel": ("/statistics/funnel", {}),
    "audit_verify": ("/audit/verify", {}),
    "participant_export": ("/exports/participants", PERIOD),
    "activity": ("/statistics/activity", PERIOD),
    "reports": ("/reports", {}),
}
LIVE_FIGURES = ("caseload", "caseload_page", "esf", "esf_as_of", "funnel", "activity")
MATRIX = """
endpoint      counsellor  lead  auditor  analyst  funder_auditor
caseload      200         200   200      403      200
caseload_page 200         200   200      403      200
deadlines     200         200   200      403      200
esf           200         200   200      403      200
esf_as_of     200         200   200      403      200
funnel        200         200   200      403      200
audit_verify  403         403   200      403      200
participant_export 403    200   200      403      200
activity      200         200   200      403      200
reports       200         200   200      200      200
"""


def cells() -> list[Any]:
    header, *rows = (line.split() for line in MATRIX.strip().splitlines())
    return [
        pytest.param(endpoint, role, int(status), id=f"{endpoint}-{role}")
        for endpoint, *statuses in rows
        for role, status in zip(header[1:], statuses, strict=True)
    ]


def test_the_matrix_covers_every_endpoint_and_role() -> None:
    covered = {(cell.values[0], cell.values[1]) for cell in cells()}
    assert covered == {(endpoint, role) for endpoint in ENDPOINTS for role in CALLERS}


@pytest.mark.parametrize(("endpoint", "role", "status"), cells())
async def test_role_matrix_of_aggregate_endpoints(
    client: Client, tokens: Tokens, endpoint: str, role: str, status: int
) -> None:
    await open_case(client, tokens.headers(COUNSELLOR))
    path, params = ENDPOINTS[endpoint]

    response = await client.get(path, params=params, headers=tokens.headers(CALLERS[role]))

    if status >= 400:
        problem = assert_problem(response, status)
        if role == "analyst" and endpoint in LIVE_FIGURES:  # analysts read published reports instead (API.md, 0.2)
            assert problem.get("rule") == "analysts_read_published_reports", problem
    else:
        assert response.status_code == status, response.text


@pytest.mark.parametrize("credential", ["missing", "malformed", "forged", "expired"])
@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
async def test_a_missing_or_bad_token_is_401_on_every_aggregate_endpoint(
    client: Client, tokens: Tokens, endpoint: str, credential: str
) -> None:
    headers = {
        "missing": {},
        "malformed": auth("not-a-token"),
        "forged": auth(tokens.forged(AUDITOR)),
        "expired": auth(tokens.expired(AUDITOR)),
    }[credential]
    path, params = ENDPOINTS[endpoint]

    response = await client.get(path, params=params, headers=headers)

    assert_problem(response, 401)
