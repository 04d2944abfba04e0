"""The throwaway PostgreSQL cluster the fault tests stop and restart: its own port and directory, its data kept
across a restart, stopped and removed afterwards, also when the test fails. No test touches the shared server."""

from pathlib import Path

import psycopg
import pytest

from bench.load_and_faults import PgCtlCluster
from tests.conftest import postgres_base_url
from tests.throwaway_postgres import ThrowawayPostgres

ROOT = Path(__file__).resolve().parents[2]


def count_rows(url: str) -> int:
    with psycopg.connect(url) as connection:
        row = connection.execute("SELECT count(*) FROM kept").fetchone()
    assert row is not None
    return int(row[0])


def restart_twice_then_fail(cluster: ThrowawayPostgres, other: ThrowawayPostgres) -> None:
    """A test body that restarts its cluster, stops and starts it, checks the data each time, then fails."""
    with cluster:
        url = cluster.create_database("kept")
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("CREATE TABLE kept (n INTEGER)")
            connection.execute("INSERT INTO kept VALUES (1), (2)")
        assert f":{cluster.port}/" not in postgres_base_url()  # not the shared server's port
        assert cluster.port != other.port

        cluster.restart()

        assert count_rows(url) == 2
        cluster.stop()
        assert not cluster.is_running()
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(url, connect_timeout=2)
        cluster.start()
        assert count_rows(url) == 2
        raise RuntimeError("the test failed")


@pytest.mark.postgres
def test_a_cluster_keeps_its_data_across_restarts_and_is_removed_even_when_the_test_fails(
    throwaway_postgres: ThrowawayPostgres,
) -> None:
    cluster = ThrowawayPostgres()

    with pytest.raises(RuntimeError, match="the test failed"):
        restart_twice_then_fail(cluster, throwaway_postgres)

    assert not cluster.base.exists()
    assert not cluster.is_running()


@pytest.mark.postgres
def test_the_load_restarts_a_cluster_given_by_its_data_directory(throwaway_postgres: ThrowawayPostgres) -> None:
    url = throwaway_postgres.create_database("given")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("CREATE TABLE kept (n INTEGER)")
        connection.execute("INSERT INTO kept VALUES (1)")
    given = PgCtlCluster(throwaway_postgres.data_dir, throwaway_postgres.bin_dir)

    given.stop()
    assert not throwaway_postgres.is_running()
    given.start()

    assert throwaway_postgres.is_running()
    assert count_rows(url) == 1


def test_no_test_or_benchmark_restarts_the_shared_server() -> None:
    forbidden = "pg_ctl" + "cluster"  # Debian's tool for the machine's clusters
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("tests", "bench")
        for path in (ROOT / folder).rglob("*.py")
        if forbidden in path.read_text(encoding="utf-8")
    ]
    assert offenders == []
