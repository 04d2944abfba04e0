"""API.md 0.2 "Authentication and roles" over HTTP: every token is checked against the staff directory, claims no
issuer writes are refused, and failed authentications are rate limited per client address.

The directory is changed as `lotse` changes it, before the token is first used: an API process keeps the
directory's answer about a person for up to five seconds (tests/integration/test_revocation.py checks that bound).
"""

import dataclasses
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from application.ports import Principal
from infrastructure.auth.staff import SqlStaffDirectory
from infrastructure.bootstrap import bootstrap
from infrastructure.settings import Settings
from tests.api.conftest import FixedClock, Tokens
from tests.api.helpers import (
    AGENCY,
    ANALYST,
    AUDITOR,
    COUNSELLOR,
    FUNDER_AUDITOR,
    LEAD,
    SECOND_COUNSELLOR,
    Client,
    assert_problem,
    auth,
    open_case,
)


def in_directory(settings: Settings, change: Callable[[SqlStaffDirectory], Any]) -> Any:
    """Changes the staff directory from another process's Lotse, as the `lotse` command does."""
    lotse = bootstrap(settings)
    try:
        return change(lotse.staff)
    finally:
        lotse.close()


async def test_a_demoted_leads_old_token_is_refused(client: Client, tokens: Tokens, settings: Settings) -> None:
    old = tokens.headers(LEAD)
    generation = in_directory(settings, lambda staff: staff.register(AGENCY, LEAD.subject, "counsellor"))
    new = auth(tokens.token(dataclasses.replace(LEAD, role="counsellor"), generation=generation))

    assert_problem(await client.get("/caseload", headers=old), 401)
    assert_problem(await client.get("/cases", headers=old), 401)
    assert (await client.get("/cases", headers=new)).status_code == 200
    case = await open_case(client, new)
    reassign = {"type": "counsellor_assigned", "date": "2026-05-01", "counsellor": "ben"}
    assert_problem(await client.post(f"/cases/{case['id']}/steps", json=reassign, headers=new), 403)


async def test_a_new_token_for_someone_deactivated_does_not_revive_her_old_one(
    client: Client, tokens: Tokens, settings: Settings
) -> None:
    old = tokens.headers(SECOND_COUNSELLOR)

    def leave_and_return(staff: SqlStaffDirectory) -> int:
        assert staff.deactivate(AGENCY, SECOND_COUNSELLOR.subject)
        return staff.register(AGENCY, SECOND_COUNSELLOR.subject, "counsellor")  # as `lotse token issue` does

    generation = in_directory(settings, leave_and_return)

    assert_problem(await client.get("/cases", headers=old), 401)
    assert (await client.get("/cases", headers=auth(tokens.token(SECOND_COUNSELLOR, generation=generation)))).is_success


@pytest.mark.parametrize("who", [AUDITOR, ANALYST, FUNDER_AUDITOR], ids=lambda who: f"{who.role}@{who.agency}")
async def test_auditors_and_analysts_who_left_are_refused(
    client: Client, tokens: Tokens, settings: Settings, who: Principal
) -> None:
    token = tokens.headers(who)
    assert in_directory(settings, lambda staff: staff.deactivate(who.agency, who.subject))

    assert_problem(await client.get("/reports", headers=token), 401)
    assert_problem(await client.get("/cases", headers=token), 401)
    colleague = dataclasses.replace(who, subject="colleague")
    in_directory(settings, lambda staff: staff.register(who.agency, "colleague", who.role))
    assert (await client.get("/reports", headers=tokens.headers(colleague))).is_success


async def test_revoked_tokens_are_refused_and_later_ones_accepted(
    client: Client, tokens: Tokens, settings: Settings, clock: FixedClock
) -> None:
    phone, laptop = tokens.headers(COUNSELLOR), auth(tokens.token(COUNSELLOR, valid_for=timedelta(days=30)))
    revoked = in_directory(settings, lambda staff: staff.revoke(COUNSELLOR.subject))
    assert revoked == [AGENCY]
    generation = in_directory(settings, lambda staff: staff.register(AGENCY, COUNSELLOR.subject, "counsellor"))

    assert_problem(await client.get("/cases", headers=phone), 401)
    assert_problem(await client.get("/cases", headers=laptop), 401)
    assert (await client.get("/cases", headers=auth(tokens.token(COUNSELLOR, generation=generation)))).is_success
    assert (await client.get("/cases", headers=tokens.headers(LEAD))).is_success


def claims(tokens: Tokens, clock: FixedClock, **changes: Any) -> str:
    """An auditor's token as `lotse token issue` writes it (but without `gen`, like 0.1's), with `changes`."""
    now = int(clock().timestamp())
    sane = {"sub": AUDITOR.subject, "role": "auditor", "agency": AGENCY, "iat": now, "exp": now + HOUR}
    return tokens.signed(sane | changes)


HOUR = 3600
INSANE_CLAIMS: dict[str, Callable[[int], dict[str, Any]]] = {
    "empty subject": lambda now: {"sub": ""},
    "empty agency": lambda now: {"agency": ""},
    "unknown role": lambda now: {"role": "janitor"},
    "counsellor of every agency": lambda now: {"role": "counsellor", "agency": "*", "sub": COUNSELLOR.subject},
    "subject with a line break": lambda now: {"sub": f"{AUDITOR.subject}\n"},
    "issued in the future": lambda now: {"iat": now + 2 * HOUR, "exp": now + 3 * HOUR},
    "expiring before it was issued": lambda now: {"iat": now + 30, "exp": now + 10},
    "valid for more than a year": lambda now: {"iat": now - HOUR, "exp": now + 400 * 24 * HOUR},
    "negative generation": lambda now: {"gen": -1},
}


@pytest.mark.parametrize("case", list(INSANE_CLAIMS))
async def test_claims_no_issuer_writes_are_refused_even_when_signed(
    client: Client, tokens: Tokens, clock: FixedClock, case: str
) -> None:
    changes = INSANE_CLAIMS[case](int(clock().timestamp()))
    assert (await client.get("/audit/verify", headers=auth(claims(tokens, clock)))).is_success  # the sane original

    assert_problem(await client.get("/audit/verify", headers=auth(claims(tokens, clock, **changes))), 401)


async def test_a_token_of_release_0_1_without_a_generation_is_accepted(
    client: Client, tokens: Tokens, clock: FixedClock
) -> None:
    assert (await client.get("/audit/verify", headers=auth(claims(tokens, clock)))).is_success  # no `gen` claim


async def test_failed_authentications_are_limited_per_address_and_successes_are_not(
    client: Client, tokens: Tokens, settings: Settings
) -> None:
    bad = auth(tokens.forged(COUNSELLOR))
    for _ in range(settings.auth_failures_per_minute):
        assert_problem(await client.get("/cases", headers=bad), 401)

    limited = assert_problem(await client.get("/cases", headers=bad), 429)
    response = await client.get("/cases")
    assert_problem(response, 429)
    assert 1 <= int(response.headers["retry-after"]) <= 60 // settings.auth_failures_per_minute + 1
    assert "failed authentications" in limited["detail"]
    for _ in range(3 * settings.auth_failures_per_minute):
        assert (await client.get("/cases", headers=tokens.headers(COUNSELLOR))).status_code == 200
