"""Projection endpoints: caseloads, deadlines and the funder statistics (JSON, or CSV on request)."""

from datetime import date
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import QueryParameter

from api.auth import COUNSELLING, principal_of, require_role
from api.params import AgencyFilter, AsOfPosition, MinPosition, NameFilter, problems, query_error
from api.views_statistics import (
    CaseloadView,
    DeadlineView,
    EsfStatistics,
    FunnelStatistics,
    esf_csv,
    esf_view,
    funnel_csv,
    funnel_view,
)
from application.cases import CaseService
from application.errors import ViewLagging
from application.ports import ALL_AGENCIES, Principal, ViewQueries
from application.reporting import Reporting

MIN_POSITION_WAIT_SECONDS = 5.0
AnyRequest = Request[Any, Any, Any]


class ProjectionsController(Controller):
    tags = ["projections"]  # noqa: RUF012 - Litestar reads it as declared
    security = [{"bearer": []}]  # noqa: RUF012 - Litestar reads it as declared

    @get(
        "/caseload",
        sync_to_thread=True,
        summary="Open cases, by stage and overdue, per counsellor",
        responses=problems(401, 403, 422, 503),
    )
    def caseload(
        self,
        request: AnyRequest,
        service: NamedDependency[CaseService],
        views: NamedDependency[ViewQueries],
        counsellor: NameFilter = None,
        agency: AgencyFilter = None,
        min_position: MinPosition = None,
    ) -> list[CaseloadView]:
        principal = principal_of(request)
        counsellor = _counsellor_filter(principal, counsellor)
        _wait(views, min_position)
        entries = views.caseload(_agency(principal, agency), counsellor, service.today())
        return [CaseloadView(e.counsellor, e.open, e.by_stage, e.overdue) for e in entries]

    @get(
        "/deadlines",
        guards=[require_role(*COUNSELLING, "auditor")],
        sync_to_thread=True,
        summary="Due and overdue deadlines",
        responses=problems(401, 403, 422, 503),
    )
    def deadlines(
        self,
        request: AnyRequest,
        service: NamedDependency[CaseService],
        views: NamedDependency[ViewQueries],
        due_before: Annotated[date | None, QueryParameter()] = None,
        counsellor: NameFilter = None,
        agency: AgencyFilter = None,
        min_position: MinPosition = None,
    ) -> list[DeadlineView]:
        principal = principal_of(request)
        counsellor = _counsellor_filter(principal, counsellor)
        _wait(views, min_position)
        today = service.today()
        entries = views.deadlines(_agency(principal, agency), counsellor, due_before)
        return [DeadlineView(e.case_id, e.counsellor, e.kind, e.ref, e.due, e.due < today) for e in entries]

    @get(
        "/statistics/esf",
        sync_to_thread=True,
        summary="ESF+ common indicators by gender, with the log position and digest they were computed at",
        responses=problems(401, 404, 422, 503),
    )
    def esf(
        self,
        request: AnyRequest,
        reporting: NamedDependency[Reporting],
        views: NamedDependency[ViewQueries],
        start: Annotated[date, QueryParameter(name="from")],
        end: Annotated[date, QueryParameter(name="to")],
        basis: Annotated[Literal["entry", "exit"], QueryParameter()] = "entry",
        agency: AgencyFilter = None,
        as_of_position: AsOfPosition = None,
        min_position: MinPosition = None,
    ) -> Response[EsfStatistics] | Response[str]:
        principal = principal_of(request)
        if start > end:
            raise query_error("to", "the period ends before it starts")
        _wait(views, min_position)
        figures = reporting.esf(_agency(principal, agency), start, end, basis, as_of_position)
        answer = esf_view(figures, _agency(principal, agency), suppressed=principal.role == "analyst")
        if _wants_csv(request):
            return Response(esf_csv(answer), media_type="text/csv; charset=utf-8")
        return Response(answer)

    @get(
        "/statistics/funnel",
        sync_to_thread=True,
        summary="Per pathway: persons reaching each stage and median days between stages",
        responses=problems(401, 404, 422, 503),
    )
    def funnel(
        self,
        request: AnyRequest,
        reporting: NamedDependency[Reporting],
        views: NamedDependency[ViewQueries],
        agency: AgencyFilter = None,
        as_of_position: AsOfPosition = None,
        min_position: MinPosition = None,
    ) -> Response[FunnelStatistics] | Response[str]:
        principal = principal_of(request)
        _wait(views, min_position)
        figures = reporting.funnel(_agency(principal, agency), as_of_position)
        answer = funnel_view(figures, _agency(principal, agency), suppressed=principal.role == "analyst")
        if _wants_csv(request):
            return Response(funnel_csv(answer), media_type="text/csv; charset=utf-8")
        return Response(answer)


def _counsellor_filter(principal: Principal, wanted: str | None) -> str | None:
    """A counsellor reads only her own caseload and deadlines; leads and auditors any counsellor's."""
    if principal.role != "counsellor":
        return wanted
    if wanted not in (None, principal.subject):
        raise PermissionDeniedException("a counsellor reads her own caseload and deadlines; a lead the agency's")
    return principal.subject


def _agency(principal: Principal, wanted: str | None) -> str | None:
    """The agency whose figures the caller reads: her own, or any (or all) for a '*' token."""
    return wanted if principal.agency == ALL_AGENCIES else principal.agency


def _wait(views: ViewQueries, min_position: int | None) -> None:
    if min_position is None:
        return
    if min_position > views.head():
        # Every write answers a committed position, so one beyond the log's head was never handed out.
        raise query_error("min_position", f"the log has no position {min_position} (it is at {views.head()})")
    if not views.wait_for(min_position, MIN_POSITION_WAIT_SECONDS):
        raise ViewLagging(min_position)


def _wants_csv(request: AnyRequest) -> bool:
    return "text/csv" in request.headers.get("accept", "")
