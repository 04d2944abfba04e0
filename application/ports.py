"""What the application needs from the outside, as interfaces the infrastructure implements."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, Protocol, get_args, runtime_checkable
from uuid import UUID

Role = Literal["counsellor", "lead", "auditor", "analyst"]
ROLES: tuple[Role, ...] = get_args(Role)
ALL_AGENCIES = "*"


def role_named(name: str) -> Role:
    """The role of that name; ValueError for a name that is none."""
    for role in ROLES:
        if role == name:
            return role
    raise ValueError(f"unknown role '{name}' (one of {', '.join(ROLES)})")


@dataclass(frozen=True)
class IdempotencyClaim:
    """A client's retry key, scoped to the caller, with a fingerprint of the request it first came with."""

    scope: str
    key: str
    fingerprint: str


@dataclass(frozen=True)
class RetryKey:
    """A client's Idempotency-Key and a fingerprint of her request; the use case scopes it to the caller."""

    key: str
    fingerprint: str


@dataclass(frozen=True)
class IdempotentWrite:
    """Which write a key produced: the answer to a retry is the case at that version."""

    fingerprint: str
    case_id: UUID
    version: int


class IdempotencyKeys(Protocol):
    def find(self, scope: str, key: str) -> IdempotentWrite | None: ...


class Counsellors(Protocol):
    """Who may be given a case (the domain's reassignment rule asks): the staff directory, or a test's fake."""

    def is_active_counsellor(self, agency: str, subject: str) -> bool: ...


class StaffDirectory(Counsellors, Protocol):
    def register(self, agency: str, subject: str, role: Role) -> None: ...

    def deactivate(self, agency: str, subject: str) -> bool: ...


class EventLog(Protocol):
    def position_of(self, case_id: UUID, version: int) -> int | None: ...


@dataclass(frozen=True)
class CaseSummary:
    """A case's row in the case list, written in the same transaction as the case's newest event."""

    case_id: UUID
    agency: str
    counsellor: str
    status: str
    stage: str
    opened_on: date
    version: int


@dataclass(frozen=True)
class CaseListQuery:
    agency: str | None  # None: every agency (a funder's auditor)
    counsellor: str | None = None
    status: str | None = None
    stage: str | None = None
    limit: int = 50
    after: tuple[date, UUID] | None = None  # the last (opened_on, case_id) of the previous page


class CaseIndex(Protocol):
    def list(self, query: CaseListQuery) -> list[CaseSummary]: ...


@dataclass(frozen=True)
class Principal:
    """Who calls: named by a verified token."""

    subject: str
    role: Role
    agency: str

    @property
    def scope(self) -> str:
        return f"{self.agency}/{self.subject}"


@dataclass(frozen=True)
class CaseloadEntry:
    counsellor: str
    open: int
    by_stage: dict[str, int]
    overdue: int


@dataclass(frozen=True)
class DeadlineEntry:
    case_id: UUID
    counsellor: str
    kind: str
    ref: str
    due: date


@runtime_checkable  # the HTTP layer checks the type of what it is given
class ViewQueries(Protocol):
    """Reads of the projection views; each answer says the log position its data reflect."""

    def positions(self) -> dict[str, int]: ...

    def head(self) -> int: ...

    def wait_for(self, position: int, timeout: float) -> bool: ...

    def caseload(self, agency: str | None, counsellor: str | None, today: date) -> list[CaseloadEntry]: ...

    def deadlines(self, agency: str | None, counsellor: str | None, due_before: date | None) -> list[DeadlineEntry]: ...

    def indicator_counts(
        self, agency: str | None, start: date, end: date, basis: str
    ) -> tuple[int, dict[str, dict[str, int]]]: ...

    def funnel(self, agency: str | None) -> tuple[int, dict[str, Any]]: ...


class LogDigest(Protocol):
    def head_at(self, position: int) -> str: ...


@dataclass(frozen=True)
class CaseRead:
    """One read of a case's state or history, as the access log keeps it.

    `agency` is the reader's (`*` for a funder's auditor), `case_agency` the case's; `what` names the read as the
    request did (`state`, `state?as_of_version=N`, `state?as_of=<instant>`, `history`, or `replay?as_of_version=N`
    for a retried write answered with the case as that write left it); `personal_data` says whether the answer
    showed the client's personal data.
    """

    at: datetime
    subject: str
    role: Role
    agency: str
    case_id: UUID
    case_agency: str
    what: str
    personal_data: bool


@dataclass(frozen=True)
class AccessLogEntry:
    """A read and its place in the append-only access log (ids grow with every entry)."""

    id: int
    read: CaseRead


@dataclass(frozen=True)
class AccessLogQuery:
    case_agency: str | None  # None: reads of every agency's cases (a funder's auditor)
    case_id: UUID | None = None
    subject: str | None = None
    limit: int = 50
    before: int | None = None  # the last id of the previous page: the next page is older


class AccessLog(Protocol):
    """Who read which case when: appended to, never changed."""

    def record(self, read: CaseRead) -> None: ...

    def query(self, query: AccessLogQuery) -> list[AccessLogEntry]: ...


class RetentionCandidates(Protocol):
    def closed_before(self, day: date) -> list[UUID]:
        """Cases whose final exit lies before `day` and whose personal data are not erased yet."""
        ...
