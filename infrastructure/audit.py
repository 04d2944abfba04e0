"""Tamper evidence for the event log: append-only tables, a hash chain over the global sequence, signed checkpoints.

Every event gets a link, SHA-256 over its position, case id, version, topic, stored payload and the previous
link, written by the recorders in the same transaction as the event (infrastructure/recorders.py) into a table
of its own. The database refuses UPDATE, DELETE and TRUNCATE of the events, the links and the checkpoints
(triggers; on PostgreSQL also the application role's grants, see `restrict_role`). A checkpoint is the chain's
head at a position, signed with an Ed25519 key, small enough for an auditor to keep outside the operator's reach.
Verification recomputes the chain from the raw events table alone and compares it with the stored links and with
the checkpoints. The README's "Audit" section documents the encoding for auditors who recompute it themselves.
"""

import hashlib
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import msgspec
import psycopg
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from eventsourcing.persistence import PersistenceError, StoredEvent

from infrastructure.secret_files import write_secret_once
from infrastructure.settings import Settings, SettingsError
from infrastructure.sql import Database, DialectCursor

CHAIN_TABLE = "lotse_chain"
CHECKPOINT_TABLE = "lotse_checkpoints"
ACCESS_LOG_TABLE = "lotse_access_log"  # the read-access log (infrastructure/access_log.py): append-only as well
CHAIN_TAG = b"lotse-chain-v1"
CHECKPOINT_TAG = "lotse-checkpoint-v1"
GENESIS = "0" * 64  # the link "before" the first event
KEY_FILE = "audit-signing.pem"
BATCH = 2000
_ROLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")

Position = Annotated[int, msgspec.Meta(ge=0)]
Hex64 = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}\Z")]
Hex128 = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{128}\Z")]
Instant = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\Z")]


class AuditError(Exception):
    """The audit trail cannot do what was asked (a checkpoint over a log that does not verify, a bad key file)."""


# The chain


def _field(value: bytes) -> bytes:
    return len(value).to_bytes(8, "big") + value


def chain_link(previous: str, position: int, case_id: UUID, version: int, topic: str, payload: bytes) -> str:
    """The link of one event: SHA-256 over length-prefixed fields, in hex (the README's "Audit" spells it out)."""
    fields = (
        CHAIN_TAG,
        str(position).encode(),
        str(case_id).encode(),
        str(version).encode(),
        topic.encode(),
        payload,
        bytes.fromhex(previous),
    )
    return hashlib.sha256(b"".join(_field(value) for value in fields)).hexdigest()


def append_links(cursor: DialectCursor, chain_table: str, recorded: Sequence[tuple[int, StoredEvent]]) -> None:
    """Links newly recorded events to the chain; called inside their transaction, while no other writer can record."""
    cursor.execute(f"SELECT link FROM {chain_table} ORDER BY position DESC LIMIT 1")
    row = cursor.fetchone()
    previous: str = row[0] if row is not None else GENESIS
    rows: list[tuple[int, str]] = []
    for position, event in sorted(recorded, key=lambda item: item[0]):
        previous = chain_link(
            previous, position, _case_id(event.originator_id), event.originator_version, event.topic, event.state
        )
        rows.append((position, previous))
    for start in range(0, len(rows), 500):  # one statement per 500 links: one round trip, few parameters
        batch = rows[start : start + 500]
        values = ", ".join("(?, ?)" for _ in batch)
        cursor.execute(f"INSERT INTO {chain_table} (position, link) VALUES {values}", [v for r in batch for v in r])


def _case_id(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


# Checkpoints


class Checkpoint(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The chain's head at a position, signed: `signature` is Ed25519 over `message()` by `public_key` (raw, hex)."""

    position: Position
    head: Hex64
    signed_at: Instant
    public_key: Hex64
    signature: Hex128

    def message(self) -> bytes:
        return checkpoint_message(self.position, self.head, self.signed_at)

    def is_signed_by(self, key: Ed25519PublicKey) -> bool:
        if self.public_key != public_key_hex(key):
            return False
        try:
            key.verify(bytes.fromhex(self.signature), self.message())
        except InvalidSignature:
            return False
        return True


def checkpoint_message(position: int, head: str, signed_at: str) -> bytes:
    """What a checkpoint's signature covers: four lines of ASCII, each ending in a newline."""
    return f"{CHECKPOINT_TAG}\n{position}\n{head}\n{signed_at}\n".encode()


def sign_checkpoint(key: Ed25519PrivateKey, position: int, head: str, signed_at: datetime) -> Checkpoint:
    instant = signed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = key.sign(checkpoint_message(position, head, instant))
    return Checkpoint(
        position=position,
        head=head,
        signed_at=instant,
        public_key=public_key_hex(key.public_key()),
        signature=signature.hex(),
    )


def encode_checkpoints(checkpoints: Checkpoint | Sequence[Checkpoint]) -> str:
    """One checkpoint as a JSON object, several as a JSON array."""
    value = checkpoints if isinstance(checkpoints, Checkpoint) else list(checkpoints)
    return msgspec.json.format(msgspec.json.encode(value).decode(), indent=2)


def decode_checkpoints(document: bytes | str) -> list[Checkpoint]:
    """Reads what `encode_checkpoints` wrote: one checkpoint or an array of them."""
    try:
        decoded = msgspec.json.decode(document, type=Checkpoint | list[Checkpoint])
    except msgspec.DecodeError as error:  # ValidationError is a DecodeError
        raise AuditError(f"not a Lotse checkpoint: {error}") from None
    return [decoded] if isinstance(decoded, Checkpoint) else decoded


# Keys


def public_key_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM (as `lotse audit export-public-key` prints it)."""
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        raise AuditError("not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise AuditError("not an Ed25519 public key")
    return key


def audit_signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The checkpoint key: LOTSE_AUDIT_SIGNING_KEY (a PEM file), else one generated into the data directory."""
    path = settings.audit_signing_key
    if path is None:
        path = settings.data_dir / KEY_FILE
        _generate_key_file(path)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise SettingsError(
            f"LOTSE_AUDIT_SIGNING_KEY: cannot read an unencrypted PEM key from {path}: {error}"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SettingsError(f"LOTSE_AUDIT_SIGNING_KEY: {path} is not an Ed25519 key")
    return key


def _generate_key_file(path: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    write_secret_once(path, pem)


# Verification


@dataclass(frozen=True)
class Verification:
    """The outcome of recomputing the chain.

    `head` is the recomputed link at `position`, the last event that verified; `first_bad_position` is the first
    position where the log and its chain or a checkpoint disagree (None when none does); `problem` says why.
    """

    ok: bool
    events_checked: int
    position: int
    head: str
    first_bad_position: int | None
    checkpoints_checked: int
    problem: str | None


@dataclass(frozen=True)
class _Event:
    position: int
    case_id: Any
    version: int
    topic: str
    payload: bytes


class _Walk:
    """Recomputes the chain event by event, checking stored links and checkpoints as it passes them."""

    def __init__(self, checkpoints: Sequence[Checkpoint]) -> None:
        self.head = GENESIS
        self.position = 0
        self.checked = 0
        self.pending = deque(sorted(checkpoints, key=lambda checkpoint: checkpoint.position))
        self.checkpoints_checked = 0

    def pass_checkpoints(self, before: int | None) -> tuple[int, str] | None:
        """Compares the head with every checkpoint before `before` (all, if None); answers the first mismatch."""
        while self.pending and (before is None or self.pending[0].position < before):
            checkpoint = self.pending.popleft()
            if checkpoint.position > self.position and before is None:
                return checkpoint.position, f"the checkpoint at position {checkpoint.position} is beyond the log's end"
            if checkpoint.head != self.head:
                return (
                    checkpoint.position,
                    f"the chain's head at position {checkpoint.position} is not the checkpoint's",
                )
            self.checkpoints_checked += 1
        return None

    def step(self, event: _Event | None, stored: tuple[int, str] | None) -> tuple[int, str] | None:
        """Takes the next event and the next stored link (the one at the lower position, or both); answers a fault."""
        if event is not None and (stored is None or event.position < stored[0]):
            return event.position, f"the event at position {event.position} has no link (recorded around Lotse?)"
        if stored is not None and (event is None or stored[0] < event.position):
            return stored[0], f"the event at position {stored[0]} is missing (deleted?)"
        assert event is not None
        assert stored is not None
        try:
            link = chain_link(
                self.head, event.position, _case_id(event.case_id), event.version, event.topic, event.payload
            )
        except (ValueError, TypeError, AttributeError):
            return event.position, f"the event at position {event.position} cannot be read"
        if link != stored[1]:
            return event.position, f"the event at position {event.position} does not match its link (altered or moved?)"
        self.head, self.position, self.checked = link, event.position, self.checked + 1
        return None


class ChainHeads:
    """The stored chain's head at any log position: the digest that published statistics carry."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._chain = database.table(CHAIN_TABLE)

    def chain_head_at(self, position: int) -> str:
        """The link of the last event at or before `position` (GENESIS before the first event)."""
        row = self.database.fetchone(
            f"SELECT link FROM {self._chain} WHERE position <= ? ORDER BY position DESC LIMIT 1", (position,)
        )
        return str(row[0]) if row is not None else GENESIS

    def head_at(self, position: int) -> str:
        """The log's digest at a position (application.ports.LogDigest): `chain_head_at`."""
        return self.chain_head_at(position)


class AuditTrail(ChainHeads):
    """The chain and checkpoints of one event log: heads for digests, verification, signed checkpoints."""

    def __init__(
        self, database: Database, events_table: str, key: Ed25519PrivateKey, clock: Callable[[], datetime]
    ) -> None:
        super().__init__(database)
        self.key = key
        self.clock = clock
        self.events_table = events_table
        self._events = database.table(events_table)
        self._checkpoints = database.table(CHECKPOINT_TABLE)
        self._position = "rowid" if database.dialect == "sqlite" else "notification_id"

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.key.public_key()

    def verify(
        self, checkpoints: Sequence[Checkpoint] = (), trusted_key: Ed25519PublicKey | None = None
    ) -> Verification:
        """Recomputes the chain from the raw events and checks it against the stored links and every checkpoint.

        The checkpoints are the given ones and those stored; each must be signed by `trusted_key` (by default this
        service's own key). Events recorded while the verification runs are left for the next one.
        """
        trusted = trusted_key or self.public_key
        every = [*self.checkpoints(), *checkpoints]
        signed = [checkpoint for checkpoint in every if checkpoint.is_signed_by(trusted)]
        unsigned = sorted({checkpoint.position for checkpoint in every if checkpoint not in signed})
        walk = _Walk(signed)
        fault = self._walk(walk, self._last_position())
        problems = [f"the checkpoint at position {p} is not signed by the trusted key" for p in unsigned]
        if fault is not None:
            problems.insert(0, fault[1])
        return Verification(
            ok=not problems,
            events_checked=walk.checked,
            position=walk.position,
            head=walk.head,
            first_bad_position=fault[0] if fault is not None else None,
            checkpoints_checked=walk.checkpoints_checked,
            problem="; ".join(problems) or None,
        )

    def checkpoint(self) -> Checkpoint:
        """Verifies the log, then signs its head and stores the checkpoint; refuses to sign a log that fails."""
        result = self.verify()
        if not result.ok:
            raise AuditError(f"the log does not verify, so it is not signed: {result.problem}")
        checkpoint = sign_checkpoint(self.key, result.position, result.head, self.clock())
        self.database.execute(
            f"INSERT INTO {self._checkpoints} (position, head, signed_at, public_key, signature)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (signature) DO NOTHING",
            (checkpoint.position, checkpoint.head, checkpoint.signed_at, checkpoint.public_key, checkpoint.signature),
        )
        return checkpoint

    def checkpoints(self) -> list[Checkpoint]:
        """Every stored checkpoint, oldest position first (what `lotse audit checkpoints` exports)."""
        rows = self.database.fetchall(
            f"SELECT position, head, signed_at, public_key, signature FROM {self._checkpoints}"
            " ORDER BY position, signed_at"
        )
        return [
            Checkpoint(position=int(row[0]), head=row[1], signed_at=row[2], public_key=row[3], signature=row[4])
            for row in rows
        ]

    def _last_position(self) -> int:
        # Read before the walk: events and links committed later lie beyond it (positions grow in commit order).
        row = self.database.fetchone(
            f"SELECT (SELECT MAX({self._position}) FROM {self._events}), (SELECT MAX(position) FROM {self._chain})"
        )
        return max((int(value) for value in row or () if value is not None), default=0)

    def _walk(self, walk: _Walk, last: int) -> tuple[int, str] | None:
        events, links = self._read_events(last), self._read_links(last)
        event, stored = next(events, None), next(links, None)
        while event is not None or stored is not None:
            position = min(item.position if isinstance(item, _Event) else item[0] for item in (event, stored) if item)
            if (fault := walk.pass_checkpoints(before=position)) is not None:
                return fault
            if (fault := walk.step(event, stored)) is not None:
                return fault
            event, stored = next(events, None), next(links, None)
        return walk.pass_checkpoints(before=None)

    def _read_events(self, last: int) -> Iterator[_Event]:
        statement = (
            f"SELECT {self._position}, originator_id, originator_version, topic, state FROM {self._events}"
            f" WHERE {self._position} > ? AND {self._position} <= ? ORDER BY {self._position} LIMIT ?"
        )
        after = 0
        while rows := self.database.fetchall(statement, (after, last, BATCH)):
            for row in rows:
                yield _Event(int(row[0]), row[1], int(row[2]), row[3], bytes(row[4]))
            after = int(rows[-1][0])

    def _read_links(self, last: int) -> Iterator[tuple[int, str]]:
        statement = (
            f"SELECT position, link FROM {self._chain} WHERE position > ? AND position <= ? ORDER BY position LIMIT ?"
        )
        after = 0
        while rows := self.database.fetchall(statement, (after, last, BATCH)):
            for row in rows:
                yield int(row[0]), str(row[1])
            after = int(rows[-1][0])


# Tables and the database's refusals


def create_audit_tables(database: Database, events_table: str) -> None:
    """Creates the chain and checkpoint tables and the append-only triggers, idempotently; chains a legacy log.

    Runs before the first event is recorded. A log recorded before the chain existed is chained once, from its
    first event; afterwards only the recorders write links, so an event without one stands out.
    """
    tables = [events_table, CHAIN_TABLE, CHECKPOINT_TABLE]
    with database.transaction(commit=True) as cursor:
        database.lock_schema(cursor, "audit")
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {database.table(CHAIN_TABLE)}"
            " (position BIGINT PRIMARY KEY, link TEXT NOT NULL)"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {database.table(CHECKPOINT_TABLE)} (position BIGINT NOT NULL,"
            " head TEXT NOT NULL, signed_at TEXT NOT NULL, public_key TEXT NOT NULL, signature TEXT PRIMARY KEY)"
        )
        if database.dialect == "sqlite":
            _create_sqlite_triggers(cursor, tables)
        else:
            _create_postgres_triggers(cursor, database, tables)
        _chain_legacy_log(cursor, database, events_table)


def refuse_changes(cursor: DialectCursor, database: Database, tables: Sequence[str]) -> None:
    """Makes tables append-only with the audit trail's triggers: UPDATE, DELETE and TRUNCATE are refused."""
    if database.dialect == "sqlite":
        _create_sqlite_triggers(cursor, tables)
    else:
        _create_postgres_triggers(cursor, database, tables)


def _create_sqlite_triggers(cursor: DialectCursor, tables: Sequence[str]) -> None:
    # SQLite has no TRUNCATE: its "truncate optimisation" is a DELETE, which the DELETE trigger refuses.
    for table in tables:
        for operation in ("UPDATE", "DELETE"):
            cursor.execute(
                f"CREATE TRIGGER IF NOT EXISTS {table}_refuse_{operation.lower()} BEFORE {operation} ON {table}"
                f" BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} refused'); END"
            )


def _create_postgres_triggers(cursor: DialectCursor, database: Database, tables: Sequence[str]) -> None:
    cursor.execute(
        "SELECT count(*) FROM pg_trigger WHERE tgname IN ('lotse_refuse_change', 'lotse_refuse_truncate')"
        " AND tgrelid IN (" + ", ".join("to_regclass(?)" for _ in tables) + ")",
        [database.table(table) for table in tables],
    )
    if cursor.fetchone()[0] == 2 * len(tables):
        return  # in place: a role that does not own the tables need not (and could not) create them again
    function = database.table("lotse_refuse_change")
    cursor.execute(
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',"
        " MESSAGE = TG_TABLE_NAME || ' is append-only: ' || TG_OP || ' refused'; END $$"
    )
    for table in tables:
        qualified = database.table(table)
        cursor.execute(
            f"CREATE OR REPLACE TRIGGER lotse_refuse_change BEFORE UPDATE OR DELETE ON {qualified}"
            f" FOR EACH ROW EXECUTE FUNCTION {function}()"
        )
        cursor.execute(
            f"CREATE OR REPLACE TRIGGER lotse_refuse_truncate BEFORE TRUNCATE ON {qualified}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )


def _chain_legacy_log(cursor: DialectCursor, database: Database, events_table: str) -> None:
    cursor.execute(f"SELECT 1 FROM {database.table(CHAIN_TABLE)} LIMIT 1")
    if cursor.fetchone() is not None:
        return
    if database.dialect == "postgres":  # as the recorder does: no event may be recorded while the chain is built
        cursor.execute(f"LOCK TABLE {database.table(events_table)} IN EXCLUSIVE MODE")
    position = "rowid" if database.dialect == "sqlite" else "notification_id"
    cursor.execute(
        f"SELECT {position}, originator_id, originator_version, topic, state FROM {database.table(events_table)}"
        f" ORDER BY {position}"
    )
    recorded = [
        (int(row[0]), StoredEvent(_case_id(row[1]), int(row[2]), row[3], bytes(row[4]))) for row in cursor.fetchall()
    ]
    if recorded:
        append_links(cursor, database.table(CHAIN_TABLE), recorded)


def restrict_role(database: Database, events_table: str, role: str) -> None:
    """Grants a PostgreSQL application role what recording needs on the append-only tables, and nothing more.

    The role may read and insert events, links, checkpoints and read-access log entries, and may not DELETE or
    TRUNCATE any of them (nor UPDATE the access log).
    It keeps UPDATE on the events table only because PostgreSQL before 17 lets no one without it take the
    EXCLUSIVE lock that serialises recording; the trigger refuses every UPDATE, and a role that does not own
    the table cannot disable the trigger. Run it as the tables' owner.
    """
    if database.dialect != "postgres":
        raise AuditError("roles and grants exist on PostgreSQL only")
    if not _ROLE.match(role):
        raise AuditError(f"not a plain role name: '{role}'")
    events, chain, checkpoints, access_log = (
        database.table(t) for t in (events_table, CHAIN_TABLE, CHECKPOINT_TABLE, ACCESS_LOG_TABLE)
    )
    sequence = database.table(f"{events_table}_notification_id_seq")
    statements = [
        f"GRANT USAGE ON SCHEMA {_schema(database)} TO {role}",
        f"REVOKE ALL ON {events}, {chain}, {checkpoints}, {access_log} FROM {role}",
        f"GRANT SELECT, INSERT ON {events}, {chain}, {checkpoints}, {access_log} TO {role}",
        f"GRANT UPDATE ON {events} TO {role}",
        f"GRANT USAGE, SELECT ON SEQUENCE {sequence} TO {role}",
    ]
    try:
        with database.transaction(commit=True) as cursor:
            for statement in statements:
                cursor.execute(statement)
    except (psycopg.Error, PersistenceError) as error:  # an unknown role, a caller who does not own the tables
        raise AuditError(f"cannot restrict '{role}': {error}") from None


def _schema(database: Database) -> str:
    return database.table("").removesuffix(".")
