"""A catch-up on PostgreSQL writes its views side by side, each on a thread of its own, as many at once as the
connection pool has connections for beside the projecting thread's: a writer that waits longer than the pool's
timeout for a connection fails the rebuild."""

import threading
import time
from pathlib import Path

import pytest

from application.synthetic import load_demo
from infrastructure.bootstrap import bootstrap
from infrastructure.settings import Settings
from tests.integration.test_projections import view_tables

# The demo's cases reach five views (caseload, deadlines, ESF+, funnel, activity); the three views of the desk's
# registers only move their positions, together: six transactions per batch.
TRANSACTIONS_PER_BATCH = 6
BATCH = 50
WRITE_DELAY_SECONDS = 0.3  # long enough for every write a batch submits to have started, if a thread is free for it


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("pool_size", "most_at_once"),
    [(3, 2), (8, TRANSACTIONS_PER_BATCH)],
    ids=["pool-of-3-two-writers", "pool-of-8-every-view-at-once"],
)
def test_a_rebuild_writes_as_many_views_at_once_as_the_pool_leaves_connections_for(
    postgres_schema_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pool_size: int, most_at_once: int
) -> None:
    settings = Settings(database_url=postgres_schema_url, data_dir=tmp_path / "data", pool_size=pool_size)
    system = bootstrap(settings)
    try:
        load_demo(system.cases, system.staff, cases=20, seed=3)
        runner = system.projections.runner
        runner.catch_up()
        incremental = view_tables(runner.database)
        runner.reset(list(runner.views))

        lock = threading.Lock()
        writing: list[int] = [0]
        most: list[int] = [0]
        write = runner._write

        def write_slowly(*arguments: object) -> bool:
            with lock:
                writing[0] += 1
                most[0] = max(most[0], writing[0])
            try:
                time.sleep(WRITE_DELAY_SECONDS)
                return write(*arguments)  # type: ignore[arg-type]
            finally:
                with lock:
                    writing[0] -= 1

        monkeypatch.setattr(runner, "_write", write_slowly)
        assert runner.catch_up(batch_size=BATCH) > 2 * BATCH  # a few batches, each reaching every view

        assert most[0] == most_at_once
        assert view_tables(runner.database) == incremental
    finally:
        system.close()
