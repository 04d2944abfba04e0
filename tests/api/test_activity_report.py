"""GET /statistics/activity over HTTP: the figures of cases' sessions, first contacts and referrals, as of a position,
in CSV; analysts read it as a published report (GET /reports), not live."""

from typing import Any

from tests.api.conftest import Tokens
from tests.api.helpers import (
    ANALYST,
    COUNSELLOR,
    LEAD,
    Client,
    assert_problem,
    case_body,
    log_position,
    open_case,
    session_step,
)

ACTIVITY = "/statistics/activity"
PERIOD = {"from": "2026-01-01", "to": "2026-01-31"}


async def report(client: Client, tokens: Tokens, who: Any = LEAD, **params: Any) -> Any:
    response = await client.get(
        ACTIVITY, params={**PERIOD, "min_position": await log_position(client), **params}, headers=tokens.headers(who)
    )
    assert response.status_code == 200, response.text
    return response.json()


async def record(client: Client, tokens: Tokens, case_id: str, step: dict[str, Any]) -> None:
    response = await client.post(f"/cases/{case_id}/steps", json=step, headers=tokens.headers(COUNSELLOR))
    assert response.status_code == 201, response.text


async def test_sessions_persons_and_referrals_of_the_period(client: Client, tokens: Tokens) -> None:
    writer = tokens.headers(COUNSELLOR)
    turkish = await open_case(client, writer)
    local = await open_case(
        client, writer, first_contact_on="2026-01-20", profile={**case_body()["profile"], "foreign_background": False}
    )
    earlier = await open_case(client, writer, first_contact_on="2025-12-01")
    await record(client, tokens, turkish["id"], session_step("2026-01-07", language="tr", interpreter=True))
    await record(client, tokens, turkish["id"], session_step("2026-01-14", mode="phone", language="tr"))
    await record(client, tokens, local["id"], session_step("2026-01-21", mode="video"))
    await record(client, tokens, earlier["id"], session_step("2025-12-15"))  # before the period
    await record(
        client,
        tokens,
        turkish["id"],
        {"type": "referral_made", "date": "2026-01-14", "referral_id": "r1", "to": "chamber", "organisation": "IHK"},
    )
    await record(
        client,
        tokens,
        local["id"],
        {"type": "referral_made", "date": "2026-01-21", "referral_id": "r1", "to": "jobcenter", "organisation": "JC"},
    )
    await record(
        client,
        tokens,
        local["id"],
        {"type": "referral_outcome_recorded", "date": "2026-01-28", "referral_id": "r1", "outcome": "accepted"},
    )

    answer = await report(client, tokens)

    assert answer["sessions"] == {
        "total": 3,
        "by_mode": {"in_person": 1, "phone": 1, "video": 1},
        "by_language": {"de": {"sessions": 1, "with_interpreter": 0}, "tr": {"sessions": 2, "with_interpreter": 1}},
    }
    assert (answer["persons_counselled"], answer["persons_with_foreign_background"]) == (2, 1)
    assert answer["share_foreign_background"] == 0.5
    assert answer["new_cases"] == 2
    assert answer["referrals"] == {
        "total": 2,
        "by_to": {"chamber": 1, "jobcenter": 1},
        "by_outcome": {"accepted": 1, "pending": 1},
    }
    assert answer["suppressed"] == []
    assert answer["definition_version"] == "lotse-activity-1"

    replayed = await report(client, tokens, as_of_position=answer["as_of_position"])
    assert replayed == answer

    csv = await client.get(ACTIVITY, params=PERIOD, headers={**tokens.headers(LEAD), "Accept": "text/csv"})
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert "sessions_by_language.tr.with_interpreter,1" in csv.text.splitlines()

    refused = await client.get(ACTIVITY, params=PERIOD, headers=tokens.headers(ANALYST))
    assert refused.status_code == 403
    assert refused.json()["rule"] == "analysts_read_published_reports"


async def test_a_backwards_period_is_named(client: Client, tokens: Tokens) -> None:
    response = await client.get(
        ACTIVITY, params={"from": "2026-02-01", "to": "2026-01-01"}, headers=tokens.headers(LEAD)
    )
    assert [error["field"] for error in assert_problem(response, 422)["errors"]] == ["to"]
