"""Many clients at once against a real server: optimistic concurrency and idempotent retries hold."""

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.load_and_faults import OPENING
from bench.lotse_process import LotseServer
from infrastructure.settings import Settings

WRITERS = 200
ROUNDS = 3


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[LotseServer]:
    lotse = LotseServer(settings, tmp_path / "server.log")
    lotse.start()
    yield lotse
    lotse.stop()


def all_at_once(count: int, request: Any) -> list[httpx.Response]:
    """Sends `count` requests from as many threads, released together."""
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
    assert all(answer is not None for answer in answers)
    return [answer for answer in answers if answer is not None]


def test_200_writers_with_if_match_one_wins_each_version(server: LotseServer) -> None:
    auth = {"Authorization": f"Bearer {server.token('ayse', 'counsellor')}"}
    opened = httpx.post(f"{server.base}/cases", json=OPENING, headers=auth, timeout=30)
    case_id, version = opened.json()["id"], 1
    steps = f"{server.base}/cases/{case_id}/steps"
    for round_ in range(ROUNDS):
        step = {"type": "counselling_session_held", "date": f"2026-01-{10 + round_:02d}", "minutes": 30}
        headers = {**auth, "If-Match": f'"{version}"'}

        answers = all_at_once(WRITERS, lambda client, _, s=step, h=headers: client.post(steps, json=s, headers=h))

        statuses = Counter(answer.status_code for answer in answers)
        assert statuses == {201: 1, 412: WRITERS - 1}, statuses
        version += 1
    history = httpx.get(f"{server.base}/cases/{case_id}/history", headers=auth, timeout=30).json()["events"]
    assert [event["version"] for event in history] == list(range(1, ROUNDS + 2))


def test_200_retries_with_one_idempotency_key_record_once(server: LotseServer) -> None:
    auth = {"Authorization": f"Bearer {server.token('ayse', 'counsellor')}"}
    opened = httpx.post(f"{server.base}/cases", json=OPENING, headers=auth, timeout=30)
    case_id = opened.json()["id"]
    step = {"type": "counselling_session_held", "date": "2026-01-10", "minutes": 30}
    headers = {**auth, "Idempotency-Key": "retry-storm-1"}

    answers = all_at_once(
        WRITERS, lambda client, _: client.post(f"{server.base}/cases/{case_id}/steps", json=step, headers=headers)
    )

    assert {answer.status_code for answer in answers} == {201}
    assert len({answer.headers["lotse-position"] for answer in answers}) == 1
    assert {answer.json()["version"] for answer in answers} == {2}
    replayed = Counter(answer.headers["idempotent-replayed"] for answer in answers)
    assert replayed == {"false": 1, "true": WRITERS - 1}
    history = httpx.get(f"{server.base}/cases/{case_id}/history", headers=auth, timeout=30).json()["events"]
    assert [event["type"] for event in history] == ["case_opened", "counselling_session_held"]


def test_200_first_contacts_retried_with_one_key_open_one_case(server: LotseServer) -> None:
    auth = {"Authorization": f"Bearer {server.token('ayse', 'counsellor')}", "Idempotency-Key": "first-contact-7"}

    answers = all_at_once(WRITERS, lambda client, _: client.post(f"{server.base}/cases", json=OPENING, headers=auth))

    assert {answer.status_code for answer in answers} == {201}
    assert len({answer.json()["id"] for answer in answers}) == 1
    listed = httpx.get(f"{server.base}/cases", headers={"Authorization": auth["Authorization"]}, timeout=30).json()
    assert len(listed["items"]) == 1
