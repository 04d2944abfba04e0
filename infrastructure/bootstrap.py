"""The composition root: builds every adapter of one Lotse process from the settings, once, and injects it.

`bootstrap(settings)` answers a `Lotse`, which the app factory (api/app.py), the worker and every CLI command use and
close when done. Each object is given what it needs when it is constructed; nothing is patched afterwards, and
nothing else opens a database.
"""

import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.postgres import PostgresDatastore

from application.activity_reports import ActivityReports
from application.cases import CaseService, Clock, Ports
from application.desk import Desk
from application.exports import Exports
from application.freshness import ViewsFreshness
from application.offers import Catalogue, RegisteredOffers
from application.ports import Counsellors, LogDigest, OfferCatalogue
from application.registers import RegisterService
from application.reporting import Reporting
from application.reports import Reports
from application.retention import Retention
from application.team import Team
from application.workspace import Workspace
from infrastructure.audit.access_log import SqlAccessLog
from infrastructure.audit.checkpoints import audit_signing_key
from infrastructure.audit.report_signing import AuditKeySigner
from infrastructure.audit.trail import AuditTrail
from infrastructure.auth.staff import SqlStaffDirectory
from infrastructure.auth.tokens import TokenCodec, signing_key
from infrastructure.eventstore.environment import event_store_env
from infrastructure.eventstore.mapper import MsgspecMapper
from infrastructure.eventstore.migrations import migrate, require_current, schema_target
from infrastructure.eventstore.outages import reconnect_quickly
from infrastructure.eventstore.recorders import CaseStore, case_recorder, events_table_of
from infrastructure.eventstore.replica import replica_database
from infrastructure.eventstore.sql import Database
from infrastructure.eventstore.tables import SqlCaseIndex, SqlEventLog, SqlIdempotencyKeys
from infrastructure.privacy.keys import MASTER_KEY_FILE, KeyVault, master_key
from infrastructure.privacy.name_index import SqlNameIndex
from infrastructure.privacy.retention import SqlRetentionCandidates
from infrastructure.projections.activity_view import SqlActivityFacts
from infrastructure.projections.catalogue import projection_views
from infrastructure.projections.desk_queries import SqlDeskQueries
from infrastructure.projections.export_queries import SqlParticipantsOfPeriod
from infrastructure.projections.offer_views import SqlOfferQueries
from infrastructure.projections.queries import SqlViewQueries
from infrastructure.projections.runner import ProjectionFollower, ProjectionRunner
from infrastructure.replay_processes import ReplayProcesses
from infrastructure.settings import Settings

logger = logging.getLogger("lotse.bootstrap")
STARTUP_LOCK_FILE = "startup.lock"  # SQLite: held while a process starts (data directory)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Projections:
    """The views, their runner, the queries on them, the reporting on top and how far behind the log they are."""

    runner: ProjectionRunner
    queries: SqlViewQueries
    reporting: Reporting
    freshness: ViewsFreshness


@dataclass(frozen=True)
class Lotse:
    """One process's Lotse: every adapter built once, on one database.

    `workspace` holds the use cases the API calls with the principal (who may do and see what); `cases` is the case
    service under them, for the operator's commands and the loaders that act for no principal. `follower` follows
    the log in this process once started (the API in inline mode); `close` stops it and closes the database.
    """

    settings: Settings
    clock: Clock
    database: Database
    key_vault: KeyVault
    staff: SqlStaffDirectory
    tokens: TokenCodec
    cases: CaseService
    registers: RegisterService
    projections: Projections
    follower: ProjectionFollower
    audit: AuditTrail
    retention: Retention
    workspace: Workspace
    exports: Exports
    activity: ActivityReports
    desk: Desk
    catalogue: Catalogue  # the course catalogue's use cases (application/offers.py)
    reports: Reports  # published reports for analysts (application/reports.py)
    team: Team  # the agency's staff for its lead (application/team.py)
    replica: Database | None = None  # the streaming replica the views are read from (LOTSE_READ_DATABASE_URL)

    @property
    def backend(self) -> str:
        return "postgresql" if self.settings.uses_postgres else "sqlite"

    def close(self) -> None:
        self.follower.stop()
        self.cases.close()
        if self.replica is not None:
            self.replica.datastore.close()


def bootstrap(
    settings: Settings,
    *,
    clock: Clock = utc_now,
    counsellors: Counsellors | None = None,
    offers: OfferCatalogue | None = None,
    log_digest: LogDigest | None = None,
) -> Lotse:
    """Builds Lotse for the settings: opens the database, checks the key store, creates what is missing.

    `counsellors` answers the domain's rule "reassigned only to an active counsellor" instead of the staff directory,
    `offers` its rule "an offer_id names an offer of the agency's catalogue" instead of the offers register, and
    `log_digest` the digest statistics carry instead of the audit chain's head: seams for tests of the rules and of
    the figures. A wrong master key or a lost key store stops the start before anything but the event table is
    created.
    """
    with _one_start_at_a_time(settings):
        return _built(settings, clock, counsellors, offers, log_digest)


@contextmanager
def _one_start_at_a_time(settings: Settings) -> Iterator[None]:
    """On SQLite, processes (and threads) starting together take turns: each start creates tables and keys in
    transactions of its own, and several at once can outwait SQLite's lock timeout on a busy machine. PostgreSQL
    serialises the schema's changes in the database (advisory locks) instead."""
    if settings.uses_postgres:
        yield
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(settings.data_dir / STARTUP_LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # an open file description's lock: it excludes other threads too
        yield
    finally:
        os.close(descriptor)  # and releases the lock


def _built(
    settings: Settings,
    clock: Clock,
    counsellors: Counsellors | None,
    offers: OfferCatalogue | None,
    log_digest: LogDigest | None,
) -> Lotse:
    master = master_key(settings)
    token_key, audit_key = signing_key(settings), audit_signing_key(settings)
    env = event_store_env(settings)
    env["AGGREGATE_CACHE_MAXSIZE"] = str(settings.aggregate_cache_size)
    env["CREATE_TABLE"] = "y" if not settings.uses_postgres else "n"  # on PostgreSQL only the owner creates tables
    infrastructure = InfrastructureFactory.construct(CaseService.configuration(env))
    try:
        if not isinstance(infrastructure, CaseStore):
            raise TypeError(f"no case store on {type(infrastructure).__name__}")
        database = Database(infrastructure.datastore)
        if isinstance(infrastructure.datastore, PostgresDatastore):
            reconnect_quickly(infrastructure.datastore.pool)
        events_table = events_table_of(infrastructure)
        key_vault = KeyVault(database, master, events_table)
        recorder = case_recorder(infrastructure, key_vault)
        if settings.uses_postgres:
            # The owner migrates (`lotse migrate`); this process may not own the tables.
            require_current(database, schema_target(infrastructure).snapshots_table)
            _warn_if_owner(database, events_table)
            _warn_if_master_key_file(settings)
        else:
            migrate(schema_target(infrastructure))
        key_vault.prepare()
        staff = SqlStaffDirectory(database)
        mapper = MsgspecMapper(keys=key_vault)
        names = SqlNameIndex(database, master)
        written = threading.Event()
        idempotency_keys = SqlIdempotencyKeys(database)
        event_log = SqlEventLog(
            database, events_table, recorder, mapper.sealed(), case_mappers={"all": mapper, "state": mapper.for_state()}
        )
        # Before the cases: the case rules ask the offers register whether a step's offer_id names an offer.
        registers = RegisterService(
            infrastructure=infrastructure,
            recorder=recorder,
            # Registers hold no personal data: reading an id that turns out to be a case's opens none of hers.
            mapper=mapper.sealed(),
            idempotency_keys=idempotency_keys,
            event_log=event_log,
            clock=clock,
            zone=settings.zone(),
            on_recorded=[written.set],
        )
        cases = CaseService(
            infrastructure=infrastructure,
            recorder=recorder,
            mapper=mapper,
            sealed_mapper=mapper.sealed(),
            ports=Ports(
                counsellors=staff if counsellors is None else counsellors,
                offers=RegisteredOffers(registers) if offers is None else offers,
                idempotency_keys=idempotency_keys,
                event_log=event_log,
                case_index=SqlCaseIndex(database),
                access_log=SqlAccessLog(database),
                name_index=names,
            ),
            clock=clock,
            zone=settings.zone(),
            snapshot_interval=settings.snapshot_interval,
            on_recorded=[written.set],
        )
        _index_names(cases)
        audit = AuditTrail(database, events_table, audit_key, clock)
        views = projection_views(database)  # infrastructure/projections/catalogue.py
        # A catch-up's writing threads each hold a pooled connection; the projecting thread needs one more.
        writer_threads = max(1, settings.pool_size - 1)
        runner = ProjectionRunner(
            cases, database, views, batch_size=settings.projection_batch_size, writer_threads=writer_threads
        )
        # On PostgreSQL `lotse migrate` created the views' tables as the owner; a start creates only what is missing,
        # which the runtime role cannot: it is told to run `lotse migrate`.
        runner.create_tables(only_missing=settings.uses_postgres)
        replica = replica_database(settings)
        queries = SqlViewQueries(runner, replica)
        reporting = Reporting(
            cases,
            queries,
            audit if log_digest is None else log_digest,
            SqlActivityFacts(queries),
            processes=ReplayProcesses(env, settings.replay_processes),
        )
        return Lotse(
            settings=settings,
            clock=clock,
            database=database,
            key_vault=key_vault,
            staff=staff,
            tokens=TokenCodec(token_key),
            cases=cases,
            registers=registers,
            projections=Projections(
                runner=runner,
                queries=queries,
                reporting=reporting,
                freshness=ViewsFreshness(
                    queries,
                    cases,
                    clock,
                    max_events=settings.views_far_behind_events,
                    max_seconds=settings.views_far_behind_seconds,
                ),
            ),
            follower=ProjectionFollower(runner, settings.projection_poll_seconds, written),
            audit=audit,
            retention=Retention(cases, SqlRetentionCandidates(database)),
            workspace=Workspace(cases, queries, reporting),
            activity=ActivityReports(reporting, queries),
            exports=Exports(cases, queries, SqlParticipantsOfPeriod(queries), reporting, names),
            desk=Desk(registers, cases, SqlDeskQueries(runner, replica)),
            catalogue=Catalogue(registers, cases, SqlOfferQueries(replica or database), queries),
            reports=Reports(registers, reporting, AuditKeySigner(audit_key), cases.today),
            team=Team(staff),
            replica=replica,
        )
    except BaseException:
        infrastructure.close()
        raise


def _warn_if_master_key_file(settings: Settings) -> None:
    """Says so when a PostgreSQL installation's master key is the generated file in the data directory, where the
    other key files and their backups lie: whoever copies the directory and a database dump reads personal data."""
    if settings.master_key is None:
        logger.warning(
            "the master key is the file %s in the data directory: in production give it as LOTSE_MASTER_KEY from a"
            " secret store, and keep it out of this directory and of the database's backups",
            settings.data_dir / MASTER_KEY_FILE,
        )


def _warn_if_owner(database: Database, events_table: str) -> None:
    """Says so when the service connects as a role that can act as the event log's owner (see runtime_role.py)."""
    row = database.fetchone(
        "SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class WHERE oid = to_regclass(?)",
        (database.table(events_table),),
    )
    if row is not None and row[0]:
        logger.warning(
            "LOTSE_DATABASE_URL connects as a role that owns the event log: it could disable the append-only triggers"
            " and rewrite the logs; connect as a runtime role of its own (README, Two database roles)"
        )


def _index_names(cases: CaseService) -> None:
    """Indexes by name the cases recorded before the name index existed (none, once done: one query)."""
    started = time.monotonic()
    indexed = cases.index_unindexed_names()
    if indexed:
        logger.info("indexed %d cases by name in %.1f s", indexed, time.monotonic() - started)
