"""An API process runs its handlers on two threads per pooled database connection (api/app.py): a writer waiting for
its group commit holds no connection, so more writers than connections are under way at once and share commits.

Served by uvicorn in this process (the test client answers one request at a time), on the test's own port.
"""

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uvicorn

from api.app import app_for, handler_threads
from bench.lotse_process import free_port
from infrastructure.bootstrap import Lotse, bootstrap
from infrastructure.settings import Settings

# More than the event loop's own default executor ever has (the cores plus four, at most 32): the test fails there.
POOL_SIZE = 17


@pytest.fixture
def lotse(tmp_path: Path) -> Lotse:
    return bootstrap(Settings(data_dir=tmp_path / "data", pool_size=POOL_SIZE))


@pytest.fixture
def served(lotse: Lotse) -> Iterator[str]:
    server = uvicorn.Server(uvicorn.Config(app_for(lotse), host="127.0.0.1", port=free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{server.config.port}"
    server.should_exit = True
    thread.join(timeout=30)


def test_twice_as_many_handlers_as_pooled_connections_run_at_once(lotse: Lotse, served: str) -> None:
    at_once = handler_threads(lotse.settings)
    assert at_once == 2 * POOL_SIZE
    together = threading.Barrier(at_once, timeout=10)
    running_on: set[str] = set()

    def head() -> int:  # what GET /ready asks in its handler: each waits here until all of them are in
        running_on.add(threading.current_thread().name)
        together.wait()
        return 0

    lotse.projections.queries.head = head  # type: ignore[method-assign]
    with ThreadPoolExecutor(max_workers=at_once) as clients:
        answers = list(clients.map(lambda _: httpx.get(f"{served}/ready", timeout=30), range(at_once)))

    assert [answer.status_code for answer in answers] == [200] * at_once  # a broken barrier answers 503
    assert len(running_on) == at_once
    assert all(name.startswith("lotse-handler") for name in running_on)
