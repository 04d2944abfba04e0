"""A PostgreSQL cluster of the test's own, for tests that stop, restart or otherwise break the database server.

The machine's shared PostgreSQL (127.0.0.1:5432) is never stopped or restarted by a test: a test that must do so
starts a throwaway cluster here instead. `initdb` writes it into a fresh temporary directory; it listens on
127.0.0.1 at a free port and on a unix socket inside that directory, with fsync off (a crash of the machine is not
what these tests are about; a clean stop still writes everything). `close` stops it and removes the directory,
also after a failed start.

Run as root, the cluster's commands run as the `postgres` OS user (initdb refuses root), which then owns the
directory. The binaries are taken from LOTSE_TEST_POSTGRES_BIN, else from PATH, else from the newest
/usr/lib/postgresql/<version>/bin (Debian's layout).

    with ThrowawayPostgres() as cluster:
        url = cluster.create_database("faults")
        cluster.stop()
        cluster.start()
"""

import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Self

import psycopg

SUPERUSER = "postgres"
START_ATTEMPTS = 3
PG_CTL_TIMEOUT_SECONDS = 60
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "full_page_writes": "off",
    "max_connections": "100",
    "log_min_messages": "warning",
    "logging_collector": "off",
}


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server binaries (initdb, pg_ctl) on this machine, or no user to run them as."""


def find_bin_dir() -> Path:
    """The directory holding initdb and pg_ctl."""
    configured = os.environ.get("LOTSE_TEST_POSTGRES_BIN")
    candidates: list[Path] = [Path(configured)] if configured else []
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        versions = [path for path in debian.iterdir() if re.fullmatch(r"\d+(\.\d+)?", path.name)]
        candidates += [path / "bin" for path in sorted(versions, key=lambda p: float(p.name), reverse=True)]
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    raise PostgresUnavailable(
        "no initdb and pg_ctl found (set LOTSE_TEST_POSTGRES_BIN, put them on PATH or install postgresql)"
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ThrowawayPostgres:
    """One PostgreSQL cluster in a temporary directory: start, stop, restart, close (stop and remove)."""

    def __init__(
        self, bin_dir: Path | None = None, os_user: str | None = None, settings: Mapping[str, str] | None = None
    ) -> None:
        """`settings`: server settings over the fast ones above (a benchmark's cluster writes as a real one does)."""
        self.bin_dir = bin_dir or find_bin_dir()
        self.settings = {**SETTINGS, **(settings or {})}
        self.os_user = os_user or (SUPERUSER if os.geteuid() == 0 else None)
        if self.os_user is not None:
            try:
                self._owner = pwd.getpwnam(self.os_user)
            except KeyError:
                raise PostgresUnavailable(f"no OS user '{self.os_user}' to run PostgreSQL as") from None
        self.base = Path(tempfile.mkdtemp(prefix="lotse-pg-"))
        self.data_dir = self.base / "data"
        self.log = self.base / "postgres.log"
        self.port = 0
        self._initialised = False

    # -- lifecycle

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def start(self) -> None:
        """Starts the cluster (initialising it on first start) and waits until it accepts connections."""
        if not self._initialised:
            self._initdb()
        for attempt in range(START_ATTEMPTS):
            if self.port == 0 or attempt > 0:
                self._configure(free_port())  # another process may have taken a port between probe and start
            result = self._pg_ctl("start", "-w", "-t", str(PG_CTL_TIMEOUT_SECONDS), "-l", str(self.log))
            if result.returncode == 0:
                self._wait_until_ready()
                return
            if not self._port_was_taken():
                break
        raise RuntimeError(f"PostgreSQL did not start: {result.stdout}{result.stderr}\n{self.log_tail()}")

    def stop(self, mode: str = "fast") -> None:
        """Stops the server (fast: open sessions are ended, committed work is written); no-op if it is down."""
        if not self.is_running():
            return
        result = self._pg_ctl("stop", "-w", "-t", str(PG_CTL_TIMEOUT_SECONDS), "-m", mode)
        if result.returncode != 0 and self.is_running():
            raise RuntimeError(f"PostgreSQL did not stop: {result.stdout}{result.stderr}")

    def restart(self) -> None:
        self.stop()
        self.start()

    def close(self) -> None:
        """Stops the server whatever state it is in and removes the cluster's directory."""
        try:
            for mode in ("fast", "immediate"):
                try:
                    self.stop(mode)
                    break
                except (RuntimeError, subprocess.TimeoutExpired):
                    continue
        finally:
            if self.is_running():
                self._kill_postmaster()
            shutil.rmtree(self.base, ignore_errors=True)

    def is_running(self) -> bool:
        if not self._initialised:
            return False
        return self._pg_ctl("status").returncode == 0

    # -- connecting

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Creates an empty database and answers its URL."""
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    # -- the cluster's commands

    def _as_owner(self, command: list[str]) -> list[str]:
        return command if self.os_user is None else ["runuser", "-u", self.os_user, "--", *command]

    def _run(self, command: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self._as_owner(command),
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
            timeout=PG_CTL_TIMEOUT_SECONDS + 30,
        )

    def _pg_ctl(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        return self._run([str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), *arguments])

    def _initdb(self) -> None:
        self._create_data_dir(
            [
                str(self.bin_dir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ]
        )

    def _create_data_dir(self, command: list[str]) -> None:
        """Runs the command that writes the cluster's data directory, as the directory's owner."""
        if self.os_user is not None:
            os.chown(self.base, self._owner.pw_uid, self._owner.pw_gid)
        result = self._run(command)
        if result.returncode != 0:
            raise RuntimeError(f"{Path(command[0]).name} failed: {result.stdout}{result.stderr}")
        self._initialised = True

    def _configure(self, port: int) -> None:
        """Writes the port, the socket directory and the speed settings; read at every start."""
        self.port = port
        settings = {**self.settings, "port": str(port), "unix_socket_directories": f"'{self.base}'"}
        lines = "".join(f"{name} = {value}\n" for name, value in settings.items())
        conf = self.data_dir / "postgresql.auto.conf"
        conf.write_text(f"# written by tests/throwaway_postgres.py\n{lines}")
        if self.os_user is not None:
            os.chown(conf, self._owner.pw_uid, self._owner.pw_gid)

    def _port_was_taken(self) -> bool:
        return "Address already in use" in self.log_tail(10)

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + PG_CTL_TIMEOUT_SECONDS
        while True:
            try:
                with psycopg.connect(self.url(), connect_timeout=2) as connection:
                    connection.execute("SELECT 1")
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def postmaster_pid(self) -> int:
        """The running server's process id, from its postmaster.pid (OSError, ValueError or IndexError without)."""
        return int((self.data_dir / "postmaster.pid").read_text().splitlines()[0])

    def _kill_postmaster(self) -> None:
        """The last resort when pg_ctl could not stop the server: SIGKILL the postmaster of this cluster."""
        try:
            pid = self.postmaster_pid()
        except (OSError, ValueError, IndexError):
            return
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return


class ThrowawayReplica(ThrowawayPostgres):
    """A hot standby of a throwaway cluster: a `pg_basebackup` of it, started on a port of its own, streaming its
    WAL. `pause_replay`/`resume_replay` hold the replica at a point of the primary's past, as a lagging replica is.

        with ThrowawayPostgres() as primary, ThrowawayReplica(primary) as replica:
            replica.url("lotse")
    """

    def __init__(self, primary: ThrowawayPostgres) -> None:
        super().__init__(primary.bin_dir, primary.os_user)
        self.primary = primary

    def _initdb(self) -> None:
        self._create_data_dir(
            [
                str(self.bin_dir / "pg_basebackup"),
                "-D",
                str(self.data_dir),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.primary.port),
                "-U",
                SUPERUSER,
                "-X",
                "stream",
                "--write-recovery-conf",
                "--checkpoint=fast",  # at once, not spread over the primary's checkpoint interval
                "--no-sync",
            ]
        )

    def _configure(self, port: int) -> None:
        super()._configure(port)
        # The recovery settings pg_basebackup wrote into postgresql.auto.conf, which the base class rewrites.
        conninfo = f"host=127.0.0.1 port={self.primary.port} user={SUPERUSER}"
        conf = self.data_dir / "postgresql.auto.conf"
        with conf.open("a") as settings:
            settings.write(f"primary_conninfo = '{conninfo}'\nhot_standby = on\n")

    def pause_replay(self) -> None:
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute("SELECT pg_wal_replay_pause()")
            # Paused only once the startup process has stopped: until then it may replay a little more.
            while connection.execute("SELECT pg_get_wal_replay_pause_state()").fetchone() != ("paused",):
                time.sleep(0.01)

    def resume_replay(self) -> None:
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute("SELECT pg_wal_replay_resume()")
