"""The participant export for the funder's monitoring system: CSV, one row per participant of a period."""

import csv
import io
from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from api.auth import principal_of, require_role
from api.params import AgencyFilter, AsOfPosition, MinPosition, problems
from application.exports import EXPORTERS, Exports, ParticipantExport

AnyRequest = Request[Any, Any, Any]


class ExportsController(Controller):
    path = "/exports"
    security = [{"bearer": []}]  # noqa: RUF012 - Litestar reads it as declared
    tags = ["exports"]  # noqa: RUF012 - Litestar reads it as declared

    @get(
        "/participants",
        guards=[require_role(EXPORTERS)],
        sync_to_thread=True,
        summary="Participants of a period for the funder's monitoring system (CSV)",
        media_type="text/csv",
        responses=problems(401, 403, 404, 422, 503),
        response_headers=[
            ResponseHeader(
                name="Lotse-Position", description="The log position the rows reflect", documentation_only=True
            ),
            ResponseHeader(
                name="Lotse-Export-Version", description="The column list's version", documentation_only=True
            ),
        ],
    )
    def participants(
        self,
        request: AnyRequest,
        exports: NamedDependency[Exports],
        start: Annotated[date, QueryParameter(name="from")],
        end: Annotated[date, QueryParameter(name="to")],
        agency: AgencyFilter = None,
        as_of_position: AsOfPosition = None,
        min_position: MinPosition = None,
    ) -> Response[str]:
        """Leads and auditors. One row per participant who entered or made her final exit in the period, keyed by a
        pseudonym that stays the same for the same person and agency: `pseudonym, agency, entry_date, gender`, the
        output indicators `EECO01`–`EECO17` (1/0) of her entry, `exit_date`, the result indicators `EECR01`–`EECR06`
        (1/0; empty without an exit) and `follow_up_response` (reached, unreachable, refused, missing; empty without
        an exit). Every export is logged in the read-access log, one entry per case of each exported participant."""
        export = exports.participants(
            principal_of(request),
            start,
            end,
            agency=agency,
            as_of_position=as_of_position,
            min_position=min_position,
        )
        return Response(
            _csv(export),
            media_type="text/csv",
            headers={
                "Lotse-Position": str(export.position),
                "Lotse-Export-Version": export.version,
                "Content-Disposition": f'attachment; filename="participants_{start}_{end}.csv"',
            },
        )


def _csv(export: ParticipantExport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(export.columns)
    writer.writerows(export.rows)
    return out.getvalue()
