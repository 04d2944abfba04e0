"""Processes that replay parts of the log beside the one that asked (application.ports.ReplayProcesses).

A replay of a long log is bound by one core: decoding and evolving in Python. Its parts (the aggregates cut by id)
share nothing, so each runs in a process of its own, reading the log through a connection of its own: on two cores,
an as-of answer over 1,992,810 events took 7.75 s in two processes against 13.3 s in one (docs/performance-history.md).

The processes are started for a replay and end with it: no process waits idle between the rare replays of a whole
log, and none outlives a replay that was abandoned. They are spawned, not forked: the asking process runs threads
(the server's, the connection pool's), and a fork copies their locks in whatever state they are. Starting one costs
about 0.3 s (a fresh interpreter importing the application). What a part hands back is small facts (the caller's
`extract`), never a case's state or personal data: the replay reads without opening them. One replay at a time per
process runs in parts (`parts`): others meanwhile replay in their own thread alone, so a process never runs more
than `count - 1` replay processes, nor opens more connections for them.
"""

import multiprocessing
import pickle
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.persistence import InfrastructureFactory

from application.cases import CaseService
from application.ports import EventLog, Part
from infrastructure.eventstore.mapper import MsgspecMapper
from infrastructure.eventstore.recorders import CaseStore, case_recorder, events_table_of
from infrastructure.eventstore.sql import Database
from infrastructure.eventstore.tables import SqlEventLog

Result = TypeVar("Result")
Task = Callable[[EventLog, Part], list[Result]]


class ReplayProcessFailed(RuntimeError):
    """A replay process ended without handing back its part's result (killed, or out of memory)."""


class ReplayProcesses:
    """`count` parts per replay: the asking process replays the first, `count - 1` spawned processes the others.

    `store_env` is the event store's configuration (infrastructure/eventstore/environment.py) the processes read the
    log with; each opens one connection.
    """

    def __init__(self, store_env: Mapping[str, str], count: int) -> None:
        if count < 1:
            raise ValueError(f"a replay has at least one part, not {count}")
        self.store_env = {**store_env, "POSTGRES_POOL_SIZE": "1", "CREATE_TABLE": "n"}
        self._count = count
        self._in_parts = threading.Lock()  # held by the one replay of this process that runs in parts

    @contextmanager
    def parts(self) -> Iterator[int]:
        if self._count == 1 or not self._in_parts.acquire(blocking=False):
            yield 1
            return
        try:
            yield self._count
        finally:
            self._in_parts.release()

    @contextmanager
    def replaying(self, task: Task[Result], parts: Sequence[Part]) -> Iterator[Iterator[list[Result]]]:
        spawning = multiprocessing.get_context("spawn")
        running: list[tuple[BaseProcess, Connection]] = []
        try:
            for part in parts:
                receiving, sending = spawning.Pipe(duplex=False)
                process: BaseProcess = spawning.Process(
                    target=_replay_part, args=(self.store_env, task, part, sending), name=f"lotse-replay-{part.index}"
                )
                process.daemon = True  # stopped when the server's interpreter exits (killed, it ends on the pipe)
                process.start()
                sending.close()  # the process holds the sending end: reading sees the end of it if the process dies
                running.append((process, receiving))
            yield _results_in_order(running)
        finally:
            # Read to the end, the processes have ended; abandoned or failed, those still replaying are stopped.
            for process, receiving in running:
                if process.is_alive():
                    process.terminate()
                process.join()
                receiving.close()


def _results_in_order(running: list[tuple[BaseProcess, Connection]]) -> Iterator[list[Any]]:
    for process, receiving in running:
        try:
            succeeded, value = receiving.recv()
        except EOFError:
            process.join()
            raise ReplayProcessFailed(
                f"the replay process {process.name} ended without its part's result (exit code {process.exitcode})"
            ) from None
        if not succeeded:
            raise value
        yield value


def _replay_part(store_env: Mapping[str, str], task: Task[Any], part: Part, sending: Connection) -> None:
    """In a spawned process: the part replayed through a reading of the log of its own; the result or the error."""
    try:
        outcome: tuple[bool, Any] = (True, task(_event_log(store_env), part))
    except Exception as error:  # handed to the asking process, which raises it as its own
        outcome = (False, _as_handed_over(error, part))
    try:
        sending.send(outcome)
    except Exception as error:  # a result that does not pickle
        sending.send((False, ReplayProcessFailed(f"part {part.index} of {part.count}: its result: {error!r}")))
    sending.close()


def _as_handed_over(error: Exception, part: Part) -> Exception:
    """The error itself where it comes out of pickling as it went in; else one that names it (an exception whose
    constructor takes other arguments than it passes on cannot be rebuilt in the asking process)."""
    try:
        pickle.loads(pickle.dumps(error))  # noqa: S301 - its own bytes, just made
    except Exception:  # whatever stops the round trip, the error is described instead
        return ReplayProcessFailed(f"part {part.index} of {part.count}: {type(error).__name__}: {error}")
    return error


def _event_log(store_env: Mapping[str, str]) -> EventLog:
    factory = InfrastructureFactory.construct(CaseService.configuration(store_env))
    if not isinstance(factory, CaseStore):
        raise TypeError(f"no case store on {type(factory).__name__}")
    recorder = case_recorder(factory, _ReadOnly())
    return SqlEventLog(
        Database(factory.datastore), events_table_of(factory), recorder, MsgspecMapper(opens_sealed=False)
    )


class _ReadOnly:
    """The key memory of a recorder that only reads: it records nothing, so it never forgets a key."""

    def forget(self, case_id: UUID) -> None:
        raise TypeError(f"a replay process records nothing (asked to forget the key of {case_id})")

    def compact(self) -> None:
        raise TypeError("a replay process records nothing")
