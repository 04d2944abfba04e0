"""The database itself refuses to change or remove stored events, links and checkpoints: UPDATE, DELETE and
TRUNCATE are each tried, through Lotse's own connections and through a raw one; on PostgreSQL, a role restricted
with `lotse audit restrict-role` cannot even get round the triggers."""

import sqlite3
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import psycopg
import pytest
from eventsourcing.persistence import PersistenceError

from application.cases import CaseService
from infrastructure.audit.append_only import create_audit_tables, restrict_role
from infrastructure.audit.chain import AuditError
from infrastructure.audit.trail import AuditTrail
from infrastructure.bootstrap import Lotse, bootstrap
from infrastructure.eventstore.recorders import recording_lock
from infrastructure.eventstore.sql import Database
from infrastructure.settings import Settings
from tests.conftest import postgres_base_url
from tests.integration.conftest import AGENCY, COUNSELLOR, open_case_command, session
from tests.raw_log import RawLog

CHANGES = {
    "update": "UPDATE {table} SET {column} = {column}",
    "delete": "DELETE FROM {table} WHERE {column} IS NOT NULL",
    "delete all": "DELETE FROM {table}",
    "truncate": "TRUNCATE {table}",
}
TABLES = {"events": "originator_version", "chain": "link", "checkpoints": "head"}


@pytest.fixture
def audit(system: Lotse, service: CaseService) -> AuditTrail:
    case = service.open_case(AGENCY, open_case_command(), COUNSELLOR)
    service.record_step(case.case.id, session(date(2026, 1, 7)), COUNSELLOR, agency=AGENCY)
    trail = system.audit
    trail.checkpoint()
    return trail


def statement(raw: RawLog, change: str, table: str) -> str:
    name = {"events": raw.events, "chain": raw.chain, "checkpoints": raw.checkpoints}[table]
    if change == "truncate" and not raw.postgres:
        change = "delete all"  # SQLite has no TRUNCATE: it truncates on an unqualified DELETE, unless a trigger fires
    return CHANGES[change].format(table=name, column=TABLES[table])


def counts(raw: RawLog) -> list[int]:
    """How many events, links and checkpoints there are."""
    with raw.connection(bypass_triggers=False) as connection:
        return [
            int(raw.execute(connection, f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in (raw.events, raw.chain, raw.checkpoints)
        ]


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("change", CHANGES)
def test_a_raw_connection_cannot_change_or_remove_rows(
    audit: AuditTrail, settings: Settings, change: str, table: str
) -> None:
    raw = RawLog(settings)
    before = counts(raw)
    sql = statement(raw, change, table)

    error: type[Exception] = psycopg.errors.InsufficientPrivilege if raw.postgres else sqlite3.IntegrityError
    with pytest.raises(error, match="append-only"), raw.connection(bypass_triggers=False) as connection:
        raw.execute(connection, sql)

    assert counts(raw) == before
    assert audit.verify().ok


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("change", CHANGES)
def test_lotses_own_connections_cannot_change_or_remove_rows(
    audit: AuditTrail, settings: Settings, change: str, table: str
) -> None:
    raw = RawLog(settings)
    sql = statement(raw, change, table)

    with pytest.raises((PersistenceError, psycopg.Error, sqlite3.Error), match="append-only"):
        audit.database.execute(sql)

    assert audit.verify().ok


def test_creating_the_tables_again_changes_nothing(audit: AuditTrail, settings: Settings) -> None:
    raw = RawLog(settings)
    before = (counts(raw), raw.links())

    create_audit_tables(audit.database, audit.events_table)
    create_audit_tables(audit.database, audit.events_table)

    assert (counts(raw), raw.links()) == before
    with pytest.raises((PersistenceError, psycopg.Error, sqlite3.Error), match="append-only"):
        audit.database.execute(f"DELETE FROM {raw.events}")


def test_roles_exist_on_postgresql_only(audit: AuditTrail, settings: Settings) -> None:
    if settings.uses_postgres:
        with pytest.raises(AuditError, match="plain role name"):
            restrict_role(audit.database, audit.events_table, "x; DROP TABLE y")
    else:
        with pytest.raises(AuditError, match="PostgreSQL only"):
            restrict_role(audit.database, audit.events_table, "lotse_app")


@pytest.fixture
def postgres_settings(postgres_schema_url: str, tmp_path: Path) -> Settings:
    """PostgreSQL only: roles and grants exist there alone."""
    return Settings(database_url=postgres_schema_url, data_dir=tmp_path / "data")


@pytest.fixture
def postgres_audit(postgres_settings: Settings) -> Iterator[AuditTrail]:
    settings = postgres_settings
    system = bootstrap(settings)
    try:
        system.cases.open_case(AGENCY, open_case_command(), COUNSELLOR)
        trail = system.audit
        trail.checkpoint()
        yield trail
    finally:
        system.close()


@pytest.fixture
def app_role(postgres_audit: AuditTrail) -> Iterator[str]:
    role = f"lotse_app_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_base_url(), autocommit=True) as connection:
        connection.execute(f"CREATE ROLE {role} NOLOGIN")
    yield role
    with psycopg.connect(postgres_base_url(), autocommit=True) as connection:
        connection.execute(f"DROP OWNED BY {role}")
        connection.execute(f"DROP ROLE {role}")


@pytest.mark.postgres
@pytest.mark.parametrize("table", TABLES)
def test_a_restricted_role_may_record_but_never_change_remove_or_unprotect(
    postgres_settings: Settings, postgres_audit: AuditTrail, app_role: str, table: str
) -> None:
    raw = RawLog(postgres_settings)
    restrict_role(postgres_audit.database, postgres_audit.events_table, app_role)
    name = {"events": raw.events, "chain": raw.chain, "checkpoints": raw.checkpoints}[table]

    def as_role(sql: str) -> None:
        with psycopg.connect(postgres_base_url()) as connection:
            connection.execute(f"SET ROLE {app_role}")
            connection.execute(sql)

    # What recording needs: reading, inserting, and the lock that serialises writers (an advisory lock, which needs
    # no privilege on the table: the library's EXCLUSIVE table lock would need UPDATE).
    as_role(f"SELECT count(*) FROM {name}")
    schema = parse_qs(urlparse(postgres_settings.database_url or "").query)["schema"][0]
    as_role(f"SELECT pg_advisory_xact_lock({recording_lock(schema, postgres_audit.events_table)})")
    as_role(f"INSERT INTO {raw.chain} (position, link) VALUES (1000000, '{'0' * 64}') ON CONFLICT DO NOTHING")
    # What it never may: the grants refuse UPDATE, DELETE and TRUNCATE ...
    for sql in (f"DELETE FROM {name}", f"TRUNCATE {name}", f"UPDATE {name} SET {TABLES[table]} = {TABLES[table]}"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            as_role(sql)
    as_role(f"LOCK TABLE {raw.events} IN ACCESS SHARE MODE")  # reading's lock, nothing stronger
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
        as_role(f"LOCK TABLE {raw.events} IN EXCLUSIVE MODE")
    # ... and only the owner could disable a trigger.
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="must be owner"):
        as_role(f"ALTER TABLE {name} DISABLE TRIGGER lotse_refuse_change")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        as_role("SET session_replication_role = replica")


def test_a_failed_write_leaves_no_link_behind(service: CaseService, audit: AuditTrail, settings: Settings) -> None:
    raw = RawLog(settings)
    links = raw.links()
    database: Database = audit.database

    def link_then_change_an_event() -> None:
        with database.transaction(commit=True) as cursor:
            cursor.execute(f"INSERT INTO {raw.chain} (position, link) VALUES (?, ?)", (10**9, "0" * 64))
            cursor.execute(f"UPDATE {raw.events} SET topic = topic")

    with pytest.raises((PersistenceError, psycopg.Error, sqlite3.Error), match="append-only"):
        link_then_change_an_event()

    assert raw.links() == links
