"""The benchmark's split of the API processes' CPU: main threads (the event loops) apart from the other threads."""

import os
import threading
import time

from bench.api_threads import ThreadsDuring, ThreadWork, split_between, threads_of

BURN_SECONDS = 0.3
WAITS = 25


def _burn_and_wait(done: threading.Event, release: threading.Event) -> None:
    """Uses BURN_SECONDS of this thread's own CPU time (not the clock's: the machine may be busy), then sleeps WAITS
    times, each a voluntary context switch; stays alive until released."""
    start = time.thread_time()
    while time.thread_time() - start < BURN_SECONDS:
        sum(range(1000))
    for _ in range(WAITS):
        time.sleep(0.001)
    done.set()
    release.wait()


def test_a_thread_started_during_the_load_counts_wholly_and_apart_from_the_main_thread() -> None:
    done, release = threading.Event(), threading.Event()
    during = ThreadsDuring(os.getpid())
    try:
        with during:
            worker = threading.Thread(target=_burn_and_wait, args=(done, release))
            worker.start()
            assert done.wait(60)
    finally:
        release.set()
    worker.join()
    assert during.split is not None
    other, main = during.split.other_threads, during.split.main_threads
    # /proc counts in clock ticks (10 ms here): the burnt time, less a tick or two.
    assert other.user + other.system >= BURN_SECONDS - 0.05
    assert other.waits >= WAITS
    assert main.user + main.system < (other.user + other.system) / 2


def test_only_what_was_used_in_between_counts() -> None:
    before = {(1, 1): ThreadWork(1.0, 0.5, 10, 2), (1, 7): ThreadWork(2.0, 1.0, 100, 5)}
    after = {
        (1, 1): ThreadWork(1.5, 0.75, 14, 3),
        (1, 7): ThreadWork(2.25, 1.25, 160, 5),
        (1, 9): ThreadWork(0.125, 0.0, 3, 0),  # started in between: all of it
    }  # (1, 8) ended in between: left out
    before[(1, 8)] = ThreadWork(5.0, 5.0, 50, 50)
    split = split_between(before, after)
    assert split.main_threads == ThreadWork(0.5, 0.25, 4, 1)
    assert split.other_threads == ThreadWork(0.375, 0.25, 63, 0)


def test_the_main_thread_is_read_and_a_process_gone_gives_nothing() -> None:
    pid = os.getpid()
    tasks = threads_of({pid})
    assert all(owner == pid for owner, _ in tasks)
    assert tasks[(pid, pid)].user > 0  # this interpreter has run for longer than a clock tick
    assert threads_of({2**22 + 12345}) == {}  # above the kernel's largest process id
