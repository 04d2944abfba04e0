"""The use cases decide who may do and see what (application/workspace.py), on a real store: no HTTP involved.

Every read of a case is in the access log because the use case wrote it there, whichever caller asked.
"""

from datetime import UTC, date, datetime
from typing import get_args
from uuid import UUID

import pytest

from application.errors import CaseNotFound, InvalidQuery, PermissionDenied
from application.policy import reads_suppressed_figures, sees_personal_data
from application.ports import ROLES, AccessLogQuery, CaseListQuery, Principal, RetryKey, Role
from application.workspace import Workspace
from domain import steps
from infrastructure.bootstrap import Lotse
from infrastructure.settings import Settings
from tests.integration.conftest import AGENCY, COUNSELLOR, open_case_command, session
from tests.raw_store import change_keys

AYSE = Principal(subject=COUNSELLOR, role="counsellor", agency=AGENCY)
BEN = Principal(subject="ben", role="counsellor", agency=AGENCY)
PETRA = Principal(subject="petra", role="lead", agency=AGENCY)
OTTO = Principal(subject="otto", role="auditor", agency=AGENCY)
FRITZ = Principal(subject="fritz", role="auditor", agency="*")
ANNA = Principal(subject="anna", role="analyst", agency=AGENCY)
CARLA = Principal(subject="carla", role="counsellor", agency="bonn")
BERND = Principal(subject="bernd", role="lead", agency="bonn")
BONN_AUDITOR = Principal(subject="bea", role="auditor", agency="bonn")


@pytest.fixture
def workspace(system: Lotse) -> Workspace:
    return system.workspace


@pytest.fixture
def case_id(workspace: Workspace) -> UUID:
    return workspace.open_case(AYSE, open_case_command()).case.id


def reads(workspace: Workspace) -> list[tuple[str, str, bool]]:
    """The access log, oldest first: (reader, what, personal data shown)."""
    entries = workspace.access_log(FRITZ, AccessLogQuery(case_agency=None, limit=500))
    return [(e.read.subject, e.read.what, e.read.personal_data) for e in reversed(entries)]


def test_every_role_has_a_decision_on_personal_data_and_suppression() -> None:
    assert set(ROLES) == set(get_args(Role))
    assert [role for role in ROLES if sees_personal_data(role)] == ["counsellor", "lead"]
    assert [role for role in ROLES if reads_suppressed_figures(role)] == ["analyst"]


# Agencies


def test_another_agencys_case_does_not_exist_for_the_caller(workspace: Workspace, case_id: UUID) -> None:
    for read in (
        lambda: workspace.read_case(CARLA, case_id),
        lambda: workspace.read_case(CARLA, case_id, as_of_version=1),
        lambda: workspace.read_history(CARLA, case_id),
        lambda: workspace.read_case(BONN_AUDITOR, case_id),
        lambda: workspace.record_step(CARLA, case_id, session(date(2026, 1, 6))),
        lambda: workspace.erase_personal_data(BERND, case_id),
    ):
        with pytest.raises(CaseNotFound):
            read()

    assert workspace.read_case(AYSE, case_id).case.version == 1  # nothing was recorded
    assert reads(workspace) == [("ayse", "state", True)]  # a refused read is no read
    assert workspace.read_case(FRITZ, case_id).case.agency == AGENCY  # a funder's auditor sees every agency


def test_lists_are_fixed_to_the_callers_agency_unless_she_holds_a_star_token(workspace: Workspace) -> None:
    koeln = workspace.open_case(AYSE, open_case_command()).case.id
    bonn = workspace.open_case(CARLA, open_case_command(counsellor="carla")).case.id

    def listed(principal: Principal, agency: str | None) -> set[UUID]:
        return {summary.case_id for summary in workspace.list_cases(principal, CaseListQuery(agency=agency))}

    assert listed(AYSE, None) == listed(AYSE, "bonn") == {koeln}  # asking for another agency changes nothing
    assert listed(FRITZ, None) == {koeln, bonn}
    assert listed(FRITZ, "bonn") == {bonn}
    with pytest.raises(PermissionDenied):
        listed(ANNA, None)


# Personal data and the access log


def test_an_auditors_read_never_opens_personal_data_and_is_logged(
    system: Lotse, workspace: Workspace, case_id: UUID, settings: Settings
) -> None:
    workspace.record_step(AYSE, case_id, steps.CounsellingSessionHeld(date=date(2026, 1, 6), minutes=30, note="x"))
    # Without the client's key in the store (nor in this process's memory), any read that opened the data would fail.
    change_keys(settings, "DELETE FROM {keys} WHERE case_id = ?", (str(case_id),))
    system.key_vault.forget(case_id)

    state = workspace.read_case(OTTO, case_id)
    past = workspace.read_case(OTTO, case_id, as_of_version=1)
    history = workspace.read_history(OTTO, case_id)

    assert state.case.personal is None
    assert not state.personal_data_erased  # not shown is not erased
    assert state.is_current
    assert past.case.personal is None
    assert not past.is_current
    assert all(entry.data.get("note") is None and entry.data.get("personal") is None for entry in history)
    assert reads(workspace) == [
        ("otto", "state", False),
        ("otto", "state?as_of_version=1", False),
        ("otto", "history", False),
    ]


def test_counselling_reads_show_personal_data_and_are_logged_as_such(workspace: Workspace, case_id: UUID) -> None:
    state = workspace.read_case(PETRA, case_id)
    history = workspace.read_history(AYSE, case_id)

    assert state.case.personal is not None
    assert history[0].data["personal"] is not None
    assert reads(workspace) == [("petra", "state", True), ("ayse", "history", True)]


def test_a_replayed_write_is_a_logged_read_and_the_first_write_is_not(workspace: Workspace) -> None:
    retry = RetryKey(key="k-1", fingerprint="f-1")
    first = workspace.open_case(AYSE, open_case_command(), retry)
    again = workspace.open_case(AYSE, open_case_command(), retry)

    assert not first.replayed
    assert again.replayed
    assert again.case.id == first.case.id
    assert again.case.personal is not None
    assert reads(workspace) == [("ayse", "replay?as_of_version=1", True)]
    other = workspace.open_case(BEN, open_case_command(), retry)  # a key counts for its caller alone
    assert not other.replayed
    assert other.case.id != first.case.id


def test_a_read_that_needs_both_past_forms_is_refused_before_anything_is_read(
    workspace: Workspace, case_id: UUID
) -> None:
    with pytest.raises(InvalidQuery) as caught:
        workspace.read_case(AYSE, case_id, as_of_version=1, as_of=datetime(2026, 6, 1, tzinfo=UTC))
    assert caught.value.field == "as_of"
    with pytest.raises(InvalidQuery):
        workspace.read_case(AYSE, case_id, as_of=datetime(2026, 6, 1))  # no offset
    assert reads(workspace) == []


# Roles


def test_reassignment_is_for_leads_alone(workspace: Workspace, case_id: UUID) -> None:
    transfer = steps.CounsellorAssigned(date=date(2026, 1, 6), counsellor="ben", reason="transfer")

    with pytest.raises(PermissionDenied, match="only a lead may reassign a case"):
        workspace.record_step(AYSE, case_id, transfer)
    assert workspace.read_case(PETRA, case_id).case.counsellor == COUNSELLOR

    assert workspace.record_step(PETRA, case_id, transfer).case.counsellor == "ben"


def test_roles_that_may_not_write_or_read_cases_are_refused(workspace: Workspace, case_id: UUID) -> None:
    refused = (
        lambda: workspace.open_case(OTTO, open_case_command()),
        lambda: workspace.open_case(ANNA, open_case_command()),
        lambda: workspace.record_step(OTTO, case_id, session(date(2026, 1, 6))),
        lambda: workspace.erase_personal_data(AYSE, case_id),
        lambda: workspace.read_case(ANNA, case_id),
        lambda: workspace.read_history(ANNA, case_id),
        lambda: workspace.deadlines(ANNA),
        lambda: workspace.access_log(PETRA, AccessLogQuery(case_agency=None)),
    )
    for attempt in refused:
        with pytest.raises(PermissionDenied):
            attempt()
    assert workspace.read_case(PETRA, case_id).case.version == 1
    assert reads(workspace) == [("petra", "state", True)]


def test_a_counsellor_reads_her_own_caseload_and_deadlines_a_lead_anyones(system: Lotse, workspace: Workspace) -> None:
    workspace.open_case(AYSE, open_case_command())
    workspace.open_case(BEN, open_case_command(counsellor="ben"))
    system.projections.runner.catch_up()

    assert [entry.counsellor for entry in workspace.caseload(AYSE)] == [COUNSELLOR]
    with pytest.raises(PermissionDenied, match="her own caseload"):
        workspace.caseload(AYSE, counsellor="ben")
    with pytest.raises(PermissionDenied):
        workspace.deadlines(AYSE, counsellor="ben")
    assert [entry.counsellor for entry in workspace.caseload(PETRA)] == [COUNSELLOR, "ben"]
    assert [entry.counsellor for entry in workspace.caseload(PETRA, counsellor="ben")] == ["ben"]
    assert workspace.caseload(CARLA) == []  # another agency's caseload is not hers to read


def test_figures_are_scoped_to_the_agency_and_refused_to_analysts(system: Lotse, workspace: Workspace) -> None:
    for _ in range(2):
        workspace.open_case(AYSE, open_case_command())
    workspace.open_case(CARLA, open_case_command(counsellor="carla"))
    system.projections.runner.catch_up()
    period = (date(2026, 1, 1), date(2026, 12, 31))

    exact = workspace.esf(OTTO, *period, "entry", agency="bonn")
    assert exact.agency == AGENCY  # her own agency, whatever she asked for
    assert exact.indicators["EECO01"]["total"] == 2
    assert exact.suppressed == []
    assert workspace.esf(FRITZ, *period, "entry").indicators["EECO01"]["total"] == 3
    assert workspace.esf(FRITZ, *period, "entry", agency="bonn").indicators["EECO01"]["total"] == 1

    # Analysts read published reports: the live figures, exact for any period and position, are refused them.
    for read in (lambda: workspace.esf(ANNA, *period, "entry"), lambda: workspace.funnel(ANNA)):
        with pytest.raises(PermissionDenied) as refused:
            read()
        assert refused.value.rule == "analysts_read_published_reports"
    with pytest.raises(InvalidQuery, match="ends before it starts"):
        workspace.esf(OTTO, period[1], period[0], "entry")
