"""The audit endpoints: recompute the event log's and the read-access log's hash chains and check them against their
signed checkpoints; read the read-access log (who read which case's state or history, when)."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from api.auth import principal_of, require_role
from api.params import AgencyFilter, NameFilter, problems, query_error
from application.policy import AUDITORS
from application.ports import AccessLogEntry, AccessLogQuery
from application.workspace import Workspace
from infrastructure.audit.trail import AuditTrail, Verification


class AccessLogReport(msgspec.Struct, frozen=True, kw_only=True):
    """The read-access log's own chain: `head` is the recomputed link at `last_id`, the last entry that verified;
    `first_bad_id` the first entry where the log and its chain (or a checkpoint) disagree."""

    ok: bool
    entries_checked: int
    head: str
    last_id: int
    first_bad_id: int | None
    checkpoints_checked: int
    problem: str | None


class AuditReport(msgspec.Struct, frozen=True, kw_only=True):
    """`head` is the recomputed chain head at `position`, the last event that verified; `ok` and
    `first_bad_position` are the event log's (an event changed and its chain recomputed is named from the
    checkpoint's locator); `access_log` is the read-access log's own verification."""

    ok: bool
    events_checked: int
    head: str
    position: int
    first_bad_position: int | None
    checkpoints_checked: int
    problem: str | None
    access_log: AccessLogReport


def audit_report(result: Verification) -> AuditReport:
    access = result.access_log
    return AuditReport(
        ok=result.ok,
        events_checked=result.events_checked,
        head=result.head,
        position=result.position,
        first_bad_position=result.first_bad_position,
        checkpoints_checked=result.checkpoints_checked,
        problem=result.problem,
        access_log=AccessLogReport(
            ok=access.ok,
            entries_checked=access.entries_checked,
            head=access.head,
            last_id=access.last_id,
            first_bad_id=access.first_bad_id,
            checkpoints_checked=access.checkpoints_checked,
            problem=access.problem,
        ),
    )


@get(
    "/audit/verify",
    tags=["audit"],
    summary="Recompute the event log's and the read-access log's hash chains from their raw rows and check every"
    " stored checkpoint",
    guards=[require_role(AUDITORS)],
    security=[{"bearer": []}],
    responses=problems(401, 403),
    sync_to_thread=True,
)
def verify_log(audit: NamedDependency[AuditTrail]) -> AuditReport:
    """For auditors of any agency (the log is one for all): `ok` false names the first bad position and why;
    `access_log.ok` false the first bad entry of the read-access log."""
    return audit_report(audit.verify())


class AccessLogItem(msgspec.Struct, frozen=True, kw_only=True):
    """One read: `agency` is the reader's (`*`: a funder's auditor), `case_agency` the case's; `what` is `state`,
    `state?as_of_version=N`, `state?as_of=<instant>`, `history`, `replay?as_of_version=N` (a retried write answered
    with the case as it left it), or `list` / `search` (the client's name shown in a page of `GET /cases`, without
    or with `q`); `personal_data` whether the answer showed the client's personal data."""

    id: int
    at: datetime
    subject: str
    role: str
    agency: str
    case_id: UUID
    case_agency: str
    what: str
    personal_data: bool


class AccessLogPage(msgspec.Struct, frozen=True):
    """Newest first; `next_cursor` (null on the last page) asks for the next, older page."""

    items: list[AccessLogItem]
    next_cursor: str | None


def _item(entry: AccessLogEntry) -> AccessLogItem:
    read = entry.read
    return AccessLogItem(
        id=entry.id,
        at=read.at,
        subject=read.subject,
        role=read.role,
        agency=read.agency,
        case_id=read.case_id,
        case_agency=read.case_agency,
        what=read.what,
        personal_data=read.personal_data,
    )


@get(
    "/audit/access-log",
    tags=["audit"],
    summary="Who read which case's state or history, and when: the append-only read-access log, newest first",
    guards=[require_role(AUDITORS)],
    security=[{"bearer": []}],
    responses=problems(401, 403, 422),
    sync_to_thread=True,
)
def access_log(
    request: Request[Any, Any, Any],
    workspace: NamedDependency[Workspace],
    case_id: Annotated[UUID | None, QueryParameter(required=False, description="Reads of this case")] = None,
    subject: NameFilter = None,
    agency: AgencyFilter = None,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, QueryParameter(max_length=20, pattern=r"^[0-9]+$")] = None,
) -> AccessLogPage:
    """For auditors: reads of their agency's cases (a `*` auditor: of every agency's, or of one with `agency`)."""
    before = int(cursor) if cursor is not None else None
    if before is not None and before > 2**62:
        raise query_error("cursor", "not a cursor this service handed out")
    query = AccessLogQuery(case_agency=agency, case_id=case_id, subject=subject, limit=limit, before=before)
    entries = workspace.access_log(principal_of(request), query)
    next_cursor = str(entries[-1].id) if len(entries) == limit else None
    return AccessLogPage(items=[_item(entry) for entry in entries], next_cursor=next_cursor)
