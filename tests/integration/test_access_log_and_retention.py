"""The read-access log (append-only, queried newest first) and retention (`lotse retention apply`, `lotse erase`),
on both backends."""

import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from eventsourcing.persistence import PersistenceError

from application.cases import CaseService
from application.ports import AccessLogQuery, Principal
from application.retention import RETENTION_SUBJECT, retention_cutoff
from domain import steps
from infrastructure.audit.access_log import ACCESS_LOG_TABLE
from infrastructure.audit.append_only import restrict_role
from infrastructure.bootstrap import Lotse as System
from infrastructure.bootstrap import bootstrap
from infrastructure.cli.main import main
from infrastructure.settings import Settings
from tests.conftest import postgres_base_url
from tests.integration.conftest import AGENCY, COUNSELLOR, ServiceFactory, open_case_command
from tests.raw_log import RawLog

AYSE = Principal(subject="ayse", role="counsellor", agency=AGENCY)
OTTO = Principal(subject="otto", role="auditor", agency=AGENCY)
FRITZ = Principal(subject="fritz", role="auditor", agency="*")
CLOSING = steps.Situation(
    job_searching=True, in_education_or_training=False, qualification_gained=False, employed=False
)


def access_log_table(settings: Settings) -> str:
    raw = RawLog(settings)
    return raw.events.replace("lotse_events", ACCESS_LOG_TABLE) if raw.postgres else ACCESS_LOG_TABLE


# The access log


def test_reads_are_logged_and_answered_newest_first(service: CaseService) -> None:
    koeln = service.open_case(AGENCY, open_case_command(), COUNSELLOR).case
    bonn = service.open_case("bonn", open_case_command(counsellor="carla"), "carla").case
    service.record_read(AYSE, koeln, "state", personal_data=True)
    service.record_read(OTTO, koeln, "history", personal_data=False)
    service.record_read(FRITZ, bonn, "state?as_of_version=1", personal_data=False)
    service.record_read(AYSE, koeln, "state?as_of=2026-06-01T08:00:00+00:00", personal_data=True)

    everything = service.access_log(AccessLogQuery(case_agency=None))
    assert [(e.read.subject, e.read.what) for e in everything] == [
        ("ayse", "state?as_of=2026-06-01T08:00:00+00:00"),
        ("fritz", "state?as_of_version=1"),
        ("otto", "history"),
        ("ayse", "state"),
    ]
    assert [e.id for e in everything] == sorted((e.id for e in everything), reverse=True)
    newest = everything[0].read
    assert (newest.role, newest.agency, newest.case_id, newest.case_agency, newest.personal_data) == (
        "counsellor",
        AGENCY,
        koeln.id,
        AGENCY,
        True,
    )
    assert newest.at.tzinfo is not None
    assert [e.read.subject for e in service.access_log(AccessLogQuery(case_agency="bonn"))] == ["fritz"]
    assert [e.read.what for e in service.access_log(AccessLogQuery(case_agency=None, subject="otto"))] == ["history"]
    by_case = service.access_log(AccessLogQuery(case_agency=AGENCY, case_id=koeln.id))
    assert [e.read.subject for e in by_case] == ["ayse", "otto", "ayse"]
    first_page = service.access_log(AccessLogQuery(case_agency=None, limit=3))
    second_page = service.access_log(AccessLogQuery(case_agency=None, limit=3, before=first_page[-1].id))
    assert first_page + second_page == everything


@pytest.mark.parametrize("change", ["UPDATE {table} SET subject = 'mallory'", "DELETE FROM {table}"])
def test_the_access_log_is_append_only(service: CaseService, settings: Settings, change: str) -> None:
    case = service.open_case(AGENCY, open_case_command(), COUNSELLOR).case
    service.record_read(AYSE, case, "state", personal_data=True)
    raw = RawLog(settings)

    with (
        pytest.raises((sqlite3.DatabaseError, psycopg.Error, PersistenceError), match="append-only"),
        raw.connection(bypass_triggers=False) as connection,
    ):
        raw.execute(connection, change.format(table=access_log_table(settings)))

    assert [e.read.subject for e in service.access_log(AccessLogQuery(case_agency=AGENCY))] == ["ayse"]


@pytest.mark.postgres
def test_a_restricted_role_may_append_to_the_access_log_and_never_change_it(
    postgres_schema_url: str, tmp_path: Path
) -> None:
    settings = Settings(database_url=postgres_schema_url, data_dir=tmp_path / "data")
    system = bootstrap(settings)
    role = f"lotse_app_{uuid.uuid4().hex[:8]}"
    try:
        table = access_log_table(settings)
        with psycopg.connect(postgres_base_url(), autocommit=True) as connection:
            connection.execute(f"CREATE ROLE {role} NOLOGIN")
        restrict_role(system.database, system.audit.events_table, role)

        def as_role(sql: str) -> None:
            with psycopg.connect(postgres_base_url()) as connection:
                connection.execute(f"SET ROLE {role}")
                connection.execute(sql)

        as_role(
            f"INSERT INTO {table} (at, subject, role, agency, case_id, case_agency, what, personal_data)"
            f" VALUES ('2026-06-01T08:00:00+00:00', 'ayse', 'counsellor', 'koeln', '{uuid.uuid4()}', 'koeln',"
            " 'state', true)"
        )
        as_role(f"SELECT count(*) FROM {table}")
        for sql in (f"DELETE FROM {table}", f"TRUNCATE {table}", f"UPDATE {table} SET subject = 'x'"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                as_role(sql)
    finally:
        system.close()
        with psycopg.connect(postgres_base_url(), autocommit=True) as connection:
            connection.execute(f"DROP OWNED BY {role}")
            connection.execute(f"DROP ROLE IF EXISTS {role}")


# Retention


def closed_case(service: CaseService, opened_on: date, closed_on: date | None, reopened_on: date | None = None) -> UUID:
    case = service.open_case(AGENCY, open_case_command(first_contact_on=opened_on), COUNSELLOR).case
    if closed_on is not None:
        closing = steps.CaseClosed(date=closed_on, reason="moved_away", situation=CLOSING)
        case = service.record_step(case.id, closing, COUNSELLOR, agency=AGENCY).case
    if reopened_on is not None:
        case = service.record_step(
            case.id, steps.CaseReopened(date=reopened_on, reason="back again"), COUNSELLOR, agency=AGENCY
        ).case
    return case.id


@pytest.fixture
def cases(service: CaseService) -> dict[str, UUID]:
    return {
        "closed_2019": closed_case(service, date(2019, 3, 1), date(2019, 11, 30)),
        "closed_2020": closed_case(service, date(2020, 1, 6), date(2020, 12, 31)),
        "closed_2021": closed_case(service, date(2021, 2, 1), date(2021, 1, 1) + timedelta(days=40)),
        "reopened": closed_case(service, date(2019, 5, 1), date(2019, 6, 1), reopened_on=date(2022, 4, 1)),
        "open": closed_case(service, date(2018, 1, 8), None),
    }


def test_the_retention_period_runs_five_years_from_the_end_of_the_exits_year() -> None:
    assert retention_cutoff(date(2026, 6, 1), 5) == date(2021, 1, 1)  # closed in 2020: kept until 31 Dec 2025
    assert retention_cutoff(date(2026, 1, 1), 5) == date(2021, 1, 1)
    assert retention_cutoff(date(2026, 12, 31), 10) == date(2016, 1, 1)


def test_retention_erases_exactly_the_cases_closed_before_the_day(
    system: System, service: CaseService, cases: dict[str, UUID]
) -> None:
    system.projections.runner.catch_up()
    retention = system.retention

    planned = retention.apply(date(2021, 1, 1), dry_run=True)
    assert {outcome.case_id for outcome in planned} == {cases["closed_2019"], cases["closed_2020"]}
    assert not any(outcome.erased for outcome in planned)
    assert not any(service.get_case(case_id, personal_data=True).personal_data_erased for case_id in cases.values())

    done = retention.apply(date(2021, 1, 1), dry_run=False)
    assert [(outcome.case_id, outcome.closed_on, outcome.erased) for outcome in done] == [
        (cases["closed_2019"], date(2019, 11, 30), True),
        (cases["closed_2020"], date(2020, 12, 31), True),
    ]
    erased = {
        name for name, case_id in cases.items() if service.get_case(case_id, personal_data=True).personal_data_erased
    }
    assert erased == {"closed_2019", "closed_2020"}
    assert service.history(cases["closed_2020"], personal_data=True)[-1].recorded_by == RETENTION_SUBJECT
    assert retention.apply(date(2021, 1, 1), dry_run=False) == []  # again: nothing left to do


# The commands

Lotse = Callable[..., tuple[int, str, str]]


@pytest.fixture
def lotse(settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Lotse:
    """Runs `lotse …` in-process against the test's backend; answers (exit status, stdout, stderr)."""
    monkeypatch.setenv("LOTSE_DATA_DIR", str(settings.data_dir))
    if settings.database_url is not None:
        monkeypatch.setenv("LOTSE_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("LOTSE_DATABASE_URL", raising=False)
    for name in ("LOTSE_MASTER_KEY", "LOTSE_RETENTION_YEARS"):
        monkeypatch.delenv(name, raising=False)

    def run(*arguments: str) -> tuple[int, str, str]:
        capsys.readouterr()
        status = main(list(arguments))
        printed = capsys.readouterr()
        return status, printed.out, printed.err

    return run


def test_lotse_erase_destroys_the_key_and_says_so(
    service: CaseService, make_service: ServiceFactory, lotse: Lotse
) -> None:
    case = service.open_case(AGENCY, open_case_command(), COUNSELLOR).case

    status, out, _ = lotse("erase", str(case.id), "--by", "dpo")

    assert status == 0
    assert out.startswith(f"{case.id}: personal data erased: the client's key is destroyed")
    after = make_service()
    assert after.get_case(case.id, personal_data=True).personal is None
    assert after.history(case.id, personal_data=True)[-1].recorded_by == "dpo"
    again = lotse("erase", str(case.id))
    assert again[:2] == (0, f"{case.id}: personal data were already erased (case version 2)\n")
    unknown = uuid.uuid4()
    assert lotse("erase", str(unknown))[::2] == (1, f"lotse: case {unknown} not found\n")


def test_lotse_retention_apply_prints_what_it_erases(
    service: CaseService, make_service: ServiceFactory, cases: dict[str, UUID], lotse: Lotse
) -> None:
    status, out, _ = lotse("retention", "apply", "--closed-before", "2020-01-01", "--dry-run")
    assert status == 0
    assert out.splitlines() == [
        f"would erase {cases['closed_2019']} (agency {AGENCY}, closed on 2019-11-30)",
        "retention: 1 case(s) closed before 2020-01-01 would be erased (dry run: nothing changed)",
    ]
    assert not make_service().get_case(cases["closed_2019"], personal_data=True).personal_data_erased

    status, out, _ = lotse("retention", "apply")  # the default: 5 years after the end of the exit's year

    cutoff = retention_cutoff(datetime.now(UTC).date(), 5)
    assert status == 0
    assert out.splitlines()[0] == (
        "retention: 5 years after the end of the year of the exit (LOTSE_RETENTION_YEARS):"
        f" cases closed before {cutoff}"
    )
    assert f"erased {cases['closed_2019']} (agency {AGENCY}, closed on 2019-11-30)" in out
    assert f"erased {cases['closed_2020']} (agency {AGENCY}, closed on 2020-12-31)" in out
    assert out.splitlines()[-1] == f"retention: 2 case(s) closed before {cutoff} erased"
    after = make_service()
    erased = {
        name for name, case_id in cases.items() if after.get_case(case_id, personal_data=True).personal_data_erased
    }
    assert erased == {"closed_2019", "closed_2020"}  # closed in 2021: kept until the end of 2026


def test_a_wrong_master_key_stops_every_command_with_a_clear_message(
    service: CaseService, lotse: Lotse, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    case = service.open_case(AGENCY, open_case_command(), COUNSELLOR).case
    monkeypatch.setenv("LOTSE_MASTER_KEY", "cd" * 32)

    status, out, err = lotse("erase", str(case.id))

    assert (status, out) == (2, "")
    assert err.startswith("lotse: the master key does not open the key store")
    monkeypatch.setenv("LOTSE_MASTER_KEY", "not a key")
    assert lotse("retention", "apply")[::2] == (
        2,
        "lotse: LOTSE_MASTER_KEY: the master key must be 32 bytes, as 64 hex digits or in base64\n",
    )
