"""Where the API processes' CPU goes under a write load: their event loops against their other threads.

Each API process runs uvicorn's event loop in its main thread and the handlers (and the pool's upkeep) in threads of
their own. Read from /proc before and after the load, per thread: user and system time, and the context switches the
thread made waiting (voluntary: a lock, the interpreter's lock, a socket) or was made to (involuntary: preempted).
The supervisor of several API processes counts with the main threads; it does next to nothing meanwhile.
"""

import os
from dataclasses import dataclass

from bench.cpu_time import CLOCK_TICKS, stat_ticks
from bench.http_load import descendants


@dataclass(frozen=True)
class ThreadWork:
    """What some threads used: CPU seconds in user and in system mode, and their context switches."""

    user: float = 0.0
    system: float = 0.0
    waits: int = 0  # voluntary context switches
    preemptions: int = 0  # involuntary ones

    def __add__(self, other: "ThreadWork") -> "ThreadWork":
        return ThreadWork(
            self.user + other.user,
            self.system + other.system,
            self.waits + other.waits,
            self.preemptions + other.preemptions,
        )

    def __sub__(self, other: "ThreadWork") -> "ThreadWork":
        return ThreadWork(
            self.user - other.user,
            self.system - other.system,
            self.waits - other.waits,
            self.preemptions - other.preemptions,
        )


@dataclass(frozen=True)
class SplitWork:
    main_threads: ThreadWork
    other_threads: ThreadWork


Tasks = dict[tuple[int, int], ThreadWork]  # (process id, thread id) → what the thread used so far


def threads_of(pids: set[int]) -> Tasks:
    """Every thread of these processes with what it used so far; a thread or process that ended meanwhile is left
    out."""
    tasks: Tasks = {}
    for pid in pids:
        try:
            thread_ids = [int(tid) for tid in os.listdir(f"/proc/{pid}/task")]
        except OSError:
            continue
        for tid in thread_ids:
            try:
                tasks[(pid, tid)] = _thread_work(pid, tid)
            except (OSError, IndexError, KeyError, ValueError):  # ended meanwhile, or a kernel without the lines
                continue
    return tasks


def _thread_work(pid: int, tid: int) -> ThreadWork:
    with open(f"/proc/{pid}/task/{tid}/stat", encoding="ascii", errors="replace") as stat:
        stat_text = stat.read()
    with open(f"/proc/{pid}/task/{tid}/status", encoding="ascii", errors="replace") as status:
        status_text = status.read()
    return parse_thread_work(stat_text, status_text)


def parse_thread_work(stat: str, status: str) -> ThreadWork:
    """A thread's `stat` and `status` files read: its times from `stat`, its context switches from lines of
    `status`."""
    user, system = stat_ticks(stat)
    switches = {}
    for line in status.splitlines():
        name, _, value = line.partition(":")
        if name.endswith("ctxt_switches"):
            switches[name] = int(value)
    return ThreadWork(
        user=user / CLOCK_TICKS,
        system=system / CLOCK_TICKS,
        waits=switches["voluntary_ctxt_switches"],
        preemptions=switches["nonvoluntary_ctxt_switches"],
    )


def split_between(before: Tasks, after: Tasks) -> SplitWork:
    """What the threads alive at the end used in between (all of a thread that started meanwhile), the processes'
    main threads apart from the others."""
    main, other = ThreadWork(), ThreadWork()
    for (pid, tid), now in after.items():
        used = now - before.get((pid, tid), ThreadWork())
        if tid == pid:
            main += used
        else:
            other += used
    return SplitWork(main, other)


class ThreadsDuring:
    """Entered around a load: `split` is then what the server's processes' main threads and other threads used."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.split: SplitWork | None = None

    def _pids(self) -> set[int]:
        return {self.server_pid} | descendants(self.server_pid)

    def __enter__(self) -> "ThreadsDuring":
        self._before = threads_of(self._pids())
        return self

    def __exit__(self, *_: object) -> None:
        self.split = split_between(self._before, threads_of(self._pids()))
