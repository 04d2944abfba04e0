"""Employer endpoints: the firms a desk approaches and counsels, each an event-sourced record with its history."""

import base64
import binascii
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from api.auth import principal_of, require_role
from api.cases import IdempotencyKey, IfMatch, _accepted_versions, _etag, _retry
from api.desk import Cursor, Limit
from api.params import READ_PROBLEMS, WRITE_PROBLEMS, AgencyFilter, MinPosition, query_error
from application.desk import Desk, EmployerListQuery, EmployerRecord, EmployerSummary
from application.history import HistoryEntry
from application.policy import COUNSELLING, DESK_READERS
from domain.employers import EmployerSize, EmployerStep, RegisterEmployer

AnyRequest = Request[Any, Any, Any]
DeskWork = NamedDependency[Desk]
EmployerId = FromPath[UUID]
WRITE_HEADERS = [
    ResponseHeader(name="ETag", description="The employer's version after the write", documentation_only=True),
    ResponseHeader(name="Location", description="The employer", documentation_only=True),
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


class EmployerView(msgspec.Struct, frozen=True, kw_only=True):
    """An employer as `GET /employers/{employer_id}` and every write answer it, with its history up to that state.

    `contacts`: `employer_contacted` steps; `counselling_sessions`, `counselling_minutes` and `counselled_on` (each
    day once): its `employer_counselled` steps; `employees_interested`: as the latest counselling said;
    `employees_referred`: `employee_referred` steps, `referred_cases` the cases they named; `last_contact_on`: the
    latest day of any of these.
    """

    id: UUID
    version: int
    agency: str
    name: str
    size: EmployerSize
    sector: str
    postal_code: str
    registered_on: date
    contacts: int
    counselling_sessions: int
    counselling_minutes: int
    counselled_on: list[date]
    employees_interested: int
    employees_referred: int
    referred_cases: list[UUID]
    last_contact_on: date | None
    recorded_at: datetime
    history: list[HistoryEntry]


class EmployerHistoryView(msgspec.Struct, frozen=True):
    id: UUID
    events: list[HistoryEntry]


class EmployerListItem(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    version: int
    agency: str
    name: str
    size: EmployerSize
    sector: str
    postal_code: str
    contacts: int
    counselling_sessions: int
    employees_referred: int
    last_contact_on: date | None


class EmployerPage(msgspec.Struct, frozen=True):
    items: list[EmployerListItem]
    next_cursor: str | None


class EmployersController(Controller):
    path = "/employers"
    security = [{"bearer": []}]  # noqa: RUF012 - Litestar reads it as declared
    tags = ["employers"]  # noqa: RUF012 - Litestar reads it as declared

    @post(
        guards=[require_role(COUNSELLING)],
        sync_to_thread=True,
        summary="Register an employer of the caller's agency",
        responses={key: value for key, value in WRITE_PROBLEMS.items() if key not in (404, 409, 412)},
        response_headers=WRITE_HEADERS,
    )
    def register(
        self,
        data: JSONBody[RegisterEmployer],
        request: AnyRequest,
        desk: DeskWork,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[EmployerView]:
        """The employer's name is a firm's, not personal data; `postal_code` has five digits."""
        record = desk.register_employer(principal_of(request), data, _retry(idempotency_key, "POST /employers", data))
        return _written(record)

    @post(
        "/{employer_id:uuid}/steps",
        guards=[require_role(COUNSELLING)],
        sync_to_thread=True,
        summary="Record one step of an employer: contacted, counselled, an employee referred, or changed",
        responses=WRITE_PROBLEMS,
        response_headers=WRITE_HEADERS,
    )
    def record_step(
        self,
        employer_id: EmployerId,
        data: JSONBody[EmployerStep],
        request: AnyRequest,
        desk: DeskWork,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[EmployerView]:
        """Rules: `date_not_in_future` (422); `referred_case_of_agency` (409: `employee_referred.case_id` names no case
        of the employer's agency); `employer_changed_changes_something` (409). `If-Match` with a stale version: 412."""
        record = desk.record_employer_step(
            principal_of(request),
            employer_id,
            data,
            expected_version=_accepted_versions(if_match),
            retry=_retry(idempotency_key, f"POST /employers/{employer_id}/steps", data),
        )
        return _written(record)

    @get(
        "/{employer_id:uuid}",
        guards=[require_role(DESK_READERS)],
        sync_to_thread=True,
        summary="The employer with its history, now or as it was at a version",
        responses=READ_PROBLEMS,
    )
    def get_employer(
        self,
        employer_id: EmployerId,
        request: AnyRequest,
        desk: DeskWork,
        as_of_version: Annotated[int | None, QueryParameter(ge=1, required=False)] = None,
    ) -> Response[EmployerView]:
        record = desk.read_employer(principal_of(request), employer_id, as_of_version=as_of_version)
        # Only the current state carries an ETag: a past version is nothing to base a write on.
        headers = {"ETag": _etag(record.employer.version)} if record.is_current else None
        return Response(employer_view(record), headers=headers)

    @get(
        "/{employer_id:uuid}/history",
        guards=[require_role(DESK_READERS)],
        sync_to_thread=True,
        summary="Every event of the employer, oldest first",
        responses=READ_PROBLEMS,
    )
    def get_history(self, employer_id: EmployerId, request: AnyRequest, desk: DeskWork) -> EmployerHistoryView:
        record = desk.read_employer(principal_of(request), employer_id)
        return EmployerHistoryView(id=employer_id, events=record.history)

    @get(
        guards=[require_role(DESK_READERS)],
        sync_to_thread=True,
        summary="The employers of the caller's agency, by name",
        responses={key: value for key, value in READ_PROBLEMS.items() if key != 404},
    )
    def list_employers(
        self,
        request: AnyRequest,
        desk: DeskWork,
        size: Annotated[EmployerSize | None, QueryParameter()] = None,
        q: Annotated[
            str | None,
            QueryParameter(
                min_length=1,
                max_length=200,
                description="Only employers whose name contains every word of q (case, accents, ß/ss and ä/ae do"
                " not matter)",
            ),
        ] = None,
        agency: AgencyFilter = None,
        limit: Limit = 50,
        cursor: Cursor = None,
        min_position: MinPosition = None,
    ) -> EmployerPage:
        query = EmployerListQuery(
            agency=agency, size=size, limit=limit, after=_decode_cursor(cursor) if cursor else None
        )
        listed = desk.employers(principal_of(request), query, q=q, min_position=min_position)
        next_cursor = _encode_cursor(listed[-1]) if len(listed) == limit else None
        return EmployerPage(items=[list_item(summary) for summary in listed], next_cursor=next_cursor)


def employer_view(record: EmployerRecord) -> EmployerView:
    employer = record.employer
    return EmployerView(
        id=employer.id,
        version=employer.version,
        agency=employer.agency,
        name=employer.name,
        size=employer.size,
        sector=employer.sector,
        postal_code=employer.postal_code,
        registered_on=employer.registered_on,
        contacts=employer.contacts,
        counselling_sessions=employer.counselling_sessions,
        counselling_minutes=employer.counselling_minutes,
        counselled_on=list(employer.counselled_on),
        employees_interested=employer.employees_interested,
        employees_referred=employer.employees_referred,
        referred_cases=list(employer.referred_cases),
        last_contact_on=employer.last_contact_on,
        recorded_at=employer.modified_at,
        history=record.history,
    )


def list_item(summary: EmployerSummary) -> EmployerListItem:
    return EmployerListItem(
        id=summary.employer_id,
        version=summary.version,
        agency=summary.agency,
        name=summary.name,
        size=summary.size,
        sector=summary.sector,
        postal_code=summary.postal_code,
        contacts=summary.contacts,
        counselling_sessions=summary.counselling_sessions,
        employees_referred=summary.employees_referred,
        last_contact_on=summary.last_contact_on,
    )


def _written(record: EmployerRecord) -> Response[EmployerView]:
    employer = record.employer
    return Response(
        employer_view(record),
        status_code=201,
        headers={
            "ETag": _etag(employer.version),
            "Location": f"/employers/{employer.id}",
            "Lotse-Position": str(record.position),
            "Idempotent-Replayed": "true" if record.replayed else "false",
        },
    )


def _encode_cursor(last: EmployerSummary) -> str:
    return base64.urlsafe_b64encode(f"{last.name_key}|{last.employer_id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[str, UUID]:
    try:
        key, _, employer_id = base64.urlsafe_b64decode(cursor.encode()).decode().rpartition("|")
        return key, UUID(employer_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise query_error("cursor", "not a cursor this service handed out") from None
