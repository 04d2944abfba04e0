"""The read-access log: who read which case's state or history, when, in an append-only table auditors query.

The database refuses UPDATE, DELETE and TRUNCATE of it with the audit trail's triggers (infrastructure/audit/);
on PostgreSQL `lotse audit restrict-role` grants the application's role only SELECT and INSERT on it.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from application.ports import AccessLogEntry, AccessLogQuery, CaseRead
from infrastructure.audit.append_only import ACCESS_LOG_TABLE, refuse_changes
from infrastructure.eventstore.sql import Database

__all__ = ["ACCESS_LOG_TABLE", "SqlAccessLog", "create_access_log_table"]
_COLUMNS = "at, subject, role, agency, case_id, case_agency, what, personal_data"


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


class SqlAccessLog:
    def __init__(self, database: Database) -> None:
        self.database = database
        self._table = database.table(ACCESS_LOG_TABLE)

    def record(self, read: CaseRead) -> None:
        self.record_all([read])

    def record_all(self, reads: list[CaseRead]) -> None:
        """Appends the reads in one transaction: all of them or none."""
        with self.database.transaction(commit=True) as cursor:
            for read in reads:
                cursor.execute(f"INSERT INTO {self._table} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", _row(read))

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
