"""Verification: each chain recomputed from its raw table alone (the events; the read-access log's entries), compared
with the stored links and the checkpoints; and the signing of checkpoints."""

from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from infrastructure.audit.access_log import ACCESS_LOG_TABLE, ENTRY_COLUMNS, entry_fields
from infrastructure.audit.chain import (
    ACCESS_CHAIN_TABLE,
    CHAIN_TABLE,
    GENESIS,
    AuditError,
    access_link,
    chain_link,
    event_leaf,
)
from infrastructure.audit.checkpoints import CHECKPOINT_TABLE, Checkpoint, Extension, sign_checkpoint
from infrastructure.audit.locator import Locator
from infrastructure.eventstore.sql import Database, case_id_of

BATCH = 2000


# Verification


@dataclass(frozen=True)
class AccessLogVerification:
    """The outcome of recomputing the read-access log's chain: `head` is the recomputed link at `last_id`, the last
    entry that verified; `first_bad_id` the first entry where the log and its chain or a checkpoint disagree."""

    ok: bool
    entries_checked: int
    last_id: int
    head: str
    first_bad_id: int | None
    checkpoints_checked: int
    problem: str | None


@dataclass(frozen=True)
class Verification:
    """The outcome of recomputing the chains.

    `head` is the recomputed link at `position`, the last event that verified; `first_bad_position` is the first
    position where the log and its chain or a checkpoint disagree (None when none does); `problem` says why. `ok` is
    the event log's; `access_log` is the read-access log's own outcome.
    """

    ok: bool
    events_checked: int
    position: int
    head: str
    first_bad_position: int | None
    checkpoints_checked: int
    problem: str | None
    access_log: AccessLogVerification


class _Record(Protocol):
    @property
    def position(self) -> int: ...


@dataclass(frozen=True)
class _Event:
    position: int
    case_id: Any
    version: int
    topic: str
    payload: bytes

    def leaf(self) -> bytes:
        return event_leaf(self.position, case_id_of(self.case_id), self.version, self.topic, self.payload)


@dataclass(frozen=True)
class _Entry:
    position: int  # the entry's id
    fields: tuple[str, ...]


@dataclass(frozen=True)
class _Fault:
    position: int
    problem: str
    checkpoint: Checkpoint | None = None  # the checkpoint whose head the chain did not reach


R = TypeVar("R", bound=_Record)


@dataclass(frozen=True)
class _Chain(Generic[R]):
    """What differs between the two chains: how a link is made and how a record is named in a problem."""

    link: Callable[[str, R], str]
    name: Callable[[int], str]  # "the event at position 7"
    head_of: Callable[[Checkpoint], tuple[int, str] | None]  # the chain's position and head a checkpoint signed


def _event_link(previous: str, event: _Event) -> str:
    return chain_link(previous, event.position, case_id_of(event.case_id), event.version, event.topic, event.payload)


EVENTS: _Chain[_Event] = _Chain(
    link=_event_link,
    name=lambda position: f"the event at position {position}",
    head_of=lambda checkpoint: (checkpoint.position, checkpoint.head),
)
ACCESS_LOG: _Chain[_Entry] = _Chain(
    link=lambda previous, entry: access_link(previous, entry.position, entry.fields),
    name=lambda entry_id: f"the read-access log's entry {entry_id}",
    head_of=lambda checkpoint: (
        (checkpoint.access_position, checkpoint.access_head)
        if checkpoint.access_position is not None and checkpoint.access_head is not None
        else None
    ),
)


class _Walk(Generic[R]):
    """Recomputes a chain record by record, checking stored links and checkpoints as it passes them."""

    def __init__(self, chain: _Chain[R], checkpoints: Sequence[Checkpoint]) -> None:
        self.chain = chain
        self.head = GENESIS
        self.position = 0
        self.checked = 0
        signed = [(heads, checkpoint) for checkpoint in checkpoints if (heads := chain.head_of(checkpoint)) is not None]
        self.pending = deque(sorted(signed, key=lambda item: item[0][0]))
        self.checkpoints_checked = 0

    def pass_checkpoints(self, before: int | None) -> _Fault | None:
        """Compares the head with every checkpoint before `before` (all, if None); answers the first mismatch."""
        while self.pending and (before is None or self.pending[0][0][0] < before):
            (position, head), checkpoint = self.pending.popleft()
            if position > self.position and before is None:
                return _Fault(position, f"the checkpoint at position {position} is beyond the log's end")
            if head != self.head:
                return _Fault(position, f"the chain's head at position {position} is not the checkpoint's", checkpoint)
            self.checkpoints_checked += 1
        return None

    def step(self, record: R | None, stored: tuple[int, str] | None) -> _Fault | None:
        """Takes the next record and the next stored link (the one at the lower position, or both); answers a fault."""
        name = self.chain.name
        if record is not None and (stored is None or record.position < stored[0]):
            return _Fault(record.position, f"{name(record.position)} has no link (recorded around Lotse?)")
        if stored is not None and (record is None or stored[0] < record.position):
            return _Fault(stored[0], f"{name(stored[0])} is missing (deleted?)")
        assert record is not None
        assert stored is not None
        try:
            link = self.chain.link(self.head, record)
        except (ValueError, TypeError, AttributeError):
            return _Fault(record.position, f"{name(record.position)} cannot be read")
        if link != stored[1]:
            return _Fault(record.position, f"{name(record.position)} does not match its link (altered or moved?)")
        self.head, self.position, self.checked = link, record.position, self.checked + 1
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
    """The chains and checkpoints of one event log and its read-access log: heads for digests, verification, signed
    checkpoints."""

    def __init__(
        self, database: Database, events_table: str, key: Ed25519PrivateKey, clock: Callable[[], datetime]
    ) -> None:
        super().__init__(database)
        self.key = key
        self.clock = clock
        self.events_table = events_table
        self._events = database.table(events_table)
        self._checkpoints = database.table(CHECKPOINT_TABLE)
        self._access_log = database.table(ACCESS_LOG_TABLE)
        self._access_chain = database.table(ACCESS_CHAIN_TABLE)
        self._position = "rowid" if database.dialect == "sqlite" else "notification_id"

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self.key.public_key()

    def verify(
        self, checkpoints: Sequence[Checkpoint] = (), trusted_key: Ed25519PublicKey | None = None
    ) -> Verification:
        """Recomputes both chains from their raw tables and checks them against the stored links and every checkpoint.

        The checkpoints are the given ones and those stored; each must be signed by `trusted_key` (by default this
        service's own key). Where the event chain agrees with itself but not with a checkpoint (the log was changed
        and its chain recomputed), the checkpoint's locator names the first event that differs. Records written
        while the verification runs are left for the next one.
        """
        return self._verify(checkpoints, trusted_key, locator=None)

    def checkpoint(self) -> Checkpoint:
        """Verifies both logs, then signs their heads and the locator and stores the checkpoint; refuses to sign a log
        that fails."""
        locator = Locator()
        result = self._verify((), None, locator=locator)
        if not result.ok:
            raise AuditError(f"the log does not verify, so it is not signed: {result.problem}")
        access = result.access_log
        if not access.ok:
            raise AuditError(f"the read-access log does not verify, so it is not signed: {access.problem}")
        extension = Extension(locator=locator.encode(), access_position=access.last_id, access_head=access.head)
        checkpoint = sign_checkpoint(self.key, result.position, result.head, self.clock(), extension)
        self.database.execute(
            f"INSERT INTO {self._checkpoints} (position, head, signed_at, public_key, signature, locator,"
            " access_position, access_head, extension_signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (signature) DO NOTHING",
            (
                checkpoint.position,
                checkpoint.head,
                checkpoint.signed_at,
                checkpoint.public_key,
                checkpoint.signature,
                checkpoint.locator,
                checkpoint.access_position,
                checkpoint.access_head,
                checkpoint.extension_signature,
            ),
        )
        return checkpoint

    def checkpoints(self) -> list[Checkpoint]:
        """Every stored checkpoint, oldest position first (what `lotse audit checkpoints` exports)."""
        rows = self.database.fetchall(
            f"SELECT position, head, signed_at, public_key, signature, locator, access_position, access_head,"
            f" extension_signature FROM {self._checkpoints} ORDER BY position, signed_at"
        )
        return [
            Checkpoint(
                position=int(row[0]),
                head=row[1],
                signed_at=row[2],
                public_key=row[3],
                signature=row[4],
                locator=row[5],
                access_position=int(row[6]) if row[6] is not None else None,
                access_head=row[7],
                extension_signature=row[8],
            )
            for row in rows
        ]

    def _verify(
        self, checkpoints: Sequence[Checkpoint], trusted_key: Ed25519PublicKey | None, locator: Locator | None
    ) -> Verification:
        trusted = trusted_key or self.public_key
        every = [*self.checkpoints(), *checkpoints]
        signed = [checkpoint for checkpoint in every if checkpoint.is_signed_by(trusted)]
        unsigned = sorted({checkpoint.position for checkpoint in every if checkpoint not in signed})
        problems = [f"the checkpoint at position {p} is not signed by the trusted key" for p in unsigned]
        last_event, last_entry = self._last_positions()
        events = _Walk(EVENTS, signed)
        fault = _walk(events, self._read_events(last_event, locator), self._read_links(self._chain, last_event))
        position, head, checked = events.position, events.head, events.checked
        if fault is not None and fault.checkpoint is not None and fault.checkpoint.locator is not None:
            fault, (position, head, checked) = self._locate(fault, fault.checkpoint)
        if fault is not None:
            problems.insert(0, fault.problem)
        return Verification(
            ok=not problems,
            events_checked=checked,
            position=position,
            head=head,
            first_bad_position=fault.position if fault is not None else None,
            checkpoints_checked=events.checkpoints_checked,
            problem="; ".join(problems) or None,
            access_log=self._verify_access_log(signed, last_entry),
        )

    def _verify_access_log(self, signed: Sequence[Checkpoint], last: int) -> AccessLogVerification:
        walk = _Walk(ACCESS_LOG, signed)
        fault = _walk(walk, self._read_entries(last), self._read_links(self._access_chain, last))
        return AccessLogVerification(
            ok=fault is None,
            entries_checked=walk.checked,
            last_id=walk.position,
            head=walk.head,
            first_bad_id=fault.position if fault is not None else None,
            checkpoints_checked=walk.checkpoints_checked,
            problem=fault.problem if fault is not None else None,
        )

    def _locate(self, fault: _Fault, checkpoint: Checkpoint) -> tuple[_Fault, tuple[int, str, int]]:
        """Names the first event that differs from what the checkpoint signed, from its locator; answers the fault
        and the last event before it that verified (position, head, how many events up to it)."""
        assert checkpoint.locator is not None
        current = Locator()
        positions = [event.position for event in self._read_events(checkpoint.position, current)]
        differing = Locator.decode(checkpoint.locator).differing_positions(current)
        if differing is None:  # too many differ to tell them apart: the checkpoint's position is what is known
            fault = _Fault(fault.position, f"{fault.problem}; too many events before it differ to name the first one")
            first = fault.position
        elif not differing:
            first = fault.position
        else:
            first, kind = differing[0]
            fault = _Fault(
                first,
                f"the event at position {first} is not the one the checkpoint at position {checkpoint.position}"
                f" signed ({kind}), and the chain from there was recomputed to match",
            )
        checked = bisect_left(positions, first)
        last = positions[checked - 1] if checked else 0
        return fault, (last, self.chain_head_at(last) if checked else GENESIS, checked)

    def _last_positions(self) -> tuple[int, int]:
        # Read before the walks: records and links committed later lie beyond (positions grow in commit order).
        row = self.database.fetchone(
            f"SELECT (SELECT MAX({self._position}) FROM {self._events}), (SELECT MAX(position) FROM {self._chain}),"
            f" (SELECT MAX(id) FROM {self._access_log}), (SELECT MAX(position) FROM {self._access_chain})"
        )
        values = [int(value) if value is not None else 0 for value in row or (None,) * 4]
        return max(values[0], values[1]), max(values[2], values[3])

    def _read_events(self, last: int, locator: Locator | None) -> Iterator[_Event]:
        statement = (
            f"SELECT {self._position}, originator_id, originator_version, topic, state FROM {self._events}"
            f" WHERE {self._position} > ? AND {self._position} <= ? ORDER BY {self._position} LIMIT ?"
        )
        for row in self._batches(statement, last):
            event = _Event(int(row[0]), row[1], int(row[2]), row[3], bytes(row[4]))
            if locator is not None:
                try:
                    locator.add(event.position, event.leaf())
                except (ValueError, TypeError, AttributeError):
                    locator.add(event.position, b"")  # unreadable: it differs from anything signed
            yield event

    def _read_entries(self, last: int) -> Iterator[_Entry]:
        statement = f"SELECT id, {ENTRY_COLUMNS} FROM {self._access_log} WHERE id > ? AND id <= ? ORDER BY id LIMIT ?"
        for row in self._batches(statement, last):
            yield _Entry(int(row[0]), entry_fields(row[1:]))

    def _read_links(self, table: str, last: int) -> Iterator[tuple[int, str]]:
        statement = f"SELECT position, link FROM {table} WHERE position > ? AND position <= ? ORDER BY position LIMIT ?"
        for row in self._batches(statement, last):
            yield int(row[0]), str(row[1])

    def _batches(self, statement: str, last: int) -> Iterator[tuple[Any, ...]]:
        after = 0
        while rows := self.database.fetchall(statement, (after, last, BATCH)):
            yield from rows
            after = int(rows[-1][0])


def _walk(walk: _Walk[R], records: Iterator[R], links: Iterator[tuple[int, str]]) -> _Fault | None:
    record, stored = next(records, None), next(links, None)
    while record is not None or stored is not None:
        position = min(item.position if not isinstance(item, tuple) else item[0] for item in (record, stored) if item)
        if (fault := walk.pass_checkpoints(before=position)) is not None:
            return fault
        if (fault := walk.step(record, stored)) is not None:
            return fault
        record, stored = next(records, None), next(links, None)
    return walk.pass_checkpoints(before=None)
