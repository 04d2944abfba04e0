"""Load on a real `lotse serve` over HTTP: steps recorded by concurrent clients, and read latencies."""

import threading
import time
from datetime import date

import httpx

from bench.load_and_faults import OPENING
from bench.lotse_process import LotseServer


def step_rate(server: LotseServer, token: str, clients: int, seconds: float) -> tuple[float, int]:
    """Counselling sessions recorded per second by `clients` clients at once, each on its own case.

    Answers the rate of 201s and how many other answers there were (which would be a defect here)."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.base, headers=headers, timeout=60) as client:
        case_ids = [client.post("/cases", json=OPENING).json()["id"] for _ in range(clients)]
    recorded = [0] * clients
    failed = [0] * clients
    step = {"type": "counselling_session_held", "date": date.today().isoformat(), "minutes": 45}
    barrier = threading.Barrier(clients + 1)
    deadline = [0.0]

    def record(index: int) -> None:
        with httpx.Client(base_url=server.base, headers=headers, timeout=60) as client:
            url = f"/cases/{case_ids[index]}/steps"
            barrier.wait()
            while time.perf_counter() < deadline[0]:
                if client.post(url, json=step).status_code == 201:
                    recorded[index] += 1
                else:
                    failed[index] += 1

    threads = [threading.Thread(target=record, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    deadline[0] = started + seconds
    barrier.wait()
    for thread in threads:
        thread.join()
    return sum(recorded) / (time.perf_counter() - started), sum(failed)


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
