"""The read-access log: who read which case's state or history, when, in an append-only table auditors query.

The database refuses UPDATE, DELETE and TRUNCATE of it with the audit trail's triggers (infrastructure/audit/), and
on PostgreSQL the runtime role may only read and insert (infrastructure/eventstore/runtime_role.py). Like the event
log it is hash-chained (schema migration 3): each entry's link, SHA-256 over its id, its fields and the previous
link (`chain.access_link`), is written in the entry's own transaction while no other writer can append, so an entry
changed or removed behind Lotse's back no longer matches its link, and a chain recomputed to match no longer matches
the checkpoints (infrastructure/audit/trail.py).
"""

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from application.ports import AccessLogEntry, AccessLogQuery, CaseRead
from infrastructure.audit.append_only import ACCESS_LOG_TABLE, refuse_changes
from infrastructure.audit.chain import ACCESS_CHAIN_TABLE, GENESIS, access_link
from infrastructure.eventstore.sql import Database, DialectCursor

__all__ = ["ACCESS_LOG_TABLE", "ENTRY_COLUMNS", "SqlAccessLog", "create_access_log_table", "entry_fields"]
ENTRY_COLUMNS = "at, subject, role, agency, case_id, case_agency, what, personal_data"
_COLUMNS = ENTRY_COLUMNS


def create_access_log_table(database: Database) -> None:
    """Creates the access log, its indexes and its append-only triggers, idempotently."""
    table = database.table(ACCESS_LOG_TABLE)
    identity = "id INTEGER PRIMARY KEY"
    if database.dialect == "postgres":
        identity = "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
    with database.transaction(commit=True) as cursor:
        database.lock_schema(cursor, "access-log")
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {table} ({identity}, at TEXT NOT NULL, subject TEXT NOT NULL,"
            " role TEXT NOT NULL, agency TEXT NOT NULL, case_id TEXT NOT NULL, case_agency TEXT NOT NULL,"
            " what TEXT NOT NULL, personal_data BOOLEAN NOT NULL)"
        )
        for name, columns in (("case", "case_id, id"), ("subject", "subject, id"), ("agency", "case_agency, id")):
            cursor.execute(f"CREATE INDEX IF NOT EXISTS lotse_access_log_by_{name} ON {table} ({columns})")
        refuse_changes(cursor, database, [ACCESS_LOG_TABLE])


def create_access_chain(database: Database) -> None:
    """The read-access log's chain table, append-only, with a link for every entry there is (schema migration 3)."""
    chain = database.table(ACCESS_CHAIN_TABLE)
    with database.transaction(commit=True) as cursor:
        database.lock_schema(cursor, "access-log")
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {chain} (position BIGINT PRIMARY KEY, link TEXT NOT NULL)")
        refuse_changes(cursor, database, [ACCESS_CHAIN_TABLE])
        cursor.execute(f"SELECT 1 FROM {chain} LIMIT 1")
        if cursor.fetchone() is not None:
            return
        table = database.table(ACCESS_LOG_TABLE)
        if database.dialect == "postgres":  # the owner migrating: no entry may be appended while the chain is built
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        cursor.execute(f"SELECT id, {ENTRY_COLUMNS} FROM {table} ORDER BY id")
        entries = [(int(row[0]), entry_fields(row[1:])) for row in cursor.fetchall()]
        _append_links(cursor, chain, entries)


def entry_fields(row: Sequence[Any]) -> tuple[str, ...]:
    """An entry's columns as its link covers them: text as stored, `personal_data` as `1` or `0`."""
    *texts, personal_data = row
    return (*(str(value) for value in texts), "1" if personal_data else "0")


def _append_links(cursor: DialectCursor, chain: str, entries: Sequence[tuple[int, tuple[str, ...]]]) -> None:
    if not entries:
        return
    cursor.execute(f"SELECT link FROM {chain} ORDER BY position DESC LIMIT 1")
    row = cursor.fetchone()
    previous: str = row[0] if row is not None else GENESIS
    for entry_id, fields in entries:
        previous = access_link(previous, entry_id, fields)
        cursor.execute(f"INSERT INTO {chain} (position, link) VALUES (?, ?)", (entry_id, previous))


def appending_lock(database: Database) -> int:
    """The advisory lock under which entries and their links are appended (PostgreSQL), so that ids, links and commits
    follow one order; SQLite's single writer needs none."""
    digest = hashlib.sha256(f"lotse.access-log {database.table(ACCESS_LOG_TABLE)}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class SqlAccessLog:
    def __init__(self, database: Database) -> None:
        self.database = database
        self._table = database.table(ACCESS_LOG_TABLE)
        self._chain = database.table(ACCESS_CHAIN_TABLE)
        self._lock = appending_lock(database)

    def record(self, read: CaseRead) -> None:
        self.record_all([read])

    def record_all(self, reads: list[CaseRead]) -> None:
        """Appends the reads and their links in one transaction: all of them or none.

        Appending waits for the one before to commit (PostgreSQL: an advisory lock held to the commit; SQLite: its write
        lock), since each link is made from the previous one.
        """
        if not reads:
            return
        with self.database.transaction(commit=True) as cursor:
            if self.database.dialect == "postgres":
                cursor.execute("SELECT pg_advisory_xact_lock(?)", (self._lock,))
            entries: list[tuple[int, tuple[str, ...]]] = []
            for read in reads:
                row = _row(read)
                cursor.execute(
                    f"INSERT INTO {self._table} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", row
                )
                entries.append((int(cursor.fetchone()[0]), entry_fields(row)))
            _append_links(cursor, self._chain, entries)

    def query(self, query: AccessLogQuery) -> list[AccessLogEntry]:
        """Newest first: a page of at most `limit` entries older than `before`."""
        conditions: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("case_agency", query.case_agency),
            ("case_id", str(query.case_id) if query.case_id else None),
            ("subject", query.subject),
        ):
            if value is not None:
                conditions.append(f"{column} = ?")
                params.append(value)
        if query.before is not None:
            conditions.append("id < ?")
            params.append(query.before)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = self.database.fetchall(
            f"SELECT id, {_COLUMNS} FROM {self._table} {where} ORDER BY id DESC LIMIT ?", [*params, query.limit]
        )
        return [
            AccessLogEntry(
                id=int(row[0]),
                read=CaseRead(
                    at=datetime.fromisoformat(row[1]),
                    subject=row[2],
                    role=row[3],
                    agency=row[4],
                    case_id=UUID(row[5]),
                    case_agency=row[6],
                    what=row[7],
                    personal_data=bool(row[8]),
                ),
            )
            for row in rows
        ]


def _row(read: CaseRead) -> tuple[Any, ...]:
    return (
        read.at.isoformat(),
        read.subject,
        read.role,
        read.agency,
        str(read.case_id),
        read.case_agency,
        read.what,
        read.personal_data,
    )
