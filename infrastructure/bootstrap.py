"""The composition root: builds the application from settings. Nothing else opens a database."""

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.utils import get_topic

from application.cases import CaseService, Clock, Ports
from application.ports import LogDigest, StaffDirectory
from application.reporting import Reporting
from application.retention import Retention
from infrastructure.access_log import SqlAccessLog, create_access_log_table
from infrastructure.audit import AuditTrail, ChainHeads, audit_signing_key, create_audit_tables
from infrastructure.keys import KeyVault, master_key
from infrastructure.mapper import MsgspecMapper
from infrastructure.persistence import event_store_env
from infrastructure.projections import ProjectionRunner
from infrastructure.read_models import SqlViewQueries
from infrastructure.recorders import PostgresCaseRecorder, SQLiteCaseRecorder
from infrastructure.retention import SqlRetentionCandidates
from infrastructure.settings import Settings
from infrastructure.sql import Database
from infrastructure.statistics_views import FunnelView, IndicatorsView
from infrastructure.tables import SqlCaseIndex, SqlIdempotencyKeys, SqlStaffDirectory, create_tables
from infrastructure.views import CaseloadView, DeadlinesView, View

CounsellorCheck = Callable[[str, str], bool]
logger = logging.getLogger("lotse.projections")


def utc_now() -> datetime:
    return datetime.now(UTC)


class SqlEventLog:
    def __init__(self, database: Database, events_table: str) -> None:
        self.database = database
        position = "rowid" if database.dialect == "sqlite" else "notification_id"
        self._select = (
            f"SELECT {position} FROM {database.table(events_table)} WHERE originator_id = ? AND originator_version = ?"
        )

    def position_of(self, case_id: UUID, version: int) -> int | None:
        key: Any = case_id.hex if self.database.dialect == "sqlite" else case_id
        row = self.database.fetchone(self._select, (key, version))
        return int(row[0]) if row else None


class _StaffWithCheck:
    """The staff directory, with the activity check replaced (a seam for tests of the domain rule)."""

    def __init__(self, staff: StaffDirectory, check: CounsellorCheck) -> None:
        self._staff = staff
        self._check = check

    def is_active_counsellor(self, agency: str, subject: str) -> bool:
        return self._check(agency, subject)

    def register(self, agency: str, subject: str, role: str) -> None:
        self._staff.register(agency, subject, role)

    def deactivate(self, agency: str, subject: str) -> bool:
        return self._staff.deactivate(agency, subject)


def build_case_service(
    settings: Settings,
    clock: Clock = utc_now,
    is_active_counsellor: CounsellorCheck | None = None,
) -> CaseService:
    env = event_store_env(settings)
    env["AGGREGATE_CACHE_MAXSIZE"] = str(settings.aggregate_cache_size)
    recorder_class = PostgresCaseRecorder if settings.uses_postgres else SQLiteCaseRecorder
    env["APPLICATION_RECORDER_TOPIC"] = get_topic(recorder_class)
    master = master_key(settings)
    mapper = MsgspecMapper()

    def connect_ports(recorder: ApplicationRecorder) -> Ports:
        database = Database(recorder.datastore)  # type: ignore[attr-defined]
        try:
            # The keys first: a wrong master key or a lost key store stops the start, before anything is written.
            vault = KeyVault(database, master, recorder.events_table_name)  # type: ignore[attr-defined]
            vault.prepare()
        except Exception:
            database.datastore.close()
            raise
        mapper.keys = vault
        assert isinstance(recorder, SQLiteCaseRecorder | PostgresCaseRecorder)
        recorder.key_vault = vault
        create_tables(database)
        create_audit_tables(database, recorder.events_table_name)
        create_access_log_table(database)
        staff: StaffDirectory = SqlStaffDirectory(database)
        if is_active_counsellor is not None:
            staff = _StaffWithCheck(staff, is_active_counsellor)
        return Ports(
            staff=staff,
            idempotency_keys=SqlIdempotencyKeys(database),
            event_log=SqlEventLog(database, recorder.events_table_name),
            case_index=SqlCaseIndex(database),
            access_log=SqlAccessLog(database),
        )

    return CaseService(
        env=env,
        mapper=mapper,
        sealed_mapper=mapper.sealed(),
        clock=clock,
        zone=settings.zone(),
        snapshot_interval=settings.snapshot_interval,
        connect_ports=connect_ports,
    )


def key_vault_of(service: CaseService) -> KeyVault:
    """The key vault the case service seals and opens personal data with."""
    vault = getattr(service.recorder, "key_vault", None)
    assert isinstance(vault, KeyVault)
    return vault


def build_retention(service: CaseService) -> Retention:
    """Retention on the case service's own database (the participants view must exist: build_projections)."""
    return Retention(service, SqlRetentionCandidates(Database(service.recorder.datastore)))  # type: ignore[attr-defined]


def build_audit_trail(service: CaseService, settings: Settings, clock: Clock = utc_now) -> AuditTrail:
    """The event log's hash chain and signed checkpoints, on the case service's own database."""
    database = Database(service.recorder.datastore)  # type: ignore[attr-defined]
    return AuditTrail(database, service.recorder.events_table_name, audit_signing_key(settings), clock)  # type: ignore[attr-defined]


@dataclass
class Projections:
    runner: ProjectionRunner
    queries: SqlViewQueries
    reporting: Reporting


def build_log_digest(service: CaseService) -> LogDigest:
    """The digest statistics carry: the audit hash chain's head at their log position."""
    return ChainHeads(Database(service.recorder.datastore))  # type: ignore[attr-defined]


def build_projections(service: CaseService, digest: LogDigest, batch_size: int = 500) -> Projections:
    """The views, their runner and the reporting on top, on the case service's own database."""
    database = Database(service.recorder.datastore)  # type: ignore[attr-defined]
    views: list[View] = [
        CaseloadView(database),
        DeadlinesView(database),
        IndicatorsView(database),
        FunnelView(database),
    ]
    runner = ProjectionRunner(service, database, views, batch_size=batch_size)
    runner.create_tables()
    queries = SqlViewQueries(runner)
    return Projections(runner=runner, queries=queries, reporting=Reporting(service, queries, digest))


class ProjectionFollower:
    """Follows the log inside this process: woken by each local write, polling for writes of other processes."""

    def __init__(self, runner: ProjectionRunner, idle_seconds: float) -> None:
        self.runner = runner
        self.idle_seconds = idle_seconds
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        """Starts following (again, if an earlier run was stopped; a running follower is left alone)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="lotse-projections", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _wait(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.runner.follow(self._stop, self._wait, self.idle_seconds)
            except Exception:
                logger.exception("projection follower failed; retrying")
                self._stop.wait(self.idle_seconds)
