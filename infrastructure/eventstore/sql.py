"""Lotse's own tables beside the event store, on the event store's own connections.

Statements are written with `?` placeholders and translated for psycopg; rows come back as tuples.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal, Protocol

from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore
from psycopg.rows import tuple_row

Dialect = Literal["sqlite", "postgres"]


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ...) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class SchemaMismatch(RuntimeError):
    """The database's schema is not the one this release works with."""


class Database:
    """A transaction on the event store's database, in either dialect."""

    def __init__(self, datastore: SQLiteDatastore | PostgresDatastore) -> None:
        self.datastore = datastore
        self.dialect: Dialect = "sqlite" if isinstance(datastore, SQLiteDatastore) else "postgres"

    def table(self, name: str) -> str:
        """The table's name, qualified by the configured PostgreSQL schema."""
        if isinstance(self.datastore, PostgresDatastore):
            return f'"{self.datastore.schema}".{name}'
        return name

    def has_table(self, cursor: "DialectCursor", name: str) -> bool:
        if isinstance(self.datastore, PostgresDatastore):
            cursor.execute("SELECT to_regclass(?) IS NOT NULL", (self.table(name),))
        else:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?)", (name,))
        row = cursor.fetchone()
        return bool(row[0]) if row is not None else False

    def lock_schema(self, cursor: "DialectCursor", purpose: str) -> None:
        """Serialises schema changes of processes starting together (PostgreSQL; SQLite has one writer anyway)."""
        if isinstance(self.datastore, PostgresDatastore):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (f"lotse.{purpose} {self.datastore.schema}",))

    @contextmanager
    def transaction(self, *, commit: bool, flush: bool = True) -> Iterator["DialectCursor"]:
        """`flush=False`: PostgreSQL may answer the commit before its WAL reaches the disk (asynchronous commit).

        Only for data that can be derived again: a crash may lose the last such commits, never half of one.
        """
        if isinstance(self.datastore, SQLiteDatastore) and not commit:
            with self.datastore.transaction(commit=False) as cursor:
                yield DialectCursor(cursor, "sqlite")
        elif isinstance(self.datastore, SQLiteDatastore):
            # IMMEDIATE: the write lock is taken first, waiting for another process's transaction to end. A deferred
            # transaction that reads, then writes, fails at once ("database is locked") when another process's does
            # the same at that moment, as processes starting together do.
            with self.datastore.get_connection(commit=True) as writer, writer.cursor() as writing:
                writing.execute("BEGIN IMMEDIATE")
                try:
                    yield DialectCursor(writing, "sqlite")
                except BaseException:
                    writer.rollback()
                    raise
                writer.commit()
        else:
            with (
                self.datastore.get_connection() as connection,
                connection.transaction(force_rollback=not commit),
                connection.cursor(row_factory=tuple_row) as cursor,
            ):
                if not flush:
                    cursor.execute("SET LOCAL synchronous_commit = off")
                yield DialectCursor(cursor, "postgres")

    def fetchone(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        with self.transaction(commit=False) as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
            return tuple(row) if row is not None else None

    def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.transaction(commit=False) as cursor:
            cursor.execute(sql, params)
            return [tuple(row) for row in cursor.fetchall()]

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self.transaction(commit=True) as cursor:
            cursor.execute(sql, params)


class DialectCursor:
    """A cursor that takes `?` placeholders in both dialects."""

    def __init__(self, cursor: Any, dialect: Dialect) -> None:
        self.cursor = cursor
        self.dialect = dialect

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        if self.dialect == "postgres":
            sql = sql.replace("?", "%s")
        self.cursor.execute(sql, tuple(params))

    def fetchone(self) -> Any:
        return self.cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return list(self.cursor.fetchall())
