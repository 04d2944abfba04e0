"""A real `lotse serve` process on given settings, and its command line: for the reliability tests and bench/."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

from infrastructure.settings import Settings

LOTSE = [sys.executable, "-m", "infrastructure.cli.main"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LotseServer:
    """Starts, kills and restarts one server process on fixed settings and port."""

    def __init__(
        self,
        settings: Settings,
        log: Path,
        projections: str = "inline",
        workers: int = 1,
        serve: Sequence[str] = (*LOTSE, "serve"),
    ) -> None:
        """`serve`: the command that serves (with `--port N` added), `lotse serve` unless a benchmark serves another."""
        # Load tests send far more than a person would: the per-token rate limit would only get in the way.
        self.env = {
            **os.environ,
            "LOTSE_DATA_DIR": str(settings.data_dir),
            "LOTSE_PROJECTIONS": projections,
            "LOTSE_RATE_LIMIT_PER_MINUTE": "10000000",
            "LOTSE_WORKERS": str(workers),
        }
        self.env.pop("LOTSE_DATABASE_URL", None)
        if settings.database_url:
            self.env["LOTSE_DATABASE_URL"] = settings.database_url
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.serve = list(serve)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [*self.serve, "--port", str(self.port)], env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError(f"{' '.join(self.serve)} did not start; see {self.log}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)

    def lotse(self, *arguments: str) -> str:
        """Runs a `lotse` command on the server's settings and answers what it printed."""
        result = subprocess.run([*LOTSE, *arguments], env=self.env, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        return result.stdout

    def token(self, subject: str, role: str, agency: str = "koeln") -> str:
        return self.lotse("token", "issue", "--subject", subject, "--role", role, "--agency", agency).strip()
