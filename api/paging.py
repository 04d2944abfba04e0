"""Paging of the caseload and deadline lists: the query parameters and the opaque cursors.

Release 0.1 answered `GET /caseload` and `GET /deadlines` with the whole list, a JSON array, and its clients read
that array. A request that names neither `limit` nor `cursor` still gets exactly that; one that names either gets a
page, `{"items", "total", "next_cursor"}` as `GET /cases` pages, of `limit` items (100 when only `cursor` is given).

A cursor is the position of the page's last item in the listing's order (keyset paging), so items recorded or
removed while a client pages through move no other item from one page to another.
"""

import base64
import binascii
from datetime import date
from typing import Annotated, TypeVar
from uuid import UUID

import msgspec
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter

from api.params import query_error
from application.ports import CaseloadKey, DeadlineKey

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500

PageLimit = Annotated[
    int | None,
    QueryParameter(
        ge=1,
        le=MAX_PAGE_SIZE,
        description=f"Asks for a page of at most this many items ({DEFAULT_PAGE_SIZE} when only `cursor` is given):"
        " the answer is then an object {items, total, next_cursor}. Without `limit` and `cursor` the answer is the"
        " whole list as a JSON array, as release 0.1 answered.",
    ),
]
PageCursor = Annotated[
    str | None,
    QueryParameter(
        max_length=1000,
        description="The `next_cursor` of the page before: the page that follows it (null there: no further page).",
    ),
]


def is_paged(limit: int | None, cursor: str | None) -> bool:
    return limit is not None or cursor is not None


def page_size(limit: int | None) -> int:
    return DEFAULT_PAGE_SIZE if limit is None else limit


AFTER_EVERY_AGENCY = "\U0010ffff"  # sorts after every agency's name


def caseload_cursor(key: CaseloadKey) -> str:
    return _encode(("caseload", key.counsellor, key.agency))


def after_caseload(cursor: str | None) -> CaseloadKey | None:
    """Where the page before ended. A cursor handed out before caseloads had a row per agency names only the counsellor,
    whose one row held every agency's: it ends after her last agency's row."""
    if cursor is None:
        return None
    try:
        _, counsellor, agency = _decode(cursor, tuple[str, str, str], "caseload")
    except ValidationException:
        _, counsellor = _decode(cursor, tuple[str, str], "caseload")
        agency = AFTER_EVERY_AGENCY
    return CaseloadKey(counsellor, agency)


def deadline_cursor(key: DeadlineKey) -> str:
    return _encode(("deadlines", key.due, key.case_id, key.kind, key.ref))


def after_deadline(cursor: str | None) -> DeadlineKey | None:
    if cursor is None:
        return None
    _, due, case_id, kind, ref = _decode(cursor, tuple[str, date, UUID, str, str], "deadlines")
    return DeadlineKey(due, case_id, kind, ref)


def _encode(position: tuple[object, ...]) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(position)).decode().rstrip("=")


Position = TypeVar("Position", bound=tuple[object, ...])


def _decode(cursor: str, shape: type[Position], listing: str) -> Position:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = msgspec.json.decode(raw, type=shape)
    except (ValueError, binascii.Error, msgspec.DecodeError):
        raise query_error("cursor", "not a cursor this service handed out") from None
    if position[0] != listing:
        raise query_error("cursor", f"a cursor of another listing, not of {listing}")
    return position
