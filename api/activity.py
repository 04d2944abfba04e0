"""GET /statistics/activity: what the desk did in a period (JSON, or CSV on request)."""

import csv
import io
from datetime import date
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter

from api.auth import principal_of
from api.openapi_document import ALSO_CSV
from api.params import AgencyFilter, AsOfPosition, MinPosition, problems
from api.views_lag import READS_VIEWS_WHEN_LIVE
from application.activity_reports import ActivityAnswer, ActivityReports
from application.statistics import Cell

AnyRequest = Request[Any, Any, Any]


class LanguageStatistics(msgspec.Struct, frozen=True):
    sessions: Cell
    with_interpreter: Cell


class SessionStatistics(msgspec.Struct, frozen=True):
    total: Cell
    by_mode: dict[str, Cell]
    by_language: dict[str, LanguageStatistics]


class ShortContactStatistics(msgspec.Struct, frozen=True):
    total: Cell
    by_topic: dict[str, Cell]


class OutreachStatistics(msgspec.Struct, frozen=True):
    total: Cell
    attendees: Cell
    by_kind: dict[str, Cell]


class EmployersCounselled(msgspec.Struct, frozen=True):
    total: Cell
    by_size: dict[str, Cell]


class ReferralStatistics(msgspec.Struct, frozen=True):
    total: Cell
    by_to: dict[str, Cell]
    by_outcome: dict[str, Cell]


class ActivityStatistics(msgspec.Struct, frozen=True, kw_only=True):
    start: date = msgspec.field(name="from")
    to: date
    agency: str | None
    as_of_position: int
    digest: str
    definition_version: str
    sessions: SessionStatistics
    persons_counselled: Cell
    persons_with_foreign_background: Cell
    share_foreign_background: float | None
    new_cases: Cell
    short_contacts: ShortContactStatistics
    outreach_events: OutreachStatistics
    employers_contacted: Cell
    employers_counselled: EmployersCounselled
    referrals: ReferralStatistics
    suppressed: list[str]


class ActivityController(Controller):
    path = "/statistics/activity"
    security = [{"bearer": []}]  # noqa: RUF012 - Litestar reads it as declared
    tags = ["statistics"]  # noqa: RUF012 - Litestar reads it as declared

    @get(
        sync_to_thread=True,
        summary="What the desk did in a period: sessions, persons, short contacts, outreach, employers, referrals",
        responses={
            200: ResponseSpec(ActivityStatistics, description="The figures", generate_examples=False),
            **problems(401, 403, 404, 422, 503),
        },
        opt={**READS_VIEWS_WHEN_LIVE, **ALSO_CSV},
    )
    def activity(
        self,
        request: AnyRequest,
        reports: NamedDependency[ActivityReports],
        start: Annotated[date, QueryParameter(name="from")],
        end: Annotated[date, QueryParameter(name="to")],
        agency: AgencyFilter = None,
        as_of_position: AsOfPosition = None,
        min_position: MinPosition = None,
    ) -> Response[ActivityStatistics] | Response[str]:
        """Sessions (counselling sessions of cases) by mode and by language with how many had an interpreter; the
        persons counselled (first contact or session in the period; one client's cases are one person) and how many
        of them have a foreign background; new cases; short contacts by topic; outreach events, attendees, by kind;
        employers contacted and counselled (by size); referrals made, by target and by latest outcome (`pending`
        while none). Every role reads its agency's report; analysts see cells under 5 as null (named in
        `suppressed`), and enough further cells that none follows from the others. `Accept: text/csv` answers rows
        `cell,value`."""
        answer = reports.report(
            principal_of(request),
            start,
            end,
            agency=agency,
            as_of_position=as_of_position,
            min_position=min_position,
        )
        if "text/csv" in request.headers.get("accept", ""):
            return Response(_csv(answer), media_type="text/csv")
        return Response(_statistics(answer))


def _statistics(answer: ActivityAnswer) -> ActivityStatistics:
    cells = answer.shown.cells
    figures = answer.figures.figures

    def part(name: str, keys: dict[str, Any]) -> dict[str, Cell]:
        return {key: cells[f"{name}.{key}"] for key in keys}

    return ActivityStatistics(
        start=answer.figures.start,
        to=answer.figures.end,
        agency=answer.agency,
        as_of_position=answer.figures.position,
        digest=answer.figures.digest,
        definition_version=answer.figures.definition_version,
        sessions=SessionStatistics(
            total=cells["sessions"],
            by_mode=part("sessions_by_mode", figures.sessions_by_mode),
            by_language={
                language: LanguageStatistics(
                    sessions=cells[f"sessions_by_language.{language}"],
                    with_interpreter=cells[f"sessions_by_language.{language}.with_interpreter"],
                )
                for language in figures.sessions_by_language
            },
        ),
        persons_counselled=cells["persons_counselled"],
        persons_with_foreign_background=cells["persons_with_foreign_background"],
        share_foreign_background=answer.shown.share_foreign_background,
        new_cases=cells["new_cases"],
        short_contacts=ShortContactStatistics(
            total=cells["short_contacts"], by_topic=part("short_contacts_by_topic", figures.short_contacts_by_topic)
        ),
        outreach_events=OutreachStatistics(
            total=cells["outreach_events"],
            attendees=cells["outreach_attendees"],
            by_kind=part("outreach_events_by_kind", figures.outreach_events_by_kind),
        ),
        employers_contacted=cells["employers_contacted"],
        employers_counselled=EmployersCounselled(
            total=cells["employers_counselled"],
            by_size=part("employers_counselled_by_size", figures.employers_counselled_by_size),
        ),
        referrals=ReferralStatistics(
            total=cells["referrals"],
            by_to=part("referrals_by_to", figures.referrals_by_to),
            by_outcome=part("referrals_by_outcome", figures.referrals_by_outcome),
        ),
        suppressed=answer.shown.suppressed,
    )


def _csv(answer: ActivityAnswer) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["cell", "value"])
    for name, value in answer.shown.cells.items():
        writer.writerow([name, "" if value is None else value])
    share = answer.shown.share_foreign_background
    writer.writerow(["share_foreign_background", "" if share is None else share])
    return out.getvalue()
