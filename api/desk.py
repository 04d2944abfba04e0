"""Short contacts and outreach events: the desk's work that opens no case (API.md, "The desk's other work")."""

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from api.auth import principal_of, require_role
from api.cases import IdempotencyKey, _decode_cursor, _encode_cursor, _retry
from api.params import AgencyFilter, MinPosition, problems
from application.desk import Desk, PeriodQuery
from application.policy import COUNSELLING, DESK_READERS
from application.registers import Written
from domain.desk import ContactTopic, OutreachEvent, OutreachKind, RecordOutreachEvent, RecordShortContact, ShortContact
from domain.vocabulary import ContactMode, ReferralTarget

AnyRequest = Request[Any, Any, Any]
DeskWork = NamedDependency[Desk]
From = Annotated[date | None, QueryParameter(name="from", description="Only those dated on or after this day")]
To = Annotated[date | None, QueryParameter(name="to", description="Only those dated on or before this day")]
Limit = Annotated[int, QueryParameter(ge=1, le=200)]
Cursor = Annotated[str | None, QueryParameter(max_length=200, description="`next_cursor` of the page before")]
RECORD_HEADERS = [
    ResponseHeader(
        name="Lotse-Position",
        description="The write's position in the global event log; pass it as min_position to read your writes",
        documentation_only=True,
    ),
    ResponseHeader(
        name="Idempotent-Replayed",
        description="true when an Idempotency-Key matched an earlier request: nothing was recorded again",
        documentation_only=True,
    ),
]


class ShortContactView(msgspec.Struct, frozen=True, kw_only=True):
    """A short information contact: no person, only how, in which language and about what; `referred_to` where the
    person was sent on."""

    id: UUID
    agency: str
    date: date
    mode: ContactMode
    language: str
    topic: ContactTopic
    referred_to: ReferralTarget | None
    recorded_by: str
    recorded_at: datetime


class ShortContactPage(msgspec.Struct, frozen=True):
    items: list[ShortContactView]
    next_cursor: str | None


class OutreachEventView(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    agency: str
    date: date
    title: str
    kind: OutreachKind
    language: str
    attendees: int
    recorded_by: str
    recorded_at: datetime


class OutreachEventPage(msgspec.Struct, frozen=True):
    items: list[OutreachEventView]
    next_cursor: str | None


class ShortContactsController(Controller):
    path = "/contacts"
    security = [{"bearer": []}]  # noqa: RUF012 - Litestar reads it as declared
    tags = ["desk"]  # noqa: RUF012 - Litestar reads it as declared

    @post(
        guards=[require_role(COUNSELLING)],
        sync_to_thread=True,
        summary="Record a short information contact without a case",
        responses=problems(400, 401, 403, 413, 422),
        response_headers=RECORD_HEADERS,
    )
    def record(
        self,
        data: JSONBody[RecordShortContact],
        request: AnyRequest,
        desk: DeskWork,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[ShortContactView]:
        """No personal data: the contact is counted by mode, language (ISO 639-1) and topic. A date in the future is
        refused (rule `date_not_in_future`)."""
        retry = _retry(idempotency_key, "POST /contacts", data)
        written = desk.record_short_contact(principal_of(request), data, retry)
        return _recorded(written, short_contact_view(written.entry))

    @get(
        guards=[require_role(DESK_READERS)],
        sync_to_thread=True,
        summary="The short contacts of the caller's agency, newest first",
        responses=problems(401, 403, 422, 503),
    )
    def list_contacts(
        self,
        request: AnyRequest,
        desk: DeskWork,
        start: From = None,
        end: To = None,
        agency: AgencyFilter = None,
        limit: Limit = 50,
        cursor: Cursor = None,
        min_position: MinPosition = None,
    ) -> ShortContactPage:
        query = _period_query(start, end, agency, limit, cursor)
        contacts = desk.short_contacts(principal_of(request), query, min_position=min_position)
        return ShortContactPage(
            items=[short_contact_view(contact) for contact in contacts], next_cursor=_next_cursor(contacts, limit)
        )


class OutreachEventsController(Controller):
    path = "/outreach-events"
    security = [{"bearer": []}]  # noqa: RUF012 - Litestar reads it as declared
    tags = ["desk"]  # noqa: RUF012 - Litestar reads it as declared

    @post(
        guards=[require_role(COUNSELLING)],
        sync_to_thread=True,
        summary="Record an outreach event (an information event, a fair, a visit to a migrant organisation, …)",
        responses=problems(400, 401, 403, 413, 422),
        response_headers=RECORD_HEADERS,
    )
    def record(
        self,
        data: JSONBody[RecordOutreachEvent],
        request: AnyRequest,
        desk: DeskWork,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[OutreachEventView]:
        """`title` names the occasion, never a person; `attendees` at most 100,000. A date in the future is refused
        (rule `date_not_in_future`)."""
        retry = _retry(idempotency_key, "POST /outreach-events", data)
        written = desk.record_outreach_event(principal_of(request), data, retry)
        return _recorded(written, outreach_event_view(written.entry))

    @get(
        guards=[require_role(DESK_READERS)],
        sync_to_thread=True,
        summary="The outreach events of the caller's agency, newest first",
        responses=problems(401, 403, 422, 503),
    )
    def list_outreach_events(
        self,
        request: AnyRequest,
        desk: DeskWork,
        start: From = None,
        end: To = None,
        agency: AgencyFilter = None,
        limit: Limit = 50,
        cursor: Cursor = None,
        min_position: MinPosition = None,
    ) -> OutreachEventPage:
        query = _period_query(start, end, agency, limit, cursor)
        events = desk.outreach_events(principal_of(request), query, min_position=min_position)
        return OutreachEventPage(
            items=[outreach_event_view(event) for event in events], next_cursor=_next_cursor(events, limit)
        )


def short_contact_view(contact: ShortContact) -> ShortContactView:
    return ShortContactView(
        id=contact.id,
        agency=contact.agency,
        date=contact.date,
        mode=contact.mode,
        language=contact.language,
        topic=contact.topic,
        referred_to=contact.referred_to,
        recorded_by=contact.recorded_by,
        recorded_at=contact.recorded_at,
    )


def outreach_event_view(event: OutreachEvent) -> OutreachEventView:
    return OutreachEventView(
        id=event.id,
        agency=event.agency,
        date=event.date,
        title=event.title,
        kind=event.kind,
        language=event.language,
        attendees=event.attendees,
        recorded_by=event.recorded_by,
        recorded_at=event.recorded_at,
    )


def _recorded(written: Written[Any], view: Any) -> Response[Any]:
    headers = {
        "Lotse-Position": str(written.position),
        "Idempotent-Replayed": "true" if written.replayed else "false",
    }
    return Response(view, status_code=201, headers=headers)


def _period_query(
    start: date | None, end: date | None, agency: str | None, limit: int, cursor: str | None
) -> PeriodQuery:
    return PeriodQuery(
        agency=agency, start=start, end=end, limit=limit, after=_decode_cursor(cursor) if cursor else None
    )


def _next_cursor(entries: list[ShortContact] | list[OutreachEvent], limit: int) -> str | None:
    if len(entries) < limit:
        return None
    last = entries[-1]
    return _encode_cursor(last.date, last.id)
