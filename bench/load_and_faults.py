"""Load and faults: clients keep recording steps while the server is killed (SIGKILL) and, optionally, the
PostgreSQL server restarted; then it verifies that nothing acknowledged was lost, nothing was recorded twice,
the audit chain holds and every projection view equals its rebuild. Prints what it did and what it verified.

    python -m bench.load_and_faults [--kills 20] [--clients 4] [--cases 6] [--database-url URL]
                                    [--restart-database --pg-data-dir DIR [--pg-bin-dir DIR]] [--data-dir DIR]

--restart-database stops and starts the PostgreSQL cluster in --pg-data-dir with that cluster's own pg_ctl: give
it a cluster of its own (a throwaway one, see tests/throwaway_postgres.py), never a server others use.
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import httpx

from bench.lotse_process import LOTSE, LotseServer
from infrastructure.bootstrap import Lotse, bootstrap
from infrastructure.eventstore.migrations import migrate_database
from infrastructure.settings import Settings

OPENING = {
    "first_contact_on": "2026-01-05",
    "channel": "walk_in",
    "referral_source": "jobcenter",
    "profile": {
        "birth_year": 1985,
        "gender": "female",
        "labour_status": "unemployed",
        "isced": 3,
        "foreign_background": True,
        "third_country_national": True,
    },
}


DATABASE_OUTAGE_SECONDS = 6.0
WORKER_CATCH_UP_SECONDS = 30.0


class Broken(AssertionError):
    """A guarantee did not hold."""


@dataclass
class Report:
    kills: int = 0
    database_restarts: int = 0
    requests: int = 0
    acknowledged: int = 0
    unavailable_answers: int = 0  # 503 while the database was down
    slowest_unavailable_seconds: float = 0.0
    recovery_seconds: float | None = None  # from the database's return to the first step recorded again
    worker_followed: bool | None = None  # `lotse worker` outlived the restart and brought the views to the head
    events_checked: int = 0
    chain_ok: bool = False
    views_equal_rebuild: bool = False
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"did:      {self.requests} requests from the clients, {self.acknowledged} acknowledged (201)",
            f"          {self.kills} SIGKILLs of the server, {self.database_restarts} PostgreSQL restarts",
            f"          {self.unavailable_answers} answers 503 while the database was down"
            f" (slowest {self.slowest_unavailable_seconds:.2f} s)",
            *(
                [f"          first step recorded {self.recovery_seconds:.2f} s after the database was back"]
                if self.recovery_seconds is not None
                else []
            ),
            *(
                [f"          `lotse worker` carried on across the restart: {'yes' if self.worker_followed else 'NO'}"]
                if self.worker_followed is not None
                else []
            ),
            "verified: every acknowledged step is in the log at its version; no request recorded twice",
            f"          audit chain over {self.events_checked} events: {'ok' if self.chain_ok else 'BROKEN'}",
            f"          every view equals its rebuild: {'yes' if self.views_equal_rebuild else 'NO'}",
        ]


class WriteLoad:
    """Clients that keep recording steps, each under its own Idempotency-Key, retrying it until answered."""

    def __init__(self, server: LotseServer, cases: list[str], token: str, report: Report) -> None:
        self.server, self.cases, self.report = server, cases, report
        self.headers = {"Authorization": f"Bearer {token}"}
        self.stop = threading.Event()
        self.database_down = threading.Event()
        self.database_back_at: float | None = None
        self.acknowledged: list[dict[str, Any]] = []
        self.sent: set[str] = set()
        self._lock = threading.Lock()

    def database_is_back(self) -> None:
        with self._lock:
            self.database_back_at = time.monotonic()
        self.database_down.clear()

    def run(self, seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(timeout=30) as client:
            while not self.stop.is_set():
                key, case_id = str(uuid.uuid4()), rng.choice(self.cases)
                with self._lock:
                    self.sent.add(key)
                self._until_answered(client, case_id, key)

    def _until_answered(self, client: httpx.Client, case_id: str, key: str) -> None:
        step = {"type": "counselling_session_held", "date": "2026-01-10", "minutes": 30, "topics": [key]}
        while True:
            started = time.monotonic()
            try:
                answer = client.post(
                    f"{self.server.base}/cases/{case_id}/steps",
                    json=step,
                    headers={**self.headers, "Idempotency-Key": key},
                )
            except httpx.HTTPError:
                time.sleep(0.05)  # the server is down: retry the same request once it is back
                continue
            finally:
                with self._lock:
                    self.report.requests += 1
            if answer.status_code == 503:
                with self._lock:
                    if self.database_down.is_set():
                        self.report.unavailable_answers += 1
                        elapsed = time.monotonic() - started
                        self.report.slowest_unavailable_seconds = max(self.report.slowest_unavailable_seconds, elapsed)
                time.sleep(0.05)
                continue
            if answer.status_code == 409:
                continue
            if answer.status_code != 201:
                raise Broken(f"unexpected answer {answer.status_code}: {answer.text}")
            with self._lock:
                self.acknowledged.append({"key": key, "case_id": case_id, "version": answer.json()["version"]})
                back_at = self.database_back_at
                if back_at is not None and self.report.recovery_seconds is None:
                    self.report.recovery_seconds = max(0.0, time.monotonic() - back_at)
            return


def _view_tables(lotse: Lotse) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every view's tables, in a stable order."""
    database = lotse.projections.runner.database
    tables = [table for view in lotse.projections.runner.views.values() for table in view.tables]
    return {name: sorted(database.fetchall(f"SELECT * FROM {database.table(name)}"), key=repr) for name in tables}


class DatabaseServer(Protocol):
    """The PostgreSQL server the load runs against, which the run may stop and start again."""

    def stop(self) -> None: ...

    def start(self) -> None: ...


class PgCtlCluster:
    """A PostgreSQL cluster given by its data directory, stopped and started with pg_ctl as the directory's owner."""

    def __init__(self, data_dir: Path, bin_dir: Path | None = None) -> None:
        self.data_dir = data_dir.resolve()
        if not (self.data_dir / "PG_VERSION").is_file():
            raise ValueError(f"{data_dir} is no PostgreSQL data directory")
        pg_ctl = bin_dir / "pg_ctl" if bin_dir else shutil.which("pg_ctl")
        if pg_ctl is None:
            raise ValueError("no pg_ctl on PATH: give --pg-bin-dir")
        self.pg_ctl = str(pg_ctl)
        owner = self.data_dir.owner()
        self.as_owner = ["runuser", "-u", owner, "--"] if os.geteuid() == 0 and owner != "root" else []

    def _run(self, *arguments: str) -> None:
        command = [*self.as_owner, self.pg_ctl, "-D", str(self.data_dir), *arguments]
        subprocess.run(command, check=True, capture_output=True, stdin=subprocess.DEVNULL)

    def stop(self) -> None:
        self._run("stop", "-w", "-m", "fast")

    def start(self) -> None:
        self._run("start", "-w", "-l", str(self.data_dir / "restarted-by-load-and-faults.log"))


def run(
    settings: Settings,
    kills: int = 20,
    clients: int = 4,
    cases: int = 6,
    restart_database: DatabaseServer | None = None,
    log: Path | None = None,
    worker: bool = False,
) -> Report:
    """Runs the load; with `restart_database` it stops that server once under load and starts it again.

    `worker`: the views are kept by a `lotse worker` process (as on a PostgreSQL installation), which must carry on
    across the restart and bring them to the log's head, exactly once.
    """
    report = Report()
    log = log or settings.data_dir / "server.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    server = LotseServer(settings, log, projections="worker" if worker else "inline")
    follower: subprocess.Popen[bytes] | None = None
    try:
        server.start()
        if worker:
            with log.with_name(f"{log.stem}-worker.log").open("ab") as worker_log:
                follower = subprocess.Popen(
                    [*LOTSE, "worker"], env=server.env, stdout=worker_log, stderr=subprocess.STDOUT
                )  # inside: a server that failed to start is stopped and reaped too
        token = server.token("load", "counsellor")
        headers = {"Authorization": f"Bearer {token}"}
        case_ids = [
            httpx.post(f"{server.base}/cases", json=OPENING, headers=headers, timeout=30).json()["id"]
            for _ in range(cases)
        ]
        load = WriteLoad(server, case_ids, token, report)
        threads = [threading.Thread(target=load.run, args=(seed,)) for seed in range(clients)]
        for thread in threads:
            thread.start()
        rng = random.Random(2026)
        for _ in range(kills):
            time.sleep(rng.uniform(0.1, 0.5))
            server.kill()
            server.start()
            report.kills += 1
        if restart_database is not None:
            time.sleep(0.5)
            load.database_down.set()
            restart_database.stop()
            try:
                time.sleep(DATABASE_OUTAGE_SECONDS)
            finally:
                restart_database.start()
            load.database_is_back()
            report.database_restarts += 1
        time.sleep(1.0)
        load.stop.set()
        for thread in threads:
            thread.join(timeout=120)
        report.acknowledged = len(load.acknowledged)
        _check_log(server, case_ids, headers, load, report)
        if follower is not None:
            report.worker_followed = follower.poll() is None and _views_reach_head(settings, WORKER_CATCH_UP_SECONDS)
            if not report.worker_followed:
                raise Broken(f"`lotse worker` did not carry on across the restart; see {log.parent}")
    finally:
        if follower is not None and follower.poll() is None:
            follower.terminate()
            follower.wait(timeout=20)
        server.stop()
    _check_views(settings, report)
    return report


def _check_log(server: LotseServer, cases: list[str], headers: dict[str, str], load: WriteLoad, report: Report) -> None:
    recorded: Counter[str] = Counter()
    versions: dict[str, dict[int, str]] = {}
    for case_id in cases:
        history = httpx.get(f"{server.base}/cases/{case_id}/history", headers=headers, timeout=30).json()["events"]
        if [event["version"] for event in history] != list(range(1, len(history) + 1)):
            raise Broken(f"case {case_id}: versions are not contiguous")
        versions[case_id] = {event["version"]: (event["data"].get("topics") or [""])[0] for event in history}
        recorded.update(key for key in versions[case_id].values() if key)
    for ack in load.acknowledged:
        if versions[ack["case_id"]].get(ack["version"]) != ack["key"]:
            raise Broken(f"acknowledged step missing or moved: {ack}")
    if recorded and max(recorded.values()) > 1:
        raise Broken("a request was recorded twice")
    if set(recorded) != load.sent:
        raise Broken(f"{len(load.sent - set(recorded))} requests sent until answered are not in the log")
    verified = json.loads(server.lotse("audit", "verify"))
    report.chain_ok = bool(verified["ok"])
    report.events_checked = int(verified["events_checked"])
    if not report.chain_ok:
        raise Broken(f"audit chain: {verified}")
    if report.events_checked != sum(len(by_version) for by_version in versions.values()):
        raise Broken("the chain does not cover exactly the recorded events")


def _views_reach_head(settings: Settings, seconds: float) -> bool:
    lotse = bootstrap(settings)
    try:
        runner = lotse.projections.runner
        return runner.wait_for(runner.head(), timeout=seconds)
    finally:
        lotse.close()


def _check_views(settings: Settings, report: Report) -> None:
    lotse = bootstrap(settings)
    try:
        runner = lotse.projections.runner
        runner.catch_up()
        incremental = _view_tables(lotse)
        runner.reset(list(runner.views))
        runner.catch_up()
        report.views_equal_rebuild = _view_tables(lotse) == incremental
    finally:
        lotse.close()
    if not report.views_equal_rebuild:
        raise Broken("a view differs from its rebuild")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load_and_faults", description=__doc__)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--cases", type=int, default=6)
    parser.add_argument("--database-url", default=None, help="PostgreSQL URL (default: embedded SQLite)")
    parser.add_argument(
        "--restart-database", action="store_true", help="restart the cluster in --pg-data-dir once under load"
    )
    parser.add_argument("--pg-data-dir", type=Path, default=None, help="data directory of the cluster to restart")
    parser.add_argument("--pg-bin-dir", type=Path, default=None, help="where its pg_ctl is (default: PATH)")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--worker", action="store_true", help="keep the views in a `lotse worker` process")
    args = parser.parse_args()
    database: DatabaseServer | None = None
    if args.restart_database:
        if not args.database_url or not args.pg_data_dir:
            parser.error("--restart-database needs --database-url and the --pg-data-dir of that server's cluster")
        try:
            database = PgCtlCluster(args.pg_data_dir, args.pg_bin_dir)
        except ValueError as error:
            parser.error(str(error))
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="lotse-faults-"))
    settings = Settings(database_url=args.database_url, data_dir=data_dir)
    if settings.uses_postgres:
        migrate_database(settings)  # as `lotse migrate` does before a PostgreSQL installation serves
    started = time.monotonic()
    try:
        report = run(settings, args.kills, args.clients, args.cases, database, worker=args.worker)
    except Broken as broken:
        print(f"BROKEN: {broken}")
        return 1
    for line in report.lines():
        print(line)
    print(f"took {time.monotonic() - started:.1f} s; data in {data_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
