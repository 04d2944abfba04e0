"""The read replica (LOTSE_READ_DATABASE_URL): a connection pool of its own on a PostgreSQL streaming replica of the
primary, from which the projection views are read (infrastructure/projections). Nothing is written there: a hot
standby refuses writes, and the views are kept on the primary, which the replica copies."""

from eventsourcing.postgres import PostgresDatastore

from infrastructure.eventstore.environment import postgres_env
from infrastructure.eventstore.outages import reconnect_quickly
from infrastructure.eventstore.sql import Database
from infrastructure.settings import Settings


def replica_database(settings: Settings) -> Database | None:
    """The replica's database, or None when the views are read from the primary."""
    if settings.read_database_url is None:
        return None
    env = postgres_env(settings.read_database_url, settings.pool_size, "LOTSE_READ_DATABASE_URL")
    datastore = PostgresDatastore(
        env["POSTGRES_DBNAME"],
        env["POSTGRES_HOST"],
        env["POSTGRES_PORT"],
        env["POSTGRES_USER"],
        env["POSTGRES_PASSWORD"],
        connect_timeout=float(env["POSTGRES_CONNECT_TIMEOUT"]),
        pool_size=settings.pool_size,
        pre_ping=True,
        schema=env["POSTGRES_SCHEMA"],
    )
    reconnect_quickly(datastore.pool)
    return Database(datastore)
