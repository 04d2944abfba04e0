"""`lotse worker` as a real process: killed with SIGKILL in the middle of its work, restarted, and still exact."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from application.synthetic import load_demo
from infrastructure.bootstrap import Projections, bootstrap
from infrastructure.eventstore.sql import Database
from infrastructure.projections.statistics_views import VIEW_TABLES
from infrastructure.settings import Settings

KILLS = 3


def worker_env(settings: Settings) -> dict[str, str]:
    env = {**os.environ, "LOTSE_DATA_DIR": str(settings.data_dir), "LOTSE_PROJECTION_BATCH_SIZE": "20"}
    env.pop("LOTSE_DATABASE_URL", None)
    if settings.database_url:
        env["LOTSE_DATABASE_URL"] = settings.database_url
    return env


def start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "infrastructure.cli.main", "worker"],
        env=worker_env(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def tables(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    return {name: sorted(database.fetchall(f"SELECT * FROM {database.table(name)}"), key=repr) for name in VIEW_TABLES}


@pytest.fixture
def backlog(settings: Settings) -> Iterator[Projections]:
    """A log of some thousand events that no view has seen yet."""
    system = bootstrap(settings)
    load_demo(system.cases, system.staff, cases=250, seed=3)
    projections = system.projections
    assert set(projections.runner.positions().values()) == {0}
    yield projections
    system.close()


def wait_until(condition: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_killed_worker_leaves_every_view_exact_after_restart(backlog: Projections, settings: Settings) -> None:
    runner = backlog.runner
    head = runner.head()
    killed_at = []
    for kill in range(KILLS):
        worker = start_worker(settings)
        # Early goals: the worker is fast, and must still be busy when the signal lands.
        goal = max(min(runner.positions().values()) + 1, head * (kill + 1) // 10)
        wait_until(lambda goal=goal: min(runner.positions().values()) >= goal)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        assert worker.stderr is not None
        worker.stderr.close()
        killed_at.append(min(runner.positions().values()))
    assert killed_at[-1] < head, "the worker finished before it was killed"

    worker = start_worker(settings)
    wait_until(lambda: min(runner.positions().values()) == head)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    assert worker.stderr is not None
    worker.stderr.close()
    after_crashes = tables(runner.database)

    runner.reset(list(runner.views))
    runner.catch_up()
    assert tables(runner.database) == after_crashes
    assert len(set(killed_at)) == KILLS


def test_positions_stay_at_batch_boundaries_the_views_fully_reflect(backlog: Projections, tmp_path: Path) -> None:
    runner = backlog.runner
    runner.batch_size = 40
    runner.run_batch()
    runner.run_batch()
    assert set(runner.positions().values()) == {80}
    partial = tables(runner.database)

    runner.reset(list(runner.views))
    runner.run_batch()
    runner.run_batch()
    assert tables(runner.database) == partial
