"""Reads of the projection views. Each read runs in one snapshot, so the data match the position reported."""

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any
from uuid import UUID

from application.ports import CaseloadEntry, DeadlineEntry
from application.statistics import FunnelFacts, empty_counts
from domain.funnel import FUNNEL_STAGES
from infrastructure.projections import TRACKING, ProjectionRunner
from infrastructure.sql import DialectCursor
from infrastructure.views import CASELOAD, DEADLINES, FUNNEL, INDICATORS, PARTICIPANTS


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
        participants, indicators = self.database.table(PARTICIPANTS), self.database.table(INDICATORS)
        where, params = _filters({"p.agency": agency})
        first, last = start.isoformat(), end.isoformat()
        if basis == "entry":
            selected = _and(where, "p.entry_on BETWEEN ? AND ?")
            params = [*params, first, last]
        else:
            # Follow-up results count in the period of the follow-up; everything else in the period of the exit.
            selected = _and(
                where,
                "((i.code IN ('EECR05', 'EECR06') AND p.follow_up_on BETWEEN ? AND ?)"
                " OR (i.code NOT IN ('EECR05', 'EECR06') AND p.exit_on BETWEEN ? AND ?))",
            )
            params = [*params, first, last, first, last]
        with self._snapshot() as cursor:
            position = self._position(cursor, "esf")
            cursor.execute(
                f"SELECT i.code, p.gender, COUNT(*) FROM {participants} p JOIN {indicators} i ON i.case_id = p.case_id"
                f" {selected} GROUP BY i.code, p.gender",
                params,
            )
            rows = cursor.fetchall()
        counts = empty_counts()
        for code, gender, count in rows:
            counts[str(code)][str(gender)] = int(count)
            counts[str(code)]["total"] += int(count)
        return position, counts

    def funnel_facts(self, agency: str | None) -> tuple[int, list[Any]]:
        where, params = _filters({"agency": agency})
        stages = ", ".join(FUNNEL_STAGES)
        with self._snapshot() as cursor:
            position = self._position(cursor, "funnel")
            cursor.execute(
                f"SELECT case_id, agency, pathway, {stages} FROM {self.database.table(FUNNEL)} {where}", params
            )
            rows = cursor.fetchall()
        return position, [
            FunnelFacts(
                case_id=row[0],
                agency=row[1],
                pathway=row[2],
                reached={
                    stage: date.fromisoformat(day)
                    for stage, day in zip(FUNNEL_STAGES, row[3:], strict=True)
                    if day is not None
                },
            )
            for row in rows
        ]

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
