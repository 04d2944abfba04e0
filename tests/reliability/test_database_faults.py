"""PostgreSQL restarted under load: requests fail fast with 503 problem details while it is down, succeed again
after, and nothing acknowledged is lost.

The restart stops a throwaway cluster of the test's own (tests/throwaway_postgres.py), never the shared server.
"""

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg
import pytest
from litestar.testing import AsyncTestClient

from api.app import app_for
from application.ports import Principal
from bench.load_and_faults import OPENING, run
from bench.lotse_process import LotseServer
from infrastructure.bootstrap import bootstrap
from infrastructure.eventstore.migrations import migrate_database
from infrastructure.settings import Settings
from tests.throwaway_postgres import ThrowawayPostgres

# "Within about a second of the server being back": the clients retry every 50 ms, so this is the service's share.
RECOVERY_SECONDS = 1.5


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
def test_after_a_database_restart_steps_record_within_a_second_and_the_worker_carries_on(
    throwaway_postgres: ThrowawayPostgres, tmp_path: Path
) -> None:
    url = throwaway_postgres.create_database("recovery")
    migrate_database(Settings(database_url=url))
    settings = Settings(database_url=url, data_dir=tmp_path / "data")
    report = run(settings, kills=0, clients=4, cases=4, restart_database=throwaway_postgres, worker=True)

    assert report.database_restarts == 1
    assert report.recovery_seconds is not None
    assert report.recovery_seconds < RECOVERY_SECONDS, report.lines()
    assert report.worker_followed  # alive, and the views at the log's head
    assert report.chain_ok
    assert report.views_equal_rebuild  # the worker's views: exactly once across the restart


@pytest.mark.postgres
def test_a_step_records_within_a_second_after_connections_are_dropped_or_the_database_was_away(
    throwaway_postgres: ThrowawayPostgres, tmp_path: Path
) -> None:
    url = throwaway_postgres.create_database("quiet")
    migrate_database(Settings(database_url=url))
    server = LotseServer(Settings(database_url=url, data_dir=tmp_path / "data"), tmp_path / "server.log", "worker")
    server.start()
    try:
        headers = {"Authorization": f"Bearer {server.token('ayse', 'counsellor')}"}
        case_id = httpx.post(f"{server.base}/cases", json=OPENING, headers=headers, timeout=30).json()["id"]
        for _ in range(20):  # every pooled connection has been used
            assert _seconds_until_recorded(server.base, case_id, headers) < 1
        with psycopg.connect(throwaway_postgres.url(), autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'quiet'"
                " AND pid <> pg_backend_pid()"
            )
        after_dropped = _seconds_until_recorded(server.base, case_id, headers)
        throwaway_postgres.stop()
        time.sleep(4)  # nobody asks meanwhile: the pool's reconnection attempts back off undisturbed
        throwaway_postgres.start()
        after_away = _seconds_until_recorded(server.base, case_id, headers)
    finally:
        server.stop()

    assert after_dropped < RECOVERY_SECONDS
    assert after_away < RECOVERY_SECONDS


def _seconds_until_recorded(base: str, case_id: str, headers: dict[str, str]) -> float:
    """From now until a step is recorded, asking again 50 ms after each 503 as a client would."""
    step = {"type": "counselling_session_held", "date": "2026-01-10", "minutes": 30}
    started = time.monotonic()
    while time.monotonic() - started < 30:
        answer = httpx.post(f"{base}/cases/{case_id}/steps", json=step, headers=headers, timeout=30)
        if answer.status_code == 201:
            return time.monotonic() - started
        assert answer.status_code == 503, answer.text
        time.sleep(0.05)
    raise AssertionError("no step recorded within 30 s")


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
