"""Reads of the projection views. Each read runs in one snapshot, so the data match the position reported."""

import itertools
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any
from uuid import UUID

from application.ports import CaseloadEntry, DeadlineEntry
from application.statistics import PathwayFunnel, empty_counts
from domain.funnel import FUNNEL_STAGES, PATHWAYS
from infrastructure.projections import TRACKING, ProjectionRunner
from infrastructure.sql import DialectCursor
from infrastructure.views import CASELOAD, DEADLINES, FUNNEL, INDICATOR_DAYS


class SqlViewQueries:
    def __init__(self, runner: ProjectionRunner) -> None:
        self.runner = runner
        self.database = runner.database

    def positions(self) -> dict[str, int]:
        return self.runner.positions()

    def head(self) -> int:
        return self.runner.head()

    def wait_for(self, position: int, timeout: float) -> bool:
        return self.runner.wait_for(position, timeout)

    def caseload(self, agency: str | None, counsellor: str | None, today: date) -> list[CaseloadEntry]:
        where, params = _filters({"agency": agency, "counsellor": counsellor})
        with self._snapshot() as cursor:
            cursor.execute(
                f"SELECT counsellor, stage, COUNT(*) FROM {self.database.table(CASELOAD)}"
                f" {_and(where, 'status = ?')} GROUP BY counsellor, stage",
                [*params, "open"],
            )
            open_by_stage = cursor.fetchall()
            cursor.execute(
                f"SELECT counsellor, COUNT(*) FROM {self.database.table(DEADLINES)}"
                f" {_and(where, 'due < ?')} GROUP BY counsellor",
                [*params, today.isoformat()],
            )
            overdue = {str(row[0]): int(row[1]) for row in cursor.fetchall()}
        stages: dict[str, dict[str, int]] = defaultdict(dict)
        for name, stage, count in open_by_stage:
            stages[str(name)][str(stage)] = int(count)
        return [
            CaseloadEntry(
                counsellor=name,
                open=sum(stages[name].values()),
                by_stage=dict(sorted(stages[name].items())),
                overdue=overdue.get(name, 0),
            )
            for name in sorted(set(stages) | set(overdue))
        ]

    def deadlines(self, agency: str | None, counsellor: str | None, due_before: date | None) -> list[DeadlineEntry]:
        where, params = _filters({"agency": agency, "counsellor": counsellor})
        if due_before is not None:
            where, params = _and(where, "due < ?"), [*params, due_before.isoformat()]
        rows = self.database.fetchall(
            f"SELECT case_id, counsellor, kind, ref, due FROM {self.database.table(DEADLINES)} {where}"
            " ORDER BY due, case_id, kind, ref",
            params,
        )
        return [
            DeadlineEntry(
                case_id=UUID(row[0]), counsellor=row[1], kind=row[2], ref=row[3], due=date.fromisoformat(row[4])
            )
            for row in rows
        ]

    def indicator_counts(
        self, agency: str | None, start: date, end: date, basis: str
    ) -> tuple[int, dict[str, dict[str, int]]]:
        selected, params = _filters({"agency": agency})
        selected = _and(selected, "basis = ? AND day BETWEEN ? AND ?")
        params = [*params, basis, start.isoformat(), end.isoformat()]
        with self._snapshot() as cursor:
            position = self._position(cursor, "esf")
            cursor.execute(
                f"SELECT code, gender, SUM(persons) FROM {self.database.table(INDICATOR_DAYS)} {selected}"
                " GROUP BY code, gender",
                params,
            )
            rows = cursor.fetchall()
        counts = empty_counts()
        for code, gender, count in rows:
            counts[str(code)][str(gender)] = int(count)
            counts[str(code)]["total"] += int(count)
        return position, counts

    def funnel(self, agency: str | None) -> tuple[int, dict[str, PathwayFunnel]]:
        """The funnel of application/statistics.py's `funnel`, counted and its medians taken by the database.

        At a hundred thousand cases, carrying every case's row into Python took half a second; the database answers
        from the rows where they are. The medians are exact: the middle value, or the mean of the two middle values.
        """
        where, params = _filters({"agency": agency})
        table = self.database.table(FUNNEL)
        counted = ", ".join(f"COUNT({stage})" for stage in FUNNEL_STAGES)
        with self._snapshot() as cursor:
            position = self._position(cursor, "funnel")
            cursor.execute(f"SELECT pathway, {counted} FROM {table} {where} GROUP BY pathway", params)
            reached = {str(row[0]): [int(count) for count in row[1:]] for row in cursor.fetchall()}
            medians: dict[tuple[str, str], tuple[int, float]] = {}
            for earlier, later in itertools.pairwise(FUNNEL_STAGES):
                cursor.execute(self._median_days(table, where, earlier, later), params)
                for pathway, persons, median in cursor.fetchall():
                    medians[(str(pathway), f"{earlier}->{later}")] = (int(persons), float(median))
        transitions = [f"{earlier}->{later}" for earlier, later in itertools.pairwise(FUNNEL_STAGES)]
        return position, {
            pathway: PathwayFunnel(
                reached=dict(zip(FUNNEL_STAGES, reached.get(pathway, [0] * len(FUNNEL_STAGES)), strict=True)),
                median_days={t: medians[(pathway, t)][1] if (pathway, t) in medians else None for t in transitions},
                persons_per_median={t: medians[(pathway, t)][0] if (pathway, t) in medians else 0 for t in transitions},
            )
            for pathway in PATHWAYS
        }

    def _median_days(self, table: str, where: str, earlier: str, later: str) -> str:
        """Per pathway: how many cases reached both stages, and the median of the days between them."""
        if self.database.dialect == "postgres":
            days = f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"
        else:
            days = f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"
        both = _and(where, f"{earlier} IS NOT NULL AND {later} IS NOT NULL")
        return (
            f"WITH spans AS (SELECT pathway, {days} AS days,"
            f" ROW_NUMBER() OVER (PARTITION BY pathway ORDER BY {days}) AS rank,"
            f" COUNT(*) OVER (PARTITION BY pathway) AS persons FROM {table} {both})"
            " SELECT pathway, MAX(persons), AVG(days) FROM spans"
            " WHERE rank IN ((persons + 1) / 2, (persons + 2) / 2) GROUP BY pathway"
        )

    def _position(self, cursor: DialectCursor, view: str) -> int:
        cursor.execute(f"SELECT position FROM {self.database.table(TRACKING)} WHERE view = ?", (view,))
        row = cursor.fetchone()
        return int(row[0]) if row else 0

    @contextmanager
    def _snapshot(self) -> Iterator[DialectCursor]:
        with self.database.transaction(commit=False) as cursor:
            if self.database.dialect == "postgres":
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield cursor


def _filters(equal: dict[str, str | None]) -> tuple[str, list[Any]]:
    """A WHERE clause for the columns whose wanted value is given."""
    columns = [column for column, value in equal.items() if value is not None]
    where = f"WHERE {' AND '.join(f'{column} = ?' for column in columns)}" if columns else ""
    return where, [equal[column] for column in columns]


def _and(where: str, condition: str) -> str:
    return f"{where} AND {condition}" if where else f"WHERE {condition}"
