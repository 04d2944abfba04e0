"""Registers beside the cases: the desk's records that are not a client's journey.

Employers, the course catalogue's offers, short information contacts and outreach events are kept in the one log
with the cases, so every figure that counts them is reproducible as of a log position and the audit chain covers
them. Each entry of a register is an aggregate of its own: its events carry its id and version like a case's, with
stable topics of their own (`lotse.<register>.<Event>`), and the register says how they evolve its state.

A register module defines its event classes (subclasses of `RegisterEvent`), its state (a `RegisterEntry`) and a
`Register` naming them; domain/log.py lists the registers the log holds.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, ClassVar, Generic, Protocol, TypeVar
from uuid import UUID

import msgspec


class RegisterEvent(msgspec.Struct, frozen=True, kw_only=True):
    """What happened to an entry of a register. Like case events: immutable, unknown stored fields ignored."""

    TOPIC: ClassVar[str]
    TYPE: ClassVar[str]  # as the API names it (a step type, or the entry's creation)
    class_version: ClassVar[int] = 1

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    recorded_by: str


class RegisterEntry(Protocol):
    """The state of an entry: every register's state says whose it is and how far it is."""

    @property
    def id(self) -> UUID: ...

    @property
    def version(self) -> int: ...

    @property
    def agency(self) -> str: ...


Entry = TypeVar("Entry", bound=RegisterEntry)


@dataclass(frozen=True)
class Register(Generic[Entry]):
    """A kind of entry: its name (as errors and the access log say it), its events and how they evolve its state.

    `evolve(None, event)` starts an entry from its creating event; any other event before the entry exists, or out
    of version order, raises ValueError (a stored log that says so is corrupt, not a client's mistake).
    """

    name: str
    state: type[Entry]
    events: tuple[type[RegisterEvent], ...]
    evolve: Callable[[Entry | None, Any], Entry]

    def project(self, events: Any) -> Entry | None:
        entry: Entry | None = None
        for event in events:
            entry = self.evolve(entry, event)
        return entry


@dataclass(frozen=True)
class Stamp:
    """What a decision needs to write the next event of an entry: its id and version, who, when, and today."""

    entry_id: UUID
    version: int  # the new event's version (1 for the creating event)
    at: datetime
    today: date
    recorded_by: str

    def fields(self) -> dict[str, Any]:
        """The envelope fields every register event carries."""
        return {
            "originator_id": self.entry_id,
            "originator_version": self.version,
            "timestamp": self.at,
            "recorded_by": self.recorded_by,
        }


def follows(entry: RegisterEntry, event: RegisterEvent) -> None:
    """Raises ValueError unless the event is the entry's next one."""
    if event.originator_version != entry.version + 1:
        raise ValueError(f"event version {event.originator_version} does not follow version {entry.version}")
