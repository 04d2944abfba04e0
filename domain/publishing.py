"""Publishing a report: the request a lead or auditor sends, and the rules it must meet (domain/reports.py holds what
is recorded). Kept apart so that the stored events never depend on a request's shape."""

from datetime import date
from typing import Annotated

from msgspec import Meta

from domain.command_data import Data
from domain.errors import InvalidStep
from domain.reports import Period, PeriodText, ReportBasis, ReportKind, period_of

AgencyName = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")]


class PublishReport(Data, frozen=True):
    """Publish the figures of an ended period for analysts. `basis` is the ESF+ figures' (required for `esf`, not
    allowed otherwise); `agency` is for `*` principals: one agency, or none for all agencies together."""

    kind: ReportKind
    period: PeriodText
    basis: ReportBasis | None = None
    agency: AgencyName | None = None


def check_publishable(command: PublishReport, today: date) -> Period:
    """The period a report may be published for: one that has ended, with a basis exactly for the ESF+ figures."""
    period = period_of(command.period)
    if period.end >= today:
        raise InvalidStep(
            "report_period_ended",
            f"the period {command.period} has not ended yet (it ends on {period.end}; today is {today})",
            "period",
            period=command.period,
            end=period.end,
            today=today,
        )
    if command.kind == "esf" and command.basis is None:
        raise InvalidStep("report_needs_basis", "an ESF+ report needs a basis: entry or exit", "basis")
    if command.kind != "esf" and command.basis is not None:
        raise InvalidStep(
            "report_takes_no_basis", f"a report of kind {command.kind} has no basis", "basis", kind=command.kind
        )
    return period
