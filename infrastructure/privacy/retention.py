"""Which cases the retention period has run out for: from the participants view and the key store.

The participants view (infrastructure/projections/case_views.py) knows each case's final exit; the key store knows
whose key is still there. The caller brings the view up to the log's head first, and the application checks every
candidate against the case itself before erasing it.
"""

from datetime import date
from uuid import UUID

from infrastructure.eventstore.sql import Database
from infrastructure.privacy.keys import KEYS_TABLE
from infrastructure.projections.case_views import PARTICIPANTS


class SqlRetentionCandidates:
    def __init__(self, database: Database) -> None:
        self.database = database

    def closed_before(self, day: date) -> list[UUID]:
        """Cases whose final exit lies before `day` and whose key is not destroyed, oldest exit first."""
        rows = self.database.fetchall(
            f"SELECT p.case_id FROM {self.database.table(PARTICIPANTS)} p"
            f" JOIN {self.database.table(KEYS_TABLE)} k ON k.case_id = p.case_id"
            " WHERE p.exit_on IS NOT NULL AND p.exit_on < ? AND k.wrapped_key IS NOT NULL"
            " ORDER BY p.exit_on, p.case_id",
            (day.isoformat(),),
        )
        return [UUID(row[0]) for row in rows]
