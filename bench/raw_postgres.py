"""What plain psycopg achieves on the same PostgreSQL, in the same run: the ceilings Lotse is measured against."""

import os
import statistics
import threading
import time
from collections.abc import Callable

import psycopg

RAW_TABLE = "bench_raw_steps"
# About the size of a stored counselling session: the raw insert carries as many bytes as Lotse's does.
PAYLOAD = os.urandom(160)


def commit_rate(url: str, schema: str, clients: int, seconds: float) -> float:
    """Single-row INSERTs, one transaction each, from `clients` connections at once: commits per second."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(
            f'CREATE TABLE IF NOT EXISTS "{schema}".{RAW_TABLE} (id BIGSERIAL PRIMARY KEY, case_id UUID NOT NULL,'
            " version INTEGER NOT NULL, topic TEXT NOT NULL, state BYTEA NOT NULL, UNIQUE (case_id, version))"
        )

    def insert_until(deadline: float, count: list[int]) -> None:
        with psycopg.connect(url, autocommit=True) as connection:
            case_id = os.urandom(16).hex()
            while time.perf_counter() < deadline:
                count[0] += 1
                connection.execute(
                    f'INSERT INTO "{schema}".{RAW_TABLE} (case_id, version, topic, state) VALUES (%s, %s, %s, %s)',
                    (case_id, count[0], "lotse.case.CounsellingSessionHeld", PAYLOAD),
                )

    return _rate_of(clients, seconds, insert_until)


def _rate_of(clients: int, seconds: float, work: Callable[[float, list[int]], None]) -> float:
    counts = [[0] for _ in range(clients)]
    started = time.perf_counter()
    deadline = started + seconds
    threads = [threading.Thread(target=work, args=(deadline, count)) for count in counts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(count[0] for count in counts) / (time.perf_counter() - started)


def select_case_seconds(url: str, schema: str, case_id: str, repeat: int) -> float:
    """Median time of a raw SELECT of one case's rows, in version order."""
    with psycopg.connect(url, autocommit=True) as connection:

        def select() -> None:
            connection.execute(
                f'SELECT * FROM "{schema}".lotse_events WHERE originator_id = %s ORDER BY originator_version',
                (case_id,),
            ).fetchall()

        return median_seconds(select, repeat)


def copy_rate(url: str, schema: str, up_to: int | None = None) -> tuple[int, float]:
    """A raw COPY of the event rows (up to a position) out of PostgreSQL: rows and seconds."""
    where = f" WHERE notification_id <= {int(up_to)}" if up_to is not None else ""
    query = (
        "COPY (SELECT notification_id, originator_id, originator_version, topic, state"
        f' FROM "{schema}".lotse_events{where} ORDER BY notification_id) TO STDOUT'
    )
    rows = 0
    started = time.perf_counter()
    with psycopg.connect(url) as connection, connection.cursor().copy(query) as copy:  # type: ignore[arg-type]
        for block in copy:  # text format: one line per row
            rows += bytes(block).count(b"\n")
    return rows, time.perf_counter() - started


def query_latencies(url: str, query: str, params: tuple[object, ...], repeat: int) -> list[float]:
    """Seconds per run of a raw query, on one connection."""
    with psycopg.connect(url, autocommit=True) as connection:
        latencies = []
        for _ in range(repeat):
            started = time.perf_counter()
            connection.execute(query, params).fetchall()  # type: ignore[arg-type]
            latencies.append(time.perf_counter() - started)
        return latencies


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    run()  # warm: the first call pays for plans and caches, in both columns alike
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)
