"""Read latencies of a real `lotse serve` over HTTP, and a process's peak memory."""

import os
import threading
import time
from types import TracebackType

import httpx

from bench.lotse_process import LotseServer


def read_latencies(server: LotseServer, token: str, path: str, repeat: int) -> list[float]:
    """Seconds per GET of `path`, one client, after one warm-up request; every answer must be 200."""
    with httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {token}"}, timeout=600) as client:
        client.get(path).raise_for_status()
        latencies = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(path).raise_for_status()
            latencies.append(time.perf_counter() - started)
        return latencies


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def peak_memory_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


class NewDescendantsPeak:
    """The highest peak resident set (VmHWM, MB) among the processes that `pid` spawns with multiprocessing while
    this block runs (a replay's processes; not the resource tracker that multiprocessing starts beside them once),
    sampled every `every` seconds: a process that lives shorter than that can be missed."""

    def __init__(self, pid: int, every: float = 0.05) -> None:
        self.pid = pid
        self.every = every
        self.peak_mb = 0.0
        self.seen: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> "NewDescendantsPeak":
        self._before = descendants(self.pid)
        self._thread.start()
        return self

    def __exit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(self.every):
            for child in descendants(self.pid) - self._before:
                try:
                    with open(f"/proc/{child}/cmdline", "rb") as command:
                        if b"spawn_main" not in command.read():
                            continue
                    self.peak_mb = max(self.peak_mb, peak_memory_mb(child))
                    self.seen.add(child)
                except (OSError, RuntimeError):
                    pass  # it ended between the listing and the reading


def descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found
