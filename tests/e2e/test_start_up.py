"""`lotse serve` names where it answers as it starts: the API, its documentation at /schema and the dashboard; and
each address it names answers."""

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.lotse_process import free_port

LOTSE = [sys.executable, "-m", "infrastructure.cli.main"]


def test_the_start_up_log_names_the_api_the_schema_and_the_dashboard(tmp_path: Path) -> None:
    env = {**os.environ, "LOTSE_DATA_DIR": str(tmp_path / "data")}
    env.pop("LOTSE_DATABASE_URL", None)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen([*LOTSE, "serve", "--port", str(port)], env=env, stdout=output, stderr=output)
    try:
        deadline = time.monotonic() + 30
        while "Uvicorn running" not in log.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            time.sleep(0.1)
        printed = log.read_text()
        base = f"http://127.0.0.1:{port}"

        assert f"Lotse API: {base}/\n" in printed
        assert f"Lotse API documentation (OpenAPI 3.1): {base}/schema\n" in printed
        assert f"Lotse dashboard: {base}/dashboard/\n" in printed
        front_door = httpx.get(f"{base}/", timeout=10)
        assert (front_door.status_code, front_door.headers["location"]) == (302, "/dashboard/")
        assert httpx.get(f"{base}/schema", timeout=10).status_code == 200
        assert httpx.get(f"{base}/dashboard/", timeout=10).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=20)
