"""Steps recorded over HTTP under load from wrk, a load generator in C, so that the server gets the cores.

A Python load generator on this two-core machine took 0.4 of a core from the server it measured; wrk takes a
few percent. Each wrk thread records counselling sessions round-robin on cases of its own, so no two threads
write one case and a case's lock is rarely contended.
"""

import json
import re
import shutil
import subprocess
import tempfile
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx

from bench.load_and_faults import OPENING
from bench.lotse_process import LotseServer

THREADS = 2  # one per core: wrk's threads each run an event loop
CASES_PER_CLIENT = 4
STEPS_PATH = "/cases/{}/steps"  # a case's steps, its id in place of `{}`

SCRIPT = """
-- Each thread takes its own slice of the case paths (setup numbers the threads) and cycles through it.
local threads = 0
function setup(thread)
  thread:set("index", threads)
  threads = threads + 1
end

local paths = {}
local next_path = 0
local body = nil
local headers = nil

function init(args)
  local all = {}
  for line in io.lines(args[1]) do all[#all + 1] = line end
  local count = tonumber(args[3])
  for position = 1, #all do
    if (position - 1) % count == index then paths[#paths + 1] = all[position] end
  end
  body = args[2]
  headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. args[4]}
end

function request()
  next_path = next_path % #paths + 1
  return wrk.format("POST", paths[next_path], headers, body)
end
"""


class WrkMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class WrkResult:
    steps_per_second: float
    requests: int  # all that wrk sent and was answered during the load
    not_created: int  # answers other than 2xx, and socket errors or timeouts: a defect under this load
    p50_ms: float
    p99_ms: float


def wrk_step_rate(
    server: LotseServer,
    token: str,
    clients: int,
    seconds: float,
    during: AbstractContextManager[object] | None = None,
    steps_path: str = STEPS_PATH,
) -> WrkResult:
    """Counselling sessions recorded per second by `clients` connections of wrk at once; `during` is entered just
    before wrk starts and left when it ends (after the cases it writes to are opened). `steps_path`: where a case's
    steps are posted, its id in place of `{}`."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise WrkMissing("wrk is not installed (Debian: apt-get install wrk)")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.base, headers=headers, timeout=60) as client:
        paths = [steps_path.format(_open(client)) for _ in range(clients * CASES_PER_CLIENT)]
    step = {"type": "counselling_session_held", "date": date.today().isoformat(), "minutes": 45}
    with tempfile.TemporaryDirectory() as directory:
        script, cases = Path(directory) / "steps.lua", Path(directory) / "paths.txt"
        script.write_text(SCRIPT, encoding="utf-8")
        cases.write_text("\n".join(paths) + "\n", encoding="utf-8")
        threads = min(THREADS, clients)
        command = [
            wrk, f"-t{threads}", f"-c{clients}", f"-d{seconds:g}s", "--latency", "--timeout", "30s",
            "-s", str(script), server.base, "--", str(cases), _json(step), str(threads), token,
        ]  # fmt: skip
        with during or nullcontext():
            output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout
    return parse_wrk(output)


def parse_wrk(output: str) -> WrkResult:
    rate = float(_find(r"Requests/sec:\s+([\d.]+)", output))
    requests = int(_find(r"(\d+) requests in", output))
    not_created = int(_find(r"Non-2xx or 3xx responses:\s+(\d+)", output, default="0"))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        not_created += sum(int(number) for number in socket_errors.groups())
    p50, p99 = (_milliseconds(_find(rf"\s{share}%\s+(\S+)", output)) for share in (50, 99))
    return WrkResult(rate, requests, not_created, p50, p99)


def _open(client: httpx.Client) -> str:
    answer = client.post("/cases", json=OPENING)
    answer.raise_for_status()
    return str(answer.json()["id"])


def _json(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


def _find(pattern: str, text: str, default: str | None = None) -> str:
    match = re.search(pattern, text)
    if match:
        return match.group(1)
    if default is not None:
        return default
    raise ValueError(f"wrk's report has no match for {pattern!r}:\n{text}")


def _milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
