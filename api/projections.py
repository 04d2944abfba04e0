"""Projection endpoints: caseloads, deadlines and the funder statistics (JSON, or CSV on request)."""

from datetime import date
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter

from api.auth import principal_of, require_role
from api.openapi_document import ALSO_CSV
from api.paging import (
    PageCursor,
    PageLimit,
    after_caseload,
    after_deadline,
    caseload_cursor,
    deadline_cursor,
    is_paged,
    page_size,
)
from api.params import AgencyFilter, AsOfPosition, MinPosition, NameFilter, problems
from api.statistics_responses import (
    CaseloadPage,
    CaseloadView,
    DeadlinePage,
    DeadlineView,
    EsfStatistics,
    FunnelStatistics,
    esf_csv,
    esf_view,
    funnel_csv,
    funnel_view,
)
from api.views_lag import READS_VIEWS, READS_VIEWS_WHEN_LIVE
from application.policy import CASE_READERS
from application.ports import CaseloadEntry, CaseloadKey, DeadlineEntry
from application.statistics import CURRENT_DEFINITION, DEFINITION_0_1
from application.workspace import Workspace

AnyRequest = Request[Any, Any, Any]
Figures = NamedDependency[Workspace]
DefinitionVersion = Annotated[
    str | None,
    QueryParameter(
        max_length=100,
        description=(
            f"The definition the figures follow: {CURRENT_DEFINITION} (the default, this release's) or"
            f" {DEFINITION_0_1} (release 0.1's, recomputed from the log to re-derive a figure published under it)"
        ),
    ),
]


def _figures(answer: type[EsfStatistics | FunnelStatistics]) -> ResponseSpec:
    """The JSON answer of a statistics path (its CSV form is added to the document by `ALSO_CSV`)."""
    return ResponseSpec(answer, description="The figures", generate_examples=False)


class ProjectionsController(Controller):
    tags = ["projections"]  # noqa: RUF012 - Litestar reads it as declared
    security = [{"bearer": []}]  # noqa: RUF012 - Litestar reads it as declared

    @get(
        "/caseload",
        sync_to_thread=True,
        summary="Open cases, by stage and overdue, per counsellor",
        description=(
            "By counsellor name. Without `limit` and `cursor` the answer is every caseload as a JSON array, as release"
            " 0.1 answered. With either it is a page `{items, total, next_cursor}` of at most `limit` caseloads (100"
            " when only `cursor` is given); `total` counts every caseload that matches, `next_cursor` asks for the"
            " next page and is null on the last."
        ),
        responses=problems(401, 403, 422, 503),
        opt=READS_VIEWS,
    )
    def caseload(
        self,
        request: AnyRequest,
        workspace: Figures,
        counsellor: NameFilter = None,
        agency: AgencyFilter = None,
        min_position: MinPosition = None,
        limit: PageLimit = None,
        cursor: PageCursor = None,
    ) -> list[CaseloadView] | CaseloadPage:
        principal = principal_of(request)
        if not is_paged(limit, cursor):
            entries = workspace.caseload(principal, counsellor=counsellor, agency=agency, min_position=min_position)
            return [_caseload_view(entry) for entry in entries]
        page = workspace.caseload_page(
            principal,
            after=after_caseload(cursor),
            limit=page_size(limit),
            counsellor=counsellor,
            agency=agency,
            min_position=min_position,
        )
        last = caseload_cursor(CaseloadKey(page.items[-1].counsellor, page.items[-1].agency)) if page.more else None
        return CaseloadPage([_caseload_view(entry) for entry in page.items], page.total, last)

    @get(
        "/deadlines",
        guards=[require_role(CASE_READERS)],
        sync_to_thread=True,
        summary="Due and overdue deadlines",
        description=(
            "By due day, then case, kind and ref. Without `limit` and `cursor` the answer is every item as a JSON"
            " array, as release 0.1 answered. With either it is a page `{items, total, next_cursor}` of at most"
            " `limit` items (100 when only `cursor` is given); `total` counts every item that matches, `next_cursor`"
            " asks for the next page and is null on the last. A cursor marks where its page ended, so items recorded"
            " or removed meanwhile shift no other item between pages."
        ),
        responses=problems(401, 403, 422, 503),
        opt=READS_VIEWS,
    )
    def deadlines(
        self,
        request: AnyRequest,
        workspace: Figures,
        due_before: Annotated[date | None, QueryParameter()] = None,
        counsellor: NameFilter = None,
        agency: AgencyFilter = None,
        min_position: MinPosition = None,
        limit: PageLimit = None,
        cursor: PageCursor = None,
    ) -> list[DeadlineView] | DeadlinePage:
        principal = principal_of(request)
        if not is_paged(limit, cursor):
            due = workspace.deadlines(
                principal, due_before=due_before, counsellor=counsellor, agency=agency, min_position=min_position
            )
            return [_deadline_view(entry, due.today) for entry in due.entries]
        paged = workspace.deadlines_page(
            principal,
            after=after_deadline(cursor),
            limit=page_size(limit),
            due_before=due_before,
            counsellor=counsellor,
            agency=agency,
            min_position=min_position,
        )
        page = paged.page
        last = deadline_cursor(page.items[-1].key) if page.more else None
        return DeadlinePage([_deadline_view(entry, paged.today) for entry in page.items], page.total, last)

    @get(
        "/statistics/esf",
        sync_to_thread=True,
        summary="ESF+ common indicators by gender, with the log position and digest they were computed at",
        responses={200: _figures(EsfStatistics), **problems(401, 403, 404, 422, 503)},
        opt={**READS_VIEWS_WHEN_LIVE, **ALSO_CSV},
    )
    def esf(
        self,
        request: AnyRequest,
        workspace: Figures,
        start: Annotated[date, QueryParameter(name="from")],
        end: Annotated[date, QueryParameter(name="to")],
        basis: Annotated[Literal["entry", "exit"], QueryParameter()] = "entry",
        agency: AgencyFilter = None,
        as_of_position: AsOfPosition = None,
        min_position: MinPosition = None,
        definition_version: DefinitionVersion = None,
    ) -> Response[EsfStatistics] | Response[str]:
        answer = esf_view(
            workspace.esf(
                principal_of(request),
                start,
                end,
                basis,
                agency=agency,
                as_of_position=as_of_position,
                min_position=min_position,
                definition_version=definition_version,
            )
        )
        if _wants_csv(request):
            return Response(esf_csv(answer), media_type="text/csv")
        return Response(answer)

    @get(
        "/statistics/funnel",
        sync_to_thread=True,
        summary="Per pathway: persons reaching each stage and median days between stages",
        responses={200: _figures(FunnelStatistics), **problems(401, 403, 404, 422, 503)},
        opt={**READS_VIEWS_WHEN_LIVE, **ALSO_CSV},
    )
    def funnel(
        self,
        request: AnyRequest,
        workspace: Figures,
        agency: AgencyFilter = None,
        as_of_position: AsOfPosition = None,
        min_position: MinPosition = None,
    ) -> Response[FunnelStatistics] | Response[str]:
        answer = funnel_view(
            workspace.funnel(
                principal_of(request), agency=agency, as_of_position=as_of_position, min_position=min_position
            )
        )
        if _wants_csv(request):
            return Response(funnel_csv(answer), media_type="text/csv")
        return Response(answer)


def _caseload_view(entry: CaseloadEntry) -> CaseloadView:
    return CaseloadView(entry.counsellor, entry.open, entry.by_stage, entry.overdue, entry.agency)


def _deadline_view(entry: DeadlineEntry, today: date) -> DeadlineView:
    return DeadlineView(entry.case_id, entry.counsellor, entry.kind, entry.ref, entry.due, entry.due < today)


def _wants_csv(request: AnyRequest) -> bool:
    return "text/csv" in request.headers.get("accept", "")
