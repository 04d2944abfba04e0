"""The database's refusals: triggers that make the events, the links, the checkpoints, the access log and its links
append-only, and the grants of a restricted role."""

import re
from collections.abc import Sequence

import psycopg
from eventsourcing.persistence import PersistenceError, StoredEvent

from infrastructure.audit.chain import ACCESS_CHAIN_TABLE, CHAIN_TABLE, AuditError, append_links
from infrastructure.audit.checkpoints import CHECKPOINT_TABLE
from infrastructure.eventstore.sql import Database, DialectCursor, case_id_of

ACCESS_LOG_TABLE = "lotse_access_log"  # the read-access log (infrastructure/audit/access_log.py): append-only as well
_ROLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


# Tables and the database's refusals


def create_audit_tables(database: Database, events_table: str) -> None:
    """Creates the chain and checkpoint tables and the append-only triggers, idempotently; chains a legacy log.

    Runs before the first event is recorded. A log recorded before the chain existed is chained once, from its
    first event; afterwards only the recorders write links, so an event without one stands out.
    """
    tables = [events_table, CHAIN_TABLE, CHECKPOINT_TABLE]
    with database.transaction(commit=True) as cursor:
        database.lock_schema(cursor, "audit")
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {database.table(CHAIN_TABLE)}"
            " (position BIGINT PRIMARY KEY, link TEXT NOT NULL)"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {database.table(CHECKPOINT_TABLE)} (position BIGINT NOT NULL,"
            " head TEXT NOT NULL, signed_at TEXT NOT NULL, public_key TEXT NOT NULL, signature TEXT PRIMARY KEY)"
        )
        if database.dialect == "sqlite":
            _create_sqlite_triggers(cursor, tables)
        else:
            _create_postgres_triggers(cursor, database, tables)
        _chain_legacy_log(cursor, database, events_table)


CHECKPOINT_EXTENSION_COLUMNS = {
    "locator": "TEXT",
    "access_position": "BIGINT",
    "access_head": "TEXT",
    "extension_signature": "TEXT",
}


def extend_checkpoint_table(database: Database) -> None:
    """Adds the columns of what a checkpoint signs beside its head (schema migration 3), idempotently."""
    table = database.table(CHECKPOINT_TABLE)
    with database.transaction(commit=True) as cursor:
        database.lock_schema(cursor, "audit")
        if database.dialect == "sqlite":
            cursor.execute(f"SELECT name FROM pragma_table_info('{CHECKPOINT_TABLE}')")
            present = {str(row[0]) for row in cursor.fetchall()}
            for column, kind in CHECKPOINT_EXTENSION_COLUMNS.items():
                if column not in present:
                    cursor.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
        else:
            for column, kind in CHECKPOINT_EXTENSION_COLUMNS.items():
                cursor.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {kind}")


def refuse_changes(cursor: DialectCursor, database: Database, tables: Sequence[str]) -> None:
    """Makes tables append-only with the audit trail's triggers: UPDATE, DELETE and TRUNCATE are refused."""
    if database.dialect == "sqlite":
        _create_sqlite_triggers(cursor, tables)
    else:
        _create_postgres_triggers(cursor, database, tables)


def _create_sqlite_triggers(cursor: DialectCursor, tables: Sequence[str]) -> None:
    # SQLite has no TRUNCATE: its "truncate optimisation" is a DELETE, which the DELETE trigger refuses.
    for table in tables:
        for operation in ("UPDATE", "DELETE"):
            cursor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_refuse_{operation.lower()} BEFORE {operation} ON {table}"
                f" BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} refused'); END"
            )


def _create_postgres_triggers(cursor: DialectCursor, database: Database, tables: Sequence[str]) -> None:
    cursor.execute(
        "SELECT count(*) FROM pg_trigger WHERE tgname IN ('lotse_refuse_change', 'lotse_refuse_truncate')"
        " AND tgrelid IN (" + ", ".join("to_regclass(?)" for _ in tables) + ")",
        [database.table(table) for table in tables],
    )
    if cursor.fetchone()[0] == 2 * len(tables):
        return  # in place: a role that does not own the tables need not (and could not) create them again
    function = database.table("lotse_refuse_change")
    cursor.execute(
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',"
        " MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused'; END $$"
    )
    for table in tables:
        qualified = database.table(table)
        cursor.execute(
            f"CREATE OR REPLACE TRIGGER lotse_refuse_change BEFORE UPDATE OR DELETE ON {qualified}"
            f" FOR EACH ROW EXECUTE FUNCTION {function}()"
        )
        cursor.execute(
            f"CREATE OR REPLACE TRIGGER lotse_refuse_truncate BEFORE TRUNCATE ON {qualified}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )


def _chain_legacy_log(cursor: DialectCursor, database: Database, events_table: str) -> None:
    cursor.execute(f"SELECT 1 FROM {database.table(CHAIN_TABLE)} LIMIT 1")
    if cursor.fetchone() is not None:
        return
    if database.dialect == "postgres":  # the owner migrating: no event may be recorded while the chain is built
        cursor.execute(f"LOCK TABLE {database.table(events_table)} IN EXCLUSIVE MODE")
    position = "rowid" if database.dialect == "sqlite" else "notification_id"
    cursor.execute(
        f"SELECT {position}, originator_id, originator_version, topic, state FROM {database.table(events_table)}"
        f" ORDER BY {position}"
    )
    recorded = [
        (int(row[0]), StoredEvent(case_id_of(row[1]), int(row[2]), row[3], bytes(row[4]))) for row in cursor.fetchall()
    ]
    if recorded:
        append_links(cursor, database.table(CHAIN_TABLE), recorded)


def restrict_role(database: Database, events_table: str, role: str) -> None:
    """Grants a PostgreSQL role what recording needs on the append-only tables, and nothing more.

    The role may read and insert events, links, checkpoints, read-access log entries and their links, and may not
    UPDATE, DELETE or TRUNCATE any of them; a role that does not own the tables cannot disable their triggers either.
    Run it as the tables' owner. `lotse migrate` grants the runtime role this and what the other tables need
    (infrastructure/eventstore/runtime_role.py).
    """
    if database.dialect != "postgres":
        raise AuditError("roles and grants exist on PostgreSQL only")
    if not _ROLE.match(role):
        raise AuditError(f"not a plain role name: '{role}'")
    tables = ", ".join(
        database.table(t) for t in (events_table, CHAIN_TABLE, CHECKPOINT_TABLE, ACCESS_LOG_TABLE, ACCESS_CHAIN_TABLE)
    )
    sequence = database.table(f"{events_table}_notification_id_seq")
    statements = [
        f"GRANT USAGE ON SCHEMA {_schema(database)} TO {role}",
        f"REVOKE ALL ON {tables} FROM {role}",
        f"GRANT SELECT, INSERT ON {tables} TO {role}",
        f"GRANT USAGE ON SEQUENCE {sequence} TO {role}",
    ]
    try:
        with database.transaction(commit=True) as cursor:
            for statement in statements:
                cursor.execute(statement)
    except (psycopg.Error, PersistenceError) as error:  # an unknown role, a caller who does not own the tables
        raise AuditError(f"cannot restrict '{role}': {error}") from None


def _schema(database: Database) -> str:
    return database.table("").removesuffix(".")
