"""Event recorders that write a request's idempotency key in the same transaction as its event.

A crash can then never leave an event without its key (a retry would record twice) or a key
without its event (a retry would be answered with a write that never happened). The events' links
in the audit hash chain (infrastructure/audit/) are written in that transaction too, and so are a new
case's data key and the destruction of an erased client's key (infrastructure/privacy/keys.py): no case without
its key, no erasure event with its key still there, and no destroyed key without the event that says so. So are a
case's entries in the keyed name index and their deletion at erasure (infrastructure/privacy/name_index.py): a client
is findable by name exactly while her case's events say she is not erased.
"""

import contextlib
import hashlib
from collections.abc import Sequence
from typing import Any, Protocol
from uuid import UUID

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError, ProgrammingError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore, PostgresFactory
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore, SQLiteFactory
from eventsourcing.utils import retry
from psycopg import Connection, Cursor
from psycopg.pq import TransactionStatus
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Identifier
from psycopg.types.string import ByteaBinaryLoader

from application.ports import CaseSummary, IdempotencyClaim, NameIndexEntry
from domain.events import PersonalDataErased
from infrastructure.audit.chain import CHAIN_TABLE, append_links, inserted_links, last_link_query, links_after
from infrastructure.eventstore.group_commit import GroupCommit, Write
from infrastructure.eventstore.mapper import StoredEventWithKey
from infrastructure.eventstore.sql import DialectCursor, case_id_of
from infrastructure.eventstore.tables import (
    CASE_INDEX_TABLE,
    IDEMPOTENCY_TABLE,
    case_summaries_from_arrays,
    summary_columns,
    write_case_summaries,
)
from infrastructure.privacy.keys import KEYS_TABLE, destroy_key, insert_key
from infrastructure.privacy.name_index import check_same_person, delete_name_entries, write_name_entry


def _key_row(claim: IdempotencyClaim, stored_events: Sequence[StoredEvent]) -> tuple[Any, ...]:
    last = stored_events[-1]
    return (claim.scope, claim.key, claim.fingerprint, str(last.originator_id), last.originator_version)


def _write_beside_events(
    cursor: DialectCursor, schema_prefix: str, stored_events: Sequence[StoredEvent], kwargs: dict[str, Any]
) -> None:
    claim: IdempotencyClaim | None = kwargs.get("idempotency")
    if claim is not None and stored_events:
        cursor.execute(
            f"INSERT INTO {schema_prefix}{IDEMPOTENCY_TABLE} VALUES (?, ?, ?, ?, ?)", _key_row(claim, stored_events)
        )
    for stored in stored_events:
        if isinstance(stored, StoredEventWithKey):
            insert_key(cursor, f"{schema_prefix}{KEYS_TABLE}", stored.originator_id, stored.wrapped_key)
        elif _is_erasure(stored):
            destroy_key(cursor, f"{schema_prefix}{KEYS_TABLE}", stored.originator_id)
            delete_name_entries(cursor, schema_prefix, stored.originator_id)  # after the key row's lock (name_index.py)
    names: NameIndexEntry | None = kwargs.get("name_index")
    if names is not None and stored_events:
        write_name_entry(cursor, schema_prefix, names)


def _write_case_summaries(cursor: DialectCursor, schema_prefix: str, writes: Sequence[dict[str, Any]]) -> None:
    """The case list's rows of the writes (their `case_summary`), in one statement."""
    write_case_summaries(cursor, f"{schema_prefix}{CASE_INDEX_TABLE}", _case_summaries(writes))


def _case_summaries(writes: Sequence[dict[str, Any]]) -> list[CaseSummary]:
    return [each for kwargs in writes if (each := kwargs.get("case_summary")) is not None]


def _check_beside_events(cursor: DialectCursor, schema_prefix: str, kwargs: dict[str, Any]) -> None:
    """Checks that need every earlier writer committed: run where no other writer can commit before this one."""
    names: NameIndexEntry | None = kwargs.get("name_index")
    if names is not None:
        check_same_person(cursor, schema_prefix, names)


def _is_erasure(stored: StoredEvent) -> bool:
    return stored.topic.partition("@")[0] == PersonalDataErased.TOPIC


class KeyMemory(Protocol):
    """What the recorder asks of the key vault (infrastructure/privacy/keys.py): to forget an erased client's key,
    and to push destroyed keys out of the storage's leftovers (SQLite's write-ahead log)."""

    def forget(self, case_id: UUID) -> None: ...

    def compact(self) -> None: ...


def _forget_erased(keys: KeyMemory, stored_events: Sequence[StoredEvent]) -> None:
    """After the commit: this process no longer holds an erased client's key in memory."""
    for stored in stored_events:
        if _is_erasure(stored):
            keys.forget(UUID(str(stored.originator_id)))


# A row of the log as the projections and the as-of replays read it, without a StoredEvent per row: its position,
# originator id (as the database holds it), originator version, topic and stored state.
LogRow = tuple[int, Any, int, str, bytes]
# A row as a replay aggregate by aggregate reads it: originator id, originator version, topic and stored state.
AggregateRow = tuple[Any, int, str, bytes]
# A row of one aggregate as a case's replay reads it: originator version, topic and stored state.
CaseRow = tuple[int, str, bytes]


def _not_in(topics: Sequence[str]) -> str:
    """SQLite's condition leaving out rows of `topics` (a placeholder each), or none."""
    return f" AND topic NOT IN ({', '.join('?' * len(topics))})" if topics else ""


class SQLiteCaseRecorder(SQLiteApplicationRecorder):
    def __init__(self, datastore: SQLiteDatastore, *, keys: KeyMemory, events_table_name: str = "stored_events"):
        super().__init__(datastore, events_table_name)
        self.keys = keys

    def select_log_rows(
        self, start: int, limit: int, stop: int | None = None, without_topics: Sequence[str] = ()
    ) -> list[LogRow]:
        """The log's rows from position `start` (up to `stop`), at most `limit`, in the log's order; none of the
        topics in `without_topics`."""
        statement = f"SELECT rowid, originator_id, originator_version, topic, state FROM {self.events_table_name}"
        statement += " WHERE rowid >= ?" + (" AND rowid <= ?" if stop is not None else "") + _not_in(without_topics)
        statement += " ORDER BY rowid LIMIT ?"
        params = [start, *([stop] if stop is not None else []), *without_topics, limit]
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            return [tuple(row) for row in c.fetchall()]

    def select_rows_by_aggregate(
        self,
        after: tuple[Any, int] | None,
        stop: int,
        limit: int,
        below: Any = None,
        without_topics: Sequence[str] = (),
    ) -> list[AggregateRow]:
        """The log's rows up to position `stop` in order of originator id and version, after the row `after` names
        (from the first if None) and of originator ids below `below` (all if None), none of the topics in
        `without_topics`, at most `limit`."""
        statement = f"SELECT originator_id, originator_version, topic, state FROM {self.events_table_name}"
        statement += " WHERE (originator_id, originator_version) > (?, ?) AND" if after else " WHERE"
        statement += " originator_id < ? AND" if below is not None else ""
        statement += " rowid <= ?" + _not_in(without_topics)
        statement += " ORDER BY originator_id, originator_version LIMIT ?"
        params = [*(after or ()), *([below] if below is not None else []), stop, *without_topics, limit]
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, params)
            return [tuple(row) for row in c.fetchall()]

    def select_case_rows(self, originator_id: UUID) -> list[CaseRow]:
        """One aggregate's rows in version order, as tuples (a case's replay, without a StoredEvent per row)."""
        statement = f"SELECT originator_version, topic, state FROM {self.events_table_name}"
        statement += " WHERE originator_id = ? ORDER BY originator_version"
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement, [originator_id.hex])
            return [tuple(row) for row in c.fetchall()]

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        positions = super().insert_events(stored_events, **kwargs)
        _forget_erased(self.keys, stored_events)
        if any(_is_erasure(stored) for stored in stored_events):
            # The destroyed key's earlier page images stay in the WAL file until it is checkpointed and truncated.
            self.keys.compact()
        return positions

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        _write_beside_events(DialectCursor(c, "sqlite"), "", stored_events, kwargs)
        _write_case_summaries(DialectCursor(c, "sqlite"), "", [kwargs])
        _check_beside_events(DialectCursor(c, "sqlite"), "", kwargs)  # the events' INSERT took the write lock
        if positions:  # the transaction holds SQLite's write lock: no other writer can chain in between
            append_links(DialectCursor(c, "sqlite"), CHAIN_TABLE, list(zip(positions, stored_events, strict=True)))
        return positions


# The library retries a failed database call ten times, 0.2 s apart; with the pool waiting for a connection each
# time, a request would hang for a minute while PostgreSQL is down. Two attempts answer 503 within seconds.
_fail_fast = retry((InterfaceError, OperationalError), max_attempts=2, wait=0.1)


def recording_lock(schema: str, events_table: str) -> int:
    """The advisory lock every writer of the events table holds from before its INSERT until its commit.

    It serialises recording, so positions are handed out in commit order and each transaction's first link follows the
    previous transaction's last. The library takes an EXCLUSIVE lock on the table instead, which PostgreSQL (before 17)
    grants only to a role that may UPDATE, DELETE or TRUNCATE the table; an advisory lock needs no privilege, so the
    runtime role records with SELECT and INSERT alone (infrastructure/eventstore/runtime_role.py).
    """
    digest = hashlib.sha256(f"lotse.record {schema}.{events_table}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresCaseRecorder(PostgresApplicationRecorder):
    """Records events in transactions of its own making, several writers' at once (eventstore/group_commit.py).

    The library's own insert path sends the transaction as a psycopg pipeline; when a statement before the events'
    INSERT failed (say, a reused idempotency key), the pipeline sometimes reported only "pipeline aborted", which
    hid the constraint that refused the write. Plain statements report the constraint, every time.
    """

    def __init__(self, datastore: PostgresDatastore, *, keys: KeyMemory, events_table_name: str) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.keys = keys
        self.group_commit = GroupCommit(_fail_fast(self.commit_batch))
        # Statements are rendered to text once: psycopg keeps its conversion of a query given as text, where it
        # converts a composed one again on every call.
        events = SQL("{0}.{1}").format(Identifier(datastore.schema), Identifier(events_table_name)).as_string(None)
        self._select_case_rows = f"SELECT originator_version, topic, state FROM {events} WHERE originator_id = %s"
        self._select_case_in_order = self._select_case_rows + " ORDER BY originator_version"
        # Keyed by whether topics are left out (`topic <> ALL` an array of them), and where a reading by aggregate
        # begins after a row and stays below an id.
        self._select_log_rows = {
            without != "": f"SELECT notification_id, originator_id, originator_version, topic, state FROM {events}"
            f" WHERE notification_id >= %s AND notification_id <= %s{without} ORDER BY notification_id LIMIT %s"
            for without in ("", " AND topic <> ALL(%s)")
        }
        self._select_rows_by_aggregate = {
            (after != "", below != "", without != ""): "SELECT originator_id, originator_version, topic, state"
            f" FROM {events} WHERE {after}{below}notification_id <= %s{without}"
            " ORDER BY originator_id, originator_version LIMIT %s"
            for after in ("", "(originator_id, originator_version) > (%s, %s) AND ")
            for below in ("", "originator_id < %s AND ")
            for without in ("", " AND topic <> ALL(%s)")
        }
        # One query string, one round trip, no parameters: the recording lock is taken (from here to the commit no
        # other writer records: positions are handed out in commit order), listeners are told, and the chain's last
        # link is read, under the lock, in a statement of its own and so in a snapshot taken after the lock was
        # granted. It begins the transaction too where no row beside the events came before it.
        self._lock_and_read_last_link = "; ".join(
            [
                SQL("SET LOCAL lock_timeout = '{0}s'").format(datastore.lock_timeout).as_string(None),
                f"SELECT pg_advisory_xact_lock({recording_lock(datastore.schema, events_table_name)})",
                SQL("NOTIFY {0}").format(Identifier(self.channel_name)).as_string(None),
                last_link_query(self._chain_table),
            ]
        )
        self._begin_and_lock = f"BEGIN; {self._lock_and_read_last_link}"
        # The case list's rows go in with the events, in one statement: a round trip fewer per group commit. The
        # events go as four arrays, one a column, in binary: the library's array of composite values went as text, and
        # psycopg escaped each event's bytes to hex in Python for it (about 25 µs of the API's CPU an event).
        self._insert_summaries_and_events = (
            f"WITH listed AS ({case_summaries_from_arrays(f'{self._schema_prefix}{CASE_INDEX_TABLE}')}) "
            f"INSERT INTO {events} (originator_id, originator_version, topic, state) SELECT * FROM unnest("
            f"%b::{datastore.originator_id_type}[], %b::bigint[], %b::text[], %b::bytea[]) RETURNING notification_id"
        )

    @property
    def _chain_table(self) -> str:
        return f"{self._schema_prefix}{CHAIN_TABLE}"

    @property
    def _schema_prefix(self) -> str:
        return f'"{self.datastore.schema}".'

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if not stored_events:
            return []
        positions = self.group_commit.commit(Write(stored_events, kwargs))
        _forget_erased(self.keys, stored_events)
        return positions

    @_fail_fast
    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        """The library's select_events with tuple rows: a case's replay spent more on building a dict per row than
        on the query (cProfile over a case of 200 events)."""
        statement = self._select_case_rows
        params: list[Any] = [originator_id]
        if gt is not None:
            params.append(gt)
            statement += " AND originator_version > %s"
        if lte is not None:
            params.append(lte)
            statement += " AND originator_version <= %s"
        statement += " ORDER BY originator_version DESC" if desc else " ORDER BY originator_version ASC"
        if limit is not None:
            params.append(limit)
            statement += " LIMIT %s"
        with self.datastore.get_connection() as connection, connection.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(statement, params, prepare=True, binary=True)
            rows: list[CaseRow] = cursor.fetchall()
        case_id = originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
        return [StoredEvent(case_id, version, topic, state) for version, topic, state in rows]

    @_fail_fast
    def select_case_rows(self, originator_id: UUID) -> list[CaseRow]:
        """One aggregate's rows in version order, as tuples read in binary: a case's replay without a StoredEvent per
        row (their construction cost a third of the query's time over a case of 200 events), nor its id again."""
        with self.datastore.get_connection() as connection, connection.cursor(row_factory=tuple_row) as cursor:
            cursor.execute(self._select_case_in_order, (originator_id,), prepare=True, binary=True)
            return cursor.fetchall()

    @_fail_fast
    def select_log_rows(
        self, start: int, limit: int, stop: int | None = None, without_topics: Sequence[str] = ()
    ) -> list[LogRow]:
        """The log's rows from position `start` (up to `stop`), at most `limit`, in the log's order, none of the
        topics in `without_topics`: tuples, not the library's dict rows and Notifications, which cost more than
        decoding the events."""
        # Binary: each event's bytes come as they are, not as the hex text that PostgreSQL would write and psycopg
        # decode again (a rebuild and an as-of recompute read every row: both about 5 % faster, measured in pairs).
        with self.datastore.get_connection() as connection, lean_cursor(connection) as cursor:
            without = (list(without_topics),) if without_topics else ()
            bounds = (start, stop if stop is not None else 2**63 - 1, *without, limit)
            cursor.execute(self._select_log_rows[bool(without_topics)], bounds, prepare=True, binary=True)
            return cursor.fetchall()

    @_fail_fast
    def select_rows_by_aggregate(
        self,
        after: tuple[Any, int] | None,
        stop: int,
        limit: int,
        below: Any = None,
        without_topics: Sequence[str] = (),
    ) -> list[AggregateRow]:
        """The log's rows up to position `stop` in order of originator id and version, after the row `after` names
        (from the first if None) and of originator ids below `below` (all if None), none of the topics in
        `without_topics`, at most `limit`; read in binary, as `select_log_rows` reads them, the originator ids as
        their 16 bytes."""
        with self.datastore.get_connection() as connection, lean_cursor(connection) as cursor:
            statement = self._select_rows_by_aggregate[after is not None, below is not None, bool(without_topics)]
            # A page's last row names where the next begins: its id as read, bytes, is an id again in the statement.
            start = () if after is None else (case_id_of(after[0]), after[1])
            without = (list(without_topics),) if without_topics else ()
            params = (*start, *([below] if below is not None else []), stop, *without, limit)
            cursor.execute(statement, params, prepare=True, binary=True)
            return cursor.fetchall()

    select_notifications = _fail_fast(PostgresApplicationRecorder.select_notifications.__wrapped__)
    max_notification_id = _fail_fast(PostgresApplicationRecorder.max_notification_id.__wrapped__)

    def commit_batch(self, batch: Sequence[Write]) -> list[Sequence[int]]:
        """Records the writes in one transaction; answers each write's positions (group commit, bulk loading)."""
        with self.datastore.get_connection() as connection:
            try:
                with connection.cursor(row_factory=tuple_row) as cursor:
                    positions = self._record(cursor, batch)
            except BaseException:
                _roll_back(connection)
                raise
        answers: list[Sequence[int]] = []
        for write in batch:
            answers.append(positions[: len(write.stored_events)])
            positions = positions[len(write.stored_events) :]
        return answers

    def _record(self, cursor: Cursor[Any], batch: Sequence[Write]) -> list[int]:
        """Three round trips where no write has rows beside its events (a step without an idempotency key): the
        transaction begun with the lock taken and the last link read, the case list rows with the events, and their
        links with the commit. Rows beside the events (idempotency keys, data keys, name index entries) go first,
        before the lock: a wait for one of their rows must not hold up every writer."""
        stored_events = [stored for write in batch for stored in write.stored_events]
        schema_prefix = self._schema_prefix
        beside = BeginningCursor(cursor, "postgres")
        for write in batch:
            _write_beside_events(beside, schema_prefix, write.stored_events, write.beside)
        cursor.execute(self._lock_and_read_last_link if beside.began else self._begin_and_lock)
        while cursor.nextset():  # on to the last statement's answer
            pass
        last = cursor.fetchone()
        begun = DialectCursor(cursor, "postgres")
        for write in batch:
            _check_beside_events(begun, schema_prefix, write.beside)
        # Under the lock: only recording transactions write the case list's rows, so none of them is waited for.
        summaries = summary_columns(_case_summaries([write.beside for write in batch]))
        cursor.execute(self._insert_summaries_and_events, (*summaries, *_event_columns(stored_events)))
        positions: list[int] = [row[0] for row in cursor.fetchall()]
        if len(positions) != len(stored_events):
            raise ProgrammingError(f"expected {len(stored_events)} positions, the database gave {len(positions)}")
        recorded = list(zip(positions, stored_events, strict=True))
        links = links_after(last[0] if last is not None else None, recorded)
        cursor.execute(f"{inserted_links(self._chain_table, links)}; COMMIT")
        return positions


class BeginningCursor(DialectCursor):
    """Begins the transaction with its first statement, if it is given any."""

    began = False

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._begin()
        super().execute(sql, params)

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        self._begin()
        super().executemany(sql, params)

    def _begin(self) -> None:
        if not self.began:
            self.cursor.execute("BEGIN")
            self.began = True


def _roll_back(connection: Connection[Any]) -> None:
    """Ends a transaction `commit_batch` began and could not commit; a broken connection is left to the pool."""
    if connection.info.transaction_status in (TransactionStatus.INTRANS, TransactionStatus.INERROR):
        with contextlib.suppress(psycopg.Error):
            connection.execute("ROLLBACK")


def lean_cursor(connection: Connection[Any]) -> Cursor[Any]:
    """A cursor of tuple rows that reads a UUID column as its 16 bytes. psycopg makes a `uuid.UUID` of each through
    the Python constructor: about 0.35 of the 2.1 µs a row of the log took to read by aggregate in pages of 2,000. The
    events' own JSON holds their ids, which msgspec reads in C; only a row that takes the mapper's long way needs its
    id as a UUID (`case_id_of`)."""
    cursor = connection.cursor(row_factory=tuple_row)
    cursor.adapters.register_loader("uuid", ByteaBinaryLoader)
    return cursor


def _event_columns(stored_events: Sequence[StoredEvent]) -> tuple[list[Any], list[int], list[str], list[bytes]]:
    return (
        [stored.originator_id for stored in stored_events],
        [stored.originator_version for stored in stored_events],
        [stored.topic for stored in stored_events],
        [stored.state for stored in stored_events],
    )


CaseRecorder = SQLiteCaseRecorder | PostgresCaseRecorder
CaseStore = SQLiteFactory | PostgresFactory


def events_table_of(infrastructure: CaseStore) -> str:
    """The events table the library's factory names for the application (unqualified)."""
    if isinstance(infrastructure, PostgresFactory):
        return f"{infrastructure.env.name.lower() or 'stored'}_events"
    return "stored_events"


def case_recorder(infrastructure: CaseStore, keys: KeyMemory) -> CaseRecorder:
    """The application recorder of the factory's database, made as the library's factory makes its own (same table,
    created unless CREATE_TABLE says no), with the key vault given at construction."""
    recorder: CaseRecorder
    table = events_table_of(infrastructure)
    if isinstance(infrastructure, PostgresFactory):
        recorder = PostgresCaseRecorder(infrastructure.datastore, keys=keys, events_table_name=table)
    else:
        recorder = SQLiteCaseRecorder(infrastructure.datastore, keys=keys, events_table_name=table)
    if infrastructure.env_create_table():
        recorder.create_table()
    return recorder
