"""Published reports (application/reports.py) on both backends: exact where shown, frozen, signed, scoped, and
suppressed across everything published."""

from datetime import date

import msgspec
import pytest

from application.disclosure import MIN_CELL, revealed_counts
from application.errors import EntryNotFound, PermissionDenied
from application.ports import Principal
from application.reports import _release_of
from application.synthetic import load_demo
from domain.errors import InvalidStep
from domain.publishing import PublishReport
from domain.reports import Report
from infrastructure.bootstrap import Lotse
from tests.integration.conftest import LotseFactory, open_case_command

PETRA = Principal("petra", "lead", "koeln")
OTTO = Principal("otto", "auditor", "koeln")
ANNA = Principal("anna", "analyst", "koeln")
DANA = Principal("dana", "analyst", "duesseldorf")
FRITZ = Principal("fritz", "auditor", "*")
AYSE = Principal("ayse", "counsellor", "koeln")
YEAR = (date(2025, 1, 1), date(2025, 12, 31))


@pytest.fixture
def desk(make_lotse: LotseFactory) -> Lotse:
    lotse = make_lotse(counsellors=None)
    load_demo(lotse.cases, lotse.staff, cases=160, seed=5)
    lotse.projections.runner.catch_up()
    return lotse


def test_a_report_shows_the_exact_figures_where_it_shows_a_cell_and_hides_the_small_ones(desk: Lotse) -> None:
    report, position, replayed = desk.reports.publish(PETRA, PublishReport(kind="esf", period="2025", basis="entry"))
    exact = desk.workspace.esf(PETRA, *YEAR, "entry")

    assert not replayed
    assert report.position < position
    assert (report.agency, report.kind, report.period, report.basis) == ("koeln", "esf", "2025", "entry")
    assert report.definition_version == exact.figures.definition_version
    shown = {cell: value for cell, value in report.cells.items() if value is not None}
    assert shown  # a desk of 160 clients has figures to show
    for cell, value in shown.items():
        code, column = cell.split(".")
        assert value == exact.figures.counts[code][column], cell
    for cell, value in report.cells.items():
        code, column = cell.split(".")
        if exact.figures.counts[code][column] < MIN_CELL:
            assert value is None, cell
    assert set(report.suppressed) == {cell for cell, value in report.cells.items() if value is None}


def test_a_report_is_signed_and_a_changed_figure_no_longer_verifies(desk: Lotse) -> None:
    report, _, _ = desk.reports.publish(OTTO, PublishReport(kind="activity", period="2025-Q3"))
    visible = next(cell for cell, value in report.cells.items() if value is not None)
    forged = msgspec.structs.replace(report, cells={**report.cells, visible: (report.cells[visible] or 0) + 1})

    assert desk.reports.verify(report)
    assert not desk.reports.verify(forged)


def test_reports_are_frozen_and_read_back_unchanged_after_a_restart(desk: Lotse, make_lotse: LotseFactory) -> None:
    report, _, _ = desk.reports.publish(PETRA, PublishReport(kind="funnel", period="2025"))
    desk.workspace.open_case(AYSE, open_case_command())  # later work changes no published figure

    again = make_lotse(counsellors=None)
    assert again.reports.get(ANNA, report.id) == report
    assert [r.id for r in again.reports.list(ANNA)] == [report.id]


def test_analysts_read_their_agencys_reports_and_a_funders_analyst_reads_every_one(desk: Lotse) -> None:
    koeln, _, _ = desk.reports.publish(PETRA, PublishReport(kind="esf", period="2025", basis="exit"))
    every, _, _ = desk.reports.publish(FRITZ, PublishReport(kind="esf", period="2025", basis="exit"))

    assert every.agency == "*"
    assert [r.id for r in desk.reports.list(ANNA)] == [koeln.id]
    assert desk.reports.list(DANA) == []
    with pytest.raises(EntryNotFound):
        desk.reports.get(DANA, koeln.id)
    funder = Principal("fiona", "analyst", "*")
    assert {r.id for r in desk.reports.list(funder)} == {koeln.id, every.id}
    assert [r.id for r in desk.reports.list(funder, kind="activity")] == []


def test_only_leads_and_auditors_publish_and_only_for_their_agency(desk: Lotse) -> None:
    command = PublishReport(kind="esf", period="2025", basis="entry")
    for principal in (AYSE, ANNA):
        with pytest.raises(PermissionDenied):
            desk.reports.publish(principal, command)
    with pytest.raises(PermissionDenied, match="duesseldorf"):
        desk.reports.publish(PETRA, PublishReport(kind="esf", period="2025", basis="entry", agency="duesseldorf"))
    assert desk.reports.list(FRITZ) == []  # nothing was recorded


@pytest.mark.parametrize(
    ("command", "rule"),
    [
        (PublishReport(kind="esf", period="2026", basis="entry"), "report_period_ended"),  # the clock is in 2026
        (PublishReport(kind="esf", period="2026-Q2", basis="exit"), "report_period_ended"),
        (PublishReport(kind="esf", period="2025"), "report_needs_basis"),
        (PublishReport(kind="funnel", period="2025", basis="entry"), "report_takes_no_basis"),
    ],
)
def test_a_period_that_has_not_ended_or_a_wrong_basis_is_refused(
    desk: Lotse, command: PublishReport, rule: str
) -> None:
    with pytest.raises(InvalidStep) as refused:
        desk.reports.publish(PETRA, command)
    assert refused.value.rule == rule


def test_re_publications_and_nested_periods_reveal_no_small_count_together(desk: Lotse) -> None:
    publish = desk.reports.publish
    publish(PETRA, PublishReport(kind="esf", period="2025", basis="entry"))
    publish(PETRA, PublishReport(kind="esf", period="2025-Q2", basis="entry"))
    desk.workspace.open_case(AYSE, open_case_command(first_contact_on=date(2025, 5, 12)))  # recorded late
    publish(PETRA, PublishReport(kind="esf", period="2025", basis="entry"))
    publish(FRITZ, PublishReport(kind="esf", period="2025-Q2", basis="entry"))
    reports = sorted(desk.reports.list(FRITZ), key=lambda r: r.published_at)

    assert len(reports) == 4
    assert revealed_counts([_release_of(report) for report in reports]) == []
    first, _, again, _ = reports
    moved = [cell for cell in first.cells if exact(first, cell) != exact(again, cell)]
    assert moved  # the late client changed the year's figures
    assert [cell for cell in moved if first.cells[cell] is not None and again.cells[cell] is not None] == []


def exact(report: Report, cell: str) -> int:
    if cell in report.whole_counts:
        return report.whole_counts[cell]
    return sum(row.get(cell, 0) for months in report.counts.values() for row in months.values())
