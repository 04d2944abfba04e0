"""What the one log holds: the case events and the events of every register beside the cases.

A register module adds its `Register` to REGISTERS; the store then reads and writes its events under their topics, the
projections follow them, and the statistics can count them as of a log position.
"""

from typing import Any

from domain.desk import OUTREACH_EVENTS, SHORT_CONTACTS
from domain.employers import EMPLOYERS
from domain.events import EVENT_TYPES, CaseEvent
from domain.offers import OFFERS
from domain.registers import Register, RegisterEvent
from domain.reports import REPORTS

REGISTERS: tuple[Register[Any], ...] = (
    EMPLOYERS,
    SHORT_CONTACTS,
    OUTREACH_EVENTS,
    OFFERS,  # the course catalogue (domain/offers.py)
    REPORTS,  # published reports, a series per kind, basis and definition (domain/reports.py)
)

REGISTER_OF: dict[type[RegisterEvent], Register[Any]] = {
    event_class: register for register in REGISTERS for event_class in register.events
}
LOG_EVENT_TYPES: dict[str, type[CaseEvent] | type[RegisterEvent]] = {
    **EVENT_TYPES,
    **{event_class.TOPIC: event_class for event_class in REGISTER_OF},
}


def register_of(event: RegisterEvent) -> Register[Any]:
    """The register an event belongs to; LookupError for an event class no register lists."""
    try:
        return REGISTER_OF[type(event)]
    except KeyError:
        raise LookupError(f"{type(event).__name__} belongs to no register of the log") from None
