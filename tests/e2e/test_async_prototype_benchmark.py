"""`python -m bench.async_prototype`, as the README gives it (short rounds), and the prototype it measures: its steps
must be real ones (in the log, chained, on the case), or its figures would flatter it."""

import re
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from bench.async_steps import API_PROCESSES, IN_THREADS_PATH, PATH
from bench.load_and_faults import OPENING
from bench.lotse_process import LotseServer
from bench.table import scratch_schema
from infrastructure.settings import Settings
from tests.e2e.benchmarks import run_benchmark, table_of


@pytest.mark.postgres
def test_the_prototype_benchmark_prints_each_variants_rounds_and_verifies_the_chain(postgres_server: str) -> None:
    table = table_of(
        run_benchmark("bench.async_prototype", "--rounds", "1", "--seconds", "2", "--database-url", postgres_server)
    )

    assert len(table) == 7, table
    variants = ["Lotse (handler threads)", "prototype's work in handler threads", "prototype on the event loop"]
    for line, name in zip(table[1:4], variants, strict=True):
        assert re.fullmatch(
            rf"\| record a step over HTTP, 32 clients, 2 API processes: {re.escape(name)}, round 1"
            r" \| [\d,]+ steps/s \(p99 \d+ ms\); API CPU [\d.]+ ms a step,"
            r" [\d.]+ ms of it and [\d.]+ context switches outside the event loops"
            r" \| [\d,]+ commits/s \(1 connection\) \| [\d.]+× \| ≥ 0\.5× \(aim 1\.0×\) \|",
            line,
        ), line
    assert re.fullmatch(
        r"\| the event log's hash chain over every step recorded here \(GET /audit/verify\) \| verified: [\d,]+ events"
        r" \|  \|  \|  \|",
        table[4],
    ), table[4]
    for line, name in zip(table[5:], variants[1:], strict=True):
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
        serve = (sys.executable, "-m", "bench.async_steps")
        server = LotseServer(settings, directory / "serve.log", "worker", API_PROCESSES, serve)
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.mark.postgres
def test_the_prototypes_steps_are_recorded_chained_on_the_case_and_in_the_case_list(prototype: LotseServer) -> None:
    counsellor, auditor = _headers(prototype)
    with httpx.Client(base_url=prototype.base, timeout=30) as client:
        case_id = client.post("/cases", json=OPENING, headers=counsellor).json()["id"]
        answers = [
            client.post(path.format(case_id), headers=counsellor, json=_session(day, minutes))
            for path, day, minutes in ((PATH, 12, 30), (IN_THREADS_PATH, 19, 45), (PATH, 26, 60))
        ]
        listed = _listed(client, counsellor, case_id)
        after_the_product = client.post(f"/cases/{case_id}/steps", headers=counsellor, json=_session(28, 20))
        case = client.get(f"/cases/{case_id}", headers=counsellor).json()
        verified = client.get("/audit/verify", headers=auditor).json()

    assert [answer.status_code for answer in answers] == [201, 201, 201]
    assert [answer.json()["version"] for answer in answers] == [2, 3, 4]
    positions = [int(answer.headers["Lotse-Position"]) for answer in answers]
    assert positions == sorted(positions)
    assert len(set(positions)) == 3
    assert listed["version"] == 4  # the case list's row went in with the prototype's events
    assert after_the_product.status_code == 201, after_the_product.text
    assert case["version"] == 5
    assert case["last_contact_on"] == "2026-01-28"
    assert verified["ok"] is True, verified
    assert verified["position"] >= int(after_the_product.headers["Lotse-Position"]), verified


@pytest.mark.postgres
def test_concurrent_steps_through_the_prototype_each_get_their_own_position_in_a_chain_that_verifies(
    prototype: LotseServer,
) -> None:
    counsellor, auditor = _headers(prototype)
    with httpx.Client(base_url=prototype.base, timeout=30) as client:
        case_ids = [client.post("/cases", json=OPENING, headers=counsellor).json()["id"] for _ in range(24)]

        def record(numbered: tuple[int, str]) -> httpx.Response:
            number, case_id = numbered
            path = (PATH, IN_THREADS_PATH)[number % 2]
            with httpx.Client(base_url=prototype.base, timeout=30) as own:
                return own.post(path.format(case_id), headers=counsellor, json=_session(5 + number, 30))

        with ThreadPoolExecutor(max_workers=24) as pool:
            answers = list(pool.map(record, enumerate(case_ids)))
        verified = client.get("/audit/verify", headers=auditor).json()
        versions = [client.get(f"/cases/{case_id}", headers=counsellor).json()["version"] for case_id in case_ids]

    assert [answer.status_code for answer in answers] == [201] * 24
    positions = [int(answer.headers["Lotse-Position"]) for answer in answers]
    assert len(set(positions)) == 24
    assert [answer.json()["id"] for answer in answers] == case_ids  # each answered with its own case
    assert versions == [2] * 24
    assert verified["ok"] is True, verified


@pytest.mark.postgres
def test_the_prototype_finds_no_case_of_another_agency_and_takes_sessions_only(prototype: LotseServer) -> None:
    counsellor, _ = _headers(prototype)
    elsewhere = _bearer(prototype, "jonas", "counsellor", agency="bonn")
    with httpx.Client(base_url=prototype.base, timeout=30) as client:
        case_id = client.post("/cases", json=OPENING, headers=counsellor).json()["id"]
        answers = {
            path: (
                client.post(path.format(case_id), headers=elsewhere, json=_session(12, 30)).status_code,
                client.post(path.format(case_id), headers=counsellor, json={"type": "case_closed"}).status_code,
            )
            for path in (PATH, IN_THREADS_PATH)
        }
        case = client.get(f"/cases/{case_id}", headers=counsellor).json()

    assert answers == {PATH: (404, 422), IN_THREADS_PATH: (404, 422)}
    assert case["version"] == 1


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


def _bearer(server: LotseServer, subject: str, role: str, agency: str = "koeln") -> dict[str, str]:
    return {"Authorization": f"Bearer {server.token(subject, role, agency)}"}


def _listed(client: httpx.Client, headers: dict[str, str], case_id: str) -> dict[str, object]:
    """The case's row in the case list (GET /cases, a page at a time)."""
    cursor: str | None = None
    while True:
        page = client.get("/cases", headers=headers, params={"limit": 100, **({"cursor": cursor} if cursor else {})})
        for item in page.json()["items"]:
            if item["id"] == case_id:
                return dict(item)
        cursor = page.json()["next_cursor"]
        if cursor is None:
            raise AssertionError(f"case {case_id} is not in the case list")
