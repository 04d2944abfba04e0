"""Published reports: what analysts read (API.md, "published reports — what analysts read")."""

import csv
import io
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from api.auth import principal_of, require_role
from api.cases import IdempotencyKey, _retry
from api.desk import RECORD_HEADERS
from api.openapi_document import ALSO_CSV
from api.params import problems
from application.reports import PUBLISHERS, REPORT_READERS, Reports
from domain.publishing import PublishReport
from domain.reports import PeriodText, Report, ReportBasis, ReportKind

AnyRequest = Request[Any, Any, Any]
Published = NamedDependency[Reports]
SIGNED_FORMAT = "lotse-report-1"


class ReportView(msgspec.Struct, frozen=True, kw_only=True):
    """A published report: its figures as analysts see them (`null` where hidden, named in `suppressed`), where they
    come from (the log position and the audit chain's head there) and the signature over them.

    `cells` are counts by name: ESF+ `CODE.gender` and `CODE.total` (with `follow_up_response.*` on the exit basis),
    the activity report's cells (`sessions_by_mode.phone`, …) or the funnel's `pathway.reached.stage` (cases whose
    first contact lies in the period). `figures` are the shares and medians. `signature` is Ed25519 by the audit key
    (`public_key`, hex) over `signed_format`, a newline and the JSON object of `id`, `agency`, `kind`, `period`,
    `basis`, `definition_version`, `position`, `digest`, `cells`, `figures`, `suppressed`, `published_by` and
    `published_at` (ISO 8601), keys sorted, no whitespace."""

    id: UUID
    agency: str
    kind: ReportKind
    period: str
    basis: ReportBasis | None
    definition_version: str
    position: int
    digest: str
    cells: dict[str, int | None]
    figures: dict[str, float | None]
    suppressed: list[str]
    published_by: str
    published_at: datetime
    signature: str
    public_key: str
    signed_format: str = SIGNED_FORMAT


class ReportList(msgspec.Struct, frozen=True):
    items: list[ReportView]


Kind = Annotated[ReportKind | None, QueryParameter(description="Only reports of this kind")]
Period = Annotated[PeriodText | None, QueryParameter(description="Only reports of this period (`2025`, `2025-Q3`)")]


class ReportsController(Controller):
    path = "/reports"
    security = [{"bearer": []}]  # noqa: RUF012 - Litestar reads it as declared
    tags = ["statistics"]  # noqa: RUF012 - Litestar reads it as declared

    @post(
        guards=[require_role(PUBLISHERS)],
        sync_to_thread=True,
        summary="Publish the figures of an ended period for analysts: frozen, signed, never changed",
        responses=problems(400, 401, 403, 409, 413, 422, 503),
        response_headers=RECORD_HEADERS,
    )
    def publish(
        self,
        data: JSONBody[PublishReport],
        request: AnyRequest,
        published: Published,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[ReportView]:
        """Leads publish their agency's figures, auditors too (a `*` auditor one agency's, named in `agency`, or all
        agencies' together). The figures are those of the log's head, replayed; the period must have ended (rule
        `report_period_ended`); `basis` is required for `esf` (`report_needs_basis`) and refused otherwise
        (`report_takes_no_basis`). Cells under 5 are hidden, and further cells until no sum or difference of this
        report's cells and every report published before (any period, agency, basis or re-publication) reveals a
        count under 5."""
        retry = _retry(idempotency_key, "POST /reports", data)
        report, position, replayed = published.publish(principal_of(request), data, retry)
        headers = {"Lotse-Position": str(position), "Idempotent-Replayed": "true" if replayed else "false"}
        return Response(report_view(report), status_code=201, headers=headers)  # a retry's too, as for every write

    @get(
        guards=[require_role(REPORT_READERS)],
        sync_to_thread=True,
        summary="The published reports the caller may read, newest first",
        responses=problems(401, 403, 422, 503),
    )
    def list_reports(
        self, request: AnyRequest, published: Published, kind: Kind = None, period: Period = None
    ) -> ReportList:
        """A reader sees her agency's reports; a `*` principal every agency's and the reports of all agencies."""
        found = published.list(principal_of(request), kind=kind, period=period)
        return ReportList(items=[report_view(report) for report in found])

    @get(
        "/{report_id:uuid}",
        guards=[require_role(REPORT_READERS)],
        sync_to_thread=True,
        summary="One published report (CSV with `Accept: text/csv`)",
        responses={
            200: ResponseSpec(ReportView, description="The report", generate_examples=False),
            **problems(401, 403, 404, 503),
        },
        opt=ALSO_CSV,
    )
    def get_report(
        self, request: AnyRequest, published: Published, report_id: FromPath[UUID]
    ) -> Response[ReportView] | Response[str]:
        """`Accept: text/csv` answers rows `cell,value` (empty where hidden), the figures after the cells."""
        report = published.get(principal_of(request), report_id)
        if "text/csv" in request.headers.get("accept", ""):
            return Response(_csv(report), media_type="text/csv")
        return Response(report_view(report))


def report_view(report: Report) -> ReportView:
    return ReportView(
        id=report.id,
        agency=report.agency,
        kind=report.kind,
        period=report.period,
        basis=report.basis,
        definition_version=report.definition_version,
        position=report.position,
        digest=report.digest,
        cells=report.cells,
        figures=report.figures,
        suppressed=report.suppressed,
        published_by=report.published_by,
        published_at=report.published_at,
        signature=report.signature,
        public_key=report.public_key,
    )


def _csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["cell", "value"])
    for name, value in [*report.cells.items(), *report.figures.items()]:
        writer.writerow([name, "" if value is None else value])
    return out.getvalue()
