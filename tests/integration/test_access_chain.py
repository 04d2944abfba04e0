"""The read-access log is hash-chained like the event log (schema migration 4): an entry changed or removed behind
Lotse's back is reported at its id, a chain recomputed to match is caught by a checkpoint, entries recorded before the
chain existed are chained by the migration, and the verification reaches auditors through `lotse audit verify` and
`GET /audit/verify` (tests/api/test_audit.py)."""

import json
from collections.abc import Callable
from datetime import date

import pytest

from application.cases import CaseService
from application.ports import Principal
from domain.case import Case
from infrastructure.audit.trail import AuditTrail
from infrastructure.bootstrap import Lotse
from infrastructure.cli.main import main
from infrastructure.eventstore.migrations import MIGRATIONS_TABLE, migrate_database
from infrastructure.settings import Settings
from tests.integration.conftest import AGENCY, COUNSELLOR, LotseFactory, open_case_command, session
from tests.raw_log import RawLog

AYSE = Principal(subject="ayse", role="counsellor", agency=AGENCY)
LEA = Principal(subject="lea", role="lead", agency=AGENCY)


@pytest.fixture
def audit(system: Lotse) -> AuditTrail:
    return system.audit


def reads(service: CaseService, settings: Settings, count: int = 4) -> tuple[Case, list[int]]:
    """Records `count` reads of a case and a list page of two; answers the case and the access log's ids."""
    case = service.open_case(AGENCY, open_case_command(), COUNSELLOR).case
    service.record_step(case.id, session(date(2026, 1, 7)), COUNSELLOR, agency=AGENCY)
    for number in range(count):
        service.record_read(AYSE if number % 2 else LEA, case, "state", personal_data=True)
    service.record_reads(AYSE, [(case.id, AGENCY), (case.id, AGENCY)], "list", personal_data=True)
    return case, [int(row[0]) for row in RawLog(settings).access_entries()]


def test_every_entry_gets_a_link_and_the_log_verifies(
    service: CaseService, audit: AuditTrail, settings: Settings
) -> None:
    _, ids = reads(service, settings)

    result = audit.verify().access_log

    assert result.ok, result
    assert result.entries_checked == len(ids) == 6
    assert result.last_id == ids[-1]
    assert result.first_bad_id is None


def test_a_changed_entry_is_reported_at_its_id(service: CaseService, audit: AuditTrail, settings: Settings) -> None:
    _, ids = reads(service, settings)
    RawLog(settings).change_access_entry(ids[2], "someone-else")

    result = audit.verify()

    assert result.ok  # the event log is untouched ...
    assert not result.access_log.ok  # ... the access log is not
    assert result.access_log.first_bad_id == ids[2]
    assert result.access_log.last_id == ids[1]
    problem = f"the read-access log's entry {ids[2]} does not match its link (altered or moved?)"
    assert result.access_log.problem == problem


def test_a_removed_entry_is_reported_at_the_id_it_left(
    service: CaseService, audit: AuditTrail, settings: Settings
) -> None:
    _, ids = reads(service, settings)
    RawLog(settings).delete_access_entry(ids[1])

    result = audit.verify().access_log

    assert (result.ok, result.first_bad_id) == (False, ids[1])
    assert result.problem is not None
    assert "missing" in result.problem


def test_a_chain_recomputed_to_match_is_caught_by_a_checkpoint(
    service: CaseService, audit: AuditTrail, settings: Settings
) -> None:
    _, ids = reads(service, settings)
    checkpoint = audit.checkpoint()
    raw = RawLog(settings)
    raw.change_access_entry(ids[0], "someone-else")
    raw.rewrite_access_chain()
    raw.delete_checkpoints()

    assert audit.verify().access_log.ok  # the chain agrees with itself again ...
    result = audit.verify([checkpoint]).access_log  # ... but not with what was signed
    assert not result.ok
    assert result.first_bad_id == ids[-1] == checkpoint.access_position
    assert result.checkpoints_checked == 0


def test_a_log_whose_access_log_fails_is_not_signed(
    service: CaseService, audit: AuditTrail, settings: Settings
) -> None:
    _, ids = reads(service, settings)
    RawLog(settings).change_access_entry(ids[0], "someone-else")

    with pytest.raises(Exception, match="read-access log does not verify"):
        audit.checkpoint()


def test_entries_recorded_before_the_chain_are_chained_by_the_migration(
    service: CaseService, make_lotse: LotseFactory, settings: Settings
) -> None:
    case, ids = reads(service, settings)
    raw = RawLog(settings)
    with raw.connection() as connection:  # the installation as release 0.2 left it: entries, no chain
        raw.execute(connection, f"DELETE FROM {raw.access_chain}")
        migrations = raw.events.replace("lotse_events", MIGRATIONS_TABLE) if raw.postgres else MIGRATIONS_TABLE
        raw.execute(connection, f"DELETE FROM {migrations} WHERE version = 4")  # the chain's migration

    if settings.uses_postgres:
        migrate_database(settings)
    restarted = make_lotse()  # SQLite migrates at start

    result = restarted.audit.verify().access_log
    assert (result.ok, result.entries_checked) == (True, len(ids))
    restarted.cases.record_read(AYSE, case, "history", personal_data=False)
    assert restarted.audit.verify().access_log.entries_checked == len(ids) + 1


def test_lotse_audit_verify_reports_the_access_log_and_fails_on_it(
    service: CaseService, settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, ids = reads(service, settings)
    run = cli(settings, monkeypatch, capsys)

    status, printed = run("audit", "verify")
    assert status == 0
    assert json.loads(printed)["access_log"]["entries_checked"] == len(ids)

    RawLog(settings).change_access_entry(ids[3], "someone-else")
    status, printed = run("audit", "verify")
    report = json.loads(printed)
    assert status == 1
    assert report["ok"] is True
    assert report["access_log"]["first_bad_id"] == ids[3]


def cli(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str]]:
    monkeypatch.setenv("LOTSE_DATA_DIR", str(settings.data_dir))
    if settings.database_url is not None:
        monkeypatch.setenv("LOTSE_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("LOTSE_DATABASE_URL", raising=False)
    monkeypatch.delenv("LOTSE_AUDIT_SIGNING_KEY", raising=False)

    def run(*arguments: str) -> tuple[int, str]:
        capsys.readouterr()
        status = main(list(arguments))
        return status, capsys.readouterr().out

    return run
