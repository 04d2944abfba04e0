"""How many API processes `lotse serve` runs (`--workers N`, LOTSE_WORKERS), and what each of them is.

One process (the default) is the app built here, in this process. N processes are uvicorn's workers on one socket:
uvicorn starts each as a fresh interpreter that builds its own app with `api_process` (each its own connection
pool, case cache and rate limiter) and restarts one that dies.

They stay correct on PostgreSQL because nothing they must agree on lives in a process: a case's next version is
unique in the events table, so of two processes writing on one version one commits and the other answers 412; an
idempotency key is a row written in its event's transaction, so a retry that reaches another process finds it or
waits for it; a view moves only together with its position in the tracking table, locked while it is written.

SQLite is refused for more than one: it admits one writer at a time, so N processes would queue for its write
lock instead of sharing commits as one process does, and each would follow the log for the views.

The views are followed once, never in each of the N processes: by `lotse worker` (LOTSE_PROJECTIONS=worker,
PostgreSQL's default), or, when LOTSE_PROJECTIONS=inline, by this supervising process, woken by PostgreSQL's
NOTIFY like the worker.
"""

import gc
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from litestar import Litestar

from api.app import create_app
from infrastructure.bootstrap import Lotse, bootstrap
from infrastructure.eventstore.wakeup import waiter_for
from infrastructure.settings import Settings, SettingsError

API_PROCESS = f"{__name__}:api_process"
IDLE_SECONDS = 1.0  # a wake-up may be missed while the LISTEN connection is rebuilt; then the views are polled
logger = logging.getLogger("lotse.serve")


def api_process() -> Litestar:
    """The app of one of several API processes (uvicorn calls it in each): the environment's settings, and no
    projection follower of its own."""
    return frozen(create_app(replace(Settings.from_environ(), projections="worker")))


def frozen(app: Litestar) -> Litestar:
    """The app, with every object built so far (the modules, the app and its routes: most of a process's objects, all
    of them alive until it ends) moved out of the cyclic garbage collector's sight. What start-up left as garbage is
    collected first: frozen, it could never be freed.

    A full collection otherwise walks all of them again, in whichever request's thread it falls. A whole list of
    deadlines (some 40,000 new objects) set one off often enough to double its p95: at 30,000 cases, three servers
    each way in turns, p95 113–117 ms unfrozen and 48–63 ms frozen.
    """
    gc.collect()
    gc.freeze()
    return app


@contextmanager
def api_processes(settings: Settings, workers: int) -> Iterator[tuple[Litestar | str, dict[str, Any]]]:
    """What `uvicorn.run` serves for `workers` processes: the app, and the keyword arguments that make them.

    Before several processes start, this one builds Lotse once: it checks the schema and creates the key files and
    the views' tables, so a misconfiguration stops the start with one message rather than N crashing processes.
    """
    if workers < 1:
        raise SettingsError(f"--workers: expected a positive number, got {workers}")
    if workers == 1:
        yield frozen(create_app(settings)), {}
        return
    if not settings.uses_postgres:
        raise SettingsError(
            f"--workers {workers} (LOTSE_WORKERS) needs PostgreSQL (LOTSE_DATABASE_URL): SQLite admits one writer at"
            " a time, so more API processes would only queue for it; run one process on SQLite"
        )
    lotse = bootstrap(settings)
    processes = {"workers": workers, "factory": True}
    if settings.projections != "inline":
        lotse.close()  # checked; the views are `lotse worker`'s
        yield API_PROCESS, processes
        return
    try:
        with _following(lotse):
            yield API_PROCESS, processes
    finally:
        lotse.close()


@contextmanager
def _following(lotse: Lotse) -> Iterator[None]:
    """Follows the log in a thread of this process until the block ends."""
    stop = threading.Event()
    thread = threading.Thread(target=_follow, args=(lotse, stop), name="lotse-projections", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def _follow(lotse: Lotse, stop: threading.Event) -> None:
    runner = lotse.projections.runner
    channel = getattr(lotse.cases.recorder, "channel_name", None)
    while not stop.is_set():
        try:
            wait, close = waiter_for(lotse.settings, channel)
        except Exception:
            logger.exception("cannot listen for new events; polling")
            wait, close = _polling(stop), _nothing
        try:
            runner.follow(stop, wait, IDLE_SECONDS)
        except Exception:
            logger.exception("projection follower failed; retrying")
            stop.wait(IDLE_SECONDS)
        finally:
            close()


def _polling(stop: threading.Event) -> Callable[[float], None]:
    def wait(seconds: float) -> None:
        stop.wait(seconds)

    return wait


def _nothing() -> None:
    pass
