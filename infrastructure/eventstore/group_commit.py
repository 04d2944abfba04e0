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

    def outcome(self) -> Sequence[int]:
        if self.error is not None:
            raise self.error
        assert self.positions is not None
        return self.positions


CommitBatch = Callable[[Sequence[Write]], list[Sequence[int]]]


class GroupCommit:
    """Commits concurrent writes in shared transactions through `commit_batch` (positions per write, in order)."""

    def __init__(self, commit_batch: CommitBatch, max_batch: int = 256) -> None:
        self._commit_batch = commit_batch
        self._max_batch = max_batch
        self._queue: list[Write] = []
        self._committing = False
        self._changed = threading.Condition()

    def commit(self, write: Write) -> Sequence[int]:
        with self._changed:
            self._queue.append(write)
        while True:  # a leader whose own write did not fit into its batch leads again
            with self._changed:
                while self._committing and not write.done:
                    self._changed.wait()
                if write.done:
                    return write.outcome()
                batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
                self._committing = True
            try:
                self._settle(batch)
            finally:
                with self._changed:
                    self._committing = False
                    self._changed.notify_all()

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

    def _answer(self, batch: Sequence[Write], positions: list[Sequence[int]]) -> None:
        with self._changed:
            for write, its_positions in zip(batch, positions, strict=True):
                write.positions, write.done = its_positions, True

    def _fail(self, batch: Sequence[Write], error: BaseException) -> None:
        with self._changed:
            for write in batch:
                write.error, write.done = error, True
