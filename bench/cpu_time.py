"""Where the CPU of a write load goes: the CPU time per step of the API processes, of PostgreSQL and of the worker.

Read from /proc before and after the load (user and system time of each process; a process that ends in between
takes its time with it, one that starts counts whole). PostgreSQL is counted only where its processes run on this
machine (the benchmark's default), and every process named `postgres` counts: nothing else should use the server
meanwhile.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass

from bench.http_load import descendants

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
Times = dict[int, float]  # CPU seconds so far, per process id


@dataclass(frozen=True)
class CpuSnapshot:
    api: Times
    postgres: Times
    worker: Times


@dataclass(frozen=True)
class CpuUsed:
    """CPU seconds used between two snapshots; `postgres` None where no PostgreSQL process runs on this machine."""

    api: float
    postgres: float | None
    worker: float


def _snapshot(server_pid: int, worker_pid: int) -> CpuSnapshot:
    return CpuSnapshot(
        api=_times({server_pid} | descendants(server_pid)),
        postgres=_times(postgres_pids()),
        worker=_times({worker_pid}),
    )


def _used_between(before: CpuSnapshot, after: CpuSnapshot) -> CpuUsed:
    return CpuUsed(
        api=_used(before.api, after.api),
        postgres=_used(before.postgres, after.postgres) if after.postgres else None,
        worker=_used(before.worker, after.worker),
    )


def _used(before: Times, after: Times) -> float:
    """The time used by the processes alive at the end: all of a process that started in between."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def _times(pids: set[int]) -> Times:
    times = {}
    for pid in pids:
        try:
            times[pid] = cpu_ticks(pid) / CLOCK_TICKS
        except OSError:
            continue  # it ended between the listing and the reading
    return times


def cpu_ticks(pid: int) -> int:
    """The process's user and system time so far, in clock ticks (/proc/<pid>/stat); OSError once it has ended."""
    with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
        return sum(stat_ticks(stat.read()))


def stat_ticks(stat: str) -> tuple[int, int]:
    """User and system time in clock ticks from a process's or thread's `stat` file: its 14th and 15th fields,
    counted after its name in parentheses (which may hold spaces and parentheses of its own)."""
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


def postgres_pids() -> set[int]:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm", encoding="ascii", errors="replace") as comm:
                    if comm.read().startswith("postgres"):
                        found.add(int(entry))
            except OSError:
                continue
    return found


def cores() -> int:
    return len(os.sched_getaffinity(0))


class CpuDuring:
    """Entered around a load: `used` is then the CPU time the server (with its API processes), PostgreSQL and the
    worker used meanwhile. `settle` is called before the block's end is read: the worker still projecting the last
    steps of the load works for them."""

    def __init__(self, server_pid: int, worker_pid: int, settle: Callable[[], None] = lambda: None) -> None:
        self.server_pid = server_pid
        self.worker_pid = worker_pid
        self.settle = settle
        self.used: CpuUsed | None = None

    def __enter__(self) -> "CpuDuring":
        self._before = _snapshot(self.server_pid, self.worker_pid)
        return self

    def __exit__(self, *_: object) -> None:
        self.settle()
        self.used = _used_between(self._before, _snapshot(self.server_pid, self.worker_pid))
