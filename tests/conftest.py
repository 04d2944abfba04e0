"""Backends for the tests: the embedded SQLite default and a real PostgreSQL server.

PostgreSQL tests use LOTSE_TEST_DATABASE_URL, else 127.0.0.1:5432 database `test`; each test run gets its
own schema, dropped afterwards. That server may be shared: no test stops or restarts it. A test that must stop
or restart PostgreSQL takes `throwaway_postgres`, a cluster of its own (tests/throwaway_postgres.py).
With CI=true a missing server or missing PostgreSQL binaries fail the tests instead of skipping them.

`settings` runs a test on both backends. tests/api overrides it: there a test runs on SQLite only unless it is
marked `both_backends` (tests/api/conftest.py says which and why).
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from infrastructure.eventstore.migrations import migrate_database
from infrastructure.settings import Settings
from tests.throwaway_postgres import PostgresUnavailable, ThrowawayPostgres

DEFAULT_TEST_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
BACKENDS: list[Any] = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def postgres_base_url() -> str:
    return os.environ.get("LOTSE_TEST_DATABASE_URL") or DEFAULT_TEST_DATABASE_URL


@pytest.fixture(scope="session")
def postgres_server() -> str:
    url = postgres_base_url()
    try:
        with psycopg.connect(url, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.OperationalError as error:
        if in_ci():
            pytest.fail(f"PostgreSQL is required in CI and did not answer at {url}: {error}")
        pytest.skip(f"no PostgreSQL at {url}")
    return url


@pytest.fixture(scope="module")
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    """A PostgreSQL cluster of the module's own, which its tests may stop and restart; removed afterwards."""
    try:
        cluster = ThrowawayPostgres()
    except PostgresUnavailable as error:
        if in_ci():
            pytest.fail(f"PostgreSQL's binaries are required in CI: {error}")
        pytest.skip(str(error))
    with cluster:  # stopped and its directory removed also when the start or a test fails
        yield cluster


@pytest.fixture
def empty_postgres_schema_url(postgres_server: str) -> Iterator[str]:
    """A fresh, empty schema per test, so tests see only their own events and positions."""
    schema = f"lotse_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in postgres_server else "?"
    yield f"{postgres_server}{separator}schema={schema}"
    with psycopg.connect(postgres_server, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def postgres_schema_url(empty_postgres_schema_url: str) -> str:
    """A fresh schema migrated as `lotse migrate` does before a PostgreSQL installation serves."""
    migrate_database(Settings(database_url=empty_postgres_schema_url))
    return empty_postgres_schema_url


def backend_settings(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Settings:
    """Settings for one backend: SQLite in the test's directory, or a fresh schema on the PostgreSQL server."""
    if backend == "sqlite":
        return Settings(data_dir=tmp_path / "data", snapshot_interval=5)
    url = request.getfixturevalue("postgres_schema_url")
    return Settings(database_url=url, data_dir=tmp_path / "data", snapshot_interval=5, pool_size=8)


@pytest.fixture(params=BACKENDS)
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    """Settings for one backend; every test that takes it runs on both."""
    return backend_settings(request, request.param, tmp_path)
