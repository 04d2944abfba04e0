"""The benchmark's split of the API processes' CPU: main threads (the event loops) apart from the other threads."""

import os
import threading
import time

from bench.api_threads import ThreadWork, parse_thread_work, split_between, threads_of
from bench.cpu_time import CLOCK_TICKS

BURN_SECONDS = 0.3
WAITS = 25

# A thread's /proc files as the kernel writes them, for a thread whose name holds ") " itself; after the name come
# state, ppid, pgrp, session, tty_nr, tpgid, flags, minflt, cminflt, majflt, cmajflt, then utime (250) and stime (75).
STAT = "4242 (lotse) (x) 1) S 1 4242 4242 0 -1 4194560 900 0 3 0 250 75 0 0 20 0 17 0 123456 100000000 2500"
STATUS = (
    "Name:\tlotse) (x) 1\nState:\tS (sleeping)\nThreads:\t17\n"
    "voluntary_ctxt_switches:\t42\nnonvoluntary_ctxt_switches:\t7\n"
)


def test_a_threads_files_are_read_field_by_field() -> None:
    assert parse_thread_work(STAT, STATUS) == ThreadWork(
        user=250 / CLOCK_TICKS, system=75 / CLOCK_TICKS, waits=42, preemptions=7
    )


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


def test_a_thread_started_in_between_counts_wholly_and_apart_from_the_main_thread() -> None:
    pid = os.getpid()
    done, release = threading.Event(), threading.Event()
    worker = threading.Thread(target=_burn_and_wait, args=(done, release))
    own_start = time.thread_time()
    before = threads_of({pid})
    try:
        worker.start()
        assert done.wait(60)
        after = threads_of({pid})
        own_cpu = time.thread_time() - own_start
    finally:
        release.set()
    worker.join()
    assert worker.native_id is not None
    burnt = after[(pid, worker.native_id)]
    # /proc counts in clock ticks (10 ms here): the burnt time, less a tick or two.
    assert burnt.user + burnt.system >= BURN_SECONDS - 0.05
    assert burnt.waits >= WAITS
    split = split_between(before, after)
    assert split.other_threads.user + split.other_threads.system >= burnt.user + burnt.system
    # This thread mostly waited meanwhile, but late in a long test run a collection of the garbage may fall in
    # between: what it used counts as its own, the worker's burnt time does not.
    main = split.main_threads
    assert main.user + main.system <= own_cpu + 2 / CLOCK_TICKS
    assert main.user + main.system < burnt.user + burnt.system


def test_only_what_was_used_in_between_counts() -> None:
    before = {(1, 1): ThreadWork(1.0, 0.5, 10, 2), (1, 7): ThreadWork(2.0, 1.0, 100, 5)}
    before[(1, 8)] = ThreadWork(5.0, 5.0, 50, 50)  # ends in between: left out
    after = {
        (1, 1): ThreadWork(1.5, 0.75, 14, 3),
        (1, 7): ThreadWork(2.25, 1.25, 160, 5),
        (1, 9): ThreadWork(0.125, 0.0, 3, 0),  # started in between: all of it
    }
    split = split_between(before, after)
    assert split.main_threads == ThreadWork(0.5, 0.25, 4, 1)
    assert split.other_threads == ThreadWork(0.375, 0.25, 63, 0)


def test_the_main_thread_is_read_and_a_process_gone_gives_nothing() -> None:
    pid = os.getpid()
    tasks = threads_of({pid})
    assert all(owner == pid for owner, _ in tasks)
    assert tasks[(pid, pid)].user > 0  # this interpreter has run for longer than a clock tick
    assert threads_of({2**22 + 12345}) == {}  # above the kernel's largest process id
