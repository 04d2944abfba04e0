"""Verification: the chain recomputed from the raw events table alone, compared with the stored links and the
checkpoints."""

from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from infrastructure.audit.chain import CHAIN_TABLE, GENESIS, AuditError, case_id_of, chain_link
from infrastructure.audit.checkpoints import CHECKPOINT_TABLE, Checkpoint, sign_checkpoint
from infrastructure.eventstore.sql import Database

BATCH = 2000


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
                self.head, event.position, case_id_of(event.case_id), event.version, event.topic, event.payload
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
