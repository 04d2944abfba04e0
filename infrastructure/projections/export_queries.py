"""Reads of the esf view for the participant export (application/exports.py)."""

from collections import defaultdict
from datetime import date
from typing import Any
from uuid import UUID

from application.ports import ParticipantOfPeriod
from infrastructure.projections.queries import SqlViewQueries
from infrastructure.projections.statistics_views import (
    ESF_CASES,
    ESF_PARTICIPANTS,
    PARTICIPANT_COLUMNS,
    participant_of_row,
)


class SqlParticipantsOfPeriod:
    """application.ports.ParticipantsOfPeriod on the esf view, read in one snapshot with the view's position."""

    def __init__(self, queries: SqlViewQueries) -> None:
        self.queries = queries
        self.database = queries.database

    def participants_of_period(
        self, agency: str | None, start: date, end: date
    ) -> tuple[int, list[ParticipantOfPeriod]]:
        period = "(p.entry_on BETWEEN ? AND ? OR p.exit_on BETWEEN ? AND ?)"
        params: list[Any] = [start.isoformat(), end.isoformat(), start.isoformat(), end.isoformat()]
        if agency is not None:
            period += " AND p.agency = ?"
            params.append(agency)
        columns = ", ".join(f"p.{column.strip()}" for column in PARTICIPANT_COLUMNS.split(","))
        with self.queries.snapshot() as cursor:
            position = self.queries.position_of(cursor, "esf")
            cursor.execute(f"SELECT {columns} FROM {self.database.table(ESF_PARTICIPANTS)} p WHERE {period}", params)
            participants = [participant_of_row(tuple(row)) for row in cursor.fetchall()]
            cursor.execute(
                f"SELECT c.agency, c.participant_id, c.case_id FROM {self.database.table(ESF_CASES)} c"
                f" JOIN {self.database.table(ESF_PARTICIPANTS)} p"
                " ON p.agency = c.agency AND p.participant_id = c.participant_id"
                f" WHERE {period}",
                params,
            )
            cases: dict[tuple[str, str], list[UUID]] = defaultdict(list)
            for case_agency, participant, case_id in cursor.fetchall():
                cases[(str(case_agency), str(participant))].append(UUID(str(case_id)))
        return position, [
            ParticipantOfPeriod(facts=facts, case_ids=tuple(sorted(cases[(facts.agency, facts.participant)])))
            for facts in participants
        ]
