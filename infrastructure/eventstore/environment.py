"""Chooses the event store from one setting: SQLite under the data directory, or PostgreSQL by URL."""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from infrastructure.settings import Settings, SettingsError

SUPPORTED_URL_OPTIONS = {"schema"}


def event_store_env(settings: Settings) -> dict[str, str]:
    """The eventsourcing library's configuration for the chosen backend."""
    if settings.database_url is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        _owner_only(settings.sqlite_path)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(settings.sqlite_path),
            "SQLITE_LOCK_TIMEOUT": "10",
        }
    if not settings.uses_postgres:
        raise SettingsError("LOTSE_DATABASE_URL: expected postgresql://user:password@host:port/database")
    return postgres_env(settings.database_url, settings.pool_size, "LOTSE_DATABASE_URL")


def postgres_env(database_url: str, pool_size: int, setting: str) -> dict[str, str]:
    """The library's configuration of a PostgreSQL connection pool for a URL (named by its `setting` in errors)."""
    url = urlparse(database_url)
    database = unquote(url.path.lstrip("/"))
    if not database:
        raise SettingsError(f"{setting} names no database")
    query = parse_qs(url.query)
    unsupported = sorted(set(query) - SUPPORTED_URL_OPTIONS)
    if unsupported:
        # Silently dropping an option such as sslmode would weaken what the operator asked for.
        raise SettingsError(f"{setting}: unsupported option(s) {', '.join(unsupported)} (supported: schema)")
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": database,
        "POSTGRES_HOST": url.hostname or "localhost",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_SCHEMA": query.get("schema", [""])[0],
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": "0",
        "POSTGRES_CONNECT_TIMEOUT": "3",
        "POSTGRES_PRE_PING": "y",
        "POSTGRES_LOCK_TIMEOUT": "5",
    }


def _owner_only(database: Path) -> None:
    """The SQLite files hold the event log and the wrapped keys: readable by the service's user alone.

    A new database file is created 0600 before SQLite opens it, so its write-ahead log and shared-memory files, which
    SQLite creates with the database file's permissions, are too; files of an earlier installation are narrowed.
    """
    descriptor = os.open(database, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(descriptor)
    for path in (database, database.with_name(f"{database.name}-wal"), database.with_name(f"{database.name}-shm")):
        if path.exists():
            path.chmod(0o600)
