"""Response bodies of the projection endpoints, and their CSV forms."""

import csv
import io
from datetime import date
from typing import Literal
from uuid import UUID

import msgspec

from application.statistics import COLUMNS, Cell
from application.workspace import EsfAnswer, FunnelAnswer


class CaseloadView(msgspec.Struct, frozen=True):
    counsellor: str
    open: int
    by_stage: dict[str, int]
    overdue: int


class DeadlineView(msgspec.Struct, frozen=True):
    case_id: UUID
    counsellor: str
    kind: str
    ref: str
    due: date
    overdue: bool


class EsfStatistics(msgspec.Struct, frozen=True, kw_only=True):
    start: date = msgspec.field(name="from")
    to: date
    basis: Literal["entry", "exit"]
    agency: str | None
    as_of_position: int
    digest: str
    definition_version: str
    indicators: dict[str, dict[str, Cell]]
    suppressed: list[str]


class PathwayStatistics(msgspec.Struct, frozen=True):
    reached: dict[str, Cell]
    median_days: dict[str, float | None]


class FunnelStatistics(msgspec.Struct, frozen=True, kw_only=True):
    agency: str | None
    as_of_position: int
    digest: str
    definition_version: str
    pathways: dict[str, PathwayStatistics]
    suppressed: list[str]


def esf_view(answer: EsfAnswer) -> EsfStatistics:
    figures = answer.figures
    return EsfStatistics(
        start=figures.start,
        to=figures.end,
        basis=figures.basis,
        agency=answer.agency,
        as_of_position=figures.position,
        digest=figures.digest,
        definition_version=figures.definition_version,
        indicators=answer.indicators,
        suppressed=answer.suppressed,
    )


def funnel_view(answer: FunnelAnswer) -> FunnelStatistics:
    """The funnel; for analysts, counts under MIN_CELL and medians over fewer persons are null."""
    figures = answer.figures
    return FunnelStatistics(
        agency=answer.agency,
        as_of_position=figures.position,
        digest=figures.digest,
        definition_version=figures.definition_version,
        pathways={
            pathway: PathwayStatistics(reached=shown.reached, median_days=shown.median_days)
            for pathway, shown in answer.pathways.items()
        },
        suppressed=answer.suppressed,
    )


def esf_csv(answer: EsfStatistics) -> str:
    """One row per indicator; every row carries the position and digest, so a saved file stays checkable."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", *COLUMNS, "from", "to", "basis", "as_of_position", "digest", "definition_version"])
    for code, row in answer.indicators.items():
        writer.writerow(
            [
                code,
                *("" if row[column] is None else row[column] for column in COLUMNS),
                answer.start.isoformat(),
                answer.to.isoformat(),
                answer.basis,
                answer.as_of_position,
                answer.digest,
                answer.definition_version,
            ]
        )
    return out.getvalue()


def funnel_csv(answer: FunnelStatistics) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["pathway", "measure", "stage", "value", "as_of_position", "digest", "definition_version"])
    for pathway, numbers in answer.pathways.items():
        rows: list[tuple[str, str, float | None]] = [
            ("reached", stage, value) for stage, value in numbers.reached.items()
        ]
        rows += [("median_days", step, value) for step, value in numbers.median_days.items()]
        for measure, stage, value in rows:
            writer.writerow(
                [
                    pathway,
                    measure,
                    stage,
                    "" if value is None else value,
                    answer.as_of_position,
                    answer.digest,
                    answer.definition_version,
                ]
            )
    return out.getvalue()
