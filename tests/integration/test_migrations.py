"""Schema migrations: applied once, in order, recorded in the database; a database from a newer release refused.

These tests build the event store from the library alone, so they hold whatever composes the application.
"""

import fcntl
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from eventsourcing.persistence import InfrastructureFactory

from application.cases import CaseService
from infrastructure.bootstrap import STARTUP_LOCK_FILE, bootstrap
from infrastructure.cli.main import main
from infrastructure.eventstore.migrations import (
    LATEST,
    MIGRATIONS,
    MIGRATIONS_TABLE,
    SchemaMismatch,
    SchemaTarget,
    _migrating,
    applied_versions,
    migrate,
    migration_env,
    require_current,
    schema_target,
)
from infrastructure.eventstore.recorders import CaseStore
from infrastructure.settings import Settings
from tests.integration.conftest import IDLE_IN_TRANSACTION_LIMIT_SECONDS


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SchemaTarget]:
    """A database as a new installation finds it: nothing migrated yet."""
    if request.param == "sqlite":
        settings = Settings(data_dir=tmp_path / "data")
    else:
        settings = Settings(database_url=request.getfixturevalue("empty_postgres_schema_url"))
    factory = InfrastructureFactory.construct(CaseService.configuration(migration_env(settings)))
    assert isinstance(factory, CaseStore)
    yield schema_target(factory)
    factory.close()


def test_a_new_database_gets_every_migration_once(target: SchemaTarget) -> None:
    with pytest.raises(SchemaMismatch, match="lotse migrate"):
        require_current(target.database, target.snapshots_table)

    assert [migration.version for migration in migrate(target)] == [m.version for m in MIGRATIONS]
    assert migrate(target) == []  # again: nothing left to do
    assert applied_versions(target.database) == set(range(1, LATEST + 1))
    require_current(target.database, target.snapshots_table)
    rows = target.database.fetchall(f"SELECT version, name FROM {target.database.table(MIGRATIONS_TABLE)}")
    assert sorted(rows) == [(m.version, m.name) for m in MIGRATIONS]


def test_migration_one_takes_a_release_0_1_schema_as_it_is(target: SchemaTarget) -> None:
    # Release 0.1 created its tables at start and kept no record of its schema.
    for migration in MIGRATIONS[:1]:
        migration.apply(target)
    target.database.execute(
        f"INSERT INTO {target.database.table('lotse_staff')} VALUES (?, ?, ?, ?)", ("k", "a", "lead", True)
    )
    assert applied_versions(target.database) == set()

    migrate(target)

    require_current(target.database, target.snapshots_table)
    assert target.database.fetchall(f"SELECT * FROM {target.database.table('lotse_staff')}") == [
        ("k", "a", "lead", True)
    ]


def test_a_database_a_newer_release_migrated_is_refused(target: SchemaTarget) -> None:
    migrate(target)
    target.database.execute(
        f"INSERT INTO {target.database.table(MIGRATIONS_TABLE)} VALUES (?, ?, ?)", (LATEST + 1, "later", "2030-01-01")
    )

    with pytest.raises(SchemaMismatch, match="newer release"):
        require_current(target.database, target.snapshots_table)
    with pytest.raises(SchemaMismatch, match="newer release"):
        migrate(target)


def test_processes_migrating_at_the_same_moment_record_each_migration_once(target: SchemaTarget) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            migrate(target)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    rows = target.database.fetchall(f"SELECT version FROM {target.database.table(MIGRATIONS_TABLE)}")
    assert sorted(int(row[0]) for row in rows) == [m.version for m in MIGRATIONS]


def test_sqlite_migrates_when_it_starts(tmp_path: Path) -> None:
    lotse = bootstrap(Settings(data_dir=tmp_path / "data"))
    try:
        assert applied_versions(lotse.database) == {m.version for m in MIGRATIONS}
    finally:
        lotse.close()


@pytest.mark.postgres
def test_postgres_serves_only_once_the_owner_has_migrated(
    empty_postgres_schema_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(database_url=empty_postgres_schema_url, data_dir=tmp_path / "data")
    with pytest.raises(SchemaMismatch, match="run `lotse migrate`"):
        bootstrap(settings)
    monkeypatch.setenv("LOTSE_DATABASE_URL", empty_postgres_schema_url)
    monkeypatch.setenv("LOTSE_DATA_DIR", str(tmp_path / "data"))

    assert main(["migrate"]) == 0
    assert f"applied migration 1: {MIGRATIONS[0].name}" in capsys.readouterr().out
    assert main(["migrate"]) == 0
    assert "nothing to do" in capsys.readouterr().out
    bootstrap(settings).close()


def test_processes_starting_at_the_same_moment_all_start(settings: Settings) -> None:
    """`lotse serve --workers N` and a worker start together: none may fail creating or checking tables."""
    errors: list[BaseException] = []
    started: list[object] = []
    barrier = threading.Barrier(4, timeout=30)

    def start() -> None:
        try:
            barrier.wait()
            lotse = bootstrap(settings)
            started.append(lotse)
            lotse.close()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(started) == 4


def test_a_migration_that_takes_longer_than_the_idle_limit_keeps_its_lock(target: SchemaTarget) -> None:
    """The transaction holding the migration lock idles while migrations run on other connections; on a busy
    machine that outlasted PostgreSQL's idle-in-transaction limit (5 s, the pool's) and ended the migration."""
    with _migrating(target.database):
        time.sleep(IDLE_IN_TRANSACTION_LIMIT_SECONDS + 1)
    migrate(target)
    assert applied_versions(target.database) == set(range(1, LATEST + 1))


@pytest.mark.postgres
def test_a_migration_statement_may_follow_the_last_after_the_idle_limit(empty_postgres_schema_url: str) -> None:
    """A migration's own transaction may idle beyond the pool's limit between two statements, as one did on a busy
    machine in CI, and PostgreSQL ended it."""
    settings = Settings(database_url=empty_postgres_schema_url)
    factory = InfrastructureFactory.construct(CaseService.configuration(migration_env(settings)))
    assert isinstance(factory, CaseStore)
    try:
        database = schema_target(factory).database
        table = database.table("lotse_slow_migration_probe")
        with database.transaction(commit=True) as cursor:
            cursor.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY)")
            time.sleep(IDLE_IN_TRANSACTION_LIMIT_SECONDS + 1)
            cursor.execute(f"INSERT INTO {table} (id) VALUES (1)")
        assert database.fetchall(f"SELECT id FROM {table}") == [(1,)]
    finally:
        factory.close()


def test_on_sqlite_a_start_waits_until_another_has_finished(tmp_path: Path) -> None:
    """Starts take turns on SQLite, so that several at once never outwait its lock timeout on a busy machine."""
    settings = Settings(data_dir=tmp_path / "data")
    settings.data_dir.mkdir(parents=True)
    another = os.open(settings.data_dir / STARTUP_LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(another, fcntl.LOCK_EX)  # as a process in the middle of its start holds it
    started = threading.Event()

    def start() -> None:
        bootstrap(settings).close()
        started.set()

    thread = threading.Thread(target=start)
    thread.start()
    try:
        assert not started.wait(1.0), "started while another start held the lock"
        assert not settings.sqlite_path.exists() or settings.sqlite_path.stat().st_size == 0
    finally:
        os.close(another)
    thread.join(timeout=60)
    assert started.is_set()
