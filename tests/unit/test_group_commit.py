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


def test_batches_are_bounded_and_every_writer_is_answered() -> None:
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


def test_writers_committing_one_write_after_another_are_all_answered_once_and_never_left_waiting() -> None:
    """The lead passes from writer to writer: a wake-up lost on the way would leave a thread waiting for ever."""
    log = FakeLog(commit_seconds=0.001)
    log.recorded.add(("taken", 1))
    group = GroupCommit(log.commit_batch, max_batch=4)
    answers: list[list[Sequence[int] | str]] = [[] for _ in range(24)]

    def write_several(writer: int) -> None:
        for turn in range(15):
            case = "taken" if (writer + turn) % 7 == 0 else f"case-{writer}-{turn}"
            try:
                answers[writer].append(group.commit(Write([event(case)], {})))
            except IntegrityError:
                answers[writer].append("refused")

    threads = [threading.Thread(target=write_several, args=(writer,)) for writer in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a writer was left waiting"
    positions = [p for its in answers for answer in its if answer != "refused" for p in answer]
    refused = sum(answer == "refused" for its in answers for answer in its)
    assert all(len(its) == 15 for its in answers)
    assert refused == sum((writer + turn) % 7 == 0 for writer in range(24) for turn in range(15))
    assert sorted(positions) == list(range(1, 24 * 15 - refused + 1))
