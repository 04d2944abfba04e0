"""Schema-driven fuzzing of a real `lotse serve` with schemathesis: for every endpoint and every role, generated
requests never get a 5xx, and every answer conforms to the published OpenAPI schema (status, content type,
body, headers). Bounded by LOTSE_FUZZ_EXAMPLES examples per endpoint and caller (default 25).
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = int(os.environ.get("LOTSE_FUZZ_EXAMPLES", "25"))
CALLERS = {
    "counsellor": ("ayse", "counsellor", "koeln"),
    "lead": ("petra", "lead", "koeln"),
    "auditor": ("otto", "auditor", "koeln"),
    "analyst": ("anna", "analyst", "koeln"),
    "funder_auditor": ("fritz", "auditor", "*"),
    "no_token": None,
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    data: Path = tmp_path_factory.mktemp("fuzz")
    env = {**os.environ, "LOTSE_DATA_DIR": str(data), "LOTSE_RATE_LIMIT_PER_MINUTE": "10000000"}
    env.pop("LOTSE_DATABASE_URL", None)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "infrastructure.cli.main", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=1):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("lotse serve did not start")
        yield base, env
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def tokens(server: tuple[str, dict[str, str]]) -> dict[str, str | None]:
    _, env = server
    issued: dict[str, str | None] = {}
    for name, claims in CALLERS.items():
        if claims is None:
            issued[name] = None
            continue
        subject, role, agency = claims
        command = [
            sys.executable,
            "-m",
            "infrastructure.cli.main",
            "token",
            "issue",
            "--subject",
            subject,
            "--role",
            role,
        ]
        result = subprocess.run([*command, "--agency", agency], env=env, capture_output=True, text=True, check=True)
        issued[name] = result.stdout.strip()
    return issued


def test_no_server_error_and_every_answer_conforms(
    server: tuple[str, dict[str, str]], tokens: dict[str, str | None]
) -> None:
    """Each generated request is sent by every caller: each role, a funder's token, and nobody."""
    base, _ = server
    api = schemathesis.openapi.from_url(f"{base}/schema/openapi.json")
    failures: dict[str, str] = {}
    operations = 0
    for result in api.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def fuzz(case: Any) -> None:
            for token in tokens.values():
                case.call_and_validate(headers={"Authorization": f"Bearer {token}"} if token else {}, checks=CHECKS)

        try:
            fuzz()
        except Exception as failure:
            failures[operation.label] = str(failure)[:3000]
    assert operations >= 10
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
