"""The views of the desk's registers beside the cases: the employers list, and the short contacts and outreach events
the desk recorded, for their lists and the desk's figures.

Like the case views, each replaces an entry's row with what the entry's newest state says, so writing a state twice
is the same as writing it once; the runner commits the rows together with the view's tracking position. A view is
handed only the states of the kinds it `follows`, and leaves any other state alone.
"""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from application.names import name_words
from domain.desk import OutreachEvent, ShortContact
from domain.employers import Employer
from infrastructure.eventstore.sql import Database, DialectCursor, delete_keys, insert_rows, storable_text
from infrastructure.projections.case_views import newest

EMPLOYERS = "lotse_view_employers"
SHORT_CONTACTS = "lotse_view_short_contacts"
OUTREACH_EVENTS = "lotse_view_outreach_events"
DESK_VIEW_TABLES = (EMPLOYERS, SHORT_CONTACTS, OUTREACH_EVENTS)

EMPLOYER_COLUMNS = (
    "employer_id, agency, name, name_key, size, sector, postal_code, contacts, counselling_sessions,"
    " employees_referred, last_contact_on, version"
)
SHORT_CONTACT_COLUMNS = "contact_id, agency, day, mode, language, topic, referred_to, recorded_by, recorded_at"
OUTREACH_COLUMNS = "event_id, agency, day, title, kind, language, attendees, recorded_by, recorded_at"


def name_key(name: str) -> str:
    """The employer's name as the list sorts and searches it: its normalised words (application/names.py)."""
    return " ".join(name_words(name))


class RegisterTablesView(ABC):
    """A view kept in tables with one row per entry of the registers it follows."""

    name = ""
    follows: tuple[type, ...] = ()
    tables: tuple[str, ...] = ()

    def __init__(self, database: Database) -> None:
        self.database = database

    def t(self, table: str) -> str:
        return self.database.table(table)

    def clear(self, cursor: DialectCursor) -> None:
        for table in self.tables:
            cursor.execute(f"DELETE FROM {self.t(table)}")

    def write(self, cursor: DialectCursor, state: Any) -> None:
        self.write_all(cursor, [state])

    def write_all(self, cursor: DialectCursor, states: Sequence[Any]) -> None:
        """Replaces the rows of the states' entries (a state of a kind this view does not follow is left alone)."""
        rows: dict[str, list[tuple[Any, ...]]] = {}
        for state in newest(states):
            if (found := self.row_of(state)) is not None:
                table, row = found
                rows.setdefault(table, []).append(row)
        for table, written in rows.items():
            delete_keys(cursor, self.t(table), (self.keys[table],), [row[:1] for row in written])
            insert_rows(cursor, self.t(table), self.columns[table], written)

    keys: ClassVar[dict[str, str]] = {}  # each table's key column
    columns: ClassVar[dict[str, tuple[str, ...]]] = {}  # each table's columns, in the order of `row_of`'s rows

    @abstractmethod
    def row_of(self, state: Any) -> tuple[str, tuple[Any, ...]] | None:
        """The table and row of an entry's state (None: not of this view)."""


class EmployersView(RegisterTablesView):
    """Each employer's row of the employers list: its name (and the words it is found by), size, sector, postal
    code, and how much the desk had to do with it."""

    name = "employers"
    follows: tuple[type, ...] = (Employer,)
    tables = (EMPLOYERS,)

    def create(self, cursor: DialectCursor) -> None:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.t(EMPLOYERS)} (employer_id TEXT PRIMARY KEY, agency TEXT NOT NULL,"
            " name TEXT NOT NULL, name_key TEXT NOT NULL, size TEXT NOT NULL, sector TEXT NOT NULL,"
            " postal_code TEXT NOT NULL, contacts INTEGER NOT NULL, counselling_sessions INTEGER NOT NULL,"
            " employees_referred INTEGER NOT NULL, last_contact_on TEXT, version INTEGER NOT NULL)"
        )
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS lotse_view_employers_by_name ON {self.t(EMPLOYERS)}"
            " (agency, name_key, employer_id)"
        )

    keys: ClassVar[dict[str, str]] = {EMPLOYERS: "employer_id"}
    columns: ClassVar[dict[str, tuple[str, ...]]] = {EMPLOYERS: tuple(EMPLOYER_COLUMNS.split(", "))}

    def row_of(self, state: Any) -> tuple[str, tuple[Any, ...]] | None:
        if not isinstance(state, Employer):
            return None
        name = storable_text(state.name)
        row = (
            str(state.id),
            state.agency,
            name,
            name_key(name),
            state.size,
            storable_text(state.sector),
            state.postal_code,
            state.contacts,
            state.counselling_sessions,
            state.employees_referred,
            None if state.last_contact_on is None else state.last_contact_on.isoformat(),
            state.version,
        )
        return EMPLOYERS, row


class DeskView(RegisterTablesView):
    """The short contacts and the outreach events, a row each: what the desk's lists and figures read."""

    name = "desk"
    follows: tuple[type, ...] = (ShortContact, OutreachEvent)
    tables = (SHORT_CONTACTS, OUTREACH_EVENTS)

    def create(self, cursor: DialectCursor) -> None:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.t(SHORT_CONTACTS)} (contact_id TEXT PRIMARY KEY, agency TEXT NOT NULL,"
            " day TEXT NOT NULL, mode TEXT NOT NULL, language TEXT NOT NULL, topic TEXT NOT NULL, referred_to TEXT,"
            " recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL)"
        )
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS lotse_view_short_contacts_by_day ON {self.t(SHORT_CONTACTS)}"
            " (agency, day, contact_id)"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {self.t(OUTREACH_EVENTS)} (event_id TEXT PRIMARY KEY, agency TEXT NOT NULL,"
            " day TEXT NOT NULL, title TEXT NOT NULL, kind TEXT NOT NULL, language TEXT NOT NULL,"
            " attendees INTEGER NOT NULL, recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL)"
        )
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS lotse_view_outreach_events_by_day ON {self.t(OUTREACH_EVENTS)}"
            " (agency, day, event_id)"
        )

    keys: ClassVar[dict[str, str]] = {SHORT_CONTACTS: "contact_id", OUTREACH_EVENTS: "event_id"}
    columns: ClassVar[dict[str, tuple[str, ...]]] = {
        SHORT_CONTACTS: tuple(SHORT_CONTACT_COLUMNS.split(", ")),
        OUTREACH_EVENTS: tuple(OUTREACH_COLUMNS.split(", ")),
    }

    def row_of(self, state: Any) -> tuple[str, tuple[Any, ...]] | None:
        if isinstance(state, ShortContact):
            table = SHORT_CONTACTS
            row: tuple[Any, ...] = (
                str(state.id),
                state.agency,
                state.date.isoformat(),
                state.mode,
                state.language,
                state.topic,
                state.referred_to,
                state.recorded_by,
                state.recorded_at.isoformat(),
            )
        elif isinstance(state, OutreachEvent):
            table = OUTREACH_EVENTS
            row = (
                str(state.id),
                state.agency,
                state.date.isoformat(),
                storable_text(state.title),
                state.kind,
                state.language,
                state.attendees,
                state.recorded_by,
                state.recorded_at.isoformat(),
            )
        else:
            return None
        return table, row
