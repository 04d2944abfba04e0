"""The register service: writes and reads the entries of the registers beside the cases (domain/registers.py).

Entries share the cases' log, recorder, idempotency keys and projections; what differs is decided by the register
(its events, how they evolve the entry) and by the decision a use case passes in. The mechanics match the case
service's: a write is decided against the entry's current state under a per-entry lock, `If-Match` versions are
checked, a lost race to another process is 412 with `If-Match` and decided again without it, and a retry with an
`Idempotency-Key` is answered with the first write's result.
"""

import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Generic, cast
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from eventsourcing.application import Application
from eventsourcing.persistence import ApplicationRecorder, InfrastructureFactory, IntegrityError, Mapper
from eventsourcing.utils import Environment

from application.errors import ConcurrentUpdate, EntryNotFound, IdempotencyKeyReused, StaleVersion, VersionNotFound
from application.ports import ALL_AGENCIES, EventLog, IdempotencyClaim, IdempotencyKeys
from domain.registers import Entry, Register, RegisterEvent, Stamp

Clock = Callable[[], datetime]
Decision = Callable[[Entry | None, Stamp], RegisterEvent]
WRITE_ATTEMPTS = 5


@dataclass(frozen=True)
class Written(Generic[Entry]):
    """The entry after a write and where its event stands in the log; `replayed`: a retry's first answer."""

    entry: Entry
    position: int
    replayed: bool = False


class RegisterService(Application[UUID]):
    """Built by the composition root on the case service's infrastructure, recorder and mapper: one log."""

    name = "Lotse"
    is_snapshotting_enabled = False
    env: ClassVar[dict[str, str]] = {"DEEPCOPY_FROM_AGGREGATE_CACHE": "n"}

    def __init__(
        self,
        *,
        infrastructure: InfrastructureFactory[Any],
        recorder: ApplicationRecorder,
        mapper: Mapper[UUID],
        idempotency_keys: IdempotencyKeys,
        event_log: EventLog,
        clock: Clock,
        zone: ZoneInfo,
        on_recorded: Sequence[Callable[[], None]] = (),
    ) -> None:
        self._infrastructure = infrastructure
        self._recorder = recorder
        self._mapper = mapper
        self._idempotency_keys = idempotency_keys
        self._event_log = event_log
        self._clock = clock
        self._zone = zone
        self._listeners = tuple(on_recorded)
        super().__init__()
        self._locks = [threading.Lock() for _ in range(32)]

    def construct_env(self, name: str, env: Mapping[str, str] | None = None) -> Environment:
        return self._infrastructure.env

    def construct_factory(self, env: Environment) -> InfrastructureFactory[Any]:
        return self._infrastructure

    def construct_recorder(self) -> ApplicationRecorder:
        return self._recorder

    def construct_mapper(self) -> Mapper[UUID]:
        return self._mapper

    def _notify(self, recordings: list[Any]) -> None:
        for listener in self._listeners:
            listener()

    # Commands

    def create(
        self,
        register: Register[Entry],
        decide: Decision[Entry],
        *,
        recorded_by: str,
        idempotency: IdempotencyClaim | None = None,
        entry_id: UUID | None = None,
    ) -> Written[Entry]:
        """Records a new entry: `decide(None, stamp)` answers its creating event."""
        if (earlier := self._earlier_answer(register, idempotency)) is not None:
            return earlier
        entry_id = entry_id or uuid4()
        event = decide(None, self._stamp(entry_id, 1, recorded_by))
        return self._save(register, register.evolve(None, event), event, idempotency)

    def change(
        self,
        register: Register[Entry],
        entry_id: UUID,
        decide: Decision[Entry],
        *,
        agency: str,
        recorded_by: str,
        expected_version: frozenset[int] | None = None,
        idempotency: IdempotencyClaim | None = None,
    ) -> Written[Entry]:
        """Records the next event of an entry of the writer's `agency` (`*`: any), as `decide(entry, stamp)` answers.

        `expected_version`: the versions any of which the writer accepts (If-Match); another is 412.
        """
        if (earlier := self._earlier_answer(register, idempotency)) is not None:
            return earlier
        attempts = 1 if expected_version is not None else WRITE_ATTEMPTS
        for attempt in range(1, attempts + 1):
            with self._locks[entry_id.int % len(self._locks)]:
                entry = self.get(register, entry_id, agency=agency)
                if expected_version is not None and entry.version not in expected_version:
                    raise StaleVersion(max(expected_version, default=-1), entry.version)
                event = decide(entry, self._stamp(entry_id, entry.version + 1, recorded_by))
                try:
                    return self._save(register, register.evolve(entry, event), event, idempotency)
                except ConcurrentUpdate:
                    if expected_version is not None:
                        raise StaleVersion(max(expected_version, default=-1), entry.version + 1) from None
                    if attempt == attempts:
                        raise
            time.sleep(random.uniform(0.005, 0.02) * attempt)  # noqa: S311 - jitter, not secrecy
        raise AssertionError("unreachable")  # pragma: no cover

    def record_all(
        self,
        register: Register[Entry],
        decisions: Sequence[tuple[UUID, Entry | None, Decision[Entry]]],
        *,
        recorded_by: str,
    ) -> list[Written[Entry]]:
        """Records one event for each entry in one transaction: all of them or none (a whole file of a loader).

        Each decision is taken on the entry as the caller read it (None: no entry with that id yet, the decision
        creates one). Should another writer have recorded an event of any of them since, the versions collide and
        nothing is recorded (ConcurrentUpdate).
        """
        if not decisions:
            return []
        entries: list[Entry] = []
        events: list[RegisterEvent] = []
        for entry_id, current, decide in decisions:
            version = 1 if current is None else current.version + 1
            event = decide(current, self._stamp(entry_id, version, recorded_by))
            entries.append(register.evolve(current, event))
            events.append(event)
        try:
            recordings = self.save(*events)
        except IntegrityError:
            raise ConcurrentUpdate(entries[0].id, entries[0].version) from None
        return [
            Written(entry=entry, position=recording.notification.id)
            for entry, recording in zip(entries, recordings, strict=True)
        ]

    # Queries

    def get(self, register: Register[Entry], entry_id: UUID, *, agency: str, version: int | None = None) -> Entry:
        """The entry (as of `version`), if it is one of this register's and of the reader's agency (`*`: any)."""
        events = self.events_of(register, entry_id, agency=agency)
        if version is not None:
            if not 1 <= version <= len(events):
                raise VersionNotFound(entry_id, version, len(events))
            events = events[:version]
        entry = register.project(events)
        assert entry is not None  # events_of answers at least the creating event
        return entry

    def events_of(self, register: Register[Entry], entry_id: UUID, *, agency: str) -> list[RegisterEvent]:
        """The entry's events, oldest first; EntryNotFound unless they are the register's and of `agency`."""
        events = list(self.events.get(entry_id))
        if not events or not all(isinstance(event, register.events) for event in events):
            raise EntryNotFound(register.name, entry_id)
        entry = register.project(events)
        if entry is None or agency not in (ALL_AGENCIES, entry.agency):
            raise EntryNotFound(register.name, entry_id)
        return cast(list[RegisterEvent], events)

    # Internals

    def _stamp(self, entry_id: UUID, version: int, recorded_by: str) -> Stamp:
        now = self._clock()
        return Stamp(
            entry_id=entry_id, version=version, at=now, today=now.astimezone(self._zone).date(), recorded_by=recorded_by
        )

    def _earlier_answer(self, register: Register[Entry], claim: IdempotencyClaim | None) -> Written[Entry] | None:
        if claim is None:
            return None
        earlier = self._idempotency_keys.find(claim.scope, claim.key)
        if earlier is None:
            return None
        if not claim.matches(earlier.fingerprint):
            raise IdempotencyKeyReused(claim.key)
        entry = self.get(register, earlier.case_id, agency=ALL_AGENCIES, version=earlier.version)
        position = self._event_log.position_of(earlier.case_id, earlier.version)
        return Written(entry=entry, position=position or 0, replayed=True)

    def _save(
        self, register: Register[Entry], entry: Entry, event: RegisterEvent, idempotency: IdempotencyClaim | None
    ) -> Written[Entry]:
        try:
            recordings = self.save(event, idempotency=idempotency)
        except IntegrityError:
            if (earlier := self._earlier_answer(register, idempotency)) is not None:
                return earlier
            raise ConcurrentUpdate(entry.id, entry.version) from None
        return Written(entry=entry, position=recordings[-1].notification.id)
