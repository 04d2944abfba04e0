"""The keyed name index: how a counsellor finds her client by name, and how one person's cases are found, although
names are stored sealed.

Three tables beside the event tables (schema migration 2), none holding a name or a word in clear:

- `lotse_index_keys`: one random 256-bit key per agency, made on the agency's first use and stored wrapped under the
  master key (AES-GCM, bound to the agency's name), like the clients' data keys in `lotse_keys`. It is never
  destroyed: it protects no single client, and without it the index could not be read.
- `lotse_name_words` (agency, word, case_id): per case, HMAC-SHA256 under the agency's key of each normalised word of
  the client's name (application/names.py). `q` is keyed the same way and looked up here.
- `lotse_name_cases` (case_id, agency, person, participant_id, opened_on): one row per indexed case; `person` is the
  HMAC of the sorted normalised words together with the birth date (NULL without a birth date or a word), so that
  the cases of one person are found by equality; the row also marks the case as indexed.

The keys differ per agency, so agency B's entries never match a name keyed for agency A, and a copy of the tables
without the master key is a set of unlinkable random strings (only guessing names and birth dates *with* the agency's
key could tell anything). A case's rows are written in the transaction of its first event, rewritten in that of a
correction of the birth date, and deleted in the transaction of the `personal_data_erased` event
(infrastructure/eventstore/recorders.py): after the erasure nothing is left to find her by. Cases opened before the
index existed (release 0.1, and 0.2 before migration 2) are indexed at start (application/cases.py,
`index_unindexed_names`), which writes through `add`: it locks the case's key row first, so an erasure committed in
the meantime is seen and the case skipped, and an erasure waiting on the lock deletes what was written.
"""

import hashlib
import hmac
import secrets
import threading
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from application.errors import KeyStoreError, SamePersonRecordedMeanwhile
from application.names import name_words
from application.ports import IndexedCase, NameIndexEntry, NameKeys
from infrastructure.eventstore.sql import Database, DialectCursor
from infrastructure.eventstore.tables import CASE_INDEX_TABLE, NAME_WORDS_TABLE
from infrastructure.privacy.keys import KEY_BYTES, KEYS_TABLE, seal, unseal

INDEX_KEYS_TABLE = "lotse_index_keys"
NAME_CASES_TABLE = "lotse_name_cases"
_SEPARATOR = b"\x1f"  # no normalised word holds it (words are letters only)


def create_name_index_tables(database: Database) -> None:
    """The index's three tables and their indexes, idempotently (schema migration 2)."""
    statements = [
        f"CREATE TABLE IF NOT EXISTS {database.table(INDEX_KEYS_TABLE)} ("
        " agency TEXT PRIMARY KEY, wrapped_key TEXT NOT NULL, created_at TEXT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {database.table(NAME_WORDS_TABLE)} ("
        " agency TEXT NOT NULL, word TEXT NOT NULL, case_id TEXT NOT NULL, PRIMARY KEY (agency, word, case_id))",
        f"CREATE INDEX IF NOT EXISTS lotse_name_words_by_case ON {database.table(NAME_WORDS_TABLE)} (case_id)",
        f"CREATE TABLE IF NOT EXISTS {database.table(NAME_CASES_TABLE)} ("
        " case_id TEXT PRIMARY KEY, agency TEXT NOT NULL, person TEXT, participant_id TEXT NOT NULL,"
        " opened_on TEXT NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS lotse_name_cases_by_person"
        f" ON {database.table(NAME_CASES_TABLE)} (agency, person, opened_on, case_id)",
    ]
    with database.transaction(commit=True) as cursor:
        database.lock_schema(cursor, "name-index")
        for statement in statements:
            cursor.execute(statement)


class SqlNameIndex:
    """The name index of one database (application.ports.NameIndex)."""

    def __init__(self, database: Database, master: bytes) -> None:
        self.database = database
        self._master = AESGCM(master)
        self._keys: dict[str, bytes] = {}  # an agency's key never changes: kept once read
        self._lock = threading.Lock()
        self._words = database.table(NAME_WORDS_TABLE)
        self._cases = database.table(NAME_CASES_TABLE)

    def keys_for(self, agency: str, name: str | None, birth_date: date | None) -> NameKeys:
        words = sorted(set(name_words(name)))
        if not words:
            return NameKeys(words=frozenset(), person=None)
        key = self._agency_key(agency)
        keyed = frozenset(_keyed(key, b"word", word.encode()) for word in words)
        person = None
        if birth_date is not None:
            person = _keyed(key, b"person", _SEPARATOR.join(word.encode() for word in words), birth_date.isoformat())
        return NameKeys(words=keyed, person=person)

    def same_person(self, agency: str, person: str) -> list[IndexedCase]:
        rows = self.database.fetchall(
            f"SELECT case_id, participant_id, opened_on FROM {self._cases} WHERE agency = ? AND person = ?"
            " ORDER BY opened_on, case_id",
            (agency, person),
        )
        return [IndexedCase(UUID(row[0]), UUID(row[1]), date.fromisoformat(row[2])) for row in rows]

    def person_of(self, case_id: UUID) -> tuple[str, str] | None:
        row = self.database.fetchone(f"SELECT agency, person FROM {self._cases} WHERE case_id = ?", (str(case_id),))
        if row is None or row[1] is None:
            return None
        return str(row[0]), str(row[1])

    def unindexed(self, limit: int, after: UUID | None = None) -> list[UUID]:
        rows = self.database.fetchall(
            f"SELECT c.case_id FROM {self.database.table(CASE_INDEX_TABLE)} c"
            f" JOIN {self.database.table(KEYS_TABLE)} k ON k.case_id = c.case_id AND k.wrapped_key IS NOT NULL"
            f" LEFT JOIN {self._cases} n ON n.case_id = c.case_id"
            " WHERE n.case_id IS NULL AND c.case_id > ? ORDER BY c.case_id LIMIT ?",
            (str(after) if after is not None else "", limit),
        )
        return [UUID(row[0]) for row in rows]

    def add(self, entries: list[NameIndexEntry]) -> int:
        """Writes each entry in one transaction, unless the case has entries or its client's key is destroyed.

        The row of the case is inserted only where the case's key is still there, reading that key row FOR UPDATE on
        PostgreSQL: an erasure that destroyed the key before is seen (nothing written), one that comes after waits
        for this commit and then deletes what it wrote. SQLite has a single writer: the statement sees the latest.
        """
        lock = " FOR UPDATE OF k" if self.database.dialect == "postgres" else ""
        added = 0
        with self.database.transaction(commit=True) as cursor:
            for entry in entries:
                cursor.execute(
                    f"INSERT INTO {self._cases} (case_id, agency, person, participant_id, opened_on)"
                    f" SELECT ?, ?, ?, ?, ? FROM {self.database.table(KEYS_TABLE)} k"
                    f" WHERE k.case_id = ? AND k.wrapped_key IS NOT NULL{lock}"
                    " ON CONFLICT (case_id) DO NOTHING RETURNING case_id",
                    (*_case_row(entry), str(entry.case_id)),
                )
                if cursor.fetchone() is None:
                    continue
                _insert_words(cursor, self._words, entry)
                added += 1
        return added

    def pseudonym(self, agency: str, participant: str) -> str:
        """A participant's pseudonym in exports (application.ports.Pseudonyms): keyed like the names, for another
        purpose, so a pseudonym never equals a name word's key."""
        return _keyed(self._agency_key(agency), b"pseudonym", participant)[:32]

    def _agency_key(self, agency: str) -> bytes:
        with self._lock:
            known = self._keys.get(agency)
        if known is not None:
            return known
        table = self.database.table(INDEX_KEYS_TABLE)
        wrapped = seal(self._master, secrets.token_bytes(KEY_BYTES), _key_context(agency))
        with self.database.transaction(commit=True) as cursor:
            # Two processes may make the agency's key at once: the first one stored is everyone's.
            cursor.execute(
                f"INSERT INTO {table} (agency, wrapped_key, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (agency) DO NOTHING",
                (agency, wrapped, datetime.now(UTC).isoformat(timespec="seconds")),
            )
            cursor.execute(f"SELECT wrapped_key FROM {table} WHERE agency = ?", (agency,))
            row = cursor.fetchone()
        try:
            key = unseal(self._master, str(row[0]), _key_context(agency))
        except (InvalidTag, ValueError):
            raise KeyStoreError(
                "key_mismatch",
                f"the name index key of agency '{agency}' ({INDEX_KEYS_TABLE}) does not open under the master key",
            ) from None
        with self._lock:
            self._keys[agency] = key
        return key


def _keyed(key: bytes, purpose: bytes, *parts: bytes | str) -> str:
    message = _SEPARATOR.join([purpose, *(part.encode() if isinstance(part, str) else part for part in parts)])
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def _key_context(agency: str) -> bytes:
    return f"lotse-index-key-v1\n{agency}".encode()


def _case_row(entry: NameIndexEntry) -> tuple[Any, ...]:
    return (
        str(entry.case_id),
        entry.agency,
        entry.keys.person,
        str(entry.participant_id),
        entry.opened_on.isoformat(),
    )


def _insert_words(cursor: DialectCursor, table: str, entry: NameIndexEntry) -> None:
    for word in sorted(entry.keys.words):
        cursor.execute(
            f"INSERT INTO {table} (agency, word, case_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (entry.agency, word, str(entry.case_id)),
        )


# Called by the recorder inside the transaction of a case's event (infrastructure/eventstore/recorders.py); `prefix`
# qualifies the tables (the PostgreSQL schema).


def write_name_entry(cursor: DialectCursor, prefix: str, entry: NameIndexEntry) -> None:
    """Writes (or replaces) a case's rows in the index."""
    delete_name_entries(cursor, prefix, entry.case_id)
    cursor.execute(
        f"INSERT INTO {prefix}{NAME_CASES_TABLE} (case_id, agency, person, participant_id, opened_on)"
        " VALUES (?, ?, ?, ?, ?)",
        _case_row(entry),
    )
    _insert_words(cursor, f"{prefix}{NAME_WORDS_TABLE}", entry)


def delete_name_entries(cursor: DialectCursor, prefix: str, case_id: UUID | str) -> None:
    """Deletes a case's rows (the erasure of its client)."""
    cursor.execute(f"DELETE FROM {prefix}{NAME_WORDS_TABLE} WHERE case_id = ?", (str(case_id),))
    cursor.execute(f"DELETE FROM {prefix}{NAME_CASES_TABLE} WHERE case_id = ?", (str(case_id),))


def check_same_person(cursor: DialectCursor, prefix: str, entry: NameIndexEntry) -> None:
    """Refuses the write if the transaction finds a case of the same person its writer had not seen.

    Run where no other writer can commit before this transaction does (PostgreSQL: under the recording lock;
    SQLite: after the events' INSERT took the write lock), so a first contact recorded at the same moment by another
    process is either seen here or sees this one.
    """
    if entry.seen is None or entry.keys.person is None:
        return
    cursor.execute(
        f"SELECT case_id FROM {prefix}{NAME_CASES_TABLE} WHERE agency = ? AND person = ? AND case_id <> ?",
        (entry.agency, entry.keys.person, str(entry.case_id)),
    )
    if any(UUID(str(row[0])) not in entry.seen for row in cursor.fetchall()):
        raise SamePersonRecordedMeanwhile(entry.case_id)
