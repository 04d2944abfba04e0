"""Case endpoints: thin handlers that decode (msgspec did), call the use case with the principal, encode."""

import base64
import binascii
import hashlib
import re
from datetime import date, datetime
from typing import Annotated, Any, TypeVar
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from api.auth import principal_of, require_role
from api.params import READ_PROBLEMS, WRITE_PROBLEMS, NameFilter, problems, query_error
from api.responses import CaseListPage, CaseView, HistoryView, OpenedCaseView, case_view, list_item, opened_case_view
from application.policy import CASE_READERS, COUNSELLING, LEADS
from application.ports import CaseListQuery, RetryKey
from application.workspace import Workspace, Written
from domain.steps import OpenCase, Step
from domain.vocabulary import CaseStatus, Stage

AnyRequest = Request[Any, Any, Any]
View = TypeVar("View", bound=CaseView)
Cases = NamedDependency[Workspace]
CaseId = FromPath[UUID]
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        required=False,
        min_length=1,
        max_length=200,
        pattern=r"^[\x21-\x7e]+$",
        description="Makes a retried POST safe: a retry gets the first answer and records nothing.",
    ),
]
IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        required=False,
        max_length=100,
        description="The ETag (case version) the write is based on; a stale one is refused with 412.",
    ),
]
WRITE_HEADERS = [
    ResponseHeader(name="ETag", description="The case's version after the write", documentation_only=True),
    ResponseHeader(name="Location", description="The case", documentation_only=True),
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


class CasesController(Controller):
    path = "/cases"
    security = [{"bearer": []}]  # noqa: RUF012 - Litestar reads it as declared
    tags = ["cases"]  # noqa: RUF012 - Litestar reads it as declared

    @post(
        guards=[require_role(COUNSELLING)],
        sync_to_thread=True,
        summary="Open a case at first contact",
        responses=problems(400, 401, 403, 409, 413, 422),
        response_headers=WRITE_HEADERS,
    )
    def open_case(
        self, data: JSONBody[OpenCase], request: AnyRequest, workspace: Cases, idempotency_key: IdempotencyKey = None
    ) -> Response[OpenedCaseView]:
        """The answer carries `possible_duplicates`: the agency's cases whose client has the same normalised name and
        birth date (the new case counts the person as the earliest of them does)."""
        retry = _retry(idempotency_key, "POST /cases", data)
        written = workspace.open_case(principal_of(request), data, retry)
        return _written(written, opened_case_view(written))

    @post(
        "/{case_id:uuid}/steps",
        guards=[require_role(COUNSELLING)],
        sync_to_thread=True,
        summary="Record one step of the client's journey",
        responses=WRITE_PROBLEMS,
        response_headers=WRITE_HEADERS,
    )
    def record_step(
        self,
        case_id: CaseId,
        data: JSONBody[Step],
        request: AnyRequest,
        workspace: Cases,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[CaseView]:
        recorded = workspace.record_step(
            principal_of(request),
            case_id,
            data,
            expected_version=_accepted_versions(if_match),
            retry=_retry(idempotency_key, f"POST /cases/{case_id}/steps", data),
        )
        return _written(recorded, case_view(recorded))

    @delete(
        "/{case_id:uuid}/personal-data",
        guards=[require_role(LEADS)],
        sync_to_thread=True,
        summary="Erase the client's personal data (GDPR Art. 17)",
        responses=problems(401, 403, 404, 409),
    )
    def erase_personal_data(self, case_id: CaseId, request: AnyRequest, workspace: Cases) -> None:
        workspace.erase_personal_data(principal_of(request), case_id)

    @get(
        "/{case_id:uuid}",
        guards=[require_role(CASE_READERS)],
        sync_to_thread=True,
        summary="The case, now or as it was at a version or instant",
        responses=READ_PROBLEMS,
        response_headers=[
            ResponseHeader(
                name="ETag",
                description="The case's version, only on its current state (a past version is nothing to base a"
                " write on): send it as If-Match",
                documentation_only=True,
            )
        ],
    )
    def get_case(
        self,
        case_id: CaseId,
        request: AnyRequest,
        workspace: Cases,
        as_of_version: Annotated[int | None, QueryParameter(ge=1, required=False)] = None,
        as_of: Annotated[datetime | None, QueryParameter(required=False)] = None,
    ) -> Response[CaseView]:
        """Personal data only for counsellors and leads (others never open them). Every read is recorded in the
        read-access log (`GET /audit/access-log`) before it is answered."""
        state = workspace.read_case(principal_of(request), case_id, as_of_version=as_of_version, as_of=as_of)
        # Only the current state carries an ETag: a past version is nothing to base a write on.
        return Response(case_view(state), headers={"ETag": _etag(state.case.version)} if state.is_current else None)

    @get(
        "/{case_id:uuid}/history",
        guards=[require_role(CASE_READERS)],
        sync_to_thread=True,
        summary="Every event of the case, oldest first",
        responses=READ_PROBLEMS,
    )
    def get_history(self, case_id: CaseId, request: AnyRequest, workspace: Cases) -> HistoryView:
        """Personal data only for counsellors and leads. Every read is recorded in the read-access log."""
        return HistoryView(id=case_id, events=workspace.read_history(principal_of(request), case_id))

    @get(
        guards=[require_role(CASE_READERS)],
        sync_to_thread=True,
        summary="Cases of the caller's agency; `q` finds clients by name",
        responses=problems(401, 403, 422),
    )
    def list_cases(
        self,
        request: AnyRequest,
        workspace: Cases,
        q: Annotated[
            str | None,
            QueryParameter(
                min_length=1,
                max_length=200,
                description="Counsellors and leads (others 403): the cases whose client's name has every word of q;"
                " case, accents, ß/ss and ä/ae (ö/oe, ü/ue) do not matter. Combines with the other filters and paging.",
            ),
        ] = None,
        counsellor: NameFilter = None,
        status: Annotated[CaseStatus | None, QueryParameter()] = None,
        stage: Annotated[Stage | None, QueryParameter()] = None,
        agency: NameFilter = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
    ) -> CaseListPage:
        query = CaseListQuery(
            agency=agency,
            counsellor=counsellor,
            status=status,
            stage=stage,
            limit=limit,
            after=_decode_cursor(cursor) if cursor else None,
        )
        listed = workspace.list_cases(principal_of(request), query, q=q)
        next_cursor = None
        if len(listed) == limit:
            last = listed[-1]
            next_cursor = _encode_cursor(last.opened_on, last.case_id)
        return CaseListPage(items=[list_item(item) for item in listed], next_cursor=next_cursor)


def _written(written: Written, view: View) -> Response[View]:
    case = written.case
    return Response(
        view,
        status_code=201,
        headers={
            "ETag": _etag(case.version),
            "Location": f"/cases/{case.id}",
            "Lotse-Position": str(written.position),
            "Idempotent-Replayed": "true" if written.replayed else "false",
        },
    )


# Optional fields release 0.2 added to 0.1's requests. A 0.1 client leaves them out, which reads as their defaults; its
# retries across the upgrade are still the request 0.1 fingerprinted (none of 0.1's own optional fields is named so).
FIELDS_ADDED_IN_0_2 = frozenset(
    {
        "mode",
        "language",
        "interpreter",
        "application_id",
        "offer_id",
        "basis",
        "qualification_id",
        "reference_date",
        "outcome",
        "improvement",
        "self_employed",
        "birth_date",
        "german_level",
        "arrival_year",
        "target_kldb",
    }
)


def _retry(key: str | None, target: str, data: msgspec.Struct) -> RetryKey | None:
    if key is None:
        return None
    encoded = msgspec.json.encode(data)
    earlier = msgspec.json.encode(_as_0_1_sent(msgspec.json.decode(encoded), data))
    return RetryKey(
        key=key, fingerprint=_fingerprint(target, encoded), earlier_fingerprint=_fingerprint(target, earlier)
    )


def _fingerprint(target: str, encoded: bytes) -> str:
    return hashlib.sha256(target.encode() + b"\n" + encoded).hexdigest()


def _as_0_1_sent(encoded: Any, data: Any) -> Any:
    """The request's JSON without the 0.2 fields it leaves at their defaults, nested Structs too."""
    if not isinstance(data, msgspec.Struct) or not isinstance(encoded, dict):
        return encoded
    defaults = dict(
        zip(
            data.__struct_fields__[len(data.__struct_fields__) - len(data.__struct_defaults__) :],
            data.__struct_defaults__,
            strict=True,
        )
    )
    kept = {}
    for name, value in encoded.items():
        attribute = getattr(data, name, None)
        default = defaults.get(name, msgspec.NODEFAULT)
        if name in FIELDS_ADDED_IN_0_2 and default is not msgspec.NODEFAULT and attribute == default:
            continue
        kept[name] = _as_0_1_sent(value, attribute)
    return kept


def _etag(version: int) -> str:
    return f'"{version}"'


VERSION_TAG = re.compile(r'"([0-9]+)"', re.ASCII)
MAX_VERSION_DIGITS = 10  # beyond any version a case reaches; a longer tag accepts no version


def _accepted_versions(if_match: str | None) -> frozenset[int] | None:
    """The versions the writer's If-Match accepts (RFC 9110 §13.1.1: strong comparison, any tag of a list).

    None: no precondition (`*` or no header). A list with no strong version tag accepts no version, so the write
    is refused with 412.
    """
    if if_match is None or if_match.strip() == "*":
        return None
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    return frozenset(
        int(match.group(1))
        for part in if_match.split(",")
        if (match := VERSION_TAG.fullmatch(part.strip())) is not None and len(match.group(1)) <= MAX_VERSION_DIGITS
    )


def _encode_cursor(opened_on: date, case_id: UUID) -> str:
    return base64.urlsafe_b64encode(f"{opened_on.isoformat()}|{case_id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[date, UUID]:
    try:
        opened_on, _, case_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return date.fromisoformat(opened_on), UUID(case_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise query_error("cursor", "not a cursor this service handed out") from None
