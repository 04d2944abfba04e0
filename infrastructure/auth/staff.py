"""The staff directory: who works at which agency in which role, whether still active, and which of her tokens count.

Every token names a subject, a role and an agency; it is let in only while the directory has that subject at that
agency, active, in that role, and the token is of her current token generation. Deactivating her, changing her role
or revoking her tokens raises the generation, which ends every token issued before; tokens issued afterwards carry
the new one. The generations are kept in a table of their own (migration 3): a subject without a row there is at
generation 0, as every token of release 0.1 is.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from application.policy import COUNSELLING
from application.ports import Role, StaffMember
from infrastructure.eventstore.sql import Database, DialectCursor

STAFF_TABLE = "lotse_staff"
GENERATIONS_TABLE = "lotse_token_generations"


def create_staff_table(database: Database) -> None:
    database.execute(
        f"CREATE TABLE IF NOT EXISTS {database.table(STAFF_TABLE)} ("
        " agency TEXT NOT NULL, subject TEXT NOT NULL, role TEXT NOT NULL,"
        " active BOOLEAN NOT NULL, PRIMARY KEY (agency, subject))"
    )


def create_token_generations_table(database: Database) -> None:
    database.execute(
        f"CREATE TABLE IF NOT EXISTS {database.table(GENERATIONS_TABLE)} ("
        " agency TEXT NOT NULL, subject TEXT NOT NULL, generation INTEGER NOT NULL, raised_at TEXT NOT NULL,"
        " PRIMARY KEY (agency, subject))"
    )


@dataclass(frozen=True)
class StaffEntry:
    """A subject of an agency as the directory has her."""

    role: str
    active: bool
    generation: int  # tokens of an earlier generation no longer count


class SqlStaffDirectory:
    """Everyone a token was issued to, by agency and subject: registered when a token is issued to her."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def is_active_counsellor(self, agency: str, subject: str) -> bool:
        entry = self.entry(agency, subject)
        return entry is not None and entry.role in COUNSELLING and entry.active

    def entry(self, agency: str, subject: str) -> StaffEntry | None:
        with self.database.transaction(commit=False) as cursor:
            return self._entry(cursor, agency, subject)

    def members(self, agency: str) -> list[StaffMember]:
        with self.database.transaction(commit=False) as cursor:
            cursor.execute(
                f"SELECT subject, role, active FROM {self.database.table(STAFF_TABLE)} WHERE agency = ?", (agency,)
            )
            members = [
                StaffMember(subject=str(row[0]), role=_role(row[1]), active=bool(row[2])) for row in cursor.fetchall()
            ]
        # Sorted here, not by the database: a German collation orders "Zeynep" before "ben", SQLite and "C" after.
        return sorted(members, key=lambda member: member.subject)

    def register(self, agency: str, subject: str, role: Role, now: datetime | None = None) -> int:
        """Makes her active in this role and answers the token generation a token issued now carries.

        Issuing a token to a person who was deactivated reactivates her, and a new role is a role change: either
        raises her generation, so no token issued before counts again.
        """
        with self.database.transaction(commit=True) as cursor:
            known = self._entry(cursor, agency, subject)
            generation = known.generation if known is not None else 0
            if known is not None and (not known.active or known.role != role):
                generation = self._raise_generation(cursor, agency, subject, now)
            table = self.database.table(STAFF_TABLE)
            cursor.execute(f"DELETE FROM {table} WHERE agency = ? AND subject = ?", (agency, subject))
            cursor.execute(f"INSERT INTO {table} VALUES (?, ?, ?, ?)", (agency, subject, role, True))
        return generation

    def deactivate(self, agency: str, subject: str, now: datetime | None = None) -> bool:
        """She left: no case can be assigned to her, and none of her tokens counts. False if she is unknown."""
        table = self.database.table(STAFF_TABLE)
        with self.database.transaction(commit=True) as cursor:
            if self._entry(cursor, agency, subject) is None:
                return False
            cursor.execute(f"UPDATE {table} SET active = ? WHERE agency = ? AND subject = ?", (False, agency, subject))
            self._raise_generation(cursor, agency, subject, now)
        return True

    def revoke(self, subject: str, agency: str | None = None, now: datetime | None = None) -> list[str]:
        """Ends every token of the subject issued so far (of one agency, or of every agency she is registered at);
        answers those agencies. She stays active: tokens issued afterwards count."""
        table = self.database.table(STAFF_TABLE)
        with self.database.transaction(commit=True) as cursor:
            if agency is None:
                cursor.execute(f"SELECT agency FROM {table} WHERE subject = ? ORDER BY agency", (subject,))
            else:
                cursor.execute(f"SELECT agency FROM {table} WHERE subject = ? AND agency = ?", (subject, agency))
            agencies = [str(row[0]) for row in cursor.fetchall()]
            for each in agencies:
                self._raise_generation(cursor, each, subject, now)
        return agencies

    def _entry(self, cursor: DialectCursor, agency: str, subject: str) -> StaffEntry | None:
        cursor.execute(
            f"SELECT staff.role, staff.active, COALESCE(generations.generation, 0)"
            f" FROM {self.database.table(STAFF_TABLE)} staff LEFT JOIN {self.database.table(GENERATIONS_TABLE)}"
            " generations ON generations.agency = staff.agency AND generations.subject = staff.subject"
            " WHERE staff.agency = ? AND staff.subject = ?",
            (agency, subject),
        )
        row = cursor.fetchone()
        return None if row is None else StaffEntry(role=str(row[0]), active=bool(row[1]), generation=int(row[2]))

    def _raise_generation(self, cursor: DialectCursor, agency: str, subject: str, now: datetime | None) -> int:
        table = self.database.table(GENERATIONS_TABLE)
        cursor.execute(
            f"INSERT INTO {table} AS generations (agency, subject, generation, raised_at) VALUES (?, ?, 1, ?)"
            " ON CONFLICT (agency, subject) DO UPDATE SET generation = generations.generation + 1,"
            " raised_at = excluded.raised_at",
            (agency, subject, (now or datetime.now(UTC)).isoformat()),
        )
        cursor.execute(f"SELECT generation FROM {table} WHERE agency = ? AND subject = ?", (agency, subject))
        row = cursor.fetchone()
        return int(row[0])


def _role(stored: object) -> Role:
    """A role as the directory stored it: only ever one a token named."""
    match stored:
        case "counsellor" | "lead" | "auditor" | "analyst":
            return stored
        case _:
            raise ValueError(f"the staff directory holds an unknown role {stored!r}")
