"""The case service: records steps as events and answers a case's state, past states and history."""

import hashlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, ClassVar, cast
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import msgspec
from eventsourcing.application import AggregateNotFoundError, Application, Repository
from eventsourcing.persistence import ApplicationRecorder, EventStore, InfrastructureFactory, IntegrityError, Mapper
from eventsourcing.utils import Environment

from application.errors import (
    CaseNotFound,
    ConcurrentUpdate,
    IdempotencyKeyReused,
    KeyStoreError,
    SamePersonRecordedMeanwhile,
    StaleVersion,
    VersionNotFound,
)
from application.history import (
    HistoryEntry,
    entry_without_special_categories,
    history_entry,
    without_personal_data,
)
from application.ports import (
    ALL_AGENCIES,
    AccessLog,
    AccessLogEntry,
    AccessLogQuery,
    CaseIndex,
    CaseListQuery,
    CaseRead,
    CaseSummary,
    Counsellors,
    EventLog,
    IdempotencyClaim,
    IdempotencyKeys,
    NameIndex,
    NameIndexEntry,
    OfferCatalogue,
    Principal,
)
from domain import decisions
from domain import events as ev
from domain.case import Case, CaseSnapshot
from domain.evolution import NotACase, evolve, project_case
from domain.privacy import redacted, without_special_categories
from domain.steps import OpenCase, Step

Clock = Callable[[], datetime]
WRITE_ATTEMPTS = 5
NAME_INDEX_BATCH = 500  # cases indexed per transaction when the start-up indexes cases recorded before the index
NAME_INDEX_READERS = 4  # cases read at once meanwhile: reading is round trips to the database, not CPU
SNAPSHOT_SHAPE = hashlib.sha256(msgspec.json.encode(msgspec.json.schema(Case))).hexdigest()[:12]
SNAPSHOTS_TABLE = f"snapshots_{SNAPSHOT_SHAPE}"  # one per shape of the case state: older snapshots would not decode
logger = logging.getLogger("lotse.cases")


@dataclass(frozen=True)
class Recorded:
    """The case after a write, and where its event stands in the global log.

    `replayed` is true when an idempotency key matched: nothing was recorded, this is the first answer.
    `possible_duplicates` (first contacts only): the other cases of the agency whose client has the same normalised
    name and birth date.
    """

    case: Case
    position: int
    replayed: bool = False
    possible_duplicates: tuple[UUID, ...] = ()


@dataclass(frozen=True)
class Ports:
    counsellors: Counsellors
    offers: OfferCatalogue
    idempotency_keys: IdempotencyKeys
    event_log: EventLog
    case_index: CaseIndex
    access_log: AccessLog
    name_index: NameIndex


class CaseService(Application[UUID]):
    """One command per step type arrives through `record_step` (the step's type selects the rule set).

    These are the mechanics, with every choice explicit; who may do what is decided by the use cases above them
    (application/workspace.py). Reads take `personal_data`: with False they never open the client's sealed personal
    data (the roles that may not see them, and statistics); the personal data block then reads as empty and free
    text as None. Writes take the writer's `agency` (`*`: an operator's, any case).

    Built by the composition root (infrastructure/bootstrap.py) from an infrastructure factory, the recorder and
    the mappers it made for that factory's database: the library constructs nothing of its own.
    """

    name = "Lotse"
    is_snapshotting_enabled = True
    env: ClassVar[dict[str, str]] = {"DEEPCOPY_FROM_AGGREGATE_CACHE": "n"}  # cases are immutable

    def __init__(
        self,
        *,
        infrastructure: InfrastructureFactory[Any],
        recorder: ApplicationRecorder,
        mapper: Mapper[UUID],
        sealed_mapper: Mapper[UUID],
        ports: Ports,
        clock: Clock,
        zone: ZoneInfo,
        snapshot_interval: int = 50,
        on_recorded: Sequence[Callable[[], None]] = (),
    ) -> None:
        self._infrastructure = infrastructure
        self._recorder = recorder
        self._mapper = mapper
        self.sealed_mapper = sealed_mapper
        self.ports = ports
        self._clock = clock
        self._zone = zone
        self._snapshot_interval = snapshot_interval
        self._listeners = tuple(on_recorded)
        super().__init__()
        self.sealed_events = self.factory.event_store(mapper=self.sealed_mapper, recorder=self.recorder)
        snapshots = self.snapshots
        self.sealed_repository: Repository[UUID] = Repository(
            event_store=self.sealed_events,
            snapshot_store=self.factory.event_store(mapper=self.sealed_mapper, recorder=snapshots.recorder)
            if snapshots is not None
            else None,
        )
        self._case_locks = [threading.Lock() for _ in range(64)]

    @classmethod
    def configuration(cls, env: Mapping[str, str]) -> Environment:
        """The library's configuration of this application: its own defaults, then `env` (never the process's
        environment: settings are read once, by the entry point)."""
        return Environment(cls.name, {**cls.env, "IS_SNAPSHOTTING_ENABLED": "y", **env})

    def construct_env(self, name: str, env: Mapping[str, str] | None = None) -> Environment:
        return self._infrastructure.env

    def construct_factory(self, env: Environment) -> InfrastructureFactory[Any]:
        return self._infrastructure

    def construct_recorder(self) -> ApplicationRecorder:
        return self._recorder

    def construct_mapper(self) -> Mapper[UUID]:
        return self._mapper

    def _notify(self, recordings: list[Any]) -> None:
        # After each write: wakes what follows the log in this process (the projection follower).
        for listener in self._listeners:
            listener()

    # Commands

    def open_case(
        self,
        agency: str,
        command: OpenCase,
        recorded_by: str,
        case_id: UUID | None = None,
        idempotency: IdempotencyClaim | None = None,
    ) -> Recorded:
        """Records the first contact; the new case belongs to the agency of whoever recorded it.

        A person is counted once: the client's name and birth date are looked up in the agency's keyed name index, and
        the cases whose client has the same normalised name and birth date are answered as `possible_duplicates`; the
        new case's participant is the earliest of them's (by first contact), so the funder's figures count one
        person. Without a birth date (or a name) the client is a participant of her own. The case's index entries
        are written in the transaction of its first event.

        Two first contacts of one person recorded at the same moment: each decides its participant from the cases it
        found, and the recording transaction checks, where no other writer can commit in between, that no case of the
        same person appeared meanwhile. The later one finds the earlier one there, is rolled back
        (SamePersonRecordedMeanwhile) and decided again: it takes the earlier one's participant and lists it as a
        possible duplicate. This holds across processes (PostgreSQL: under the recording lock; SQLite: under
        its write lock).
        """
        if (earlier := self._earlier_answer(idempotency)) is not None:
            return replace(earlier, possible_duplicates=self._duplicates_of(earlier.case.id))
        case_id = case_id or uuid4()
        names = self.ports.name_index
        keys = names.keys_for(agency, command.personal.name, command.profile.birth_date)
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            same = names.same_person(agency, keys.person) if keys.person is not None else []
            participant = same[0].participant_id if same else None
            event = decisions.open_case(case_id, agency, command, self._context(recorded_by), participant)
            case = evolve(None, event)
            entry = NameIndexEntry(
                case_id=case_id,
                agency=agency,
                keys=keys,
                participant_id=case.participant_id,
                opened_on=case.opened_on,
                seen=frozenset(indexed.case_id for indexed in same),
            )
            try:
                recorded = self._save(case, event, idempotency, name_index=entry)
            except SamePersonRecordedMeanwhile:
                if attempt == WRITE_ATTEMPTS:
                    raise ConcurrentUpdate(case_id, 0) from None
                continue
            if recorded.replayed:  # a concurrent retry with the same key recorded it
                return replace(recorded, possible_duplicates=self._duplicates_of(recorded.case.id))
            return replace(recorded, possible_duplicates=tuple(indexed.case_id for indexed in same))
        raise AssertionError("unreachable")  # pragma: no cover

    def record_step(
        self,
        case_id: UUID,
        step: Step,
        recorded_by: str,
        expected_version: int | frozenset[int] | None = None,
        idempotency: IdempotencyClaim | None = None,
        *,
        agency: str,
    ) -> Recorded:
        """Checks a step against the case's rules and records it; `expected_version` guards against lost updates.

        `expected_version` may be a set: the versions any of which the writer accepts (an If-Match list). `agency`
        is the writer's (`*`: any case): another agency's case is not found. With an idempotency claim, a retry of an
        earlier write is answered with that write's result.
        """
        if (earlier := self._earlier_answer(idempotency)) is not None:
            return earlier
        accepted = frozenset({expected_version}) if isinstance(expected_version, int) else expected_version
        # Without If-Match the writer asked for "after whatever is there": a lost race is decided again
        # against the newer case. With If-Match the writer must see the conflict.
        attempts = 1 if accepted is not None else WRITE_ATTEMPTS
        for attempt in range(1, attempts + 1):
            # Writers to one case in this process take turns, so only other processes can race them.
            with self._lock_for(case_id):
                case = self.get_case(case_id, personal_data=True)
                if agency not in (ALL_AGENCIES, case.agency):
                    raise CaseNotFound(case_id)
                if accepted is not None and case.version not in accepted:
                    raise StaleVersion(max(accepted, default=-1), case.version)
                event = decisions.record_step(case, step, self._context(recorded_by))
                after = evolve(case, event)
                try:
                    return self._save(after, event, idempotency, name_index=self._reindexed(after, event))
                except ConcurrentUpdate:
                    if accepted is not None:  # another process wrote first: the writer's version is stale now
                        raise StaleVersion(max(accepted, default=-1), case.version + 1) from None
                    if attempt == attempts:
                        raise
            time.sleep(random.uniform(0.005, 0.02) * attempt)  # noqa: S311 - jitter, not secrecy
        raise AssertionError("unreachable")  # pragma: no cover

    def erase_personal_data(self, case_id: UUID, recorded_by: str, *, agency: str) -> Recorded:
        """Erases the client's personal data; erasing an erased client again changes nothing (like any DELETE).

        `agency` is the eraser's (`*`: an operator's, any case): another agency's case is not found. The event and
        the destruction of the client's key are one transaction; the personal data are never opened for it, so a
        client whose key is missing from the key store can be erased too.
        """
        with self._lock_for(case_id):
            case = self.get_case(case_id, personal_data=False)
            if agency not in (ALL_AGENCIES, case.agency):
                raise CaseNotFound(case_id)
            if case.personal_data_erased:
                position = self.ports.event_log.position_of(case.id, case.version)
                return Recorded(case=case, position=position or 0, replayed=True)
            event = decisions.erase_personal_data(case, self._context(recorded_by))
            return self._save(evolve(case, event), event)

    # Queries

    def get_case(self, case_id: UUID, *, personal_data: bool) -> Case:
        repository = self.repository if personal_data else self.sealed_repository
        try:
            return repository.get(case_id, projector_func=project_case)
        except (AggregateNotFoundError, NotACase):
            raise CaseNotFound(case_id) from None

    def case_as_of_version(self, case_id: UUID, version: int, *, personal_data: bool) -> Case:
        """The case as it was after its first `version` events (as it may be shown today: see `_as_permitted_now`)."""
        repository = self.repository if personal_data else self.sealed_repository
        try:
            case = repository.get(case_id, version=version, projector_func=project_case)
        except (AggregateNotFoundError, NotACase):
            raise CaseNotFound(case_id) from None
        if case.version != version:
            raise VersionNotFound(case_id, version, case.version)
        return self._as_permitted_now(case)

    def case_as_of(self, case_id: UUID, instant: datetime, *, personal_data: bool) -> Case:
        """The case as recorded at `instant`: every event recorded until then, none after.

        The log's order decides, not the timestamps alone: an event stamped earlier than the one before it
        (a replica's clock behind) must not be replayed without its predecessors.
        """
        # One read of the whole history: the events after `instant` say what today's answer may show of it.
        events = self.ports.event_log.case_events(case_id, "state" if personal_data else "none")
        recorded = next((index for index, event in enumerate(events) if event.timestamp > instant), len(events))
        try:
            case = project_case(None, events[:recorded])
        except NotACase:
            raise CaseNotFound(case_id) from None
        if case is None:
            raise CaseNotFound(case_id)
        later = events[recorded:]
        erased = any(type(event) is ev.PersonalDataErased for event in later)
        return _as_permitted_now(case, erased, [event for event in later if type(event) is ev.ConsentChanged])

    def history(self, case_id: UUID, *, personal_data: bool) -> list[HistoryEntry]:
        """Every event of the case, oldest first, as it may be shown today.

        Once the client is erased, personal fields read as erased in every entry; once the client withdrew consent to
        special categories, disability and minority read as unknown in every entry recorded before the withdrawal.
        """
        events: list[ev.CaseEvent] = self.ports.event_log.case_events(case_id, "all" if personal_data else "none")
        if not events or not isinstance(events[0], ev.CaseOpened):
            raise CaseNotFound(case_id)
        entries = [history_entry(event) for event in events]
        if any(isinstance(event, ev.PersonalDataErased) for event in events):
            entries = [without_personal_data(entry) for entry in entries]
        withdrawn = max((event.originator_version for event in events if _withdraws_consent(event)), default=0)
        return [entry_without_special_categories(entry) if entry.version < withdrawn else entry for entry in entries]

    def record_read(self, reader: Principal, case: Case, what: str, *, personal_data: bool) -> None:
        """Appends who read which case, when and what to the access log; called before the answer leaves.

        `case` is the case as it is now (its agency files the entry); `personal_data` says whether the answer shows
        the client's personal data. Should the log refuse the entry, the read fails: no read goes unrecorded.
        """
        read = CaseRead(
            at=self._clock(),
            subject=reader.subject,
            role=reader.role,
            agency=reader.agency,
            case_id=case.id,
            case_agency=case.agency,
            what=what,
            personal_data=personal_data,
        )
        self.ports.access_log.record(read)

    def record_reads(
        self, reader: Principal, cases: Sequence[tuple[UUID, str]], what: str, *, personal_data: bool
    ) -> None:
        """Appends one access log entry per case (its id and agency) read together, in one transaction, before the
        answer leaves; should the log refuse them, the read fails."""
        if not cases:
            return
        at = self._clock()
        self.ports.access_log.record_all(
            [
                CaseRead(
                    at=at,
                    subject=reader.subject,
                    role=reader.role,
                    agency=reader.agency,
                    case_id=case_id,
                    case_agency=case_agency,
                    what=what,
                    personal_data=personal_data,
                )
                for case_id, case_agency in cases
            ]
        )

    def access_log(self, query: AccessLogQuery) -> list[AccessLogEntry]:
        """A page of the read-access log, newest first."""
        return self.ports.access_log.query(query)

    def list_cases(self, query: CaseListQuery) -> list[CaseSummary]:
        """A page of the case list, newest first contact first; with `name_words`, only clients whose name has every
        one of them (see `name_words`)."""
        return self.ports.case_index.list(query)

    def name_words(self, agency: str, text: str) -> frozenset[str]:
        """The keyed words a list is filtered by to find the agency's clients named `text` (every word of it)."""
        return self.ports.name_index.keys_for(agency, text, None).words

    def names_of(self, case_ids: Sequence[UUID]) -> dict[UUID, str | None]:
        """The clients' names (None once erased, or when none was given), from each case's first event.

        Opens personal data: the caller decides who may see them, and records the read.
        """
        names: dict[UUID, str | None] = {}
        for case_id in case_ids:
            opened = next(iter(self.events.get(case_id, lte=1)), None)
            personal = opened.personal if isinstance(opened, ev.CaseOpened) else None
            names[case_id] = personal.name if personal is not None else None
        return names

    def index_unindexed_names(self, batch_size: int = NAME_INDEX_BATCH) -> int:
        """Writes the name index entries of the cases that have none and whose client is not erased; answers how many.

        For cases recorded before the index existed (release 0.1, and 0.2 before its migration 2): run at start, after
        the key store was checked. Idempotent (an indexed case is not read again) and in batches of one transaction
        each; a client erased while her batch is read is skipped in the transaction that writes it. The entries take
        each case's own participant: cases recorded before the index are counted as they were, and the first case
        recorded after it of one of their clients takes the earliest one's participant.
        """
        indexed = 0
        after: UUID | None = None
        with ThreadPoolExecutor(max_workers=NAME_INDEX_READERS, thread_name_prefix="lotse-name-index") as readers:
            while batch := self.ports.name_index.unindexed(batch_size, after):
                cases = [case for case in readers.map(self._case_to_index, batch) if case is not None]
                indexed += self.ports.name_index.add([self._index_entry(case) for case in cases])
                after = batch[-1]
        return indexed

    def today(self) -> date:
        return self._clock().astimezone(self._zone).date()

    # Internals

    def _lock_for(self, case_id: UUID) -> threading.Lock:
        return self._case_locks[case_id.int % len(self._case_locks)]

    def construct_snapshot_store(self) -> EventStore[UUID]:
        # One table per shape of the case state: a new shape starts with no snapshots (old ones would not decode).
        recorder = self.factory.aggregate_recorder(purpose=SNAPSHOTS_TABLE)
        return self.factory.event_store(mapper=self.mapper, recorder=recorder)

    def _as_permitted_now(self, past: Case) -> Case:
        """A past state as it may be shown today (see the module's `_as_permitted_now`), the later events read."""
        later = [
            (stored.topic.partition("@")[0], stored) for stored in self.recorder.select_events(past.id, gt=past.version)
        ]
        withdrawals = [
            cast(ev.CaseEvent, self.sealed_mapper.to_domain_event(stored))
            for topic, stored in later
            if topic == ev.ConsentChanged.TOPIC
        ]
        return _as_permitted_now(past, any(topic == ev.PersonalDataErased.TOPIC for topic, _ in later), withdrawals)

    def _context(self, recorded_by: str) -> decisions.Context:
        now = self._clock()
        return decisions.Context(
            recorded_by=recorded_by,
            at=now,
            today=now.astimezone(self._zone).date(),
            is_active_counsellor=self.ports.counsellors.is_active_counsellor,
            is_offer_of_agency=self.ports.offers.is_offer_of_agency,
        )

    def _earlier_answer(self, claim: IdempotencyClaim | None) -> Recorded | None:
        if claim is None:
            return None
        earlier = self.ports.idempotency_keys.find(claim.scope, claim.key)
        if earlier is None:
            return None
        if not claim.matches(earlier.fingerprint):
            raise IdempotencyKeyReused(claim.key)
        case = self.case_as_of_version(earlier.case_id, earlier.version, personal_data=True)
        position = self.ports.event_log.position_of(earlier.case_id, earlier.version)
        return Recorded(case=case, position=position or 0, replayed=True)

    def _duplicates_of(self, case_id: UUID) -> tuple[UUID, ...]:
        """The other cases of the same person as the case's client (by the name index)."""
        found = self.ports.name_index.person_of(case_id)
        if found is None:
            return ()
        agency, person = found
        return tuple(
            indexed.case_id
            for indexed in self.ports.name_index.same_person(agency, person)
            if indexed.case_id != case_id
        )

    def _case_to_index(self, case_id: UUID) -> Case | None:
        """The case with its personal data, unless they are erased or cannot be opened (its reads say why)."""
        try:
            case = self.get_case(case_id, personal_data=True)
        except KeyStoreError as error:  # its reads fail as clearly; the other cases are still indexed
            logger.warning("case %s is not indexed by name: %s", case_id, error)
            return None
        return case if case.personal is not None else None

    def _index_entry(self, case: Case) -> NameIndexEntry:
        personal = case.personal
        keys = self.ports.name_index.keys_for(
            case.agency, personal.name if personal else None, personal.birth_date if personal else None
        )
        return NameIndexEntry(
            case_id=case.id, agency=case.agency, keys=keys, participant_id=case.participant_id, opened_on=case.opened_on
        )

    def _reindexed(self, case: Case, event: ev.CaseEvent) -> NameIndexEntry | None:
        """A correction of the birth date changes the client's person key: her entries are written anew with it."""
        if isinstance(event, ev.ProfileCorrected) and event.birth_date is not None and case.personal is not None:
            return self._index_entry(case)
        return None

    def _save(
        self,
        case: Case,
        event: ev.CaseEvent,
        idempotency: IdempotencyClaim | None = None,
        name_index: NameIndexEntry | None = None,
    ) -> Recorded:
        try:
            recordings = self.save(event, idempotency=idempotency, case_summary=summary_of(case), name_index=name_index)
        except SamePersonRecordedMeanwhile:
            raise
        except IntegrityError:
            # A concurrent retry with the same key may have won the race: answer as it was answered.
            if (earlier := self._earlier_answer(idempotency)) is not None:
                return earlier
            raise ConcurrentUpdate(case.id, case.version) from None
        if self.snapshots is not None and case.version % self._snapshot_interval == 0:
            snapshot = CaseSnapshot(
                originator_id=case.id, originator_version=case.version, timestamp=event.timestamp, state=case
            )
            try:
                self.snapshots.put([snapshot])
            except Exception:  # the step is committed; a missing snapshot only makes the next read replay more
                logger.exception("snapshot of case %s at version %s failed", case.id, case.version)
        if self.repository.cache is not None:
            self.repository.cache.put(case.id, case)
        return Recorded(case=case, position=recordings[-1].notification.id)


def _as_permitted_now(past: Case, erased_since: bool, later_consent: Iterable[ev.CaseEvent]) -> Case:
    """A past state as it may be shown today: erasure and the withdrawal of consent reach back in time.

    A past state of an erased client shows no personal data either; a past state from before the client withdrew
    consent to special categories shows disability and minority as unknown, as the case does since.
    """
    if past.personal is not None and erased_since:
        past = redacted(past)
    if any(_withdraws_consent(event) for event in later_consent):
        past = without_special_categories(past)
    return past


def _withdraws_consent(event: ev.CaseEvent) -> bool:
    return isinstance(event, ev.ConsentChanged) and not event.special_categories


def summary_of(case: Case) -> CaseSummary:
    return CaseSummary(
        case_id=case.id,
        agency=case.agency,
        counsellor=case.counsellor,
        status=case.status,
        stage=case.stage,
        opened_on=case.opened_on,
        version=case.version,
    )
