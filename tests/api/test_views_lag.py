"""Answers read from the projection views say when these lag far behind the event log (`Lotse-Views-Behind`).

Nothing follows the log here (LOTSE_PROJECTIONS=worker and no worker running, as on PostgreSQL when the worker is
down): every write leaves the views further behind. "Far" is more than `views_far_behind_events` events, or an
oldest missing event recorded more than `views_far_behind_seconds` ago by the service's clock. Both backends.
"""

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from infrastructure.bootstrap import bootstrap
from infrastructure.settings import Settings
from tests.api.conftest import FixedClock, Tokens
from tests.api.helpers import AUDITOR, COUNSELLOR, LEAD, Client, open_case, session_step
from tests.conftest import backend_settings

pytestmark = pytest.mark.both_backends

HEADER = "lotse-views-behind"
FAR_EVENTS = 3
FAR_SECONDS = 120
PERIOD = {"from": "2026-01-01", "to": "2026-12-31"}


@pytest.fixture
def settings(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Settings:
    """The test's backend with no projection follower in the API process, and a small "far"."""
    return replace(
        backend_settings(request, backend, tmp_path),
        projections="worker",
        views_far_behind_events=FAR_EVENTS,
        views_far_behind_seconds=FAR_SECONDS,
    )


async def record_events(client: Client, tokens: Tokens, count: int) -> str:
    """Opens a case and records steps on it: `count` events in all; answers the case's id."""
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    for day in range(count - 1):
        step = session_step(f"2026-01-{7 + day:02d}")
        response = await client.post(f"/cases/{case['id']}/steps", json=step, headers=headers)
        assert response.status_code == 201, response.text
    return str(case["id"])


async def test_every_answer_read_from_views_far_behind_says_how_many_events_they_lack(
    client: Client, tokens: Tokens
) -> None:
    await record_events(client, tokens, FAR_EVENTS + 1)

    from_views = [
        await client.get("/caseload", headers=tokens.headers(LEAD)),
        await client.get("/deadlines", headers=tokens.headers(LEAD)),
        await client.get("/statistics/esf", params=PERIOD, headers=tokens.headers(AUDITOR)),
        await client.get("/statistics/esf", params=PERIOD, headers=tokens.headers(AUDITOR, Accept="text/csv")),
        await client.get("/statistics/funnel", headers=tokens.headers(AUDITOR)),
    ]
    for response in from_views:
        assert response.status_code == 200, response.text
        assert response.headers[HEADER] == str(FAR_EVENTS + 1), response.url


async def test_answers_not_read_from_views_never_carry_the_header(client: Client, tokens: Tokens) -> None:
    case_id = await record_events(client, tokens, FAR_EVENTS + 1)
    head = (await client.get("/ready")).json()["log_position"]

    not_from_views = [
        await client.get(f"/cases/{case_id}", headers=tokens.headers(COUNSELLOR)),
        await client.get(f"/cases/{case_id}/history", headers=tokens.headers(COUNSELLOR)),
        await client.get("/cases", headers=tokens.headers(COUNSELLOR)),
        await client.get("/statistics/esf", params={**PERIOD, "as_of_position": head}, headers=tokens.headers(AUDITOR)),
        await client.get("/statistics/funnel", params={"as_of_position": head}, headers=tokens.headers(AUDITOR)),
        await client.get(
            "/statistics/esf",
            params={**PERIOD, "definition_version": "esf-plus-2021-1057-annex-i/lotse-1"},
            headers=tokens.headers(AUDITOR),
        ),
    ]
    for response in not_from_views:
        assert response.status_code == 200, response.text
        assert HEADER not in response.headers, response.url


async def test_a_few_events_behind_are_far_once_the_oldest_has_waited_too_long(
    client: Client, tokens: Tokens, clock: FixedClock
) -> None:
    await record_events(client, tokens, 1)
    near = await client.get("/caseload", headers=tokens.headers(LEAD))

    clock.advance(timedelta(seconds=FAR_SECONDS + 1))
    far = await client.get("/caseload", headers=tokens.headers(LEAD))

    assert HEADER not in near.headers
    assert far.headers[HEADER] == "1"


async def test_views_that_caught_up_carry_no_header(client: Client, tokens: Tokens, settings: Settings) -> None:
    await record_events(client, tokens, FAR_EVENTS + 1)
    assert HEADER in (await client.get("/caseload", headers=tokens.headers(LEAD))).headers

    worker = bootstrap(settings)  # as `lotse worker` would, once started
    try:
        worker.projections.runner.catch_up()
    finally:
        worker.close()

    assert HEADER not in (await client.get("/caseload", headers=tokens.headers(LEAD))).headers


async def test_a_refused_answer_carries_no_header(client: Client, tokens: Tokens) -> None:
    await record_events(client, tokens, FAR_EVENTS + 1)

    refused = await client.get("/deadlines", headers=tokens.headers(LEAD), params={"due_before": "soon"})

    assert refused.status_code == 422
    assert HEADER not in refused.headers
