"""`python -m bench.async_prototype`, as the README gives it (short rounds), and the prototype it measures: its steps
must be real ones (in the log, chained, on the case), or its figures would flatter it."""

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench.async_steps import IN_THREADS_PATH, PATH
from bench.load_and_faults import OPENING
from bench.lotse_process import LotseServer
from bench.table import scratch_schema
from infrastructure.settings import Settings
from tests.e2e.benchmarks import run_benchmark, table_of


@pytest.mark.postgres
def test_the_prototype_benchmark_prints_each_round_of_both_against_one_connection(postgres_server: str) -> None:
    table = table_of(
        run_benchmark("bench.async_prototype", "--rounds", "1", "--seconds", "2", "--database-url", postgres_server)
    )

    assert len(table) == 6, table
    variants = ["Lotse (handler threads)", "prototype's work in handler threads", "prototype on the event loop"]
    for line, name in zip(table[1:4], variants, strict=True):
        assert re.fullmatch(
            rf"\| record a step over HTTP, 32 clients, 2 API processes: {re.escape(name)}, round 1"
            r" \| [\d,]+ steps/s \(p99 \d+ ms\); API CPU [\d.]+ ms a step,"
            r" [\d.]+ ms of it and [\d.]+ context switches outside the event loops"
            r" \| [\d,]+ commits/s \(1 connection\) \| [\d.]+× \| ≥ 0\.5× \(aim 1\.0×\) \|",
            line,
        ), line
    for line, name in zip(table[4:], variants[1:], strict=True):
        assert re.fullmatch(
            rf"\| median ratio of the rounds: {re.escape(name)} against Lotse \| [\d.]+× against [\d.]+× \|  \|"
            r" [\d.]+× \|  \|",
            line,
        ), line


@pytest.fixture(scope="module")
def prototype(postgres_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LotseServer]:
    directory = tmp_path_factory.mktemp("prototype")
    with scratch_schema(postgres_server) as (url, _):
        settings = Settings(database_url=url, data_dir=Path(directory) / "data")
        server = LotseServer(
            settings, directory / "serve.log", "inline", 2, (sys.executable, "-m", "bench.async_steps")
        )
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.mark.postgres
def test_the_prototypes_steps_in_both_ways_are_recorded_chained_and_on_the_case(prototype: LotseServer) -> None:
    counsellor, auditor = _headers(prototype)
    with httpx.Client(base_url=prototype.base, timeout=30) as client:
        case_id = client.post("/cases", json=OPENING, headers=counsellor).json()["id"]
        answers = [
            client.post(path.format(case_id), headers=counsellor, json=_session(day, minutes))
            for path, day, minutes in ((PATH, 12, 30), (IN_THREADS_PATH, 19, 45), (PATH, 26, 60))
        ]
        after_the_product = client.post(f"/cases/{case_id}/steps", headers=counsellor, json=_session(28, 20))
        case = client.get(f"/cases/{case_id}", headers=counsellor).json()
        verified = client.get("/audit/verify", headers=auditor).json()

    assert [answer.status_code for answer in answers] == [201, 201, 201]
    assert [answer.json()["version"] for answer in answers] == [2, 3, 4]
    positions = [int(answer.headers["Lotse-Position"]) for answer in answers]
    assert positions == sorted(positions)
    assert len(set(positions)) == 3
    assert after_the_product.status_code == 201, after_the_product.text
    assert case["version"] == 5
    assert case["last_contact_on"] == "2026-01-28"
    assert verified["ok"] is True, verified
    assert verified["events_checked"] == 5, verified


@pytest.mark.postgres
@pytest.mark.parametrize("path", [PATH, IN_THREADS_PATH])
def test_the_prototype_refuses_a_role_that_may_not_record(prototype: LotseServer, path: str) -> None:
    counsellor, auditor = _headers(prototype)
    with httpx.Client(base_url=prototype.base, timeout=30) as client:
        case_id = client.post("/cases", json=OPENING, headers=counsellor).json()["id"]
        refused = client.post(path.format(case_id), headers=auditor, json=_session(12, 30))

    assert refused.status_code == 403


def _session(day: int, minutes: int) -> dict[str, object]:
    return {"type": "counselling_session_held", "date": f"2026-01-{day:02d}", "minutes": minutes}


def _headers(server: LotseServer) -> tuple[dict[str, str], dict[str, str]]:
    """A counsellor's and an auditor's, of the same agency."""
    return _bearer(server, "ayse", "counsellor"), _bearer(server, "ines", "auditor")


def _bearer(server: LotseServer, subject: str, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.token(subject, role)}"}
