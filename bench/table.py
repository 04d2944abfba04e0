"""The benchmarks' table: a row is what Lotse achieved, what plain PostgreSQL achieved in the same run, their ratio
and the target; and the scratch schema each benchmark works in."""

import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg

from infrastructure.eventstore.migrations import migrate_database
from infrastructure.settings import Settings

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


@dataclass
class Row:
    measurement: str
    lotse: str
    raw: str
    ratio: str
    target: str

    def cells(self) -> list[str]:
        return [self.measurement, self.lotse, self.raw, self.ratio, self.target]


def render(rows: list[Row], mode: str) -> str:
    header = ["Measurement", "Lotse", "Raw PostgreSQL, same run", "Ratio", "Target"]
    lines = [f"Mode: {mode}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


@contextmanager
def scratch_schema(url: str) -> Iterator[tuple[str, str]]:
    """A new schema, migrated as `lotse migrate` does, and its URL; dropped at the end."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in url else "?"
    try:
        migrate_database(Settings(database_url=f"{url}{separator}schema={schema}"))
        yield f"{url}{separator}schema={schema}", schema
    finally:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def say(message: str, end: str = "\n") -> None:
    """Progress, on stderr: the table alone goes to stdout."""
    print(message, end=end, file=sys.stderr, flush=True)
