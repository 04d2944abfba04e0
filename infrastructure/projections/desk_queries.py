"""Reads of the desk's views (desk_views.py): the pages of the short contacts, outreach events and employers lists.

Pages are keyset-paginated: each query names the last row of the page before, so a page never repeats or skips a row
while others are written.
"""

from datetime import date, datetime
from typing import Any, cast
from uuid import UUID

from application.desk import EmployerListQuery, EmployerSummary, PeriodQuery
from domain.desk import OutreachEvent, ShortContact
from domain.employers import EmployerSize
from infrastructure.eventstore.sql import Database
from infrastructure.projections.desk_views import (
    EMPLOYER_COLUMNS,
    EMPLOYERS,
    OUTREACH_COLUMNS,
    OUTREACH_EVENTS,
    SHORT_CONTACT_COLUMNS,
    SHORT_CONTACTS,
)
from infrastructure.projections.runner import ProjectionRunner


class SqlDeskQueries:
    """`reads`: a streaming replica to read the views from (LOTSE_READ_DATABASE_URL); the head is the primary's."""

    def __init__(self, runner: ProjectionRunner, reads: Database | None = None) -> None:
        self.runner = runner
        self.database = reads or runner.database

    def head(self) -> int:
        return self.runner.head()

    def wait_for(self, position: int, timeout: float) -> bool:
        return self.runner.wait_for(position, timeout, self.database)

    def short_contacts(self, query: PeriodQuery) -> list[ShortContact]:
        rows = self._dated(SHORT_CONTACTS, SHORT_CONTACT_COLUMNS, "contact_id", query)
        return [
            ShortContact(
                id=UUID(row[0]),
                version=1,
                agency=row[1],
                date=date.fromisoformat(row[2]),
                mode=row[3],
                language=row[4],
                topic=row[5],
                referred_to=row[6],
                recorded_by=row[7],
                recorded_at=datetime.fromisoformat(row[8]),
            )
            for row in rows
        ]

    def outreach_events(self, query: PeriodQuery) -> list[OutreachEvent]:
        rows = self._dated(OUTREACH_EVENTS, OUTREACH_COLUMNS, "event_id", query)
        return [
            OutreachEvent(
                id=UUID(row[0]),
                version=1,
                agency=row[1],
                date=date.fromisoformat(row[2]),
                title=row[3],
                kind=row[4],
                language=row[5],
                attendees=int(row[6]),
                recorded_by=row[7],
                recorded_at=datetime.fromisoformat(row[8]),
            )
            for row in rows
        ]

    def employers(self, query: EmployerListQuery) -> list[EmployerSummary]:
        conditions: list[str] = []
        params: list[Any] = []
        if query.agency is not None:
            conditions.append("agency = ?")
            params.append(query.agency)
        if query.size is not None:
            conditions.append("size = ?")
            params.append(query.size)
        for word in query.name_words:  # letters only (application/names.py): nothing in it is a LIKE wildcard
            conditions.append("name_key LIKE ?")
            params.append(f"%{word}%")
        if query.after is not None:
            key, employer_id = query.after
            conditions.append("(name_key > ? OR (name_key = ? AND employer_id > ?))")
            params += [key, key, str(employer_id)]
        rows = self.database.fetchall(
            f"SELECT {EMPLOYER_COLUMNS} FROM {self.database.table(EMPLOYERS)} {_where(conditions)}"
            " ORDER BY name_key, employer_id LIMIT ?",
            [*params, query.limit],
        )
        return [
            EmployerSummary(
                employer_id=UUID(row[0]),
                agency=row[1],
                name=row[2],
                name_key=row[3],
                size=cast(EmployerSize, row[4]),
                sector=row[5],
                postal_code=row[6],
                contacts=int(row[7]),
                counselling_sessions=int(row[8]),
                employees_referred=int(row[9]),
                last_contact_on=None if row[10] is None else date.fromisoformat(row[10]),
                version=int(row[11]),
            )
            for row in rows
        ]

    def _dated(self, table: str, columns: str, key: str, query: PeriodQuery) -> list[tuple[Any, ...]]:
        """A page of a table of dated rows, newest first (the later id first on one day)."""
        conditions: list[str] = []
        params: list[Any] = []
        if query.agency is not None:
            conditions.append("agency = ?")
            params.append(query.agency)
        if query.start is not None:
            conditions.append("day >= ?")
            params.append(query.start.isoformat())
        if query.end is not None:
            conditions.append("day <= ?")
            params.append(query.end.isoformat())
        if query.after is not None:
            day, last = query.after
            conditions.append(f"(day < ? OR (day = ? AND {key} < ?))")
            params += [day.isoformat(), day.isoformat(), str(last)]
        rows = self.database.fetchall(
            f"SELECT {columns} FROM {self.database.table(table)} {_where(conditions)}"
            f" ORDER BY day DESC, {key} DESC LIMIT ?",
            [*params, query.limit],
        )
        return [tuple(row) for row in rows]


def _where(conditions: list[str]) -> str:
    return f"WHERE {' AND '.join(conditions)}" if conditions else ""
