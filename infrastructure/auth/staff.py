"""The staff directory: who works at which agency in which role, and whether still active."""

from application.policy import COUNSELLING
from application.ports import Role
from infrastructure.eventstore.sql import Database

STAFF_TABLE = "lotse_staff"


def create_staff_table(database: Database) -> None:
    database.execute(
        f"CREATE TABLE IF NOT EXISTS {database.table(STAFF_TABLE)} ("
        " agency TEXT NOT NULL, subject TEXT NOT NULL, role TEXT NOT NULL,"
        " active BOOLEAN NOT NULL, PRIMARY KEY (agency, subject))"
    )


class SqlStaffDirectory:
    """Counsellors and leads known to Lotse: registered when a token is issued to them."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def is_active_counsellor(self, agency: str, subject: str) -> bool:
        row = self.database.fetchone(
            f"SELECT role, active FROM {self.database.table(STAFF_TABLE)} WHERE agency = ? AND subject = ?",
            (agency, subject),
        )
        return row is not None and row[0] in COUNSELLING and bool(row[1])

    def register(self, agency: str, subject: str, role: Role) -> None:
        table = self.database.table(STAFF_TABLE)
        with self.database.transaction(commit=True) as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE agency = ? AND subject = ?", (agency, subject))
            cursor.execute(f"INSERT INTO {table} VALUES (?, ?, ?, ?)", (agency, subject, role, True))

    def deactivate(self, agency: str, subject: str) -> bool:
        table = self.database.table(STAFF_TABLE)
        with self.database.transaction(commit=True) as cursor:
            cursor.execute(f"SELECT 1 FROM {table} WHERE agency = ? AND subject = ?", (agency, subject))
            known = cursor.fetchone() is not None
            cursor.execute(f"UPDATE {table} SET active = ? WHERE agency = ? AND subject = ?", (False, agency, subject))
        return known
