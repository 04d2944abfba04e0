"""`lotse serve` as a real process on a free port: a journey over real HTTP, on the embedded default."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

LOTSE = [sys.executable, "-m", "infrastructure.cli.main"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _call(
    base: str, method: str, path: str, token: str | None = None, body: Any = None
) -> tuple[int, dict[str, str], Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            payload = response.read()
            return (
                response.status,
                {name.lower(): value for name, value in response.headers.items()},
                json.loads(payload) if payload else None,
            )
    except urllib.error.HTTPError as error:
        return (
            error.code,
            {name.lower(): value for name, value in error.headers.items()},
            json.loads(error.read() or b"null"),
        )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    env = {**os.environ, "LOTSE_DATA_DIR": str(tmp_path / "data")}
    env.pop("LOTSE_DATABASE_URL", None)
    port = _free_port()
    process = subprocess.Popen(
        [*LOTSE, "serve", "--port", str(port)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if _call(base, "GET", "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("lotse serve did not answer /health within 10 s")
        yield base, env
    finally:
        process.terminate()
        process.wait(timeout=10)
        assert process.stdout is not None
        process.stdout.close()


def _token(env: dict[str, str], subject: str, role: str, agency: str) -> str:
    issued = subprocess.run(
        [*LOTSE, "token", "issue", "--subject", subject, "--role", role, "--agency", agency],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = issued.stdout.strip().splitlines()
    assert len(lines) == 1, "token issue prints the token and nothing else"
    return lines[0]


def test_a_journey_over_real_http(server: tuple[str, dict[str, str]]) -> None:
    base, env = server
    ayse = _token(env, "ayse", "counsellor", "koeln")
    _token(env, "jonas", "counsellor", "koeln")
    lead = _token(env, "petra", "lead", "koeln")
    auditor = _token(env, "audit", "auditor", "koeln")
    start = date.today() - timedelta(days=300)

    status, headers, case = _call(
        base,
        "POST",
        "/cases",
        ayse,
        {
            "first_contact_on": start.isoformat(),
            "channel": "walk_in",
            "referral_source": "jobcenter",
            "profile": {
                "birth_year": 1988,
                "gender": "female",
                "labour_status": "unemployed",
                "isced": 3,
                "foreign_background": True,
                "third_country_national": True,
                "qualification_country": "TR",
            },
            "personal": {"name": "Ayla Demir"},
        },
    )
    assert status == 201, case
    assert headers["etag"] == '"1"'
    case_id = case["id"]

    def day(offset: int) -> str:
        return (start + timedelta(days=offset)).isoformat()

    journey = [
        (ayse, {"type": "assessment_started", "date": day(5), "assessment_id": "a1", "instrument": "profilpass"}),
        (
            ayse,
            {
                "type": "assessment_completed",
                "date": day(20),
                "assessment_id": "a1",
                "recommended_pathway": "recognition",
            },
        ),
        (
            ayse,
            {
                "type": "recognition_applied",
                "date": day(30),
                "application_id": "r1",
                "reference_occupation": "Kaufmann im Einzelhandel",
                "responsible_body": "ihk_fosa",
            },
        ),
        (ayse, {"type": "recognition_documents_completed", "date": day(50), "application_id": "r1"}),
        (
            ayse,
            {
                "type": "recognition_decided",
                "date": day(120),
                "application_id": "r1",
                "outcome": "partial",
                "compensation": "adaptation_qualification",
            },
        ),
        (lead, {"type": "counsellor_assigned", "date": day(125), "counsellor": "jonas"}),
        (
            ayse,
            {
                "type": "course_enrolled",
                "date": day(130),
                "course_id": "c1",
                "kind": "adaptation_qualification",
                "provider": "Bildungswerk",
                "funding": "qualification_allowance",
            },
        ),
        (ayse, {"type": "course_completed", "date": day(220), "course_id": "c1", "certificate": True}),
        (
            ayse,
            {
                "type": "case_closed",
                "date": day(230),
                "reason": "recognition_obtained",
                "situation": {
                    "job_searching": False,
                    "in_education_or_training": False,
                    "qualification_gained": True,
                    "employed": True,
                },
            },
        ),
    ]
    position = int(headers["lotse-position"])
    for version, (token, step) in enumerate(journey, start=2):
        status, headers, case = _call(base, "POST", f"/cases/{case_id}/steps", token, step)
        assert status == 201, (step["type"], case)
        assert headers["etag"] == f'"{version}"'
        assert int(headers["lotse-position"]) > position
        position = int(headers["lotse-position"])

    assert case["status"] == "closed"
    assert case["counsellor"] == "jonas"
    status, _, history = _call(base, "GET", f"/cases/{case_id}/history", auditor)
    assert status == 200
    assert [event["type"] for event in history["events"]] == ["case_opened"] + [step["type"] for _, step in journey]
    status, _, audited = _call(base, "GET", f"/cases/{case_id}?as_of_version=4", auditor)
    assert (status, audited["stage"], audited["personal"]) == (200, "recognition", None)
    status, _, refused = _call(
        base,
        "POST",
        f"/cases/{case_id}/steps",
        ayse,
        {"type": "counselling_session_held", "date": day(240), "minutes": 30},
    )
    assert (status, refused["rule"]) == (409, "case_closed")
