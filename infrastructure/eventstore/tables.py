"""Lotse's tables beside the library's event tables: idempotency keys and the case list; and where an event stands
in the log. The case list is filtered by name through the keyed name index (infrastructure/privacy/name_index.py)."""

from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date
from typing import Any, Protocol
from uuid import UUID

from application.ports import CaseListQuery, CaseSummary, IdempotentWrite, Opening, Part
from infrastructure.eventstore.sql import Database, DialectCursor

MIGRATIONS_TABLE = "lotse_schema_migrations"  # which schema migrations the database has (eventstore/migrations.py)
IDEMPOTENCY_TABLE = "lotse_idempotency"
CASE_INDEX_TABLE = "lotse_case_index"
NAME_WORDS_TABLE = "lotse_name_words"  # created by migration 2 (infrastructure/privacy/name_index.py)


def create_tables(database: Database) -> None:
    statements = [
        f"CREATE TABLE IF NOT EXISTS {database.table(IDEMPOTENCY_TABLE)} ("
        " scope TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL,"
        " case_id TEXT NOT NULL, version INTEGER NOT NULL, PRIMARY KEY (scope, key))",
        f"CREATE TABLE IF NOT EXISTS {database.table(CASE_INDEX_TABLE)} ("
        " case_id TEXT PRIMARY KEY, agency TEXT NOT NULL, counsellor TEXT NOT NULL, status TEXT NOT NULL,"
        " stage TEXT NOT NULL, opened_on TEXT NOT NULL, version INTEGER NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS lotse_case_index_by_agency"
        f" ON {database.table(CASE_INDEX_TABLE)} (agency, opened_on DESC, case_id DESC)",
    ]
    with database.transaction(commit=True) as cursor:
        database.lock_schema(cursor, "tables")
        for statement in statements:
            cursor.execute(statement)


class SqlIdempotencyKeys:
    def __init__(self, database: Database) -> None:
        self.database = database

    def find(self, scope: str, key: str) -> IdempotentWrite | None:
        row = self.database.fetchone(
            f"SELECT fingerprint, case_id, version FROM {self.database.table(IDEMPOTENCY_TABLE)}"
            " WHERE scope = ? AND key = ?",
            (scope, key),
        )
        if row is None:
            return None
        return IdempotentWrite(fingerprint=row[0], case_id=UUID(row[1]), version=int(row[2]))


def write_case_summaries(cursor: DialectCursor, table: str, summaries: Sequence[CaseSummary]) -> None:
    """Upserts cases' list rows, called inside the transaction that records their events: one statement for a whole
    group commit rather than one round trip per write. A case given twice keeps its latest version, as one upsert
    after another would leave it, and the rows go in case order, so two transactions lock the rows they share in the
    same order."""
    rows = summary_rows(summaries)
    for start in range(0, len(rows), SUMMARIES_PER_STATEMENT):
        chunk = rows[start : start + SUMMARIES_PER_STATEMENT]
        cursor.execute(
            f"INSERT INTO {table} VALUES {', '.join(['(?, ?, ?, ?, ?, ?, ?)'] * len(chunk))}"
            " ON CONFLICT (case_id) DO UPDATE SET"
            " counsellor = excluded.counsellor, status = excluded.status, stage = excluded.stage,"
            " version = excluded.version WHERE excluded.version > " + table + ".version",
            [value for row in chunk for value in row],
        )


SUMMARIES_PER_STATEMENT = 500  # 3,500 parameters: within SQLite's limit


def summary_rows(summaries: Sequence[CaseSummary]) -> list[tuple[str, str, str, str, str, str, int]]:
    """The rows `write_case_summaries` writes: a case given twice once, with its latest version; in case order."""
    latest: dict[UUID, CaseSummary] = {}
    for summary in summaries:
        if summary.case_id not in latest or summary.version > latest[summary.case_id].version:
            latest[summary.case_id] = summary
    return [_summary_row(latest[case_id]) for case_id in sorted(latest, key=str)]


def case_summaries_from_arrays(table: str) -> str:
    """PostgreSQL: the upsert of `write_case_summaries` with the rows given as seven arrays, one a column
    (`summary_columns`), sent in binary (an empty column as the text `{}`). Its text is the same whatever the number of
    rows, so a connection prepares it once (per types of the arrays psycopg sends), and it can go in front of another
    statement as a WITH clause."""
    return (
        f"INSERT INTO {table} AS listed (case_id, agency, counsellor, status, stage, opened_on, version)"
        " SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[], %b::integer[])"
        " ON CONFLICT (case_id) DO UPDATE SET"
        " counsellor = excluded.counsellor, status = excluded.status, stage = excluded.stage,"
        " version = excluded.version WHERE excluded.version > listed.version"
    )


def summary_columns(summaries: Sequence[CaseSummary]) -> list[list[Any]]:
    """The parameters of `case_summaries_from_arrays`: the rows of `summary_rows`, column by column."""
    rows = summary_rows(summaries)
    return [[row[column] for row in rows] for column in range(SUMMARY_COLUMNS)]


SUMMARY_COLUMNS = 7


def _summary_row(summary: CaseSummary) -> tuple[str, str, str, str, str, str, int]:
    return (
        str(summary.case_id),
        summary.agency,
        summary.counsellor,
        summary.status,
        summary.stage,
        summary.opened_on.isoformat(),
        summary.version,
    )


class SqlCaseIndex:
    def __init__(self, database: Database) -> None:
        self.database = database

    def list(self, query: CaseListQuery) -> list[CaseSummary]:
        if query.name_words is not None and not query.name_words:
            return []  # no word to match: no name matches
        conditions: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("agency", query.agency),
            ("counsellor", query.counsellor),
            ("status", query.status),
            ("stage", query.stage),
        ):
            if value is not None:
                conditions.append(f"{column} = ?")
                params.append(value)
        if query.after is not None:
            opened_on, case_id = query.after
            conditions.append("(opened_on < ? OR (opened_on = ? AND case_id < ?))")
            params += [opened_on.isoformat(), opened_on.isoformat(), str(case_id)]
        if query.name_words is not None:
            # The cases that have an entry for every word: as many distinct matching words as were asked for.
            words = sorted(query.name_words)
            agency = "agency = ? AND " if query.agency is not None else ""
            conditions.append(
                f"case_id IN (SELECT case_id FROM {self.database.table(NAME_WORDS_TABLE)}"
                f" WHERE {agency}word IN ({', '.join('?' for _ in words)})"
                " GROUP BY case_id HAVING COUNT(DISTINCT word) = ?)"
            )
            params += [*([query.agency] if query.agency is not None else []), *words, len(words)]
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = self.database.fetchall(
            f"SELECT case_id, agency, counsellor, status, stage, opened_on, version"
            f" FROM {self.database.table(CASE_INDEX_TABLE)} {where}"
            " ORDER BY opened_on DESC, case_id DESC LIMIT ?",
            [*params, query.limit],
        )
        return [
            CaseSummary(
                case_id=UUID(row[0]),
                agency=row[1],
                counsellor=row[2],
                status=row[3],
                stage=row[4],
                opened_on=date.fromisoformat(row[5]),
                version=int(row[6]),
            )
            for row in rows
        ]


class SqlEventLog:
    """Where a case's event stands in the global log, and the log's events by position (application.ports.EventLog).

    `recorder` and `mapper` (one that does not open personal data) read the events: rows as tuples, decoded straight
    from them, as a replay of the whole log for an as-of answer reads them. A case's events are decoded by the mapper
    of the opening asked for, from `case_mappers` (`mapper` for "none").
    """

    def __init__(
        self,
        database: Database,
        events_table: str,
        recorder: "LogRows",
        mapper: "RowDecoder",
        case_mappers: Mapping[Opening, "RowDecoder"] | None = None,
    ) -> None:
        self.database = database
        self.recorder = recorder
        self.mapper = mapper
        self._case_mappers: Mapping[Opening, RowDecoder] = {"none": mapper, **(case_mappers or {})}
        position = "rowid" if database.dialect == "sqlite" else "notification_id"
        self._select = (
            f"SELECT {position} FROM {database.table(events_table)} WHERE originator_id = ? AND originator_version = ?"
        )

    def position_of(self, case_id: UUID, version: int) -> int | None:
        row = self.database.fetchone(self._select, (self._as_stored(case_id), version))
        return int(row[0]) if row else None

    def case_events(self, case_id: UUID, opening: Opening) -> list[Any]:
        return self._case_mappers[opening].decode_rows(case_id, self.recorder.select_case_rows(case_id))

    def events_between(
        self, start: int, stop: int, limit: int, without: Collection[type] = frozenset()
    ) -> list[tuple[int, Any]]:
        decode = self.mapper.decode
        rows = self.recorder.select_log_rows(start, limit, stop, self.mapper.stored_topics(without))
        return [
            (position, decode(originator_id, version, topic, state))
            for position, originator_id, version, topic, state in rows
        ]

    def events_by_aggregate(
        self, stop: int, batch: int, part: Part | None = None, without: Collection[type] = frozenset()
    ) -> Iterator[Any]:
        decode = self.mapper.decode
        after, below = self._bounds(part)
        without_topics = self.mapper.stored_topics(without)
        while True:
            rows = self.recorder.select_rows_by_aggregate(after, stop, batch, below, without_topics)
            for originator_id, version, topic, state in rows:
                yield decode(originator_id, version, topic, state)
            if len(rows) < batch:
                return
            after = rows[-1][0], rows[-1][1]

    def _bounds(self, part: Part | None) -> tuple[tuple[Any, int] | None, Any]:
        """Where a part's rows begin (after the row named; None: at the first) and the originator id they stay below
        (None: the last), as the database stores ids: the id space cut into `count` equal ranges (ids are random)."""
        if part is None:
            return None, None
        first, below = ((2**128 * index) // part.count for index in (part.index, part.index + 1))
        # No version is negative: "after version -1 of the first id" takes every row of it.
        after = None if part.index == 0 else (self._as_stored(UUID(int=first)), -1)
        return after, None if part.index == part.count - 1 else self._as_stored(UUID(int=below))

    def _as_stored(self, id_: UUID) -> Any:
        return id_.hex if self.database.dialect == "sqlite" else id_


class LogRows(Protocol):
    """The recorder's lean reads of the log (infrastructure/eventstore/recorders.py)."""

    def select_log_rows(
        self, start: int, limit: int, stop: int | None = None, without_topics: Sequence[str] = ()
    ) -> list[tuple[int, Any, int, str, bytes]]: ...

    def select_rows_by_aggregate(
        self,
        after: tuple[Any, int] | None,
        stop: int,
        limit: int,
        below: Any = None,
        without_topics: Sequence[str] = (),
    ) -> list[tuple[Any, int, str, bytes]]: ...

    def select_case_rows(self, originator_id: UUID) -> list[tuple[int, str, bytes]]: ...


class RowDecoder(Protocol):
    """The mapper's decoding of a stored row (infrastructure/eventstore/mapper.py)."""

    def decode(self, originator_id: Any, originator_version: int, topic: str, state: bytes) -> Any: ...

    def decode_rows(self, originator_id: Any, rows: Sequence[tuple[int, str, bytes]]) -> list[Any]: ...

    def stored_topics(self, classes: Collection[type]) -> tuple[str, ...]: ...
