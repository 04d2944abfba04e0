"""Resource limits a client meets: request rate per token, page size, body size."""

import dataclasses

from litestar.testing import AsyncTestClient

from infrastructure.settings import Settings
from tests.api.conftest import FixedClock, Tokens, build_app
from tests.api.helpers import AUDITOR, COUNSELLOR, Client, assert_problem


async def test_a_token_past_its_rate_gets_429_and_others_go_on(
    settings: Settings, clock: FixedClock, tokens: Tokens, staff: None
) -> None:
    app = build_app(dataclasses.replace(settings, rate_limit_per_minute=60), clock)  # bursts of 10
    async with AsyncTestClient(app) as client:
        answers = [await client.get("/cases", headers=tokens.headers(COUNSELLOR)) for _ in range(11)]
        other = await client.get("/cases", headers=tokens.headers(AUDITOR))
        health = await client.get("/health")

    assert [answer.status_code for answer in answers[:10]] == [200] * 10
    limited = assert_problem(answers[10], 429)
    assert answers[10].headers["retry-after"] == "1"
    assert "too many requests" in limited["detail"]
    assert other.status_code == 200
    assert health.status_code == 200


async def test_a_page_larger_than_the_limit_is_refused(client: Client, tokens: Tokens) -> None:
    assert_problem(await client.get("/cases", params={"limit": 201}, headers=tokens.headers(COUNSELLOR)), 422)
    assert (await client.get("/cases", params={"limit": 200}, headers=tokens.headers(COUNSELLOR))).status_code == 200
