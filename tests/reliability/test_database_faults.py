"""PostgreSQL restarted under load: requests fail fast with 503 problem details while it is down, succeed again
after, and nothing acknowledged is lost.

The restart stops a throwaway cluster of the test's own (tests/throwaway_postgres.py), never the shared server.
"""

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from api.app import app_for
from application.ports import Principal
from bench.load_and_faults import OPENING, run
from infrastructure.bootstrap import bootstrap
from infrastructure.eventstore.migrations import migrate_database
from infrastructure.settings import Settings
from tests.throwaway_postgres import ThrowawayPostgres


@pytest.mark.postgres
def test_a_database_restart_answers_503_fast_and_loses_nothing(
    throwaway_postgres: ThrowawayPostgres, tmp_path: Path
) -> None:
    url = throwaway_postgres.create_database("faults")
    migrate_database(Settings(database_url=url))  # as `lotse migrate` does before PostgreSQL serves
    settings = Settings(database_url=url, data_dir=tmp_path / "data")
    log = tmp_path / "server.log"
    report = run(settings, kills=0, clients=4, cases=4, restart_database=throwaway_postgres, log=log)

    assert throwaway_postgres.is_running()
    assert report.database_restarts == 1
    assert report.unavailable_answers > 0
    assert report.slowest_unavailable_seconds < 10
    assert report.chain_ok
    assert report.views_equal_rebuild


@pytest.mark.postgres
async def test_an_exhausted_pool_answers_503_not_a_hang(postgres_schema_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=postgres_schema_url, data_dir=tmp_path / "data", pool_size=1)
    lotse = bootstrap(settings)
    lotse.staff.register("koeln", "ayse", "counsellor")
    token = lotse.tokens.issue(Principal("ayse", "counsellor", "koeln"), datetime.now(UTC), timedelta(hours=1))
    headers = {"Authorization": f"Bearer {token}"}
    async with AsyncTestClient(app_for(lotse)) as client:  # its shutdown closes `lotse`
        opened = await client.post("/cases", json=OPENING, headers=headers)
        assert opened.status_code == 201, opened.text
        started = time.monotonic()
        with lotse.database.datastore.pool.connection():  # a stuck request holds the only connection
            answer = await client.get(f"/cases/{opened.json()['id']}", headers=headers)
        elapsed = time.monotonic() - started
        after = await client.get(f"/cases/{opened.json()['id']}", headers=headers)

    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert elapsed < 15
    assert after.status_code == 200
