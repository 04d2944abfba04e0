"""The database as a superuser sees it, for the privacy tests: every stored byte, and the key table changed behind
Lotse's back (as a careless restore or an attacker would)."""

from typing import Any
from urllib.parse import parse_qs, urlparse
from uuid import UUID

import psycopg

from infrastructure.privacy.keys import KEYS_TABLE
from infrastructure.settings import Settings
from tests.conftest import postgres_base_url
from tests.raw_log import RawLog


def raw_database(settings: Settings) -> bytes:
    """Everything the database holds, as an attacker with the files (SQLite) or a superuser (PostgreSQL) sees it."""
    if not settings.uses_postgres:
        files = sorted(settings.data_dir.glob(f"{settings.sqlite_path.name}*"))
        assert files, "no SQLite file to scan"
        return b"".join(path.read_bytes() for path in files)
    assert settings.database_url is not None
    schema = parse_qs(urlparse(settings.database_url).query)["schema"][0]
    chunks: list[bytes] = []
    with psycopg.connect(postgres_base_url()) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", (schema,)
        ).fetchall()
        assert {KEYS_TABLE, "lotse_events", "lotse_access_log"} <= {table for (table,) in tables}
        for (table,) in tables:
            for row in connection.execute(f'SELECT * FROM "{schema}"."{table}"'):
                chunks += [
                    bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode() for value in row
                ]
    return b"\n".join(chunks)


def assert_nothing_in_clear(settings: Settings, secrets: list[str], public: str) -> None:
    raw = raw_database(settings)
    assert public.encode() in raw, "the scan does not see the stored data"
    found = [secret for secret in secrets if secret.encode() in raw]
    assert not found, f"stored in clear: {found}"


def key_row(settings: Settings, case_id: UUID) -> tuple[Any, ...] | None:
    raw = RawLog(settings)
    table = raw.events.replace("lotse_events", KEYS_TABLE) if raw.postgres else KEYS_TABLE
    with raw.connection(bypass_triggers=False) as connection:
        row = raw.execute(
            connection, f"SELECT wrapped_key, erased_at FROM {table} WHERE case_id = ?", (str(case_id),)
        ).fetchone()
    return tuple(row) if row is not None else None


def change_keys(settings: Settings, sql: str, params: tuple[Any, ...] = ()) -> None:
    """Changes the key table behind Lotse's back (as a careless restore or an attacker would)."""
    raw = RawLog(settings)
    table = raw.events.replace("lotse_events", KEYS_TABLE) if raw.postgres else KEYS_TABLE
    with raw.connection(bypass_triggers=False) as connection:
        raw.execute(connection, sql.format(keys=table), params)
