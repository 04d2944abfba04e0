"""`lotse serve --workers 2` on PostgreSQL with a `lotse worker` beside it: real processes, racing clients.

Two API processes take connections from one socket. Writers that race on one version get one 201 and 412s, retries
of one Idempotency-Key record one event, wherever each request lands; the views count every event exactly once,
also where two runners follow the log at the same time (the serving process, with LOTSE_PROJECTIONS=inline, and the
worker). On SQLite more than one process is refused with a message that names the reason.
"""

import os
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.cpu_time import cpu_ticks
from bench.load_and_faults import OPENING
from bench.lotse_process import LOTSE, free_port

WRITERS = 40
ROUNDS = 3
OPENED_TOGETHER = 30


@dataclass
class Deployment:
    base: str
    env: dict[str, str]
    serve: subprocess.Popen[bytes]

    def token(self, subject: str, role: str, agency: str = "koeln") -> str:
        issued = subprocess.run(
            [*LOTSE, "token", "issue", "--subject", subject, "--role", role, "--agency", agency],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return issued.stdout.strip()

    def api_processes(self) -> list[int]:
        """The serving process's children that serve HTTP (uvicorn's workers, not multiprocessing's helper)."""
        children = Path(f"/proc/{self.serve.pid}/task/{self.serve.pid}/children").read_text().split()
        return [int(pid) for pid in children if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text()]


@pytest.fixture(params=["worker", "inline"])
def deployment(request: pytest.FixtureRequest, postgres_schema_url: str, tmp_path: Path) -> Iterator[Deployment]:
    """`worker`: PostgreSQL's default, the worker alone keeps the views; `inline`: the serving process follows too,
    so two runners race for each batch."""
    env = {
        **os.environ,
        "LOTSE_DATABASE_URL": postgres_schema_url,
        "LOTSE_DATA_DIR": str(tmp_path / "data"),
        "LOTSE_PROJECTIONS": request.param,
        "LOTSE_RATE_LIMIT_PER_MINUTE": "1000000",
    }
    port = free_port()
    logs = (tmp_path / "serve.log").open("wb"), (tmp_path / "worker.log").open("wb")
    serve = subprocess.Popen(
        [*LOTSE, "serve", "--workers", "2", "--port", str(port)], env=env, stdout=logs[0], stderr=subprocess.STDOUT
    )
    worker: subprocess.Popen[bytes] | None = None
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for_health(base, serve, tmp_path / "serve.log")
        worker = subprocess.Popen([*LOTSE, "worker"], env=env, stdout=logs[1], stderr=subprocess.STDOUT)
        deployment = Deployment(base, env, serve)
        assert len(deployment.api_processes()) == 2
        yield deployment
    finally:
        for process in (serve, worker):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
        for log in logs:
            log.close()
    assert serve.returncode == 0, (tmp_path / "serve.log").read_text()[-3000:]


def _wait_for_health(base: str, serve: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if serve.poll() is not None:
            pytest.fail(f"lotse serve --workers 2 stopped: {log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    pytest.fail("lotse serve --workers 2 did not answer /health within 60 s")


def all_at_once(count: int, request: Callable[[httpx.Client, int], httpx.Response]) -> list[httpx.Response]:
    """Sends `count` requests from as many threads, each on a connection of its own, released together."""
    barrier = threading.Barrier(count)
    answers: list[httpx.Response | None] = [None] * count

    def send(index: int) -> None:
        with httpx.Client(timeout=60) as client:
            barrier.wait()
            answers[index] = request(client, index)

    threads = [threading.Thread(target=send, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [answer for answer in answers if answer is not None]


@pytest.mark.postgres
def test_two_api_processes_and_a_worker_keep_every_guarantee(deployment: Deployment) -> None:
    base = deployment.base
    auth = {"Authorization": f"Bearer {deployment.token('ayse', 'counsellor')}"}
    auditor = {"Authorization": f"Bearer {deployment.token('otto', 'auditor')}"}
    busy_before = {pid: cpu_ticks(pid) for pid in deployment.api_processes()}
    positions: list[int] = []

    # One winner per version: every round, WRITERS writers send the same If-Match.
    case_id = httpx.post(f"{base}/cases", json=OPENING, headers=auth, timeout=30).json()["id"]
    steps = f"{base}/cases/{case_id}/steps"
    for version in range(1, ROUNDS + 1):
        step = {"type": "counselling_session_held", "date": f"2026-01-{10 + version:02d}", "minutes": 30}
        headers = {**auth, "If-Match": f'"{version}"'}

        answers = all_at_once(WRITERS, lambda client, _, s=step, h=headers: client.post(steps, json=s, headers=h))

        assert Counter(answer.status_code for answer in answers) == {201: 1, 412: WRITERS - 1}
        positions += [int(answer.headers["lotse-position"]) for answer in answers if answer.status_code == 201]

    # One event per idempotency key: a step, and a first contact.
    step = {"type": "counselling_session_held", "date": "2026-01-20", "minutes": 30}
    keyed = {**auth, "Idempotency-Key": "retry-storm"}
    retried = all_at_once(WRITERS, lambda client, _: client.post(steps, json=step, headers=keyed))
    assert {answer.status_code for answer in retried} == {201}
    assert len({answer.headers["lotse-position"] for answer in retried}) == 1
    assert Counter(answer.headers["idempotent-replayed"] for answer in retried) == {"false": 1, "true": WRITERS - 1}
    first_contact = {**auth, "Idempotency-Key": "first-contact"}
    opened = all_at_once(WRITERS, lambda client, _: client.post(f"{base}/cases", json=OPENING, headers=first_contact))
    assert {answer.status_code for answer in opened} == {201}
    assert len({answer.json()["id"] for answer in opened}) == 1

    # Many first contacts at once, for the views to count.
    many = all_at_once(OPENED_TOGETHER, lambda client, _: client.post(f"{base}/cases", json=OPENING, headers=auth))
    assert {answer.status_code for answer in many} == {201}
    positions += [int(answer.headers["lotse-position"]) for answer in [*retried, *opened, *many]]

    history = httpx.get(f"{steps.removesuffix('/steps')}/history", headers=auth, timeout=30).json()["events"]
    assert [event["version"] for event in history] == list(range(1, ROUNDS + 3))
    cases = 2 + OPENED_TOGETHER
    assert all(cpu_ticks(pid) - ticks >= 10 for pid, ticks in busy_before.items()), "both processes served"

    # Views exactly once: every case counted once, and the figures equal their recomputation from the log.
    head = max(positions)
    period = {"from": "2026-01-01", "to": date.today().isoformat(), "basis": "entry"}
    live = _get(base, "/statistics/esf", auditor, **period, min_position=head)
    assert live["indicators"]["EECO01"]["total"] == cases
    assert _get(base, "/statistics/esf", auditor, **period, as_of_position=live["as_of_position"]) == live
    caseload = _get(base, "/caseload", auth, limit=10)
    assert [(entry["counsellor"], entry["open"]) for entry in caseload["items"]] == [("ayse", cases)]
    deadlines = _get(base, "/deadlines", auth, limit=500)
    assert deadlines["total"] == cases  # one no-contact deadline per open case
    assert len({item["case_id"] for item in deadlines["items"]}) == cases


def _get(base: str, path: str, headers: dict[str, str], **params: Any) -> Any:
    response = httpx.get(f"{base}{path}", params=params, headers=headers, timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("workers", "arguments", "message"),
    [
        pytest.param("3", [], "--workers 3 (LOTSE_WORKERS) needs PostgreSQL", id="sqlite-several"),
        pytest.param("1", ["--workers", "2"], "--workers 2 (LOTSE_WORKERS) needs PostgreSQL", id="sqlite-flag"),
        pytest.param("0", [], "LOTSE_WORKERS: expected a positive integer", id="zero"),
        pytest.param("1", ["--workers", "0"], "--workers: expected a positive number", id="flag-zero"),
    ],
)
def test_a_number_of_processes_that_cannot_work_is_refused_with_the_reason(
    tmp_path: Path, workers: str, arguments: list[str], message: str
) -> None:
    env = {**os.environ, "LOTSE_DATA_DIR": str(tmp_path / "data"), "LOTSE_WORKERS": workers}
    env.pop("LOTSE_DATABASE_URL", None)

    command = [*LOTSE, "serve", "--port", str(free_port()), *arguments]
    refused = subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=60)

    assert refused.returncode == 2
    assert message in refused.stderr
    assert "SQLite admits one writer at a time" in refused.stderr or "PostgreSQL" not in message
    assert not (tmp_path / "data").exists()  # refused before anything was created
