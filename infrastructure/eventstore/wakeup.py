"""Waking a projection worker when events are recorded: PostgreSQL notifies; SQLite can only be polled."""

import time
from collections.abc import Callable

import psycopg
from psycopg import sql

from infrastructure.eventstore.environment import event_store_env
from infrastructure.settings import Settings


class PostgresWakeup:
    """LISTENs on the channel the event recorder NOTIFYs in every write transaction."""

    def __init__(self, settings: Settings, channel: str) -> None:
        env = event_store_env(settings)
        self._connection = psycopg.connect(
            host=env["POSTGRES_HOST"],
            port=int(env["POSTGRES_PORT"]),
            dbname=env["POSTGRES_DBNAME"],
            user=env["POSTGRES_USER"],
            password=env["POSTGRES_PASSWORD"] or None,
            autocommit=True,
            connect_timeout=5,
        )
        self._connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))

    def wait(self, seconds: float) -> None:
        for _ in self._connection.notifies(timeout=seconds, stop_after=1):
            pass

    def close(self) -> None:
        self._connection.close()


def waiter_for(settings: Settings, channel: str | None) -> tuple[Callable[[float], None], Callable[[], None]]:
    """A function that waits until events may have arrived (at most the given seconds), and one to close it."""
    if settings.uses_postgres and channel:
        wakeup = PostgresWakeup(settings, channel)
        return wakeup.wait, wakeup.close
    return time.sleep, lambda: None
