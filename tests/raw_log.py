"""The event log as a database superuser sees it: raw rows, changed behind Lotse's back with the triggers bypassed.

SQLite: a plain sqlite3 connection that drops the append-only triggers first. PostgreSQL: a superuser connection
with `session_replication_role = replica`, which fires no triggers; or, `as_owner`, the tables' owner, who disables
their triggers for the transaction (ALTER TABLE … DISABLE TRIGGER). The tamper tests use it as an attacker would.
"""

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlparse
from uuid import UUID

import psycopg

from infrastructure.audit.access_log import ACCESS_LOG_TABLE, ENTRY_COLUMNS, entry_fields
from infrastructure.audit.chain import ACCESS_CHAIN_TABLE, CHAIN_TABLE, GENESIS, access_link, chain_link
from infrastructure.audit.checkpoints import CHECKPOINT_TABLE, Checkpoint
from infrastructure.settings import Settings
from tests.conftest import postgres_base_url

Row = tuple[int, UUID, int, str, bytes]


class RawLog:
    def __init__(self, settings: Settings, *, as_owner: bool = False) -> None:
        self.settings = settings
        self.postgres = settings.uses_postgres
        self.as_owner = as_owner
        if self.postgres:
            assert settings.database_url is not None
            schema = parse_qs(urlparse(settings.database_url).query)["schema"][0]
            self.events = f'"{schema}".lotse_events'
            self.chain = f'"{schema}".{CHAIN_TABLE}'
            self.checkpoints = f'"{schema}".{CHECKPOINT_TABLE}'
            self.access_log = f'"{schema}".{ACCESS_LOG_TABLE}'
            self.access_chain = f'"{schema}".{ACCESS_CHAIN_TABLE}'
            self.position = "notification_id"
        else:
            self.events, self.chain, self.checkpoints = "stored_events", CHAIN_TABLE, CHECKPOINT_TABLE
            self.access_log, self.access_chain = ACCESS_LOG_TABLE, ACCESS_CHAIN_TABLE
            self.position = "rowid"

    @contextmanager
    def connection(self, *, bypass_triggers: bool = True) -> Iterator[Any]:
        """A connection in one transaction, committed at the end; with the append-only triggers bypassed."""
        if self.postgres:
            tables = (self.events, self.chain, self.checkpoints, self.access_log, self.access_chain)
            with psycopg.connect(postgres_base_url()) as connection:
                if bypass_triggers and self.as_owner:
                    for table in tables:
                        connection.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
                elif bypass_triggers:
                    connection.execute("SET session_replication_role = replica")
                yield connection
                if bypass_triggers and self.as_owner:
                    for table in tables:
                        connection.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
            return
        connection = sqlite3.connect(self.settings.sqlite_path, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE" if bypass_triggers else "BEGIN")
            if bypass_triggers:
                names = connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall()
                for (name,) in names:
                    connection.execute(f"DROP TRIGGER {name}")
            yield connection
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        finally:
            connection.close()

    def execute(self, connection: Any, sql: str, params: Sequence[Any] = ()) -> Any:
        if self.postgres:
            return connection.execute(sql.replace("?", "%s"), tuple(params))
        return connection.execute(sql, tuple(params))

    def rows(self) -> list[Row]:
        with self.connection(bypass_triggers=False) as connection:
            rows = self.execute(
                connection,
                f"SELECT {self.position}, originator_id, originator_version, topic, state FROM {self.events}"
                f" ORDER BY {self.position}",
            ).fetchall()
        return [(int(r[0]), UUID(str(r[1])), int(r[2]), r[3], bytes(r[4])) for r in rows]

    def positions(self) -> list[int]:
        return [row[0] for row in self.rows()]

    def links(self) -> list[tuple[int, str]]:
        with self.connection(bypass_triggers=False) as connection:
            rows = self.execute(connection, f"SELECT position, link FROM {self.chain} ORDER BY position").fetchall()
        return [(int(r[0]), str(r[1])) for r in rows]

    # What an attacker with the database's superuser would do

    def set_payload(self, position: int, payload: bytes) -> None:
        with self.connection() as connection:
            self.execute(
                connection, f"UPDATE {self.events} SET state = ? WHERE {self.position} = ?", (payload, position)
            )

    def flip_byte(self, position: int, index: int = 10) -> None:
        """Changes one byte of one event's stored payload (one bit of it, in fact)."""
        payload = bytearray(next(row[4] for row in self.rows() if row[0] == position))
        payload[index] ^= 0x01
        self.set_payload(position, bytes(payload))

    def delete(self, position: int) -> None:
        with self.connection() as connection:
            self.execute(connection, f"DELETE FROM {self.events} WHERE {self.position} = ?", (position,))

    def swap(self, first: int, second: int) -> None:
        """Reorders two events: each takes the other's place in the global sequence."""
        with self.connection() as connection:
            for old, new in ((first, -1), (second, first), (-1, second)):
                self.execute(
                    connection, f"UPDATE {self.events} SET {self.position} = ? WHERE {self.position} = ?", (new, old)
                )

    def forge(self, position: int, case_id: UUID, version: int, topic: str, payload: bytes) -> None:
        """Inserts an event at `position`, moving every later event one place up to make room."""
        key: Any = case_id if self.postgres else case_id.hex
        later = [p for p in self.positions() if p >= position]
        with self.connection() as connection:
            for old in sorted(later, reverse=True):
                self.execute(
                    connection,
                    f"UPDATE {self.events} SET {self.position} = ? WHERE {self.position} = ?",
                    (old + 1, old),
                )
            self.execute(
                connection,
                f"INSERT INTO {self.events} ({self.position}, originator_id, originator_version, topic, state)"
                " VALUES (?, ?, ?, ?, ?)",
                (position, key, version, topic, payload),
            )

    def rewrite_chain(self) -> None:
        """Recomputes every link over the events as they are now, as an attacker who knows the encoding would."""
        previous, links = GENESIS, []
        for position, case_id, version, topic, payload in self.rows():
            previous = chain_link(previous, position, case_id, version, topic, payload)
            links.append((position, previous))
        with self.connection() as connection:
            self.execute(connection, f"DELETE FROM {self.chain}")
            for position, link in links:
                self.execute(connection, f"INSERT INTO {self.chain} (position, link) VALUES (?, ?)", (position, link))

    def delete_checkpoints(self) -> None:
        with self.connection() as connection:
            self.execute(connection, f"DELETE FROM {self.checkpoints}")

    def delete_links(self, after: int = 0) -> None:
        with self.connection() as connection:
            self.execute(connection, f"DELETE FROM {self.chain} WHERE position > ?", (after,))

    def resign_tail(self, start: int) -> None:
        """Recomputes the links from `start` on over the events as they are now, leaving those before untouched."""
        previous, links = GENESIS, []
        for position, case_id, version, topic, payload in self.rows():
            previous = chain_link(previous, position, case_id, version, topic, payload)
            if position >= start:
                links.append((position, previous))
        with self.connection() as connection:
            self.execute(connection, f"DELETE FROM {self.chain} WHERE position >= ?", (start,))
            for position, link in links:
                self.execute(connection, f"INSERT INTO {self.chain} (position, link) VALUES (?, ?)", (position, link))

    def replace_checkpoints(self, checkpoints: Sequence[Checkpoint]) -> None:
        """Puts these checkpoints in place of every stored one (as someone holding the signing key would)."""
        columns = (
            "position, head, signed_at, public_key, signature, locator, access_position, access_head,"
            " extension_signature"
        )
        with self.connection() as connection:
            self.execute(connection, f"DELETE FROM {self.checkpoints}")
            for c in checkpoints:
                self.execute(
                    connection,
                    f"INSERT INTO {self.checkpoints} ({columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        c.position,
                        c.head,
                        c.signed_at,
                        c.public_key,
                        c.signature,
                        c.locator,
                        c.access_position,
                        c.access_head,
                        c.extension_signature,
                    ),
                )

    # The read-access log

    def access_entries(self) -> list[tuple[Any, ...]]:
        with self.connection(bypass_triggers=False) as connection:
            statement = f"SELECT id, {ENTRY_COLUMNS} FROM {self.access_log} ORDER BY id"
            return list(self.execute(connection, statement).fetchall())

    def change_access_entry(self, entry_id: int, subject: str) -> None:
        with self.connection() as connection:
            self.execute(connection, f"UPDATE {self.access_log} SET subject = ? WHERE id = ?", (subject, entry_id))

    def delete_access_entry(self, entry_id: int) -> None:
        with self.connection() as connection:
            self.execute(connection, f"DELETE FROM {self.access_log} WHERE id = ?", (entry_id,))

    def rewrite_access_chain(self) -> None:
        """Recomputes every link of the read-access log over its entries as they are now."""
        previous, links = GENESIS, []
        for row in self.access_entries():
            previous = access_link(previous, int(row[0]), entry_fields(row[1:]))
            links.append((int(row[0]), previous))
        with self.connection() as connection:
            self.execute(connection, f"DELETE FROM {self.access_chain}")
            for entry_id, link in links:
                self.execute(
                    connection, f"INSERT INTO {self.access_chain} (position, link) VALUES (?, ?)", (entry_id, link)
                )
