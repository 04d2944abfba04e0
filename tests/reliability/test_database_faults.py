"""PostgreSQL restarted under load: requests fail fast with 503 problem details while it is down, succeed again
after, and nothing acknowledged is lost."""

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from api.app import create_app
from application.ports import Principal
from bench.load_and_faults import OPENING, run
from infrastructure.bootstrap import build_case_service
from infrastructure.settings import Settings
from infrastructure.tokens import TokenCodec, signing_key


@pytest.mark.postgres
def test_a_database_restart_answers_503_fast_and_loses_nothing(postgres_schema_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=postgres_schema_url, data_dir=tmp_path / "data")
    report = run(settings, kills=0, clients=4, cases=4, restart_database=True, log=tmp_path / "server.log")

    assert report.database_restarts == 1
    assert report.unavailable_answers > 0
    assert report.slowest_unavailable_seconds < 10
    assert report.chain_ok
    assert report.views_equal_rebuild


@pytest.mark.postgres
async def test_an_exhausted_pool_answers_503_not_a_hang(postgres_schema_url: str, tmp_path: Path) -> None:
    settings = Settings(database_url=postgres_schema_url, data_dir=tmp_path / "data", pool_size=1)
    directory = build_case_service(settings)
    directory.ports.staff.register("koeln", "ayse", "counsellor")
    directory.close()
    token = TokenCodec(signing_key(settings)).issue(
        Principal("ayse", "counsellor", "koeln"), datetime.now(UTC), timedelta(hours=1)
    )
    headers = {"Authorization": f"Bearer {token}"}
    app = create_app(settings)
    async with AsyncTestClient(app) as client:
        opened = await client.post("/cases", json=OPENING, headers=headers)
        assert opened.status_code == 201, opened.text
        service = app.dependencies["service"].dependency()
        started = time.monotonic()
        with service.recorder.datastore.pool.connection():  # a stuck request holds the only connection
            answer = await client.get(f"/cases/{opened.json()['id']}", headers=headers)
        elapsed = time.monotonic() - started
        after = await client.get(f"/cases/{opened.json()['id']}", headers=headers)

    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert elapsed < 15
    assert after.status_code == 200
