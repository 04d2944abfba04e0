"""Versioned schema migrations: what each release adds to the database, applied once and recorded there.

The database keeps the migrations it has in `lotse_schema_migrations`; this release knows its list. Migrations only
add (tables, indexes, triggers, columns with defaults): none rewrites or drops a stored event, so every release reads
the history of the ones before it. Each migration is idempotent, so one interrupted half-way simply runs again. An
installation of release 0.1 has no record at all: migration 1 finds its tables in place and records itself.

The embedded SQLite default migrates when it starts. On PostgreSQL the database owner runs `lotse migrate`, which
also creates the projection views' tables and grants the runtime role what the service needs (runtime_role.py); the
server and the worker only check that the schema is the one this release was built for and refuse to start
otherwise, naming the command to run (an older release also refuses a schema a newer one migrated).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresDatastore
from eventsourcing.sqlite import SQLiteAggregateRecorder

from application.cases import SNAPSHOTS_TABLE, CaseService
from infrastructure.audit.access_log import create_access_chain, create_access_log_table
from infrastructure.audit.append_only import create_audit_tables, extend_checkpoint_table
from infrastructure.auth.staff import create_staff_table, create_token_generations_table
from infrastructure.eventstore.environment import event_store_env
from infrastructure.eventstore.recorders import CaseStore, events_table_of
from infrastructure.eventstore.runtime_role import Grants, grant_runtime_role
from infrastructure.eventstore.sql import Database, SchemaMismatch
from infrastructure.eventstore.tables import MIGRATIONS_TABLE, create_tables
from infrastructure.privacy.keys import create_keys_table
from infrastructure.privacy.name_index import create_name_index_tables
from infrastructure.projections.catalogue import projection_views
from infrastructure.projections.runner import create_view_tables
from infrastructure.settings import Settings, SettingsError


@dataclass(frozen=True)
class SchemaTarget:
    """The installation a migration works on.

    The snapshot table is named after the shape of the case state (application/cases.py): a release that changes
    the shape starts a new, empty one, which every migration run creates, whether or not a migration is due.
    """

    database: Database
    events_table: str
    create_event_store_tables: Callable[[], None]  # the event store library's own tables
    snapshots_table: str
    create_snapshot_table: Callable[[], None]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[SchemaTarget], None]


def _release_0_1(target: SchemaTarget) -> None:
    target.create_event_store_tables()
    create_keys_table(target.database)
    create_tables(target.database)
    create_staff_table(target.database)
    create_audit_tables(target.database, target.events_table)
    create_access_log_table(target.database)


def _name_index(target: SchemaTarget) -> None:
    # Empty tables: the cases recorded before are indexed when the service starts (application/cases.py), which
    # needs the master key that a migration never has.
    create_name_index_tables(target.database)


def _token_generations(target: SchemaTarget) -> None:
    # Empty: every subject is at generation 0, as every token issued before is (release 0.1's carry none), so the
    # tokens of active staff keep working until she is deactivated, changes role or has her tokens revoked.
    create_token_generations_table(target.database)


def _chained_access_log(target: SchemaTarget) -> None:
    # The entries recorded before are chained from the first one, like a log of release 0.1 by migration 1.
    create_access_chain(target.database)
    extend_checkpoint_table(target.database)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1, "release 0.1: event log, keys, audit chain, access log, case list, staff, idempotency keys", _release_0_1
    ),
    Migration(2, "release 0.2: keyed name index (agency keys, name words, persons)", _name_index),
    Migration(3, "release 0.2: token generations of the staff (revocation)", _token_generations),
    Migration(
        4,
        "hash-chained read-access log; checkpoints that sign its head and a locator of the events",
        _chained_access_log,
    ),
)
LATEST = MIGRATIONS[-1].version


def applied_versions(database: Database) -> set[int]:
    """The migrations the database has; none for a new database or an installation of release 0.1."""
    with database.transaction(commit=False) as cursor:
        if not database.has_table(cursor, MIGRATIONS_TABLE):
            return set()
        cursor.execute(f"SELECT version FROM {database.table(MIGRATIONS_TABLE)}")
        return {int(row[0]) for row in cursor.fetchall()}


def migrate(target: SchemaTarget) -> list[Migration]:
    """Applies the migrations the database does not have yet, in order; answers those it applied.

    Processes migrating at the same moment take turns (PostgreSQL: an advisory lock; SQLite: its write lock and
    idempotent statements), so each migration is recorded once.
    """
    database = target.database
    with _migrating(database):
        _refuse_newer(database)
        database.execute(
            f"CREATE TABLE IF NOT EXISTS {database.table(MIGRATIONS_TABLE)}"
            " (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        done = applied_versions(database)
        applied: list[Migration] = []
        for migration in MIGRATIONS:
            if migration.version in done:
                continue
            migration.apply(target)
            database.execute(
                f"INSERT INTO {database.table(MIGRATIONS_TABLE)} (version, name, applied_at) VALUES (?, ?, ?)"
                " ON CONFLICT (version) DO NOTHING",
                (migration.version, migration.name, datetime.now(UTC).isoformat()),
            )
            applied.append(migration)
        target.create_snapshot_table()
        return applied


def require_current(database: Database, snapshots_table: str) -> None:
    """Raises SchemaMismatch unless the database has exactly this release's migrations (and its snapshot table)."""
    _refuse_newer(database)
    missing = [migration.version for migration in MIGRATIONS if migration.version not in applied_versions(database)]
    with database.transaction(commit=False) as cursor:
        snapshots_missing = not database.has_table(cursor, snapshots_table)
    if missing or snapshots_missing:
        missing = missing or [LATEST]
        raise SchemaMismatch(
            f"the database lacks schema migration(s) {', '.join(map(str, missing))} of this release: run"
            " `lotse migrate` (as the database owner: LOTSE_OWNER_DATABASE_URL, else LOTSE_DATABASE_URL) first"
        )


def _refuse_newer(database: Database) -> None:
    newer = sorted(version for version in applied_versions(database) if version > LATEST)
    if newer:
        raise SchemaMismatch(
            f"the database has schema migration(s) {', '.join(map(str, newer))} of a newer release of Lotse"
            f" (this one knows up to {LATEST}): run that release, or a newer one"
        )


@contextmanager
def _migrating(database: Database) -> Iterator[None]:
    datastore = database.datastore
    if not isinstance(datastore, PostgresDatastore):
        yield
        return
    with datastore.get_connection() as connection, connection.transaction():
        # This transaction idles while the migrations run on other connections: PostgreSQL must not end it after the
        # pool's idle-in-transaction limit (5 s), which a slow or busy machine exceeds (seen in CI under load).
        connection.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
        # Held until this transaction ends: a second `lotse migrate` (or a replica starting) waits here.
        connection.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"lotse.migrate {datastore.schema}",))
        yield


@dataclass(frozen=True)
class MigrationRun:
    """What `lotse migrate` did: the migrations it applied, and what it granted the runtime role (None: no grants)."""

    applied: list[Migration]
    grants: Grants | None


def migrate_database(settings: Settings) -> list[Migration]:
    """`lotse migrate` with the runtime role the settings imply: answers the migrations it applied."""
    return migrate_installation(settings).applied


def migrate_installation(settings: Settings, runtime_role: str | None = None) -> MigrationRun:
    """`lotse migrate`: applies this release's migrations, creates the views' tables and grants the runtime role.

    It connects as the database's owner: LOTSE_OWNER_DATABASE_URL where it is set, else LOTSE_DATABASE_URL. The
    runtime role is `runtime_role`, else the role of LOTSE_DATABASE_URL where that is not the owner's. Migrating needs
    no key: it creates tables and records which migrations the database has, and reads or writes no personal data.
    """
    role = runtime_role or implied_runtime_role(settings)
    env = migration_env(replace(settings, database_url=settings.owner_database_url or settings.database_url))
    if role is not None and env["PERSISTENCE_MODULE"] != "eventsourcing.postgres":
        raise SettingsError("a runtime role exists on PostgreSQL only (LOTSE_DATABASE_URL=postgresql://…)")
    infrastructure = InfrastructureFactory.construct(CaseService.configuration(env))
    try:
        if not isinstance(infrastructure, CaseStore):
            raise TypeError(f"no case store on {type(infrastructure).__name__}")
        target = schema_target(infrastructure)
        applied = migrate(target)
        views = projection_views(target.database)
        create_view_tables(target.database, views)
        grants = None
        if role is not None:
            grants = grant_runtime_role(target.database, role, target.events_table, target.snapshots_table, views)
        return MigrationRun(applied=applied, grants=grants)
    finally:
        infrastructure.close()


def migration_env(owner: Settings) -> dict[str, str]:
    """The event store library's configuration for migrating, as the owner: it creates no tables of its own accord.

    Its connections have no idle-in-transaction limit. The pool's 5 s are meant for a transaction a stuck request left
    open; a migration's statements on a busy machine were once more than 5 s apart, and PostgreSQL ended it (seen in
    CI under load).
    """
    env = event_store_env(owner) | {"CREATE_TABLE": "n"}
    if env["PERSISTENCE_MODULE"] == "eventsourcing.postgres":
        env["POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT"] = "0"
    return env


def implied_runtime_role(settings: Settings) -> str | None:
    """The role of LOTSE_DATABASE_URL when LOTSE_OWNER_DATABASE_URL names another one on the same database."""
    if settings.owner_database_url is None or settings.database_url is None:
        return None
    owner = event_store_env(replace(settings, database_url=settings.owner_database_url))
    runtime = event_store_env(settings)
    if runtime["PERSISTENCE_MODULE"] != "eventsourcing.postgres":
        return None
    for name, setting in (("POSTGRES_DBNAME", "database"), ("POSTGRES_SCHEMA", "schema")):
        if owner.get(name) != runtime.get(name):
            raise SettingsError(f"LOTSE_OWNER_DATABASE_URL and LOTSE_DATABASE_URL name different {setting}s")
    return None if owner["POSTGRES_USER"] == runtime["POSTGRES_USER"] else runtime["POSTGRES_USER"]


def schema_target(infrastructure: CaseStore) -> SchemaTarget:
    """The schema of the event store the library's factory opened."""
    recorder = _table_owner(infrastructure.application_recorder())
    snapshots = _table_owner(infrastructure.aggregate_recorder(purpose=SNAPSHOTS_TABLE))
    return SchemaTarget(
        database=Database(infrastructure.datastore),
        events_table=events_table_of(infrastructure),
        create_event_store_tables=recorder.create_table,
        snapshots_table=snapshots.events_table_name,
        create_snapshot_table=snapshots.create_table,
    )


def _table_owner(recorder: object) -> PostgresAggregateRecorder | SQLiteAggregateRecorder:
    if not isinstance(recorder, PostgresAggregateRecorder | SQLiteAggregateRecorder):
        raise TypeError(f"not a recorder of SQLite or PostgreSQL: {type(recorder).__name__}")
    return recorder
