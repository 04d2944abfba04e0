"""The operator's projection commands: the worker, status and rebuild."""

import signal
import sys
import threading
from types import FrameType

from infrastructure.bootstrap import Lotse
from infrastructure.eventstore.outages import TRANSIENT, Backoff
from infrastructure.eventstore.wakeup import waiter_for
from infrastructure.projections.runner import REBUILD_BATCH, UnknownView

IDLE_SECONDS = 1.0


def run_worker(lotse: Lotse) -> int:
    """Follows the log until SIGTERM or SIGINT; woken by PostgreSQL notifications, polling on SQLite."""
    settings, runner = lotse.settings, lotse.projections.runner
    stop = threading.Event()

    def request_stop(_signal: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    channel = getattr(lotse.cases.recorder, "channel_name", None)
    idle = IDLE_SECONDS if settings.uses_postgres else settings.projection_poll_seconds
    print(f"lotse worker: following the log from position {min(runner.positions().values())}", flush=True)
    backoff, away = Backoff(), False
    while not stop.is_set():
        # A restart of PostgreSQL breaks the notification connection and the pool's: wait, connect again and go on
        # from the views' positions, which moved only with the views' rows (exactly once across the outage).
        try:
            wait, close = waiter_for(settings, channel)
        except TRANSIENT as error:
            away = _outage(error, away)
            stop.wait(backoff.delay())
            continue
        try:
            position = min(runner.positions().values(), default=0)
            if away:
                print(f"lotse worker: the database is back; following from position {position}", flush=True)
            backoff.reset()
            away = False
            runner.follow(stop, wait, idle)
        except TRANSIENT as error:
            away = _outage(error, away)
            stop.wait(backoff.delay())
        finally:
            close()
    return 0


def _outage(error: BaseException, reported: bool) -> bool:
    if not reported:
        print(f"lotse worker: the database is unavailable ({error}); trying again", file=sys.stderr, flush=True)
    return True


def status(lotse: Lotse) -> int:
    runner = lotse.projections.runner
    head = runner.head()
    print(f"{'view':<12} {'position':>10} {'head':>10} {'lag':>8}")
    for name, position in runner.positions().items():
        print(f"{name:<12} {position:>10} {head:>10} {head - position:>8}")
    return 0


def rebuild(lotse: Lotse, names: list[str]) -> int:
    """Empties the views and replays the whole log into them, showing progress on stderr."""
    runner = lotse.projections.runner
    chosen = names or list(runner.views)
    try:
        runner.reset(chosen)
    except UnknownView as error:
        print(f"lotse: {error}", file=sys.stderr)
        return 2
    processed = runner.catch_up(progress=_progress_bar, batch_size=REBUILD_BATCH)
    print(file=sys.stderr)
    print(f"rebuilt {', '.join(chosen)} from {processed} events")
    return 0


def _progress_bar(position: int, target: int) -> None:
    done = position / target if target else 1.0
    filled = int(done * 40)
    print(
        f"\r[{'#' * filled}{'.' * (40 - filled)}] {position:>10}/{target} events", end="", file=sys.stderr, flush=True
    )
