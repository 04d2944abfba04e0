"""The projection runner: follows the event log and keeps every view exactly at its tracking position.

Each batch of events is written to the views in one transaction together with the views' new positions, so a
crash anywhere leaves each view at a position it fully reflects, and the next run resumes from there.
"""

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import cast
from uuid import UUID

from eventsourcing.persistence import ProgrammingError

from application.cases import CaseService
from application.collector import collector_paused
from domain.case import Case
from domain.events import CaseEvent
from domain.evolution import CASE_EVENTS, evolve, project_case
from domain.log import register_of
from domain.registers import RegisterEntry, RegisterEvent
from infrastructure.eventstore.mapper import MsgspecMapper
from infrastructure.eventstore.recorders import CaseRecorder
from infrastructure.eventstore.sql import Database, DialectCursor, SchemaMismatch
from infrastructure.projections.case_views import View

State = Case | RegisterEntry  # what an event leaves behind: a case, or an entry of a register beside the cases

TRACKING = "lotse_tracking"
GATHER_SECONDS = 0.02
REBUILD_BATCH = 10_000  # events per view transaction of a rebuild (`lotse projections rebuild`)
Progress = Callable[[int, int], None]
logger = logging.getLogger("lotse.projections")


class UnknownView(LookupError):
    pass


@dataclass(frozen=True)
class _Batch:
    """Events projected, not yet written: the views' positions they start from, each view's latest states, the
    position of the last event and how many events were read."""

    seen: dict[str, int]
    latest: dict[str, list[State]]
    last: int
    count: int


def create_view_tables(database: Database, views: Sequence[View], *, only_missing: bool = False) -> None:
    """Creates the tracking table and every view's tables and indexes, idempotently, and a tracking row per view.

    `only_missing`: where every table is there already, only the tracking rows of new views are added, and nothing
    else is created: how a service on PostgreSQL starts, whose runtime role may create no table (`lotse migrate`
    creates them as the owner). Raises SchemaMismatch when a table is missing that this process may not create.
    """
    tracking = database.table(TRACKING)
    with database.transaction(commit=True) as cursor:
        if only_missing and all(
            database.has_table(cursor, table) for table in (TRACKING, *(t for view in views for t in view.tables))
        ):
            for view in views:
                cursor.execute(f"INSERT INTO {tracking} VALUES (?, 0) ON CONFLICT (view) DO NOTHING", (view.name,))
            return
    try:
        _create_view_tables(database, views, tracking)
    except ProgrammingError as error:  # PostgreSQL's insufficient_privilege among others
        if not only_missing:
            raise
        raise SchemaMismatch(
            f"the projection views' tables are not all there, and this role cannot create them ({error}): run"
            " `lotse migrate` (as the database owner: LOTSE_OWNER_DATABASE_URL, else LOTSE_DATABASE_URL) first"
        ) from None


def _create_view_tables(database: Database, views: Sequence[View], tracking: str) -> None:
    with database.transaction(commit=True) as cursor:
        database.lock_schema(cursor, "views")
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {tracking} (view TEXT PRIMARY KEY, position INTEGER NOT NULL)")
        for view in views:
            # A view that gained a table since its rows were written (a new release) starts again from the
            # first event: its tables are emptied and it rebuilds while the others stay as they are.
            grown = not all(database.has_table(cursor, table) for table in view.tables)
            view.create(cursor)
            cursor.execute(f"INSERT INTO {tracking} VALUES (?, 0) ON CONFLICT (view) DO NOTHING", (view.name,))
            if grown:
                view.clear(cursor)
                cursor.execute(f"UPDATE {tracking} SET position = 0 WHERE view = ?", (view.name,))


class ProjectionRunner:
    def __init__(
        self,
        service: CaseService,
        database: Database,
        views: Sequence[View],
        batch_size: int = 500,
        cache_size: int = 20_000,
    ) -> None:
        self.service = service
        self.database = database
        self.views = {view.name: view for view in views}
        self.batch_size = batch_size
        self._cache: OrderedDict[UUID, State] = OrderedDict()
        self._cache_size = cache_size
        self._tracking = database.table(TRACKING)

    def create_tables(self, *, only_missing: bool = False) -> None:
        """Creates the tracking table and the views' tables (see `create_view_tables`)."""
        create_view_tables(self.database, list(self.views.values()), only_missing=only_missing)

    def positions(self, database: Database | None = None) -> dict[str, int]:
        """The views' positions, as the primary holds them or as a replica (`database`) has replayed them."""
        rows = (database or self.database).fetchall(f"SELECT view, position FROM {self._tracking}")
        known = {str(name): int(position) for name, position in rows}
        return {name: known.get(name, 0) for name in self.views}

    def head(self) -> int:
        return self.service.recorder.max_notification_id() or 0

    def run_batch(self, limit: int | None = None) -> int:
        """Projects the next batch of events (`limit`, else the runner's batch size) into every view behind it;
        returns how many events it read."""
        with collector_paused():
            batch = self._project(self.positions(), limit or self.batch_size)
            return batch.count if batch is not None and self._write(batch) else 0

    def catch_up(self, progress: Progress | None = None, batch_size: int | None = None) -> int:
        """Runs batches (of `batch_size` events, else the runner's) until every view is at the log's head (as it was
        when this started). A rebuild takes REBUILD_BATCH: each view then writes a case once per batch, not once per
        few of its events, in a few statements per batch."""
        target = self.head()
        processed = 0
        while min(self.positions().values(), default=target) < target:
            count = self.run_batch(batch_size)
            processed += count
            if progress is not None:
                progress(min(self.positions().values()), target)
            if count == 0:
                time.sleep(0.01)
        return processed

    def _project(self, seen: dict[str, int], limit: int) -> "_Batch | None":
        """The states the events after the views' positions (`seen`) leave behind: the latest of each case and entry,
        for each view that follows its kind and is behind its event."""
        start = min(seen.values(), default=0)
        rows = cast(CaseRecorder, self.service.recorder).select_log_rows(start + 1, limit)
        if not rows:
            return None
        last = rows[-1][0]
        # Each case's and entry's latest state with the position of its last event: one dict entry per event, as a
        # rebuild projects millions; which views take it is decided once per state below.
        newest: dict[UUID, tuple[State, int]] = {}
        # Views need no personal data: events are read without opening them (no key store involved).
        decode = cast(MsgspecMapper, self.service.sealed_mapper).decode
        for position_of_event, originator_id, version, topic, stored in rows:
            state = self._state_after(decode(originator_id, version, topic, stored))
            newest[state.id] = (state, position_of_event)
        latest: dict[str, list[State]] = {name: [] for name in self.views if seen[name] < last}
        following: dict[type, list[str]] = {}  # per kind of state, the views behind the batch's end that follow it
        for state, position_of_event in newest.values():
            names = following.get(type(state))
            if names is None:
                names = [name for name in latest if isinstance(state, self.views[name].follows)]
                following[type(state)] = names
            for name in names:
                if position_of_event > seen[name]:
                    latest[name].append(state)
        return _Batch(seen, latest, last, len(rows))

    def _write(self, batch: "_Batch") -> bool:
        """Writes a batch's states to the views behind it with their new positions; false (writing nothing) when a
        view is no longer where the batch started from: another runner moved on meanwhile."""
        # Views and their positions commit together, so a view whose last commits a crash took resumes from the
        # position it reached: exactly once either way. Not waiting for the flush keeps the views' writes off the
        # disk queue that the events' commits wait in.
        with self.database.transaction(commit=True, flush=False) as cursor:
            if self._locked_positions(cursor) != batch.seen:
                return False
            if self.database.dialect == "postgres":
                # A view's statements touch a few rows each by index, but a view just emptied for a rebuild has
                # statistics that make the planner expect many and compile them (JIT), or expect none and scan the
                # whole table (seen: the deadlines' lookup of 400 cases took 67 ms instead of 3): seconds per batch.
                cursor.execute("SET LOCAL jit = off; SET LOCAL enable_seqscan = off")
            for name, states in batch.latest.items():
                self.views[name].write_all(cursor, states)
                # A view moves past events it does not follow too: it reflects every position up to `last`.
                cursor.execute(f"UPDATE {self._tracking} SET position = ? WHERE view = ?", (batch.last, name))
        return True

    def reset(self, names: Sequence[str]) -> None:
        """Empties the named views and sets them back to position 0, in one transaction."""
        for name in names:
            if name not in self.views:
                raise UnknownView(f"no view '{name}' (views: {', '.join(self.views)})")
        with self.database.transaction(commit=True) as cursor:
            for name in names:
                self.views[name].clear(cursor)
                cursor.execute(f"UPDATE {self._tracking} SET position = 0 WHERE view = ?", (name,))

    def wait_for(self, position: int, timeout: float, database: Database | None = None) -> bool:
        """Waits until every view has reached `position` (in `database`, a replica, if given); false if that took
        longer than `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while min(self.positions(database).values(), default=position) < position:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def follow(self, stop: threading.Event, wait: Callable[[float], None], idle_seconds: float) -> None:
        """Keeps the views caught up until `stop` is set; `wait` returns early when new events may be there."""
        while not stop.is_set():
            read = self.run_batch()
            if read == 0:
                wait(idle_seconds)
            elif read < self.batch_size:
                # Under a steady write load each wake-up brings one event or two; letting a few more arrive
                # first puts them into one view transaction instead of one each (the views lag by this much).
                stop.wait(GATHER_SECONDS)

    def _locked_positions(self, cursor: DialectCursor) -> dict[str, int]:
        lock = " FOR UPDATE" if self.database.dialect == "postgres" else ""
        cursor.execute(f"SELECT view, position FROM {self._tracking}{lock}")
        known = {str(name): int(position) for name, position in cursor.fetchall()}
        return {name: known.get(name, 0) for name in self.views}

    def _state_after(self, event: CaseEvent | RegisterEvent) -> State:
        if type(event) in CASE_EVENTS:  # not isinstance: see domain/step_effects.py
            return self._case_after(cast("CaseEvent", event))
        return self._entry_after(cast("RegisterEvent", event))

    def _case_after(self, event: CaseEvent) -> Case:
        cached = self._cache.pop(event.originator_id, None)
        if type(cached) is not Case:
            cached = None
        if event.originator_version == 1:
            case = evolve(None, event)
        elif cached is not None and cached.version == event.originator_version - 1:
            case = evolve(cached, event)
        else:
            # Not in memory (or from another point of a rebuild): load it from the store, snapshots first.
            case = self.service.sealed_repository.get(
                event.originator_id, version=event.originator_version, projector_func=project_case
            )
        self._remember(case)
        return case

    def _entry_after(self, event: RegisterEvent) -> RegisterEntry:
        register = register_of(event)
        cached = self._cache.pop(event.originator_id, None)
        entry: RegisterEntry
        if event.originator_version == 1:
            entry = register.evolve(None, event)
        elif isinstance(cached, register.state) and cached.version == event.originator_version - 1:
            entry = register.evolve(cached, event)
        else:
            stored = self.service.sealed_events.get(event.originator_id, lte=event.originator_version)
            projected = register.project(stored)
            assert projected is not None  # the log holds this event, so the entry's events up to it
            entry = projected
        self._remember(entry)
        return entry

    def _remember(self, state: State) -> None:
        self._cache[state.id] = state
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


class ProjectionFollower:
    """Follows the log inside this process: woken by each local write, polling for writes of other processes.

    `written` is set by the case service after each write (its `on_recorded`); nothing waits on it until `start`.
    """

    def __init__(self, runner: ProjectionRunner, idle_seconds: float, written: threading.Event) -> None:
        self.runner = runner
        self.idle_seconds = idle_seconds
        self._stop = threading.Event()
        self._wake = written
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Starts following (again, if an earlier run was stopped; a running follower is left alone)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="lotse-projections", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _wait(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.runner.follow(self._stop, self._wait, self.idle_seconds)
            except Exception:
                logger.exception("projection follower failed; retrying")
                self._stop.wait(self.idle_seconds)
