"""Lotse's own tables beside the event store, on the event store's own connections.

Statements are written with `?` placeholders and translated for psycopg; rows come back as tuples.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal, Protocol
from uuid import UUID

import msgspec
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

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        if self.dialect == "postgres":
            sql = sql.replace("?", "%s")
        self.cursor.executemany(sql, [tuple(row) for row in params])

    def fetchone(self) -> Any:
        return self.cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return list(self.cursor.fetchall())


# Writing many rows at once (the projection views write a batch of states in a few statements, whatever its size):
# PostgreSQL takes the rows as one JSON array of arrays (one statement, one round trip), SQLite the same statement
# for each row, in process. JSON, not PostgreSQL arrays: msgspec encodes a batch's rows in C, where psycopg builds
# each array in Python value by value (measured in a rebuild: 0.8 s of 12, for arrays of a few thousand keys).
_json = msgspec.json.Encoder()


def json_rows(rows: Sequence[Sequence[Any]], names: Sequence[str]) -> tuple[str, list[Any]]:
    """PostgreSQL: the rows as a relation of the named columns (text, or bigint where the first row holds an integer)
    for a FROM clause, with its one parameter."""
    columns = ", ".join(
        f"(e->>{index})::bigint AS {name}" if isinstance(value, int) else f"e->>{index} AS {name}"
        for index, (name, value) in enumerate(zip(names, rows[0], strict=True))
    )
    return f"(SELECT {columns} FROM json_array_elements(?::json) AS e)", [_json.encode(rows).decode()]


def rows_matching(
    table: str, columns: Sequence[str], keys: Sequence[Sequence[Any]], selected: str, where: str = ""
) -> tuple[str, list[Any]]:
    """PostgreSQL: a query of the `selected` expressions (of the table as `t`) of the rows whose `columns` hold one of
    the `keys` (and that meet `where`), with its parameters. Keys given twice are matched once.

    Each key is looked up by index, one after the other, whatever the table's statistics say: the keys come first
    (LATERAL), and the lookup is not merged into a join the planner may turn around (OFFSET 0). A join of the table
    with the keys was planned from statistics, and a view emptied for a rebuild and analysed then (as autovacuum does
    after the mass delete) keeps statistics saying it holds nothing: the table was then read whole for every batch,
    and a rebuild of 1.3 million events that takes 20 s ran for minutes. `= ANY` of a computed array got a parallel
    bitmap scan (12 ms instead of 4 for 400 keys)."""
    names = [f"k{index}" for index in range(len(columns))]
    relation, params = json_rows(list(dict.fromkeys(tuple(key) for key in keys)), names)
    condition = " AND ".join(f"t.{column} = k.{name}" for column, name in zip(columns, names, strict=True))
    also = f" AND {where}" if where else ""
    lookup = f"SELECT {selected} FROM {table} AS t WHERE {condition}{also} OFFSET 0"
    return f"SELECT x.* FROM {relation} AS k CROSS JOIN LATERAL ({lookup}) AS x", params


def delete_keys(
    cursor: DialectCursor, table: str, columns: Sequence[str], keys: Sequence[Sequence[Any]], where: str = ""
) -> None:
    """Deletes the rows whose `columns` hold one of the `keys` (each a tuple of the columns' values) and that meet
    `where` (a condition on the table's columns, unqualified)."""
    if not keys:
        return
    if cursor.dialect == "postgres":
        # The rows found key by key (`rows_matching`), then deleted where they are: a DELETE joined with the keys
        # would be planned from the statistics again.
        matching, params = rows_matching(table, columns, keys, "t.ctid", where)
        cursor.execute(f"DELETE FROM {table} WHERE ctid = ANY(ARRAY({matching}))", params)
    else:
        also = f" AND {where}" if where else ""
        cursor.executemany(f"DELETE FROM {table} WHERE {' AND '.join(f'{c} = ?' for c in columns)}{also}", keys)


def select_keys(
    cursor: DialectCursor, selected: str, table: str, columns: Sequence[str], keys: Sequence[Sequence[Any]]
) -> list[tuple[Any, ...]]:
    """The `selected` columns (of the table, as `t`) of the rows whose `columns` hold one of the `keys`."""
    if not keys:
        return []
    if cursor.dialect == "postgres":
        qualified = ", ".join(f"t.{column.strip()}" for column in selected.split(","))
        matching, params = rows_matching(table, columns, keys, qualified)
        cursor.execute(matching, params)
        return [tuple(row) for row in cursor.fetchall()]
    found: list[tuple[Any, ...]] = []
    where = " AND ".join(f"{c} = ?" for c in columns)
    for key in keys:
        cursor.execute(f"SELECT {selected} FROM {table} WHERE {where}", key)
        found.extend(tuple(row) for row in cursor.fetchall())
    return found


def sync_rows(
    cursor: DialectCursor,
    table: str,
    columns: Sequence[str],
    key: Sequence[str],
    owners: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
) -> None:
    """Makes the rows of the `owners` (the values of the first column) be `rows`, writing only what differs: a row
    gone or changed is deleted by its primary `key` (column names), a new or changed one inserted. Rewriting them
    all would leave a dead row behind for every row of a state at every event (until VACUUM)."""
    if not owners:
        return
    recorded = set(select_keys(cursor, ", ".join(columns), table, columns[:1], [(owner,) for owner in owners]))
    wanted = set(rows)
    at = [columns.index(column) for column in key]
    delete_keys(cursor, table, key, [tuple(row[i] for i in at) for row in recorded - wanted])
    insert_rows(cursor, table, columns, [row for row in rows if row not in recorded])


def storable_text(text: str) -> str:
    """A text of an event as a view keeps it: PostgreSQL's text holds no NUL, so a NUL reads as U+FFFD, on both
    backends alike. The registers refuse NUL in what they keep in clear (0.2), but the log keeps for ever what was
    accepted before, and a view that cannot write an event stops there for good."""
    return text.replace("\x00", "\ufffd")


def insert_rows(cursor: DialectCursor, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Inserts the rows (PostgreSQL: by COPY, the fastest way in)."""
    if not rows:
        return
    if cursor.dialect == "postgres":
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        placeholders = ", ".join("?" * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)


def case_id_of(value: Any) -> UUID:
    """An originator id as a recorder read it: a UUID, its 16 bytes (PostgreSQL's lean reads) or its text (SQLite)."""
    if isinstance(value, UUID):
        return value
    return UUID(bytes=value) if isinstance(value, bytes) else UUID(str(value))
