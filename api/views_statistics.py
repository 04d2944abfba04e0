"""Response bodies of the projection endpoints, and their CSV forms."""

import csv
import io
from datetime import date
from typing import Literal
from uuid import UUID

import msgspec

from application.reporting import EsfFigures, FunnelFigures
from application.statistics import COLUMNS, MIN_CELL, suppress

Cell = int | None


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


def esf_view(figures: EsfFigures, agency: str | None, *, suppressed: bool) -> EsfStatistics:
    cells: dict[str, dict[str, Cell]]
    hidden: list[str] = []
    if suppressed:
        cells, hidden = suppress(figures.counts)
    else:
        cells = {code: dict(row) for code, row in figures.counts.items()}
    return EsfStatistics(
        start=figures.start,
        to=figures.end,
        basis=figures.basis,
        agency=agency,
        as_of_position=figures.position,
        digest=figures.digest,
        definition_version=figures.definition_version,
        indicators=cells,
        suppressed=hidden,
    )


def funnel_view(figures: FunnelFigures, agency: str | None, *, suppressed: bool) -> FunnelStatistics:
    """The funnel; for analysts, counts under MIN_CELL and medians over fewer persons are hidden."""
    hidden: list[str] = []
    pathways = {}
    for pathway, numbers in figures.pathways.items():
        reached: dict[str, Cell] = dict(numbers.reached)
        medians = dict(numbers.median_days)
        if suppressed:
            for stage, count in numbers.reached.items():
                if count < MIN_CELL:
                    reached[stage] = None
                    hidden.append(f"{pathway}.reached.{stage}")
            for step, persons in numbers.persons_per_median.items():
                if persons < MIN_CELL:
                    medians[step] = None
                    hidden.append(f"{pathway}.median_days.{step}")
        pathways[pathway] = PathwayStatistics(reached=reached, median_days=medians)
    return FunnelStatistics(
        agency=agency,
        as_of_position=figures.position,
        digest=figures.digest,
        definition_version=figures.definition_version,
        pathways=pathways,
        suppressed=hidden,
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
