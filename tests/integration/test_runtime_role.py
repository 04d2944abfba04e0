"""Two PostgreSQL roles: `lotse migrate` as the owner, the service as a runtime role of its own. The service runs a
whole journey as that role (open, steps, reads, views, erasure, statistics, a rebuild, a checkpoint), and the role
then cannot change, remove or truncate the event log, its chain, the checkpoints or the read-access log, nor alter a
table, disable a trigger or create one."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import psycopg
import pytest
from litestar.testing import AsyncTestClient

from api.app import app_for
from application.ports import Principal
from infrastructure.audit.access_log import ACCESS_LOG_TABLE
from infrastructure.audit.chain import ACCESS_CHAIN_TABLE, CHAIN_TABLE
from infrastructure.audit.checkpoints import CHECKPOINT_TABLE
from infrastructure.bootstrap import bootstrap
from infrastructure.cli.main import main
from infrastructure.eventstore.migrations import migrate_installation
from infrastructure.eventstore.runtime_role import RuntimeRoleError, grant_runtime_role
from infrastructure.eventstore.sql import SchemaMismatch
from infrastructure.projections.case_views import CASELOAD
from infrastructure.settings import Settings, SettingsError
from tests.api.conftest import FixedClock
from tests.api.helpers import (
    AUDITOR,
    CLOSING,
    COUNSELLOR,
    JOURNEY,
    LEAD,
    STAFF,
    VHS_B2_OFFER,
    case_body,
    with_offer,
)
from tests.conftest import postgres_base_url
from tests.integration.conftest import open_case_command

pytestmark = pytest.mark.postgres

EVENTS = "lotse_events"
APPEND_ONLY = (EVENTS, CHAIN_TABLE, CHECKPOINT_TABLE, ACCESS_LOG_TABLE, ACCESS_CHAIN_TABLE)


@dataclass(frozen=True)
class Installation:
    """A schema with an owner (the server's superuser `postgres`) and a runtime role of the test's own."""

    schema: str
    role: str
    owner_url: str
    runtime_url: str

    def settings(self, data_dir: Path) -> Settings:
        return Settings(
            database_url=self.runtime_url, owner_database_url=self.owner_url, data_dir=data_dir, pool_size=4
        )

    def table(self, name: str) -> str:
        return f'"{self.schema}".{name}'

    def as_role(self, sql: str) -> None:
        """Runs one statement connected as the runtime role itself, in a transaction of its own."""
        with psycopg.connect(self.runtime_url.split("?")[0]) as connection:
            connection.execute(sql)


def with_user(url: str, user: str) -> str:
    parsed = urlparse(url)
    return parsed._replace(netloc=f"{user}@{parsed.hostname}:{parsed.port or 5432}").geturl()


@pytest.fixture
def installation(empty_postgres_schema_url: str) -> Iterator[Installation]:
    role = f"lotse_runtime_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_base_url(), autocommit=True) as connection:
        connection.execute(f"CREATE ROLE {role} LOGIN")
    schema = parse_qs(urlparse(empty_postgres_schema_url).query)["schema"][0]
    yield Installation(
        schema=schema,
        role=role,
        owner_url=empty_postgres_schema_url,
        runtime_url=with_user(empty_postgres_schema_url, role),
    )
    with psycopg.connect(postgres_base_url(), autocommit=True) as connection:
        connection.execute(f"DROP OWNED BY {role}")
        connection.execute(f"DROP ROLE {role}")


@pytest.fixture
def migrated(
    installation: Installation, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Installation:
    """`lotse migrate` with both URLs set: it grants LOTSE_DATABASE_URL's role."""
    monkeypatch.setenv("LOTSE_OWNER_DATABASE_URL", installation.owner_url)
    monkeypatch.setenv("LOTSE_DATABASE_URL", installation.runtime_url)
    assert main(["migrate"]) == 0
    printed = capsys.readouterr().out
    assert f"runtime role {installation.role}: SELECT INSERT on " in printed
    assert "no privileges" not in printed  # every table of the release is one the grants know
    return installation


def owners(installation: Installation) -> set[str]:
    with psycopg.connect(postgres_base_url()) as connection:
        rows = connection.execute(
            "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class WHERE relnamespace = to_regnamespace(%s)",
            (installation.schema,),
        ).fetchall()
    return {str(row[0]) for row in rows}


async def test_the_service_runs_a_whole_journey_as_the_runtime_role(migrated: Installation, tmp_path: Path) -> None:
    clock = FixedClock()
    lotse = bootstrap(migrated.settings(tmp_path / "data"), clock=clock)
    for agency, subject, role in STAFF:
        lotse.staff.register(agency, subject, role)

    def headers(who: Principal) -> dict[str, str]:
        return {"Authorization": f"Bearer {lotse.tokens.issue(who, clock(), timedelta(days=1))}"}

    async with AsyncTestClient(app_for(lotse)) as client:  # its shutdown closes `lotse`
        retried = {**headers(COUNSELLOR), "Idempotency-Key": "k1"}
        opened = await client.post("/cases", json=case_body(), headers=retried)
        assert opened.status_code == 201, opened.text
        case_id = opened.json()["id"]
        replayed = await client.post("/cases", json=case_body(), headers=retried)
        assert replayed.json()["id"] == case_id
        listed = await client.post("/offers", json=VHS_B2_OFFER, headers=headers(LEAD))  # the offer the plan names
        assert listed.status_code == 201, listed.text
        for step in JOURNEY[:8]:
            body = with_offer(step.body, listed.json()["id"])
            recorded = await client.post(f"/cases/{case_id}/steps", json=body, headers=headers(step.who))
            assert recorded.status_code == 201, recorded.text
        closed = await client.post(f"/cases/{case_id}/steps", json=CLOSING, headers=headers(COUNSELLOR))
        assert closed.status_code == 201, closed.text
        position = int(closed.headers["Lotse-Position"])
        assert (await client.get(f"/cases/{case_id}", headers=headers(COUNSELLOR))).status_code == 200
        found = await client.get("/cases", params={"q": "Yılmaz"}, headers=headers(COUNSELLOR))
        assert [item["id"] for item in found.json()["items"]] == [case_id]
        caseload = await client.get("/caseload", params={"min_position": position}, headers=headers(LEAD))
        assert caseload.status_code == 200, caseload.text
        for path, who in (("/statistics/esf", AUDITOR), ("/statistics/funnel", LEAD)):
            params = {"from": "2026-01-01", "to": "2026-12-31", "min_position": position}
            assert (await client.get(path, params=params, headers=headers(who))).status_code == 200
        erased = await client.delete(f"/cases/{case_id}/personal-data", headers=headers(LEAD))
        assert erased.status_code == 204, erased.text
        assert (await client.get("/cases", params={"q": "Yılmaz"}, headers=headers(COUNSELLOR))).json()["items"] == []
        assert lotse.staff.deactivate("koeln", "ben")
        verified = await client.get("/audit/verify", headers=headers(AUDITOR))
        assert verified.json()["ok"] is True
        assert verified.json()["access_log"]["ok"] is True
        assert verified.json()["access_log"]["entries_checked"] >= 2
    # The operator's commands as the runtime role: a rebuild empties and refills the views, a checkpoint is stored.
    system = bootstrap(migrated.settings(tmp_path / "data"), clock=clock)
    try:
        runner = system.projections.runner
        runner.reset(list(runner.views))
        runner.catch_up()
        # Every view refilled up to the log's head (the app's follower may have stopped a batch short of it).
        assert runner.positions() == dict.fromkeys(runner.views, runner.head())
        checkpoint = system.audit.checkpoint()
        assert checkpoint.access_position is not None
        assert system.audit.verify().ok
    finally:
        system.close()
    assert owners(migrated) == {"postgres"}  # the runtime role created nothing


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_the_runtime_role_cannot_change_remove_or_unprotect_the_logs(
    migrated: Installation, tmp_path: Path, table: str
) -> None:
    lotse = bootstrap(migrated.settings(tmp_path / "data"), clock=FixedClock())
    try:
        lotse.staff.register("koeln", "ayse", "counsellor")
        case = lotse.cases.open_case("koeln", open_case_command(), "ayse").case
        lotse.cases.record_read(Principal("ayse", "counsellor", "koeln"), case, "state", personal_data=True)
        lotse.audit.checkpoint()
    finally:
        lotse.close()
    qualified = migrated.table(table)
    migrated.as_role(f"SELECT count(*) FROM {qualified}")
    for sql in (
        f"UPDATE {qualified} SET {first_column(migrated, table)} = {first_column(migrated, table)}",
        f"DELETE FROM {qualified}",
        f"TRUNCATE {qualified}",
        f"LOCK TABLE {qualified} IN EXCLUSIVE MODE",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            migrated.as_role(sql)
    for sql in (
        f"ALTER TABLE {qualified} DISABLE TRIGGER lotse_refuse_change",
        f"ALTER TABLE {qualified} DISABLE TRIGGER ALL",
        f"DROP TRIGGER lotse_refuse_change ON {qualified}",
        f"ALTER TABLE {qualified} ADD COLUMN forged TEXT",
        f"DROP TABLE {qualified}",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="must be owner"):
            migrated.as_role(sql)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        migrated.as_role("SET session_replication_role = replica")  # what would silence every trigger
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied for schema"):
        migrated.as_role(f"CREATE TABLE {migrated.table('lotse_forged')} (x INTEGER)")


def test_a_start_as_the_runtime_role_without_the_views_tables_names_lotse_migrate(
    migrated: Installation, tmp_path: Path
) -> None:
    with psycopg.connect(postgres_base_url(), autocommit=True) as connection:
        connection.execute(f"DROP TABLE {migrated.table(CASELOAD)}")  # as a release with a new view would find it

    with pytest.raises(SchemaMismatch, match="lotse migrate"):
        bootstrap(migrated.settings(tmp_path / "data"))

    migrate_installation(migrated.settings(tmp_path / "data"))
    bootstrap(migrated.settings(tmp_path / "data")).close()


def test_the_grants_refuse_a_role_that_could_act_as_the_owner(migrated: Installation, tmp_path: Path) -> None:
    system = bootstrap(migrated.settings(tmp_path / "data"))
    try:
        for role, reason in (("postgres", "act as the owner"), ("lotse_no_such_role", "no role"), ("a b", "plain")):
            with pytest.raises(RuntimeRoleError, match=reason):
                grant_runtime_role(system.database, role, EVENTS, "x", [])
    finally:
        system.close()


def test_migrate_with_an_explicit_runtime_role_and_its_errors(
    installation: Installation, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOTSE_DATABASE_URL", installation.owner_url)
    monkeypatch.delenv("LOTSE_OWNER_DATABASE_URL", raising=False)
    assert main(["migrate"]) == 0
    assert "no runtime role" in capsys.readouterr().out
    assert main(["migrate", "--runtime-role", installation.role]) == 0
    assert f"runtime role {installation.role}" in capsys.readouterr().out
    assert main(["migrate", "--runtime-role", "postgres"]) == 1
    assert "act as the owner" in capsys.readouterr().err

    other_schema = installation.owner_url.replace(installation.schema, "elsewhere")
    monkeypatch.setenv("LOTSE_OWNER_DATABASE_URL", other_schema)
    monkeypatch.setenv("LOTSE_DATABASE_URL", installation.runtime_url)
    with pytest.raises(SettingsError, match="different schemas"):
        migrate_installation(Settings.from_environ())


def first_column(installation: Installation, table: str) -> str:
    with psycopg.connect(postgres_base_url()) as connection:
        row = connection.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) AND attnum > 0 AND attidentity = ''"
            " ORDER BY attnum LIMIT 1",
            (installation.table(table),),
        ).fetchone()
    assert row is not None
    return str(row[0])
