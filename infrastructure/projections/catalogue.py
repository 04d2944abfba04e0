"""Every projection view of this release, in one list: the service follows them and `lotse migrate` creates their
tables (on PostgreSQL the runtime role may create no table) and grants the runtime role what writing them needs."""

from infrastructure.eventstore.sql import Database
from infrastructure.projections.activity_view import ActivityView
from infrastructure.projections.case_views import CaseloadView, DeadlinesView, View
from infrastructure.projections.desk_views import DeskView, EmployersView
from infrastructure.projections.offer_views import OffersView
from infrastructure.projections.statistics_views import FunnelView, IndicatorsView


def projection_views(database: Database) -> list[View]:
    return [
        CaseloadView(database),
        DeadlinesView(database),
        IndicatorsView(database),
        FunnelView(database),
        ActivityView(database),
        EmployersView(database),
        DeskView(database),
        OffersView(database),
    ]
