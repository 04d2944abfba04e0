"""The desk's work that opens no case: short information contacts and outreach events (API.md, "The desk's other
work").

Neither names a person: a short contact is counted by how and in which language it was held, what it was about and
where the person was sent on; an outreach event by its kind, language and attendees, with a title that names the
occasion ("Infoabend im Integrationskurs der VHS"), never a participant. Each is an entry of a register of its own,
recorded once by one event.
"""

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from domain.command_data import Data
from domain.errors import InvalidStep
from domain.registers import Register, RegisterEvent, Stamp
from domain.vocabulary import ContactMode, LanguageCode, LineText, ReferralTarget

ContactTopic = Literal[
    "recognition", "external_exam", "validation", "partial_qualifications", "funding", "courses", "employer", "other"
]
OutreachKind = Literal["information_event", "fair", "migrant_organisation", "integration_course", "company", "other"]
# A fair's visitors are counted in thousands at most; beyond that, a typing error.
Attendees = Annotated[int, Meta(ge=0, le=100_000)]


def not_in_future(day: date, today: date, field: str = "date") -> None:
    """The rule every dated record of the desk follows, as case steps do: what happened did not happen tomorrow."""
    if day > today:
        raise InvalidStep(
            "date_not_in_future", f"{field} {day} is in the future (today is {today})", field, date=day, today=today
        )


# Commands


class RecordShortContact(Data, frozen=True):
    """A short information contact without a case: asked and answered, perhaps sent on (`referred_to`)."""

    date: date
    mode: ContactMode
    language: LanguageCode
    topic: ContactTopic
    referred_to: ReferralTarget | None = None


class RecordOutreachEvent(Data, frozen=True):
    """An information event the desk held or presented at; `title` names the occasion, not a person."""

    date: date
    title: LineText
    kind: OutreachKind
    language: LanguageCode
    attendees: Attendees


# Events


class ShortContactRecorded(RegisterEvent, frozen=True, kw_only=True):
    TOPIC = "lotse.contact.ShortContactRecorded"
    TYPE = "short_contact_recorded"
    agency: str
    date: date
    mode: ContactMode
    language: str
    topic: ContactTopic
    referred_to: ReferralTarget | None = None


class OutreachEventRecorded(RegisterEvent, frozen=True, kw_only=True):
    TOPIC = "lotse.outreach.OutreachEventRecorded"
    TYPE = "outreach_event_recorded"
    agency: str
    date: date
    title: str
    kind: OutreachKind
    language: str
    attendees: int


# States


class ShortContact(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    version: int
    agency: str
    date: date
    mode: ContactMode
    language: str
    topic: ContactTopic
    referred_to: ReferralTarget | None
    recorded_by: str
    recorded_at: datetime


class OutreachEvent(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    version: int
    agency: str
    date: date
    title: str
    kind: OutreachKind
    language: str
    attendees: int
    recorded_by: str
    recorded_at: datetime


# Decisions


def record_short_contact(agency: str, command: RecordShortContact, stamp: Stamp) -> ShortContactRecorded:
    not_in_future(command.date, stamp.today)
    return ShortContactRecorded(**stamp.fields(), agency=agency, **msgspec.structs.asdict(command))


def record_outreach_event(agency: str, command: RecordOutreachEvent, stamp: Stamp) -> OutreachEventRecorded:
    not_in_future(command.date, stamp.today)
    return OutreachEventRecorded(**stamp.fields(), agency=agency, **msgspec.structs.asdict(command))


# Evolution: each entry is its one event


def _contact(entry: ShortContact | None, event: ShortContactRecorded) -> ShortContact:
    if entry is not None or not isinstance(event, ShortContactRecorded) or event.originator_version != 1:
        raise ValueError(f"a short contact is recorded by one event, not by {type(event).__name__}")
    return ShortContact(
        id=event.originator_id,
        version=1,
        agency=event.agency,
        date=event.date,
        mode=event.mode,
        language=event.language,
        topic=event.topic,
        referred_to=event.referred_to,
        recorded_by=event.recorded_by,
        recorded_at=event.timestamp,
    )


def _outreach_event(entry: OutreachEvent | None, event: OutreachEventRecorded) -> OutreachEvent:
    if entry is not None or not isinstance(event, OutreachEventRecorded) or event.originator_version != 1:
        raise ValueError(f"an outreach event is recorded by one event, not by {type(event).__name__}")
    return OutreachEvent(
        id=event.originator_id,
        version=1,
        agency=event.agency,
        date=event.date,
        title=event.title,
        kind=event.kind,
        language=event.language,
        attendees=event.attendees,
        recorded_by=event.recorded_by,
        recorded_at=event.timestamp,
    )


SHORT_CONTACTS: Register[ShortContact] = Register("short contact", ShortContact, (ShortContactRecorded,), _contact)
OUTREACH_EVENTS: Register[OutreachEvent] = Register(
    "outreach event", OutreachEvent, (OutreachEventRecorded,), _outreach_event
)
