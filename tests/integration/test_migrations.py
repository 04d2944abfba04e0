"""Schema migrations: applied once, in order, recorded in the database; a database from a newer release refused.

These tests build the event store from the library alone, so they hold whatever composes the application.
"""

import threading
from collections.abc import Iterator

import pytest
from eventsourcing.persistence import ApplicationRecorder, InfrastructureFactory
from eventsourcing.utils import Environment

from infrastructure.migrations import (
    LATEST,
    MIGRATIONS,
    MIGRATIONS_TABLE,
    SchemaMismatch,
    SchemaTarget,
    applied_versions,
    migrate,
    require_current,
)
from infrastructure.persistence import event_store_env
from infrastructure.settings import Settings
from infrastructure.sql import Database


@pytest.fixture
def target(settings: Settings) -> Iterator[SchemaTarget]:
    env = event_store_env(settings) | {"CREATE_TABLE": "n"}
    factory = InfrastructureFactory.construct(Environment("Lotse", env))
    recorder: ApplicationRecorder = factory.application_recorder()
    database = Database(recorder.datastore)  # type: ignore[attr-defined]
    yield SchemaTarget(
        database=database,
        events_table=recorder.events_table_name,  # type: ignore[attr-defined]
        create_event_store_tables=recorder.create_table,  # type: ignore[attr-defined]
    )
    factory.close()


def test_a_new_database_gets_every_migration_once(target: SchemaTarget) -> None:
    with pytest.raises(SchemaMismatch, match="lotse migrate"):
        require_current(target.database)

    assert [migration.version for migration in migrate(target)] == [m.version for m in MIGRATIONS]
    assert migrate(target) == []  # again: nothing left to do
    assert applied_versions(target.database) == set(range(1, LATEST + 1))
    require_current(target.database)
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

    require_current(target.database)
    assert target.database.fetchall(f"SELECT * FROM {target.database.table('lotse_staff')}") == [
        ("k", "a", "lead", True)
    ]


def test_a_database_a_newer_release_migrated_is_refused(target: SchemaTarget) -> None:
    migrate(target)
    target.database.execute(
        f"INSERT INTO {target.database.table(MIGRATIONS_TABLE)} VALUES (?, ?, ?)", (LATEST + 1, "later", "2030-01-01")
    )

    with pytest.raises(SchemaMismatch, match="newer release"):
        require_current(target.database)
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
