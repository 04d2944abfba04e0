"""Read latencies of a real `lotse serve` over HTTP, and a process's peak memory."""

import time

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
