"""Published reports: what analysts read (API.md, "published reports — what analysts read").

A lead or auditor publishes the figures of an ended period — the ESF+ indicators on one basis, the activity report or
the pathway funnel — and the report is frozen: the figures as they stood at the log position of its publication, with
the cells an analyst may not see hidden, signed with the audit key. A later report of the same period is a
re-publication beside it; no report is ever changed.

Reports whose cells could be set against one another — the same figures on the same basis and definition, of any
agency and period — form a series: one entry of the reports register, each publication one more event of it. So
publications of one series are decided one after the other, each against all before it: two published at the same
moment cannot each pass the suppression alone and together reveal a cell (the second is decided again).

The event keeps the exact counts the published cells were summed from (`counts`: per agency and month, and the whole
period's for the figures that are no such sum), because the suppression of every later report must hold against
everything published before it (application/disclosure.py). Analysts never see them: they read `cells`.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID, uuid5

import msgspec
from msgspec import Meta

from domain.registers import Register, RegisterEvent, Stamp

ReportKind = Literal["esf", "activity", "funnel"]
ReportBasis = Literal["entry", "exit"]
PeriodText = Annotated[
    str,
    Meta(
        pattern=r"^20[0-9]{2}(-Q[1-4]|-(0[1-9]|1[0-2]))?$",
        description="a year (`2025`), a quarter (`2025-Q3`) or a month (`2025-07`), of the years 2000 to 2099",
        examples=["2025", "2025-Q3", "2025-07"],
    ),
]
ALL_AGENCIES = "*"
# A report's exact counts: agency → month (`2025-07`) → cell → count.
MonthlyCounts = dict[str, dict[str, dict[str, int]]]


@dataclass(frozen=True)
class Period:
    text: str
    start: date
    end: date

    @property
    def months(self) -> tuple[str, ...]:
        """The months the period spans, as `YYYY-MM`."""
        return tuple(
            f"{year:04d}-{month:02d}"
            for year in range(self.start.year, self.end.year + 1)
            for month in range(1, 13)
            if date(year, month, 1) >= self.start.replace(day=1) and date(year, month, 1) <= self.end
        )


def period_of(text: str) -> Period:
    """The period a report names: `2025`, `2025-Q3` or `2025-07` (ValueError for anything else)."""
    if len(text) == 4 and text.isascii() and text.isdigit():
        year = int(text)
        return Period(text, date(year, 1, 1), date(year, 12, 31))
    year_text, _, part = text.partition("-")
    if not (len(year_text) == 4 and year_text.isascii() and year_text.isdigit()):
        raise ValueError(f"not a period: {text!r}")
    year = int(year_text)
    if len(part) == 2 and part[0] == "Q" and part[1] in "1234":
        first = 3 * int(part[1]) - 2
        return Period(text, date(year, first, 1), month_end(year, first + 2))
    if len(part) == 2 and part.isascii() and part.isdigit() and 1 <= int(part) <= 12:
        return Period(text, date(year, int(part), 1), month_end(year, int(part)))
    raise ValueError(f"not a period: {text!r}")


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


# Events


class ReportPublished(RegisterEvent, frozen=True, kw_only=True):
    TOPIC = "lotse.report.ReportPublished"
    TYPE = "report_published"
    report_id: UUID
    agency: str  # the agency the figures are of, or "*": all agencies together
    kind: ReportKind
    period: str
    basis: ReportBasis | None = None
    definition_version: str
    position: int  # the log position the figures were computed at
    digest: str  # the audit chain's head at that position
    cells: dict[str, int | None]  # the counts as published: None where hidden
    figures: dict[str, float | None]  # shares and medians as published: None where hidden
    suppressed: list[str]
    counts: MonthlyCounts
    whole_counts: dict[str, int]  # the whole period's counts that are no sum over months
    signature: str  # Ed25519 over `signed_message`, hex
    public_key: str  # the audit key's public half, hex


# States


class Report(msgspec.Struct, frozen=True, kw_only=True):
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
    counts: MonthlyCounts
    whole_counts: dict[str, int]
    signature: str
    public_key: str
    published_by: str
    published_at: datetime


class ReportSeries(msgspec.Struct, frozen=True, kw_only=True):
    """Every report of one kind, basis and definition, in the order they were published."""

    id: UUID
    version: int
    agency: str  # "*": a series holds every agency's reports
    reports: tuple[Report, ...]


SERIES_NAMESPACE = UUID("8f0c7d1e-5b2a-4f3e-9c61-2d7a0b4e9f15")


def series_id(kind: ReportKind, basis: ReportBasis | None, definition_version: str) -> UUID:
    """The one series the reports of this kind, basis and definition belong to."""
    return uuid5(SERIES_NAMESPACE, f"lotse.reports/{kind}/{basis or '-'}/{definition_version}")


def signed_message(report: Report) -> bytes:
    """What the signature covers: every published value, where it comes from, who published it and when — as the
    API shows them, so that a reader can check it with the report's own JSON (keys sorted, no whitespace)."""
    body = {
        "id": report.id,
        "agency": report.agency,
        "kind": report.kind,
        "period": report.period,
        "basis": report.basis,
        "definition_version": report.definition_version,
        "position": report.position,
        "digest": report.digest,
        "cells": report.cells,
        "figures": report.figures,
        "suppressed": report.suppressed,
        "published_by": report.published_by,
        "published_at": report.published_at,
    }
    return b"lotse-report-1\n" + msgspec.json.encode(body, order="sorted")


# Decisions


def published(stamp: Stamp, report: Report) -> ReportPublished:
    """The event that adds the report, as decided and signed, to its series."""
    return ReportPublished(
        **stamp.fields(),
        report_id=report.id,
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
        counts=report.counts,
        whole_counts=report.whole_counts,
        signature=report.signature,
        public_key=report.public_key,
    )


def _series(series: ReportSeries | None, event: ReportPublished) -> ReportSeries:
    if not isinstance(event, ReportPublished):
        raise ValueError(f"a report series grows by publications, not by {type(event).__name__}")
    if (series is None) != (event.originator_version == 1) or (
        series is not None and event.originator_version != series.version + 1
    ):
        raise ValueError(f"publication {event.originator_version} does not follow the series' version")
    report = Report(
        id=event.report_id,
        agency=event.agency,
        kind=event.kind,
        period=event.period,
        basis=event.basis,
        definition_version=event.definition_version,
        position=event.position,
        digest=event.digest,
        cells=event.cells,
        figures=event.figures,
        suppressed=event.suppressed,
        counts=event.counts,
        whole_counts=event.whole_counts,
        signature=event.signature,
        public_key=event.public_key,
        published_by=event.recorded_by,
        published_at=event.timestamp,
    )
    earlier = series.reports if series is not None else ()
    return ReportSeries(
        id=event.originator_id, version=event.originator_version, agency=ALL_AGENCIES, reports=(*earlier, report)
    )


REPORTS: Register[ReportSeries] = Register("report series", ReportSeries, (ReportPublished,), _series)
