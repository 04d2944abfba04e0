"""The pool checks a connection by a round trip only when something arrived on it while it was pooled
(infrastructure/eventstore/outages.py): a connection the server ended is never handed out, a quiet one costs nothing.

PostgreSQL only: the pool is the PostgreSQL backend's. Connections are ended with `pg_terminate_backend` on the
shared server, each test's own only.
"""

import select
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from eventsourcing.postgres import ConnectionPool

from infrastructure.eventstore import outages
from infrastructure.eventstore.outages import TRUSTED_IDLE_SECONDS, is_quiet, reconnect_quickly

pytestmark = pytest.mark.postgres


def _terminate(server: str, connection: psycopg.Connection[object]) -> None:
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (connection.info.backend_pid,))


def _until_not_quiet(connection: psycopg.Connection[object], seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not is_quiet(connection):
            return True
        time.sleep(0.01)
    return False


def test_an_idle_open_connection_is_quiet(postgres_server: str) -> None:
    with psycopg.connect(postgres_server, autocommit=True) as connection:
        connection.execute("SELECT 1").fetchall()
        assert is_quiet(connection)


def test_a_connection_the_server_ended_is_not_quiet(postgres_server: str) -> None:
    with psycopg.connect(postgres_server, autocommit=True) as connection:
        _terminate(postgres_server, connection)
        assert _until_not_quiet(connection)


def test_a_connection_in_a_transaction_or_closed_is_not_quiet(postgres_server: str) -> None:
    connection = psycopg.connect(postgres_server)  # not autocommit: the SELECT opens a transaction
    connection.execute("SELECT 1").fetchall()
    assert not is_quiet(connection)
    connection.rollback()
    assert is_quiet(connection)
    connection.close()
    assert not is_quiet(connection)


def test_a_connection_with_a_message_waiting_is_not_quiet(postgres_server: str) -> None:
    with (
        psycopg.connect(postgres_server, autocommit=True) as listening,
        psycopg.connect(postgres_server, autocommit=True) as notifying,
    ):
        listening.execute("LISTEN lotse_pool_check_test")
        notifying.execute("NOTIFY lotse_pool_check_test")
        assert _until_not_quiet(listening)


def _until_readable(connection: psycopg.Connection[object], seconds: float = 5) -> bool:
    """Waits for the server's goodbye on the socket, without asking `is_quiet`."""
    poller = select.poll()
    poller.register(connection.fileno(), select.POLLIN)
    return bool(poller.poll(int(seconds * 1000)))


class CountingCheck:
    """The pool's round-trip check, counted."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, connection: psycopg.Connection[object]) -> None:
        self.calls += 1
        ConnectionPool.check_connection(connection)  # the library's own check, as the datastore gives the pool


@pytest.fixture
def pool_and_check(postgres_server: str) -> Iterator[tuple[ConnectionPool[Any], CountingCheck]]:
    check = CountingCheck()
    pool = ConnectionPool(postgres_server, min_size=1, max_size=1, open=False, check=check, kwargs={"autocommit": True})
    reconnect_quickly(pool)
    pool.open(wait=True, timeout=10)
    try:
        yield pool, check
    finally:
        pool.close()


def test_a_quiet_connection_back_a_moment_ago_is_handed_out_without_a_round_trip(
    pool_and_check: tuple[ConnectionPool[Any], CountingCheck],
) -> None:
    pool, check = pool_and_check
    for _ in range(5):
        with pool.connection() as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)
    assert check.calls == 1  # only when it was handed out new, never used and returned


def test_a_connection_idle_for_long_is_checked_by_a_round_trip(
    pool_and_check: tuple[ConnectionPool[Any], CountingCheck], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A NAT or firewall that forgot an idle connection leaves no trace on its socket: only asking tells."""
    pool, check = pool_and_check
    with pool.connection() as connection:
        connection.execute("SELECT 1")
    calls = check.calls
    later = time.monotonic() + TRUSTED_IDLE_SECONDS + 1
    monkeypatch.setattr(outages, "monotonic", lambda: later)
    with pool.connection() as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)
    assert check.calls == calls + 1


def test_a_connection_the_server_ended_is_checked_and_replaced(
    postgres_server: str, pool_and_check: tuple[ConnectionPool[Any], CountingCheck]
) -> None:
    pool, check = pool_and_check
    with pool.connection() as connection:
        ended_pid = connection.info.backend_pid
        _terminate(postgres_server, connection)
        assert _until_readable(connection)
    with pool.connection(timeout=10) as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)
        assert connection.info.backend_pid != ended_pid
    assert check.calls >= 1  # the ended connection failed its check and was dropped, not handed out


def test_a_connection_that_fails_its_check_unbroken_is_not_handed_out_and_the_log_says_why(
    postgres_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    failures = iter([RuntimeError("check refused"), None])

    def failing_once(connection: psycopg.Connection[object]) -> None:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        ConnectionPool.check_connection(connection)

    pool = ConnectionPool(
        postgres_server, min_size=1, max_size=1, open=False, check=failing_once, kwargs={"autocommit": True}
    )
    reconnect_quickly(pool)
    pool.open(wait=True, timeout=10)
    try:
        with caplog.at_level("WARNING", logger=outages.__name__), pool.connection(timeout=5) as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)
    finally:
        pool.close()
    assert [record.getMessage() for record in caplog.records if record.name == outages.__name__] == [
        "a pooled connection failed its check and was not handed out: RuntimeError('check refused')"
    ]
