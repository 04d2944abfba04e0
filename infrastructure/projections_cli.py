"""The operator's projection commands: the worker, status and rebuild."""

import signal
import sys
import threading
from types import FrameType

from infrastructure.bootstrap import build_case_service, build_log_digest, build_projections
from infrastructure.projections import UnknownView
from infrastructure.settings import Settings
from infrastructure.wakeup import waiter_for

IDLE_SECONDS = 1.0


def run_worker(settings: Settings) -> int:
    """Follows the log until SIGTERM or SIGINT; woken by PostgreSQL notifications, polling on SQLite."""
    service = build_case_service(settings)
    projections = build_projections(service, build_log_digest(service), settings.projection_batch_size)
    stop = threading.Event()

    def request_stop(_signal: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    wait, close = waiter_for(settings, getattr(service.recorder, "channel_name", None))
    print(f"lotse worker: following the log from position {min(projections.runner.positions().values())}", flush=True)
    try:
        projections.runner.follow(
            stop, wait, IDLE_SECONDS if settings.uses_postgres else settings.projection_poll_seconds
        )
    finally:
        close()
        service.close()
    return 0


def status(settings: Settings) -> int:
    service = build_case_service(settings)
    try:
        projections = build_projections(service, build_log_digest(service), settings.projection_batch_size)
        head = projections.runner.head()
        print(f"{'view':<12} {'position':>10} {'head':>10} {'lag':>8}")
        for name, position in projections.runner.positions().items():
            print(f"{name:<12} {position:>10} {head:>10} {head - position:>8}")
    finally:
        service.close()
    return 0


def rebuild(settings: Settings, names: list[str]) -> int:
    """Empties the views and replays the whole log into them, showing progress on stderr."""
    service = build_case_service(settings)
    try:
        projections = build_projections(service, build_log_digest(service), settings.projection_batch_size)
        chosen = names or list(projections.runner.views)
        try:
            projections.runner.reset(chosen)
        except UnknownView as error:
            print(f"lotse: {error}", file=sys.stderr)
            return 2
        processed = projections.runner.catch_up(progress=_progress_bar)
        print(file=sys.stderr)
        print(f"rebuilt {', '.join(chosen)} from {processed} events")
    finally:
        service.close()
    return 0


def _progress_bar(position: int, target: int) -> None:
    done = position / target if target else 1.0
    filled = int(done * 40)
    print(
        f"\r[{'#' * filled}{'.' * (40 - filled)}] {position:>10}/{target} events", end="", file=sys.stderr, flush=True
    )
