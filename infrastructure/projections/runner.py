"""The projection runner: follows the event log and keeps every view exactly at its tracking position.

Each batch of events is written to a view in one transaction together with the view's new position, so a crash
anywhere leaves each view at a position it fully reflects, and the next run resumes from there. Following the log,
one transaction writes all views; catching up on PostgreSQL (`lotse projections rebuild`), a transaction per view,
written side by side while the next batch is projected.
"""

import logging
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar, cast
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
from infrastructure.projections.case_views import RemembersWrites, View
from infrastructure.projections.remembered_rows import RememberedRows

State = Case | RegisterEntry  # what an event leaves behind: a case, or an entry of a register beside the cases

TRACKING = "lotse_tracking"
# Under a steady load each view transaction takes the events of this long. Its statements cost the same for a few
# events as for many: at 32 clients, 0.08 s instead of 0.02 cut the worker's CPU per step by a third and PostgreSQL's
# by a sixth (docs/performance-history.md). A write after a quiet spell is projected at once; this is the lag under
# load.
GATHER_SECONDS = 0.08
REBUILD_BATCH = 10_000  # events per view transaction of a rebuild (`lotse projections rebuild`)
SWITCH_SECONDS = 0.001  # the interpreter's switch interval while a catch-up writes beside projecting
VIEW_WRITE_IDLE_LIMIT_MS = 120_000  # PostgreSQL ends a view transaction idle this long (a process that hangs)
Progress = Callable[[int, int], None]
T = TypeVar("T")
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


# How a view's transaction runs on PostgreSQL. A view's statements touch a few rows each by index, but a view just
# emptied for a rebuild has statistics that make the planner expect many and compile them (JIT), or expect none and
# scan the whole table (seen: the deadlines' lookup of 400 cases took 67 ms instead of 3): seconds per batch. The
# keys come as a JSON relation of unknown size (sql.rows_matching), which the planner would hash whole tables for
# (seen: the same lookup, 39 ms instead of 4); each key looked up by index is right. A catch-up's writing threads
# share the interpreter with the projecting one, so the pauses between a view's statements follow how busy the
# process and the machine are: the pool's idle-in-transaction limit (5 s, for transactions a stuck request left open)
# ended one in CI under load.
VIEW_WRITE_SETTINGS = (
    "SELECT set_config('jit', 'off', true), set_config('enable_seqscan', 'off', true),"
    " set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true),"
    f" set_config('idle_in_transaction_session_timeout', '{VIEW_WRITE_IDLE_LIMIT_MS}', true)"
)


class ProjectionRunner:
    def __init__(
        self,
        service: CaseService,
        database: Database,
        views: Sequence[View],
        batch_size: int = 500,
        cache_size: int = 20_000,
        writer_threads: int | None = None,
    ) -> None:
        """`writer_threads`: how many views a catch-up writes at once, at most (None: all of them). Each writing
        thread holds a pooled connection for its transaction, and the projecting thread needs one besides: a writer
        waiting longer than the pool's timeout for a connection fails the catch-up."""
        self.service = service
        self.database = database
        self.views = {view.name: view for view in views}
        self._memories = {view.name: RememberedRows() for view in views if isinstance(view, RemembersWrites)}
        self._left_at: dict[str, int] = {}  # each view's position as this runner's last commit to it left it
        self.batch_size = batch_size
        self.writer_threads = max(1, min(writer_threads or len(self.views), len(self.views)))
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
        few of its events, in a few statements per batch.

        On PostgreSQL each batch's views are written in a thread while the next batch is read and projected: the
        writes spend most of their time waiting for the server, which then works on the other core."""
        target = self.head()
        limit = batch_size or self.batch_size
        processed = 0
        threaded = self.database.dialect == "postgres"
        with collector_paused(), _writers(threaded, self.writer_threads) as writers:
            seen = self.positions()
            pending: list[Future[bool]] = []  # the batch being written, a transaction per group of views
            written: _Batch | None = None
            while True:
                behind = min(seen.values(), default=target) < target
                batch = self._project(seen, limit) if behind else None  # `seen`: as the pending batch leaves them
                if pending:
                    if not all([future.result() for future in pending]):
                        # Another runner moved views on: what was projected after them starts from the wrong place.
                        batch, behind = None, True
                    elif written is not None:
                        processed += written.count
                        if progress is not None:
                            progress(min(_after(written).values(), default=target), target)
                    pending, written = [], None
                if batch is not None:
                    pending = [writers.submit(self._write, batch, group) for group in _groups(batch, threaded)]
                    written, seen = batch, _after(batch)
                elif behind:
                    time.sleep(0.01)
                    seen = self.positions()
                else:
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

    def _write(self, batch: "_Batch", names: Sequence[str] | None = None) -> bool:
        """Writes a batch's states to the views behind it (`names`: to those of them) with their new positions; false
        (writing nothing) when such a view is no longer where the batch started from: another runner moved on."""
        # Views and their positions commit together, so a view whose last commits a crash took resumes from the
        # position it reached: exactly once either way. Not waiting for the flush keeps the views' writes off the
        # disk queue that the events' commits wait in.
        names = list(batch.latest) if names is None else names
        memories = [self._memories[name] for name in names if name in self._memories]
        try:
            with self.database.transaction(commit=True, flush=False) as cursor:
                if self.database.dialect == "postgres":
                    cursor.execute(VIEW_WRITE_SETTINGS)
                positions = self._locked_positions(cursor, names)
                if positions != {name: batch.seen[name] for name in names}:
                    return False
                for name in names:
                    self._write_view(cursor, name, batch.latest[name], positions[name])
                # A view moves past events it does not follow too: it reflects every position up to `last`.
                placeholders = ", ".join("?" * len(names))
                cursor.execute(
                    f"UPDATE {self._tracking} SET position = ? WHERE view IN ({placeholders})", (batch.last, *names)
                )
        except BaseException:
            for memory in memories:
                memory.forget()
            raise
        for memory in memories:
            memory.committed()
        for name in names:
            self._left_at[name] = batch.last
        return True

    def _write_view(self, cursor: DialectCursor, name: str, states: list[State], position: int) -> None:
        view = self.views[name]
        memory = self._memories.get(name)
        if memory is None:
            view.write_all(cursor, states)
            return
        if position != self._left_at.get(name):
            memory.forget()  # another runner wrote the view since this one did, or it was rebuilt
        cast(RemembersWrites, view).write_remembering(cursor, states, memory)

    def reset(self, names: Sequence[str]) -> None:
        """Empties the named views and sets them back to position 0, in one transaction."""
        for name in names:
            if name not in self.views:
                raise UnknownView(f"no view '{name}' (views: {', '.join(self.views)})")
        with self.database.transaction(commit=True) as cursor:
            for name in names:
                self.views[name].clear(cursor)
                cursor.execute(f"UPDATE {self._tracking} SET position = 0 WHERE view = ?", (name,))
        for name in names:
            self._left_at.pop(name, None)
            if name in self._memories:
                self._memories[name].forget()

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

    def _locked_positions(self, cursor: DialectCursor, names: Sequence[str]) -> dict[str, int]:
        """The named views' positions, locked until the transaction ends (SQLite: by its one writer), in the order
        of their names, as every runner locks them."""
        lock = " ORDER BY view FOR UPDATE" if self.database.dialect == "postgres" else ""
        placeholders = ", ".join("?" * len(names))
        cursor.execute(f"SELECT view, position FROM {self._tracking} WHERE view IN ({placeholders}){lock}", names)
        known = {str(name): int(position) for name, position in cursor.fetchall()}
        return {name: known.get(name, 0) for name in names}

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


def _after(batch: _Batch) -> dict[str, int]:
    """The views' positions once the batch is written: the views it was written to are at its last event."""
    return {name: batch.last if name in batch.latest else position for name, position in batch.seen.items()}


def _groups(batch: _Batch, threaded: bool) -> list[list[str]]:
    """The views of a batch that are written in one transaction each: with threads, each view with states on its own
    (they are written side by side), the views that only move their position together; without, all in one."""
    if not threaded:
        return [list(batch.latest)]
    moving = [name for name, states in batch.latest.items() if not states]
    return [*([name] for name, states in batch.latest.items() if states), *([moving] if moving else [])]


@contextmanager
def _writers(threaded: bool, threads: int) -> Iterator[Executor]:
    """Where a batch's views are written: `threads` threads beside the projecting (a thread per view where the pool
    allows), or (SQLite, whose one writer and readers share a file lock) the caller's own thread. With a thread each,
    no view's write waits for another's to end: a rebuild about 9 % faster than with three threads for eight views
    (docs/performance-history.md). While they work, the interpreter switches between threads every SWITCH_SECONDS
    instead of every 5 ms: a writing thread mostly waits for a statement's answer, and each answer would otherwise wait
    that long for the projecting thread to give up the interpreter lock."""
    if not threaded:
        yield _InThisThread()
        return
    with _switching_often(), ThreadPoolExecutor(threads, thread_name_prefix="lotse-view-writes") as executor:
        yield executor


class _Switching:
    """How many catch-ups of this process shorten the switch interval, and the interval before the first of them."""

    lock = threading.Lock()
    blocks = 0
    interval = sys.getswitchinterval()


@contextmanager
def _switching_often() -> Iterator[None]:
    """SWITCH_SECONDS as the switch interval until the block ends, and every other such block of this process."""
    with _Switching.lock:
        if _Switching.blocks == 0:
            _Switching.interval = sys.getswitchinterval()
            sys.setswitchinterval(SWITCH_SECONDS)
        _Switching.blocks += 1
    try:
        yield
    finally:
        with _Switching.lock:
            _Switching.blocks -= 1
            if _Switching.blocks == 0:
                sys.setswitchinterval(_Switching.interval)


class _InThisThread(Executor):
    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> "Future[T]":
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        return future


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
