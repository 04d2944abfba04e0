"""Reads of the projection views. Each read runs in one snapshot, so the data match the position reported.

A page of caseloads or deadlines costs what is on it, not what the agency holds: the counsellors' names are found by
skipping through an index from one name to the next (a recursive query, one index seek per name), a page of deadlines
is read from where its cursor points in an index in the listing's order, and the totals are counted in the indexes.
"""

import heapq
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

import msgspec

from application.ports import CaseloadEntry, CaseloadKey, DeadlineEntry, DeadlineKey, Page
from application.statistics import SMES_SUPPORTED, PathwayFunnel
from domain.funnel import FUNNEL_STAGES, PATHWAYS
from infrastructure.eventstore.sql import Database, DialectCursor
from infrastructure.projections.case_views import CASELOAD, DEADLINES
from infrastructure.projections.runner import TRACKING, ProjectionRunner
from infrastructure.projections.statistics_views import (
    FUNNEL_SPANS,
    FUNNEL_STAGE_COUNTS,
    INDICATOR_DAYS,
    SME_SUPPORT_DAYS,
    SPANS,
)


class SqlViewQueries:
    """`reads`: a streaming replica to read the views from (LOTSE_READ_DATABASE_URL); the head is the primary's."""

    def __init__(self, runner: ProjectionRunner, reads: Database | None = None) -> None:
        self.runner = runner
        self.database = reads or runner.database

    def positions(self) -> dict[str, int]:
        return self.runner.positions(self.database)

    def head(self) -> int:
        return self.runner.head()

    def wait_for(self, position: int, timeout: float) -> bool:
        return self.runner.wait_for(position, timeout, self.database)

    def caseload(self, agency: str | None, counsellor: str | None, today: date) -> list[CaseloadEntry]:
        where, params = _filters({"agency": agency, "counsellor": counsellor})
        with self._snapshot() as cursor:
            cursor.execute(
                f"SELECT counsellor, agency, stage, COUNT(*) FROM {self.database.table(CASELOAD)}"
                f" {_and(where, 'status = ?')} GROUP BY counsellor, agency, stage",
                [*params, "open"],
            )
            open_by_stage = cursor.fetchall()
            cursor.execute(
                f"SELECT counsellor, agency, COUNT(*) FROM {self.database.table(DEADLINES)}"
                f" {_and(where, 'due < ?')} GROUP BY counsellor, agency",
                [*params, today.isoformat()],
            )
            overdue = {CaseloadKey(str(row[0]), str(row[1])): int(row[2]) for row in cursor.fetchall()}
        stages: dict[CaseloadKey, dict[str, int]] = defaultdict(dict)
        for name, of_agency, stage, count in open_by_stage:
            stages[CaseloadKey(str(name), str(of_agency))][str(stage)] = int(count)
        return [_caseload_entry(key, stages[key], overdue.get(key, 0)) for key in sorted(set(stages) | set(overdue))]

    def deadlines(self, agency: str | None, counsellor: str | None, due_before: date | None) -> list[DeadlineEntry]:
        where, params = _filters({"agency": agency, "counsellor": counsellor})
        if due_before is not None:
            where, params = _and(where, "due < ?"), [*params, due_before.isoformat()]
        rows = self.database.fetchall(
            f"SELECT case_id, counsellor, kind, ref, due FROM {self.database.table(DEADLINES)} {where}"
            " ORDER BY due, case_id, kind, ref",
            params,
        )
        return _deadlines(rows)

    def caseload_page(
        self, agency: str | None, counsellor: str | None, today: date, *, after: CaseloadKey | None, limit: int
    ) -> Page[CaseloadEntry]:
        with self._snapshot() as cursor:
            agencies = [agency] if agency is not None else self._agencies(cursor)
            keys = [
                CaseloadKey(name, each)
                for each in agencies
                for name in self._counsellors_with_work(cursor, each, counsellor, today)
            ]
            ordered = sorted(keys)  # code point order, the same on both backends whatever their collation
            following = [key for key in ordered if after is None or key > after]
            shown = following[:limit]
            entries = self._caseloads_of(cursor, shown, today) if shown else []
        return Page(entries, total=len(ordered), more=len(following) > limit)

    def deadlines_page(
        self,
        agency: str | None,
        counsellor: str | None,
        due_before: date | None,
        *,
        after: DeadlineKey | None,
        limit: int,
    ) -> Page[DeadlineEntry]:
        table = self.database.table(DEADLINES)
        total, pages = 0, []
        with self._snapshot() as cursor:
            for each in [agency] if agency is not None else self._agencies(cursor):
                where, params = _deadline_filter(each, counsellor, due_before)
                cursor.execute(f"SELECT COUNT(*) FROM {table} {where}", params)
                total += int(cursor.fetchone()[0])
                if after is not None:
                    where += " AND (due, case_id, kind, ref) > (?, ?, ?, ?)"
                    params += [after.due.isoformat(), str(after.case_id), after.kind, after.ref]
                cursor.execute(
                    f"SELECT case_id, counsellor, kind, ref, due FROM {table} {where}"
                    " ORDER BY due, case_id, kind, ref LIMIT ?",
                    [*params, limit + 1],
                )
                pages.append(_deadlines([tuple(row) for row in cursor.fetchall()]))
        # Each agency's page is in order; a case belongs to one agency, so (due, case) orders them among each other.
        merged = list(heapq.merge(*pages, key=lambda entry: (entry.due, str(entry.case_id))))[: limit + 1]
        return Page(merged[:limit], total=total, more=len(merged) > limit)

    def _agencies(self, cursor: DialectCursor) -> list[str]:
        """Every agency with a case, one index seek each."""
        table = self.database.table(CASELOAD)
        cursor.execute(
            f"WITH RECURSIVE agencies(agency) AS (SELECT MIN(agency) FROM {table}"
            f" UNION ALL SELECT (SELECT MIN(agency) FROM {table} WHERE agency > agencies.agency)"
            " FROM agencies WHERE agencies.agency IS NOT NULL)"
            " SELECT agency FROM agencies WHERE agency IS NOT NULL"
        )
        return [str(row[0]) for row in cursor.fetchall()]

    def _counsellors_with_work(
        self, cursor: DialectCursor, agency: str, counsellor: str | None, today: date
    ) -> set[str]:
        """The counsellors of the agency who hold an open case or have an overdue deadline (only `counsellor`, if
        given): the caseloads GET /caseload lists."""
        caseload, deadlines = self.database.table(CASELOAD), self.database.table(DEADLINES)
        if counsellor is not None:
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {caseload} WHERE agency = ? AND status = 'open' AND counsellor = ?)"
                f" OR EXISTS (SELECT 1 FROM {deadlines} WHERE agency = ? AND counsellor = ? AND due < ?)",
                (agency, counsellor, agency, counsellor, today.isoformat()),
            )
            return {counsellor} if cursor.fetchone()[0] else set()
        cursor.execute(
            f"WITH RECURSIVE names(counsellor) AS ("
            f" SELECT MIN(counsellor) FROM {caseload} WHERE agency = ? AND status = 'open'"
            f" UNION ALL SELECT (SELECT MIN(counsellor) FROM {caseload}"
            "  WHERE agency = ? AND status = 'open' AND counsellor > names.counsellor)"
            " FROM names WHERE names.counsellor IS NOT NULL)"
            " SELECT counsellor FROM names WHERE counsellor IS NOT NULL",
            (agency, agency),
        )
        names = {str(row[0]) for row in cursor.fetchall()}
        cursor.execute(
            f"WITH RECURSIVE names(counsellor) AS ("
            f" SELECT MIN(counsellor) FROM {deadlines} WHERE agency = ?"
            f" UNION ALL SELECT (SELECT MIN(counsellor) FROM {deadlines}"
            "  WHERE agency = ? AND counsellor > names.counsellor)"
            " FROM names WHERE names.counsellor IS NOT NULL)"
            " SELECT counsellor FROM names WHERE counsellor IS NOT NULL AND EXISTS"
            f" (SELECT 1 FROM {deadlines} d WHERE d.agency = ? AND d.counsellor = names.counsellor AND d.due < ?)",
            (agency, agency, agency, today.isoformat()),
        )
        return names | {str(row[0]) for row in cursor.fetchall()}

    def _caseloads_of(self, cursor: DialectCursor, keys: list[CaseloadKey], today: date) -> list[CaseloadEntry]:
        """The caseloads of the counsellors named with their agencies, in the order of `keys`."""
        stages: dict[CaseloadKey, dict[str, int]] = defaultdict(dict)
        overdue: dict[CaseloadKey, int] = {}
        for agency in sorted({key.agency for key in keys}):
            names = [key.counsellor for key in keys if key.agency == agency]
            wanted = ", ".join("?" for _ in names)
            cursor.execute(
                f"SELECT counsellor, stage, COUNT(*) FROM {self.database.table(CASELOAD)}"
                f" WHERE agency = ? AND status = 'open' AND counsellor IN ({wanted}) GROUP BY counsellor, stage",
                [agency, *names],
            )
            for name, stage, count in cursor.fetchall():
                stages[CaseloadKey(str(name), agency)][str(stage)] = int(count)
            cursor.execute(
                f"SELECT counsellor, COUNT(*) FROM {self.database.table(DEADLINES)}"
                f" WHERE agency = ? AND counsellor IN ({wanted}) AND due < ? GROUP BY counsellor",
                [agency, *names, today.isoformat()],
            )
            for name, count in cursor.fetchall():
                overdue[CaseloadKey(str(name), agency)] = int(count)
        return [_caseload_entry(key, stages[key], overdue.get(key, 0)) for key in keys]

    def indicator_counts(
        self, agency: str | None, start: date, end: date, basis: str
    ) -> tuple[int, dict[str, dict[str, int]]]:
        """Persons per code and gender counted on `basis` in the period (application/statistics.py's
        `sum_counted`, from the esf view's running counts), and the view's position. On the entry basis also EECO19's
        total (`smes_sums`: the small and medium-sized employers with a day of support in the period, each once)."""
        agency_only, agency_params = _filters({"agency": agency})
        selected = _and(agency_only, "basis = ? AND day BETWEEN ? AND ?")
        params = [*agency_params, basis, start.isoformat(), end.isoformat()]
        with self._snapshot() as cursor:
            position = self._position(cursor, "esf")
            cursor.execute(
                f"SELECT code, gender, SUM(persons) FROM {self.database.table(INDICATOR_DAYS)} {selected}"
                " GROUP BY code, gender",
                params,
            )
            rows = cursor.fetchall()
            smes = None
            if basis == "entry":
                cursor.execute(
                    f"SELECT COUNT(DISTINCT employer_id) FROM {self.database.table(SME_SUPPORT_DAYS)}"
                    f" {_and(agency_only, 'day BETWEEN ? AND ?')}",
                    [*agency_params, start.isoformat(), end.isoformat()],
                )
                smes = int(cursor.fetchone()[0])
        sums: dict[str, dict[str, int]] = defaultdict(dict)
        for code, gender, count in rows:
            sums[str(code)][str(gender)] = int(count)
        if smes is not None:
            sums[SMES_SUPPORTED] = {"total": smes}
        return position, dict(sums)

    def funnel(self, agency: str | None) -> tuple[int, dict[str, PathwayFunnel]]:
        """The funnel of application/statistics.py's `funnel`, from the view's running counts.

        The medians are exact: taken from the count of persons per number of days, they are the middle value, or
        the mean of the two middle values, as if every case's days had been sorted.
        """
        where, params = _filters({"agency": agency})
        with self._snapshot() as cursor:
            position = self._position(cursor, "funnel")
            cursor.execute(
                f"SELECT pathway, stage, SUM(persons) FROM {self.database.table(FUNNEL_STAGE_COUNTS)} {where}"
                " GROUP BY pathway, stage",
                params,
            )
            reached = {(str(pathway), str(stage)): int(persons) for pathway, stage, persons in cursor.fetchall()}
            cursor.execute(
                f"SELECT pathway, span, days, SUM(persons) FROM {self.database.table(FUNNEL_SPANS)} {where}"
                " GROUP BY pathway, span, days ORDER BY pathway, span, days",
                params,
            )
            spans: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
            for pathway, span, days, persons in cursor.fetchall():
                spans[(str(pathway), str(span))].append((int(days), int(persons)))
        figures = {}
        for pathway in PATHWAYS:
            histograms = {span: spans.get((pathway, span), []) for span in SPANS}
            figures[pathway] = PathwayFunnel(
                reached={stage: reached.get((pathway, stage), 0) for stage in FUNNEL_STAGES},
                median_days={span: median_of_counts(histogram) for span, histogram in histograms.items()},
                persons_per_median={span: sum(persons for _, persons in h) for span, h in histograms.items()},
            )
        return position, figures

    def position_of(self, cursor: DialectCursor, view: str) -> int:
        """The view's position, read in the cursor's snapshot."""
        return self._position(cursor, view)

    def _position(self, cursor: DialectCursor, view: str) -> int:
        cursor.execute(f"SELECT position FROM {self.database.table(TRACKING)} WHERE view = ?", (view,))
        row = cursor.fetchone()
        return int(row[0]) if row else 0

    def snapshot(self) -> Any:
        """One read transaction whose reads all see the same state of the views."""
        return self._snapshot()

    @contextmanager
    def _snapshot(self) -> Iterator[DialectCursor]:
        with self.database.transaction(commit=False) as cursor:
            if self.database.dialect == "postgres":
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield cursor


def median_of_counts(histogram: list[tuple[int, int]]) -> float | None:
    """The median of values given as (value, how many times) in ascending order of value."""
    count = sum(times for _, times in histogram)
    if count == 0:
        return None
    return (_value_at(histogram, (count - 1) // 2) + _value_at(histogram, count // 2)) / 2


def _value_at(histogram: list[tuple[int, int]], index: int) -> int:
    """The `index`-th of the values (from 0), as if each had been written out as many times as it occurs."""
    seen = 0
    for value, times in histogram:
        seen += times
        if index < seen:
            return value
    raise IndexError(index)


def _deadlines(rows: Sequence[tuple[Any, ...]]) -> list[DeadlineEntry]:
    """Rows of (case_id, counsellor, kind, ref, due) as tuples (not SQLite's row objects), ids and days as text."""
    return msgspec.convert(rows, list[DeadlineEntry])


def _deadline_filter(agency: str, counsellor: str | None, due_before: date | None) -> tuple[str, list[Any]]:
    where, params = _filters({"agency": agency, "counsellor": counsellor})
    if due_before is not None:
        where, params = _and(where, "due < ?"), [*params, due_before.isoformat()]
    return where, params


def _filters(equal: dict[str, str | None]) -> tuple[str, list[Any]]:
    """A WHERE clause for the columns whose wanted value is given."""
    columns = [column for column, value in equal.items() if value is not None]
    where = f"WHERE {' AND '.join(f'{column} = ?' for column in columns)}" if columns else ""
    return where, [equal[column] for column in columns]


def _and(where: str, condition: str) -> str:
    return f"{where} AND {condition}" if where else f"WHERE {condition}"


def _caseload_entry(key: CaseloadKey, stages: dict[str, int], overdue: int) -> CaseloadEntry:
    return CaseloadEntry(
        counsellor=key.counsellor,
        open=sum(stages.values()),
        by_stage=dict(sorted(stages.items())),
        overdue=overdue,
        agency=key.agency,
    )
