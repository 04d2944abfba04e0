"""The runtime role: what the server and the worker may do on PostgreSQL, granted by the owner at `lotse migrate`.

The owner (LOTSE_OWNER_DATABASE_URL) creates and owns every table; the service connects as another role
(LOTSE_DATABASE_URL) that may read everything and write only as the design needs. It may append to the event log,
its chain, the checkpoints and the read-access log and its chain, never change, remove or truncate them; as it owns
no table it cannot alter one or disable its append-only triggers, and it may create nothing. What each table needs:

- events, event chain, checkpoints, access log, access chain, snapshots, agency index keys, idempotency keys:
  SELECT, INSERT (appended, never changed);
- `lotse_keys`: also UPDATE (erasure destroys a key, the row stays as a tombstone; FOR UPDATE locks it);
- `lotse_case_index`, `lotse_tracking`: also UPDATE (a case's list row and a view's position move on);
- `lotse_name_words`, `lotse_name_cases`: also DELETE (erasure deletes a client's entries, a corrected birth date
  rewrites them);
- `lotse_staff`: also UPDATE and DELETE (registered anew with each token, deactivated);
- `lotse_token_generations`: also UPDATE (a deactivation, role change or revocation ends the tokens issued before);
- the views' tables: also UPDATE and DELETE (derived data, rewritten and rebuilt from the log);
- `lotse_schema_migrations`: SELECT only (read to refuse a schema of another release).

Recording serialises its writers on an advisory lock, which needs no privilege (eventstore/recorders.py); the library's
own EXCLUSIVE table lock would need UPDATE on the events. A table this list does not know (one of an earlier release,
a snapshot table of an older shape) gets no privilege at all, and `lotse migrate` names it.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from infrastructure.audit.access_log import ACCESS_LOG_TABLE
from infrastructure.audit.chain import ACCESS_CHAIN_TABLE, CHAIN_TABLE
from infrastructure.audit.checkpoints import CHECKPOINT_TABLE
from infrastructure.auth.staff import GENERATIONS_TABLE, STAFF_TABLE
from infrastructure.eventstore.sql import Database
from infrastructure.eventstore.tables import CASE_INDEX_TABLE, IDEMPOTENCY_TABLE, MIGRATIONS_TABLE, NAME_WORDS_TABLE
from infrastructure.privacy.keys import KEYS_TABLE
from infrastructure.privacy.name_index import INDEX_KEYS_TABLE, NAME_CASES_TABLE
from infrastructure.projections.case_views import View
from infrastructure.projections.runner import TRACKING

_ROLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
APPEND = ("SELECT", "INSERT")
FIXED_PRIVILEGES: dict[str, tuple[str, ...]] = {
    CHAIN_TABLE: APPEND,
    CHECKPOINT_TABLE: APPEND,
    ACCESS_LOG_TABLE: APPEND,
    ACCESS_CHAIN_TABLE: APPEND,
    INDEX_KEYS_TABLE: APPEND,
    IDEMPOTENCY_TABLE: APPEND,
    KEYS_TABLE: (*APPEND, "UPDATE"),
    CASE_INDEX_TABLE: (*APPEND, "UPDATE"),
    TRACKING: (*APPEND, "UPDATE"),
    NAME_WORDS_TABLE: (*APPEND, "DELETE"),
    NAME_CASES_TABLE: (*APPEND, "DELETE"),
    STAFF_TABLE: (*APPEND, "UPDATE", "DELETE"),
    GENERATIONS_TABLE: (*APPEND, "UPDATE"),
    MIGRATIONS_TABLE: ("SELECT",),
}
VIEW_PRIVILEGES = (*APPEND, "UPDATE", "DELETE")


class RuntimeRoleError(RuntimeError):
    """The runtime role cannot be granted what it needs (not a role, the owner itself, a superuser, …)."""


@dataclass(frozen=True)
class Grants:
    """What `grant_runtime_role` did: the privileges per table, and the tables left without any."""

    role: str
    tables: dict[str, tuple[str, ...]]
    unknown: list[str]


def runtime_privileges(events_table: str, snapshots_table: str, views: Iterable[View]) -> dict[str, tuple[str, ...]]:
    """Every table the service uses, with what the runtime role may do on it besides reading."""
    privileges = {**FIXED_PRIVILEGES, events_table: APPEND, snapshots_table: APPEND}
    for view in views:
        privileges.update(dict.fromkeys(view.tables, VIEW_PRIVILEGES))
    return privileges


def grant_runtime_role(
    database: Database, role: str, events_table: str, snapshots_table: str, views: Sequence[View]
) -> Grants:
    """Revokes whatever the role had on the schema's tables and grants it exactly what the service needs.

    Run as the owner (`lotse migrate`), after the migrations and the views' tables. Refuses a role that could act as
    the owner: a superuser, the owner itself or a member of the owner's role.
    """
    if database.dialect != "postgres":
        raise RuntimeRoleError("a runtime role exists on PostgreSQL only")
    if not _ROLE.match(role):
        raise RuntimeRoleError(f"not a plain role name: '{role}'")
    schema = database.table("").removesuffix(".")
    privileges = runtime_privileges(events_table, snapshots_table, views)
    with database.transaction(commit=True) as cursor:
        cursor.execute(
            "SELECT r.rolsuper, pg_has_role(r.oid, c.relowner, 'USAGE') FROM pg_roles r, pg_class c"
            " WHERE r.rolname = ? AND c.oid = to_regclass(?)",
            (role, database.table(events_table)),
        )
        row = cursor.fetchone()
        if row is None:
            raise RuntimeRoleError(f"no role '{role}' (create it first: CREATE ROLE {role} LOGIN PASSWORD '…')")
        if row[0] or row[1]:
            raise RuntimeRoleError(
                f"'{role}' can act as the owner of the tables (a superuser, the owner or a member of its role):"
                " the runtime role must be a role of its own"
            )
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = to_regnamespace(?) AND relkind IN ('r', 'p')",
            (schema,),
        )
        present = sorted(str(name) for (name,) in cursor.fetchall())
        cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role}")
        cursor.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {role}")
        cursor.execute(f"REVOKE CREATE ON SCHEMA {schema} FROM {role}")
        cursor.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
        granted: dict[str, tuple[str, ...]] = {}
        for table in present:
            if table in privileges:
                cursor.execute(f"GRANT {', '.join(privileges[table])} ON {database.table(table)} TO {role}")
                granted[table] = privileges[table]
        # The events' positions come from their sequence (bigserial), which appending must be allowed to advance.
        cursor.execute(f"GRANT USAGE ON SEQUENCE {database.table(f'{events_table}_notification_id_seq')} TO {role}")
    return Grants(role=role, tables=granted, unknown=[table for table in present if table not in privileges])


def describe(grants: Grants) -> list[str]:
    """What `lotse migrate` prints about the grants: one line per kind of access, and the tables left out."""
    by_access: dict[tuple[str, ...], list[str]] = {}
    for table, privileges in sorted(grants.tables.items()):
        by_access.setdefault(privileges, []).append(table)
    lines = [
        f"runtime role {grants.role}: {' '.join(privileges)} on {', '.join(tables)}"
        for privileges, tables in by_access.items()
    ]
    if grants.unknown:
        unused = ", ".join(grants.unknown)
        lines.append(f"runtime role {grants.role}: no privileges on {unused} (not used by this release)")
    return lines
