"""What the stored data weigh on PostgreSQL, per event and per case, and what that projects to for a Land.

Sizes are `pg_total_relation_size` (table, indexes and TOAST) of every table in the benchmark's schema, after
a VACUUM ANALYZE, grouped by what they hold. The projection is linear in events, which holds for the log and the
per-case tables; the statistics views grow with days x agencies x codes instead and are shown as measured.
"""

from dataclasses import dataclass

import psycopg

from bench.raw_postgres import RAW_TABLE
from infrastructure.audit.chain import CHAIN_TABLE
from infrastructure.eventstore.tables import CASE_INDEX_TABLE, IDEMPOTENCY_TABLE

# 10^7 events a year for ten years: a Land-wide deployment (issue 19).
LAND_EVENTS = 100_000_000

LOG_TABLES = ("lotse_events", CHAIN_TABLE, CASE_INDEX_TABLE, IDEMPOTENCY_TABLE)


@dataclass(frozen=True)
class Footprint:
    events: int
    cases: int
    log_bytes: int  # the event log and what is written in its transaction (chain, case index, idempotency keys)
    other_bytes: int  # views, keys, name index, access log, checkpoints
    raw_bytes_per_row: float  # the raw baseline's table: an event-sized row, its key and unique index

    @property
    def bytes_per_event(self) -> float:
        return self.log_bytes / self.events

    @property
    def bytes_per_case(self) -> float:
        return (self.log_bytes + self.other_bytes) / self.cases

    def projected_bytes(self, events: int = LAND_EVENTS) -> float:
        """Everything, scaled by events: the log per event, the rest per case at this run's events per case."""
        return events * (self.log_bytes + self.other_bytes) / self.events


def vacuum_analyze(url: str, schema: str) -> list[str]:
    """VACUUM ANALYZE of every table in the schema, as autovacuum would have done by then on a server that runs it
    (this machine's does not); answers the tables."""
    with psycopg.connect(url, autocommit=True) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename", (schema,)
            )
        ]
        for table in tables:
            connection.execute(f'VACUUM ANALYZE "{schema}"."{table}"')
    return tables


def footprint(url: str, schema: str) -> Footprint:
    tables = vacuum_analyze(url, schema)
    with psycopg.connect(url, autocommit=True) as connection:
        sizes = {
            table: int(
                connection.execute(
                    "SELECT pg_total_relation_size(format('%%I.%%I', %s::text, %s::text)::regclass)", (schema, table)
                ).fetchone()[0]  # type: ignore[index]
            )
            for table in tables
        }
        events, cases = (
            int(connection.execute(f'SELECT count(*) FROM "{schema}".{table}').fetchone()[0])  # type: ignore[index]
            for table in ("lotse_events", CASE_INDEX_TABLE)
        )
        raw_rows = int(connection.execute(f'SELECT count(*) FROM "{schema}".{RAW_TABLE}').fetchone()[0])  # type: ignore[index]
    raw = sizes.pop(RAW_TABLE)
    log = sum(size for table, size in sizes.items() if table in LOG_TABLES)
    return Footprint(events, cases, log, sum(sizes.values()) - log, raw / raw_rows)
