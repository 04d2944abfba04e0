"""The key vault: one random data key per client (per case), wrapped under the master key, in `lotse_keys`.

Personal data are sealed with AES-256-GCM under the case's data key before they are stored
(infrastructure/eventstore/mapper.py), so the events, their hash chain and the snapshots hold ciphertext only. The
key table lives beside the event tables, never in them. A case's key row is written in the transaction of its first
event; erasure destroys it — the wrapped key becomes NULL, the row stays as a tombstone with the erasure's instant —
in the transaction of the `personal_data_erased` event (infrastructure/eventstore/recorders.py). Without its key a
ciphertext is noise: that is the erasure (crypto-shredding), and the event log stays untouched.

A known-answer record, wrapped under the master key, tells at start whether the master key is the one the keys were
wrapped with; events without that record mean the key table was lost. A case whose key row is missing (rather than
destroyed) is refused with a clear error, never read as erased, and a wrapped key or a ciphertext that does not open
is an error too, never garbage.
"""

import base64
import binascii
import os
import re
import secrets
import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.sqlite import SQLiteDatastore

from application.errors import KeyStoreError
from infrastructure.eventstore.sql import Database, DialectCursor
from infrastructure.secret_files import write_secret_once
from infrastructure.settings import Settings, SettingsError

KEYS_TABLE = "lotse_keys"
CHECK_ID = "lotse-keys-check"  # the known-answer record's row; no case id looks like it
CHECK_PLAINTEXT = b"lotse key store check v1"
MASTER_KEY_FILE = "master.key"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # AES-GCM's standard nonce; random per sealing (2^32 sealings per key stay far below the limit)
CACHE_SECONDS = 60.0  # how long this process uses a data key before asking the store again (another may erase it)
CACHE_SIZE = 10_000
_HEX_KEY = re.compile(r"[0-9a-fA-F]{64}")


# The master key


def master_key(settings: Settings) -> bytes:
    """The key that wraps every data key: LOTSE_MASTER_KEY, else a key file generated once into the data directory."""
    if settings.master_key is not None:
        return parse_master_key(settings.master_key, "LOTSE_MASTER_KEY")
    path = settings.data_dir / MASTER_KEY_FILE
    _generate_key_file(path)
    try:
        text = path.read_text()
    except OSError as error:
        raise SettingsError(f"{path}: cannot read the master key: {error}") from None
    return parse_master_key(text, str(path))


def parse_master_key(text: str, source: str) -> bytes:
    """32 bytes, written as 64 hex digits or in base64 (standard or URL-safe alphabet)."""
    text = text.strip()
    key: bytes | None = None
    if _HEX_KEY.fullmatch(text):
        key = bytes.fromhex(text)
    else:
        try:
            key = base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError):
            key = None
    if key is None or len(key) != KEY_BYTES:
        raise SettingsError(f"{source}: the master key must be {KEY_BYTES} bytes, as 64 hex digits or in base64")
    return key


def _generate_key_file(path: Path) -> None:
    write_secret_once(path, (secrets.token_hex(KEY_BYTES) + "\n").encode())


# Sealing


def seal(cipher: AESGCM, plaintext: bytes, context: bytes) -> str:
    """AES-GCM with a fresh random nonce; `context` is authenticated with it (what the ciphertext belongs to)."""
    nonce = os.urandom(NONCE_BYTES)
    return base64.b64encode(nonce + cipher.encrypt(nonce, plaintext, context)).decode()


def unseal(cipher: AESGCM, sealed: str, context: bytes) -> bytes:
    """Raises InvalidTag if the ciphertext was altered, moved to another context, or sealed under another key."""
    raw = base64.b64decode(sealed, validate=True)
    return cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context)


def _key_context(case_id: UUID | str) -> bytes:
    return f"lotse-key-v1\n{case_id}".encode()


def create_keys_table(database: Database) -> None:
    """The key table: one row per case (its wrapped data key, or a tombstone once erased) and the check record."""
    database.execute(
        f"CREATE TABLE IF NOT EXISTS {database.table(KEYS_TABLE)} (case_id TEXT PRIMARY KEY, wrapped_key TEXT,"
        " created_at TEXT NOT NULL, erased_at TEXT)"
    )


# The vault


class KeyVault:
    """The data keys of one database's cases: created, looked up (cached a short while), destroyed at erasure."""

    def __init__(self, database: Database, master: bytes, events_table: str) -> None:
        self.database = database
        self.table = database.table(KEYS_TABLE)
        self._events = database.table(events_table)
        self._master = AESGCM(master)
        self._cache: OrderedDict[UUID, tuple[AESGCM | None, float]] = OrderedDict()
        self._lock = threading.Lock()

    def prepare(self) -> None:
        """Checks the master key against the known-answer record (written on a new store); the table is a migration's.

        Raises KeyStoreError when the master key does not open the record, or when the log holds events but the key
        table has no record (lost, or emptied): nothing personal could be read, so nothing starts.
        """
        with self.database.transaction(commit=True) as cursor:
            self.database.lock_schema(cursor, "keys")
            if not self.database.has_table(cursor, KEYS_TABLE):  # created by the schema's first migration
                raise KeyStoreError(
                    "key_store_lost",
                    f"the key store ({KEYS_TABLE}) has lost its check record: the key table was dropped; restore it"
                    " from a backup (personal data stay unreadable until then)",
                )
            cursor.execute(f"SELECT 1 FROM {self.table} WHERE case_id = ?", (CHECK_ID,))
            if cursor.fetchone() is None:
                cursor.execute(f"SELECT 1 FROM {self._events} LIMIT 1")
                if cursor.fetchone() is not None:
                    raise KeyStoreError(
                        "key_store_lost",
                        f"the key store ({KEYS_TABLE}) has lost its check record while the event log holds events:"
                        " the key table was dropped or emptied; restore it from a backup (personal data stay"
                        " unreadable until then)",
                    )
                # A process starting at the same moment may have been first, with its own master key: checked below.
                cursor.execute(
                    f"INSERT INTO {self.table} (case_id, wrapped_key, created_at) VALUES (?, ?, ?)"
                    " ON CONFLICT (case_id) DO NOTHING",
                    (CHECK_ID, self._wrap(CHECK_PLAINTEXT, CHECK_ID), _now()),
                )
        row = self.database.fetchone(f"SELECT wrapped_key FROM {self.table} WHERE case_id = ?", (CHECK_ID,))
        try:
            opened = self._unwrap(str(row[0]), CHECK_ID) if row is not None else None
        except (InvalidTag, ValueError):
            opened = None
        if opened != CHECK_PLAINTEXT:
            raise KeyStoreError(
                "wrong_master_key",
                f"the master key does not open the key store ({KEYS_TABLE}): LOTSE_MASTER_KEY (or the data"
                f" directory's {MASTER_KEY_FILE}) is not the key the clients' keys were wrapped with",
            )

    def new_key(self, case_id: UUID) -> tuple[AESGCM, str]:
        """A fresh data key for a new case, and its wrapped form for the key table (written with the case's event)."""
        key = AESGCM.generate_key(bit_length=8 * KEY_BYTES)
        return AESGCM(key), self._wrap(key, str(case_id))

    def cipher_for(self, case_id: UUID) -> AESGCM | None:
        """The case's data key, ready to seal and open; None once erased. Raises KeyStoreError if there is none."""
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(case_id)
            if cached is not None and (cached[0] is None or cached[1] > now):
                self._cache.move_to_end(case_id)
                return cached[0]
        row = self.database.fetchone(f"SELECT wrapped_key FROM {self.table} WHERE case_id = ?", (str(case_id),))
        if row is None:
            raise KeyStoreError(
                "key_missing",
                f"the key store ({KEYS_TABLE}) holds no key for case {case_id}, and the case was not erased:"
                " restore the key table from a backup taken after the case was opened",
            )
        cipher = None
        if row[0] is not None:
            try:
                cipher = AESGCM(self._unwrap(str(row[0]), str(case_id)))
            except (InvalidTag, ValueError):
                raise KeyStoreError(
                    "key_mismatch",
                    f"the stored key of case {case_id} does not open under the master key (altered, or copied from"
                    " another case or database)",
                ) from None
        with self._lock:
            self._cache[case_id] = (cipher, now + CACHE_SECONDS)  # an erased key stays erased: no expiry needed
            self._cache.move_to_end(case_id)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return cipher

    def forget(self, case_id: UUID) -> None:
        """Drops the case's key from this process's memory (called once its erasure is committed)."""
        with self._lock:
            self._cache.pop(case_id, None)

    def compact(self) -> None:
        """Pushes destroyed keys out of the storage's leftovers where the database allows it (SQLite: the WAL file).

        Rows are destroyed with SQLite's secure_delete; the write-ahead log may still hold older page images until it
        is checkpointed and truncated, which this does. PostgreSQL keeps old row versions until VACUUM (README).
        """
        datastore = self.database.datastore
        if isinstance(datastore, SQLiteDatastore):
            with datastore.get_connection(commit=True) as connection:
                connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def _wrap(self, key: bytes, owner: str) -> str:
        return seal(self._master, key, _key_context(owner))

    def _unwrap(self, wrapped: str, owner: str) -> bytes:
        return unseal(self._master, wrapped, _key_context(owner))


def insert_key(cursor: DialectCursor, table: str, case_id: UUID | str, wrapped: str) -> None:
    """Stores a new case's wrapped key; called inside the transaction that records the case's first event."""
    cursor.execute(
        f"INSERT INTO {table} (case_id, wrapped_key, created_at) VALUES (?, ?, ?)", (str(case_id), wrapped, _now())
    )


def destroy_key(cursor: DialectCursor, table: str, case_id: UUID | str) -> None:
    """Destroys a case's key, keeping a tombstone; called inside the transaction that records the erasure."""
    if cursor.dialect == "sqlite":
        cursor.execute("PRAGMA secure_delete = ON")  # the freed bytes are overwritten with zeros, not left in the file
    now = _now()
    cursor.execute(
        f"INSERT INTO {table} (case_id, wrapped_key, created_at, erased_at) VALUES (?, NULL, ?, ?)"
        " ON CONFLICT (case_id) DO UPDATE SET wrapped_key = NULL, erased_at = excluded.erased_at",
        (str(case_id), now, now),
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
