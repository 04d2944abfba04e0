"""Short contacts and outreach events (domain/desk.py): what they hold, and the rules they are recorded by."""

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec
import pytest

from domain.desk import (
    OUTREACH_EVENTS,
    SHORT_CONTACTS,
    OutreachEvent,
    RecordOutreachEvent,
    RecordShortContact,
    ShortContact,
    record_outreach_event,
    record_short_contact,
)
from domain.errors import InvalidStep
from domain.registers import Stamp

ENTRY_ID = UUID("00000000-0000-4000-8000-0000000000d1")
TODAY = date(2026, 6, 30)
AT = datetime(2026, 6, 30, 8, 15, tzinfo=UTC)
STAMP = Stamp(entry_id=ENTRY_ID, version=1, at=AT, today=TODAY, recorded_by="ayse")
CONTACT = {"date": "2026-06-30", "mode": "phone", "language": "tr", "topic": "recognition"}
OUTREACH = {"date": "2026-06-12", "title": "Infoabend VHS", "kind": "integration_course", "language": "ru"}


def contact_of(body: dict[str, Any]) -> RecordShortContact:
    return msgspec.json.decode(msgspec.json.encode(body), type=RecordShortContact)


def outreach_of(body: dict[str, Any]) -> RecordOutreachEvent:
    return msgspec.json.decode(msgspec.json.encode(body), type=RecordOutreachEvent)


def test_a_short_contact_is_recorded_by_one_event_of_the_agency() -> None:
    command = contact_of({**CONTACT, "referred_to": "chamber"})

    event = record_short_contact("koeln", command, STAMP)
    contact = SHORT_CONTACTS.project([event])

    assert contact == ShortContact(
        id=ENTRY_ID,
        version=1,
        agency="koeln",
        date=TODAY,
        mode="phone",
        language="tr",
        topic="recognition",
        referred_to="chamber",
        recorded_by="ayse",
        recorded_at=AT,
    )


def test_an_outreach_event_is_recorded_by_one_event_of_the_agency() -> None:
    event = record_outreach_event("koeln", outreach_of({**OUTREACH, "attendees": 0}), STAMP)

    shown = OUTREACH_EVENTS.project([event])

    assert isinstance(shown, OutreachEvent)
    assert (shown.agency, shown.kind, shown.language, shown.attendees) == ("koeln", "integration_course", "ru", 0)
    assert shown.date == date(2026, 6, 12)


def test_nothing_of_the_desk_is_dated_in_the_future() -> None:
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    for record in (
        lambda: record_short_contact("koeln", contact_of({**CONTACT, "date": tomorrow}), STAMP),
        lambda: record_outreach_event("koeln", outreach_of({**OUTREACH, "date": tomorrow, "attendees": 3}), STAMP),
    ):
        with pytest.raises(InvalidStep) as refused:
            record()
        assert (refused.value.rule, refused.value.field) == ("date_not_in_future", "date")


@pytest.mark.parametrize(
    "changes",
    [
        {"mode": "carrier_pigeon"},
        {"language": "TR"},
        {"language": "tur"},
        {"language": "t"},
        {"topic": "weather"},
        {"referred_to": "friend"},
        {"name": "Ayşe"},  # a short contact names nobody: no field for it
        {"date": "2026-02-30"},
    ],
)
def test_a_short_contact_takes_only_the_contracts_values(changes: dict[str, Any]) -> None:
    with pytest.raises(msgspec.ValidationError):
        contact_of({**CONTACT, **changes})


@pytest.mark.parametrize(
    "changes",
    [
        {"attendees": -1},
        {"attendees": 100_001},
        {"attendees": 2.5},
        {"title": ""},
        {"title": "x" * 201},
        {"kind": "party"},
        {"language": "DE"},
        {"participants": ["Ayşe"]},
    ],
)
def test_an_outreach_event_takes_only_the_contracts_values(changes: dict[str, Any]) -> None:
    with pytest.raises(msgspec.ValidationError):
        outreach_of({**OUTREACH, "attendees": 12, **changes})


def test_each_entry_is_its_one_event() -> None:
    event = record_short_contact("koeln", contact_of(CONTACT), STAMP)
    contact = SHORT_CONTACTS.project([event])
    with pytest.raises(ValueError, match="one event"):
        SHORT_CONTACTS.evolve(contact, event)
    outreach = record_outreach_event("koeln", outreach_of({**OUTREACH, "attendees": 3}), STAMP)
    with pytest.raises(ValueError, match="one event"):
        OUTREACH_EVENTS.evolve(None, event)
    with pytest.raises(ValueError, match="one event"):
        SHORT_CONTACTS.evolve(None, outreach)
