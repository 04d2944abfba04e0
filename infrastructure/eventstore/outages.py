"""Riding out a database outage: which errors are one, how long to wait before trying again, and a connection pool
that is back within a fraction of a second of the database.

psycopg's pool waits 1 s, 2 s, 4 s, … between attempts in two places, each of which kept requests failing for
seconds after PostgreSQL was back (measured: 6.2 s after `pg_terminate_backend`, with no outage at all):
- checking a pooled connection before handing it out (pre-ping): after a restart every pooled connection is broken,
  and it slept 1 s, then 2 s, after each broken one it found, so a request's 3 s wait for a connection ran out
  (twice: the recorder tries twice) while the pool still held broken ones;
- connecting a replacement in the background, when the database does not answer yet.
Here a broken connection is dropped at once and the next one checked (the replacements connect meanwhile), and
reconnecting waits 0.1 s at first and never more than `MAX_RECONNECT_DELAY`.

The check is a round trip (an empty query) only for a connection that was idle in the pool for more than
`TRUSTED_IDLE_SECONDS`, or that something arrived on while it was there. A server that ends a connection (restarting,
`pg_terminate_backend`, its own idle timeout) sends its reason and closes the socket, and the kernel then reports it
readable. What leaves no trace on the socket (a NAT or firewall forgetting an idle connection, a database host gone
without a word) takes minutes of idleness or is caught by no check either: the round trip then hangs as the statement
would. Under load a connection is handed out again within milliseconds, and the round trip for each one cost the API
about as much CPU as a statement of the step it was checked for.
"""

import logging
import random
import select
import time
from time import monotonic
from typing import Any, cast
from weakref import WeakKeyDictionary

import psycopg
from eventsourcing import persistence
from eventsourcing.postgres import ConnectionPool
from psycopg_pool import PoolTimeout
from psycopg_pool.base import AttemptWithBackoff

logger = logging.getLogger(__name__)

MAX_RECONNECT_DELAY = 0.5
TRUSTED_IDLE_SECONDS = 10.0  # a quiet connection returned this recently is handed out without a round trip
BROKEN_CONNECTION_PAUSE = 0.01  # between checks: a connection that fails its check but is not broken is not spun on

# Errors of the connection to the database (down, restarting, dropped us), not of the statement.
TRANSIENT = (persistence.OperationalError, persistence.InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)


class _QuickAttempt(AttemptWithBackoff):
    INITIAL_DELAY = 0.1
    DELAY_BACKOFF = 1.5

    def update_delay(self, now: float) -> None:
        super().update_delay(now)
        self.delay = min(self.delay, MAX_RECONNECT_DELAY)


def is_quiet(connection: psycopg.Connection[Any]) -> bool:
    """psycopg holds the connection open and idle, and nothing has arrived on its socket since it was last used."""
    if connection.closed or connection.broken:
        return False
    if connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        return False
    poller = select.poll()  # not select(): a process with many files has descriptors beyond its limit of 1024
    poller.register(connection.fileno(), select.POLLIN | select.POLLPRI)
    return not poller.poll(0)  # an error or a hang-up is reported whatever was asked for


class QuickReconnectPool(ConnectionPool[Any]):
    """The library's pool, reconnecting at most `MAX_RECONNECT_DELAY` apart while the database is away, and checking
    by a round trip only a connection idle for long or that something arrived on while it was in the pool."""

    _returned_at: "WeakKeyDictionary[Any, float]"

    def putconn(self, conn: Any) -> None:
        self._returned_at[conn] = monotonic()
        super().putconn(conn)

    def _check_connection(self, conn: Any) -> None:
        returned = self._returned_at.get(conn)
        if returned is not None and monotonic() - returned < TRUSTED_IDLE_SECONDS and is_quiet(conn):
            return
        super()._check_connection(conn)

    def _getconn_with_check_loop(self, deadline: float) -> Any:
        while True:
            connection = self._getconn_unchecked(deadline - monotonic())
            try:
                self._check_connection(connection)
            except Exception as error:
                if not connection.broken:  # goes back into the pool as it is: say why it was not handed out
                    logger.warning("a pooled connection failed its check and was not handed out: %r", error)
                self._putconn(connection, from_getconn=True)  # a broken one is closed and a replacement connected
                if monotonic() >= deadline:
                    raise PoolTimeout from None
                time.sleep(BROKEN_CONNECTION_PAUSE)
                continue
            return connection

    def _add_connection(self, attempt: AttemptWithBackoff | None, growing: bool = False) -> None:
        super()._add_connection(attempt or _QuickAttempt(timeout=self.reconnect_timeout), growing)


def reconnect_quickly(pool: ConnectionPool[Any]) -> None:
    """Makes the pool the datastore built (and has not opened yet) reconnect as `QuickReconnectPool` does."""
    pool.__class__ = QuickReconnectPool
    cast("QuickReconnectPool", pool)._returned_at = WeakKeyDictionary()


class Backoff:
    """Waits before the next try after a transient failure: 0.1 s, doubling, at most `ceiling` s, with jitter."""

    def __init__(self, ceiling: float = 1.0, first: float = 0.1) -> None:
        self.ceiling, self.first = ceiling, first
        self._next = first

    def delay(self) -> float:
        current = self._next
        self._next = min(self.ceiling, self._next * 2)
        return current * random.uniform(0.8, 1.0)  # noqa: S311  # spreading retries needs no secrecy

    def reset(self) -> None:
        self._next = self.first
