"""Group commit: writers that arrive while a commit is under way are committed together in the next one.

PostgreSQL serialises Lotse's writers on the recording lock (so that positions are handed out in commit
order), and each commit waits for its WAL flush. One writer per transaction therefore caps the write rate at one
flush per event. Here the first waiting writer leads: it takes every write queued so far and commits them in one
transaction, one flush; the others wait and are answered with their own positions only after that commit. No
timer, no added latency: a lone writer commits at once, and a batch is whatever queued up during the last flush.

A batch that a database constraint refuses (a reused idempotency key, a version another process took) is
retried one write per transaction, so that only the offending write sees the error.
"""

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import IntegrityError, StoredEvent


@dataclass
class Write:
    """One writer's events and the rows it writes beside them; `positions` or `error` once committed."""

    stored_events: Sequence[StoredEvent]
    beside: dict[str, Any]
    positions: Sequence[int] | None = None
    error: BaseException | None = None
    done: bool = field(default=False)
    # Set when the write is done, or when its writer is to lead the next commit.
    woken: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    def outcome(self) -> Sequence[int]:
        if self.error is not None:
            raise self.error
        assert self.positions is not None
        return self.positions


CommitBatch = Callable[[Sequence[Write]], list[Sequence[int]]]


class GroupCommit:
    """Commits concurrent writes in shared transactions through `commit_batch` (positions per write, in order).

    The queue is first come, first served, and a leader hands the lead to the first write still queued when its
    commit ends, so a leader's own write is always in the batch it commits. Each writer is woken once, by its own
    event: a condition shared by all of them woke every waiting thread after each commit, and all but the answered
    and the next leader went back to wait, each taking the interpreter lock to find that out.
    """

    def __init__(self, commit_batch: CommitBatch, max_batch: int = 256) -> None:
        self._commit_batch = commit_batch
        self._max_batch = max_batch
        self._queue: list[Write] = []
        self._committing = False  # while False, the queue is empty
        self._lock = threading.Lock()

    def commit(self, write: Write) -> Sequence[int]:
        with self._lock:
            self._queue.append(write)
            leads, self._committing = not self._committing, True
        if not leads:
            write.woken.wait()
            if write.done:
                return write.outcome()
        with self._lock:  # the leader is the first write queued: its own write is in its batch
            batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
        try:
            self._settle(batch)
        finally:
            with self._lock:
                following = self._queue[0] if self._queue else None
                self._committing = following is not None
            if following is not None:
                following.woken.set()
        return write.outcome()

    def _settle(self, batch: Sequence[Write]) -> None:
        try:
            self._answer(batch, self._commit_batch(batch))
        except IntegrityError as refused:
            if len(batch) == 1:
                self._fail(batch, refused)
                return
            for write in batch:  # isolate the write the constraint refused; the others commit on their own
                try:
                    self._answer([write], self._commit_batch([write]))
                except BaseException as error:  # handed to the writer it belongs to
                    self._fail([write], error)
        except BaseException as error:  # every writer of the batch is told and re-raises it
            self._fail(batch, error)

    @staticmethod
    def _answer(batch: Sequence[Write], positions: list[Sequence[int]]) -> None:
        for write, its_positions in zip(batch, positions, strict=True):
            write.positions, write.done = its_positions, True
            write.woken.set()

    @staticmethod
    def _fail(batch: Sequence[Write], error: BaseException) -> None:
        for write in batch:
            write.error, write.done = error, True
            write.woken.set()
