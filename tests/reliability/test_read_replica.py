"""Reads from a streaming replica (LOTSE_READ_DATABASE_URL): the read-heavy endpoints answer from the replica, and
`min_position` waits until the replica has replayed the position, so a client still reads its own writes.

The replica is a real one: a `pg_basebackup` of a throwaway cluster, started as a hot standby on a port of its own
(tests/throwaway_postgres.py). Holding its replay shows where each answer comes from: what the replica has not
replayed is not in the answer, however long the primary has had it.
"""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from litestar.testing import AsyncTestClient

from api.app import app_for
from application.ports import Principal
from bench.load_and_faults import OPENING
from infrastructure.bootstrap import bootstrap
from infrastructure.eventstore.migrations import migrate_database
from infrastructure.settings import Settings, SettingsError
from tests.throwaway_postgres import ThrowawayPostgres, ThrowawayReplica

pytestmark = pytest.mark.postgres

AGENCY = "koeln"


@pytest.fixture
def replica(throwaway_postgres: ThrowawayPostgres) -> Iterator[ThrowawayReplica]:
    with ThrowawayReplica(throwaway_postgres) as standby:
        yield standby


def _token(lotse: Any, subject: str, role: str) -> dict[str, str]:
    lotse.staff.register(AGENCY, subject, role)
    token = lotse.tokens.issue(Principal(subject, role, AGENCY), datetime.now(UTC), timedelta(hours=1))
    return {"Authorization": f"Bearer {token}"}


def _reading_from_the_replica(primary: ThrowawayPostgres, replica: ThrowawayReplica, name: str, tmp_path: Path) -> Any:
    """Lotse on a new database of the primary, reading its views from the replica (the API process keeps them)."""
    url = primary.create_database(name)
    migrate_database(Settings(database_url=url))
    return bootstrap(
        Settings(
            database_url=url, read_database_url=replica.url(name), data_dir=tmp_path / "data", projections="inline"
        )
    )


def _replayed(replica: ThrowawayReplica, database: str, sql: str) -> Any:
    with psycopg.connect(replica.url(database)) as connection:
        row = connection.execute(sql).fetchone()
        return row[0] if row else None


async def test_reads_come_from_the_replica_and_min_position_waits_for_its_replay(
    throwaway_postgres: ThrowawayPostgres, replica: ThrowawayReplica, tmp_path: Path
) -> None:
    lotse = _reading_from_the_replica(throwaway_postgres, replica, "desk", tmp_path)
    counsellor, lead = _token(lotse, "ayse", "counsellor"), _token(lotse, "petra", "lead")
    async with AsyncTestClient(app_for(lotse)) as client:
        first = await client.post("/cases", json=OPENING, headers=counsellor)
        assert first.status_code == 201, first.text
        seen = await client.get("/caseload", params={"min_position": first.headers["lotse-position"]}, headers=lead)
        assert seen.status_code == 200, seen.text
        assert sum(entry["open"] for entry in seen.json()) == 1

        replica.pause_replay()
        second = await client.post("/cases", json=OPENING, headers=counsellor)
        assert second.status_code == 201, second.text
        position = int(second.headers["lotse-position"])
        assert lotse.projections.runner.wait_for(position, 10)  # the primary's views have it

        stale = await client.get("/caseload", headers=lead)
        assert sum(entry["open"] for entry in stale.json()) == 1  # the replica's, not the primary's
        lagging = await client.get("/caseload", params={"min_position": position}, headers=lead)
        assert lagging.status_code == 503, lagging.text
        assert lagging.json()["type"].endswith("view-lagging")

        resumed = threading.Timer(0.5, replica.resume_replay)
        resumed.start()
        try:
            waited = await client.get("/caseload", params={"min_position": position}, headers=lead)
        finally:
            resumed.join()
        assert waited.status_code == 200, waited.text
        assert sum(entry["open"] for entry in waited.json()) == 2
        assert (await client.get("/deadlines", params={"min_position": position}, headers=lead)).status_code == 200
        figures = await client.get(
            "/statistics/esf",
            params={"from": "2026-01-01", "to": "2026-12-31", "min_position": position},
            headers=_token(lotse, "otto", "auditor"),
        )
        assert figures.status_code == 200, figures.text

    assert _replayed(replica, "desk", "SELECT pg_is_in_recovery()") is True


async def test_writes_and_case_reads_stay_on_the_primary(
    throwaway_postgres: ThrowawayPostgres, replica: ThrowawayReplica, tmp_path: Path
) -> None:
    lotse = _reading_from_the_replica(throwaway_postgres, replica, "cases", tmp_path)
    counsellor = _token(lotse, "ayse", "counsellor")
    replica.pause_replay()
    async with AsyncTestClient(app_for(lotse)) as client:
        opened = await client.post("/cases", json=OPENING, headers=counsellor)
        assert opened.status_code == 201, opened.text
        case_id = opened.json()["id"]
        # The case itself is read from the log, on the primary: read-your-writes without waiting for the replica.
        read = await client.get(f"/cases/{case_id}", headers=counsellor)
        assert read.status_code == 200, read.text
        step = {"type": "counselling_session_held", "date": "2026-01-10", "minutes": 30}
        stepped = await client.post(
            f"/cases/{case_id}/steps", json=step, headers={**counsellor, "If-Match": read.headers["etag"]}
        )
        assert stepped.status_code == 201, stepped.text
    replica.resume_replay()


def test_a_read_database_needs_postgresql_for_both(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="LOTSE_READ_DATABASE_URL"):
        Settings.from_environ({"LOTSE_READ_DATABASE_URL": "postgresql://replica/lotse"})
    with pytest.raises(SettingsError, match="LOTSE_READ_DATABASE_URL"):
        Settings.from_environ(
            {"LOTSE_DATABASE_URL": "postgresql://primary/lotse", "LOTSE_READ_DATABASE_URL": "sqlite:///x"}
        )
    configured = Settings.from_environ(
        {
            "LOTSE_DATABASE_URL": "postgresql://primary/lotse?schema=desk",
            "LOTSE_READ_DATABASE_URL": "postgresql://replica/lotse?schema=desk",
        }
    )
    assert configured.read_database_url == "postgresql://replica/lotse?schema=desk"
    with pytest.raises(SettingsError, match="schema"):  # a replica is a copy: the same schema, or reads miss
        Settings.from_environ(
            {
                "LOTSE_DATABASE_URL": "postgresql://primary/lotse?schema=desk",
                "LOTSE_READ_DATABASE_URL": "postgresql://replica/lotse",
            }
        )
