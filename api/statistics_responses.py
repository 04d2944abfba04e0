"""Response bodies of the projection endpoints, and their CSV forms."""

import csv
import io
from datetime import date
from typing import Literal
from uuid import UUID

import msgspec

from application.statistics import COLUMNS, FOLLOW_UP_RESPONSE, Cell
from application.workspace import EsfAnswer, FunnelAnswer
from domain.indicators import GENDERS


class CaseloadView(msgspec.Struct, frozen=True):
    """One counsellor's caseload at `agency` (0.2): a reader of every agency gets a row per agency and name."""

    counsellor: str
    open: int
    by_stage: dict[str, int]
    overdue: int
    agency: str


class DeadlineView(msgspec.Struct, frozen=True, gc=False):
    """One deadline of a list. Not tracked by the cyclic garbage collector (it holds no other object that could lead
    back to it): a whole list makes tens of thousands, each of which would bring the next collection nearer."""

    case_id: UUID
    counsellor: str
    kind: str
    ref: str
    due: date
    overdue: bool


class CaseloadPage(msgspec.Struct, frozen=True):
    """A page of caseloads, by counsellor name; `total`: how many counsellors' caseloads match in all."""

    items: list[CaseloadView]
    total: int
    next_cursor: str | None


class DeadlinePage(msgspec.Struct, frozen=True):
    """A page of deadlines, by due day; `total`: how many deadlines match in all."""

    items: list[DeadlineView]
    total: int
    next_cursor: str | None


class EsfStatistics(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """`follow_up_response` only in exit-basis answers of the current definition (an answer under release 0.1's
    definition reads exactly as 0.1 answered)."""

    start: date = msgspec.field(name="from")
    to: date
    basis: Literal["entry", "exit"]
    agency: str | None
    as_of_position: int
    digest: str
    definition_version: str
    indicators: dict[str, dict[str, Cell]]
    follow_up_response: dict[str, Cell] | None = None
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
        follow_up_response=answer.follow_up_response,
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
    """One row per indicator; every row carries the position and digest, so a saved file stays checkable.

    The follow-up response follows as rows `follow_up_response.<due|reached|…>` with the persons in `total` (it has
    no split by gender).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", *COLUMNS, "from", "to", "basis", "as_of_position", "digest", "definition_version"])
    # EECO19 (enterprises) has a total only: its gender columns stay empty, as the follow-up response's do.
    rows: list[tuple[str, list[Cell | str]]] = [
        (code, [row.get(column, "") for column in COLUMNS]) for code, row in answer.indicators.items()
    ]
    for column, value in (answer.follow_up_response or {}).items():
        rows.append((f"{FOLLOW_UP_RESPONSE}.{column}", [*([""] * len(GENDERS)), value]))
    for code, cells in rows:
        writer.writerow(
            [
                code,
                *("" if cell is None else cell for cell in cells),
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
