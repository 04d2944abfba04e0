"""The benchmark's bulk loader writes what the product itself would: readable cases, a verifiable chain, true views."""

from datetime import date
from pathlib import Path

import pytest

from application.ports import CaseListQuery
from bench.bulk_load import load_caseload
from infrastructure.bootstrap import bootstrap
from infrastructure.settings import Settings


@pytest.mark.postgres
def test_bulk_loaded_cases_read_back_verify_and_project_like_recorded_ones(
    postgres_schema_url: str, tmp_path: Path
) -> None:
    settings = Settings(database_url=postgres_schema_url, data_dir=tmp_path / "data")
    system = bootstrap(settings)
    service = system.cases
    try:
        loaded = load_caseload(system, cases=60, seed=11)

        assert loaded.cases == 60
        assert loaded.events > 60 * 10  # the journeys' milestones and their follow-up sessions
        assert service.recorder.max_notification_id() == loaded.events
        listed = service.list_cases(CaseListQuery(agency=None, limit=100))
        assert len(listed) == 60
        # each client's key opens the data
        cases = [service.get_case(summary.case_id, personal_data=True) for summary in listed]
        assert all(case.personal is not None and case.personal.name for case in cases)
        assert sum(case.version for case in cases) == loaded.events
        verified = system.audit.verify()
        assert verified.ok
        assert verified.events_checked == loaded.events
        projections = system.projections
        projections.runner.catch_up()
        open_in_view = sum(entry.open for entry in projections.queries.caseload(None, None, date.today()))
        assert open_in_view == sum(1 for case in cases if case.status == "open")
    finally:
        system.close()
