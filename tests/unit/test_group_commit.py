"""Group commit: concurrent writes share transactions, each writer gets its own positions or its own error."""

import threading
import time
from collections.abc import Sequence

import pytest
from eventsourcing.persistence import IntegrityError, OperationalError, StoredEvent

from infrastructure.eventstore.group_commit import GroupCommit, Write


def event(case: str, version: int = 1) -> StoredEvent:
    return StoredEvent(originator_id=case, originator_version=version, topic="t", state=b"{}")


class FakeLog:
    """Hands out positions per transaction; refuses a transaction with a duplicate (case, version)."""

    def __init__(self, commit_seconds: float = 0.0) -> None:
        self.commit_seconds = commit_seconds
        self.recorded: set[tuple[str, int]] = set()
        self.transactions: list[int] = []
        self.head = 0
        self.lock = threading.Lock()

    def commit_batch(self, batch: Sequence[Write]) -> list[Sequence[int]]:
        with self.lock:
            keys = [(str(e.originator_id), e.originator_version) for w in batch for e in w.stored_events]
            if len(set(keys)) != len(keys) or self.recorded & set(keys):
                raise IntegrityError("duplicate")
            time.sleep(self.commit_seconds)  # the flush every writer of the batch shares
            self.recorded |= set(keys)
            self.transactions.append(len(keys))
            answers: list[Sequence[int]] = []
            for write in batch:
                answers.append(list(range(self.head + 1, self.head + 1 + len(write.stored_events))))
                self.head += len(write.stored_events)
            return answers


def commit_concurrently(group: GroupCommit, writes: list[Write]) -> list[Sequence[int] | BaseException]:
    outcomes: list[Sequence[int] | BaseException] = [[] for _ in writes]
    barrier = threading.Barrier(len(writes))

    def run(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index] = group.commit(writes[index])
        except BaseException as error:  # the test inspects it
            outcomes[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(writes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_a_lone_writer_commits_at_once_with_its_positions() -> None:
    log = FakeLog()
    positions = GroupCommit(log.commit_batch).commit(Write([event("a", 1), event("a", 2)], {}))
    assert list(positions) == [1, 2]
    assert log.transactions == [2]


def test_writers_waiting_on_a_flush_share_the_next_transaction() -> None:
    log = FakeLog(commit_seconds=0.02)
    writes = [Write([event(f"case-{n}")], {}) for n in range(64)]

    outcomes = commit_concurrently(GroupCommit(log.commit_batch), writes)

    assert sorted(p for outcome in outcomes for p in outcome) == list(range(1, 65))  # type: ignore[union-attr]
    assert sum(log.transactions) == 64
    assert len(log.transactions) < 64 / 4  # far fewer flushes than writers


def test_batches_are_bounded_and_a_leader_whose_write_did_not_fit_leads_again() -> None:
    log = FakeLog(commit_seconds=0.01)
    writes = [Write([event(f"case-{n}")], {}) for n in range(40)]

    outcomes = commit_concurrently(GroupCommit(log.commit_batch, max_batch=3), writes)

    assert all(not isinstance(outcome, BaseException) for outcome in outcomes)
    assert max(log.transactions) <= 3
    assert sum(log.transactions) == 40


def test_a_refused_write_fails_alone_and_the_rest_of_its_batch_commits() -> None:
    log = FakeLog(commit_seconds=0.02)
    log.recorded.add(("taken", 1))
    writes = [Write([event(f"case-{n}")], {}) for n in range(20)] + [Write([event("taken", 1)], {})]

    outcomes = commit_concurrently(GroupCommit(log.commit_batch), writes)

    assert isinstance(outcomes[-1], IntegrityError)
    assert all(not isinstance(outcome, BaseException) for outcome in outcomes[:-1])
    assert ("case-7", 1) in log.recorded
    assert sum(log.transactions) == 20


def test_a_database_failure_reaches_every_writer_of_the_batch_and_the_next_batch_still_commits() -> None:
    attempts = []

    def down_once(batch: Sequence[Write]) -> list[Sequence[int]]:
        attempts.append(len(batch))
        if len(attempts) == 1:
            raise OperationalError("connection refused")
        return [[len(attempts)] for _ in batch]

    group = GroupCommit(down_once)
    with pytest.raises(OperationalError):
        group.commit(Write([event("a")], {}))
    assert group.commit(Write([event("b")], {})) == [2]
