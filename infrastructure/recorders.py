"""Event recorders that write a request's idempotency key in the same transaction as its event.

A crash can then never leave an event without its key (a retry would record twice) or a key
without its event (a retry would be answered with a write that never happened). The events' links
in the audit hash chain (infrastructure/audit.py) are written in that transaction too, and so are a new
case's data key and the destruction of an erased client's key (infrastructure/keys.py): no case without
its key, no erasure event with its key still there, and no destroyed key without the event that says so.
"""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import retry
from psycopg import Cursor
from psycopg.rows import DictRow, tuple_row

from application.ports import CaseSummary, IdempotencyClaim
from domain.events import PersonalDataErased
from infrastructure.audit import CHAIN_TABLE, append_links
from infrastructure.keys import KEYS_TABLE, KeyVault, destroy_key, insert_key
from infrastructure.mapper import StoredEventWithKey
from infrastructure.sql import DialectCursor
from infrastructure.tables import CASE_INDEX_TABLE, IDEMPOTENCY_TABLE, write_case_summary


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
    summary: CaseSummary | None = kwargs.get("case_summary")
    if summary is not None:
        write_case_summary(cursor, f"{schema_prefix}{CASE_INDEX_TABLE}", summary)
    for stored in stored_events:
        if isinstance(stored, StoredEventWithKey):
            insert_key(cursor, f"{schema_prefix}{KEYS_TABLE}", stored.originator_id, stored.wrapped_key)
        elif _is_erasure(stored):
            destroy_key(cursor, f"{schema_prefix}{KEYS_TABLE}", stored.originator_id)


def _is_erasure(stored: StoredEvent) -> bool:
    return stored.topic.partition("@")[0] == PersonalDataErased.TOPIC


def _forget_erased(vault: KeyVault | None, stored_events: Sequence[StoredEvent]) -> None:
    """After the commit: this process no longer holds an erased client's key in memory."""
    if vault is None:
        return
    for stored in stored_events:
        if _is_erasure(stored):
            vault.forget(UUID(str(stored.originator_id)))


class SQLiteCaseRecorder(SQLiteApplicationRecorder):
    key_vault: KeyVault | None = None  # set by the composition root

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        positions = super().insert_events(stored_events, **kwargs)
        _forget_erased(self.key_vault, stored_events)
        return positions

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        _write_beside_events(DialectCursor(c, "sqlite"), "", stored_events, kwargs)
        if positions:  # the transaction holds SQLite's write lock: no other writer can chain in between
            append_links(DialectCursor(c, "sqlite"), CHAIN_TABLE, list(zip(positions, stored_events, strict=True)))
        return positions


# The library retries a failed database call ten times, 0.2 s apart; with the pool waiting for a connection each
# time, a request would hang for a minute while PostgreSQL is down. Two attempts answer 503 within seconds.
_fail_fast = retry((InterfaceError, OperationalError), max_attempts=2, wait=0.1)
_insert_events_once = PostgresApplicationRecorder.insert_events.__wrapped__


class PostgresCaseRecorder(PostgresApplicationRecorder):
    key_vault: KeyVault | None = None  # set by the composition root

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        positions: Sequence[int] | None = _fail_fast(_insert_events_once)(self, stored_events, **kwargs)
        _forget_erased(self.key_vault, stored_events)
        return positions

    select_events = _fail_fast(PostgresApplicationRecorder.select_events.__wrapped__)
    select_notifications = _fail_fast(PostgresApplicationRecorder.select_notifications.__wrapped__)
    max_notification_id = _fail_fast(PostgresApplicationRecorder.max_notification_id.__wrapped__)

    def _insert_events(self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        _write_beside_events(DialectCursor(curs, "postgres"), f'"{self.datastore.schema}".', stored_events, kwargs)

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # Runs while the transaction holds the events table's EXCLUSIVE lock: the last link read here is the
        # previous event's, and no other writer can chain in between. In pipeline mode the links' INSERT goes
        # out with the COMMIT; should it fail, the commit fails and raises (as IntegrityError), nothing is kept.
        positions = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        assert positions is not None
        with curs.connection.cursor(row_factory=tuple_row) as chain_cursor:
            append_links(
                DialectCursor(chain_cursor, "postgres"),
                f'"{self.datastore.schema}".{CHAIN_TABLE}',
                list(zip(positions, stored_events, strict=True)),
            )
        return positions
