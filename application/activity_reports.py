"""The activity report's use case (GET /statistics/activity): who reads which agency's report, and how much of it."""

from dataclasses import dataclass
from datetime import date

from application.activity import ShownActivity, shown_activity
from application.errors import InvalidQuery
from application.policy import agency_scope, reads_suppressed_figures, require_live_figures
from application.ports import Principal, ViewQueries
from application.read_your_writes import MIN_POSITION_WAIT_SECONDS, wait_for_views
from application.reporting import ActivityFigures, Reporting


@dataclass(frozen=True)
class ActivityAnswer:
    """The activity report of the agency read (None: every agency), as the principal may see it."""

    figures: ActivityFigures
    agency: str | None
    shown: ShownActivity


class ActivityReports:
    """GET /statistics/activity: every role reads its agency's report (a `*` token: one agency's, or all); analysts
    with small cells hidden."""

    def __init__(self, reporting: Reporting, views: ViewQueries) -> None:
        self.reporting = reporting
        self.views = views

    def report(
        self,
        principal: Principal,
        start: date,
        end: date,
        *,
        agency: str | None = None,
        as_of_position: int | None = None,
        min_position: int | None = None,
    ) -> ActivityAnswer:
        require_live_figures(principal)
        if start > end:
            raise InvalidQuery("to", "the period ends before it starts")
        wait_for_views(self.views, min_position, MIN_POSITION_WAIT_SECONDS)
        scope = agency_scope(principal, agency)
        figures = self.reporting.activity(scope, start, end, as_of_position)
        shown = shown_activity(figures.figures, suppressed=reads_suppressed_figures(principal.role))
        return ActivityAnswer(figures=figures, agency=scope, shown=shown)
