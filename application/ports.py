"""What the application needs from the outside, as interfaces the infrastructure implements."""

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, Literal, Protocol, TypeVar, get_args, runtime_checkable
from uuid import UUID

import msgspec

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
    """A client's retry key, scoped to the caller, with a fingerprint of the request it first came with.

    `earlier_fingerprint`: the request as release 0.1 fingerprinted it (without the fields 0.2 added, where the request
    leaves them at their defaults), so a 0.1 client's retry across the upgrade is still the same request.
    """

    scope: str
    key: str
    fingerprint: str
    earlier_fingerprint: str | None = None

    def matches(self, fingerprint: str) -> bool:
        return fingerprint in (self.fingerprint, self.earlier_fingerprint)


@dataclass(frozen=True)
class RetryKey:
    """A client's Idempotency-Key and a fingerprint of her request; the use case scopes it to the caller."""

    key: str
    fingerprint: str
    earlier_fingerprint: str | None = None  # as release 0.1 fingerprinted the request (IdempotencyClaim)


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


class OfferCatalogue(Protocol):
    """Which offers a case step may name (the domain's rule `offer_of_agency` asks): the offers register, or a test's
    fake. Any `offer_id` a client sent: one that is no offer's id answers False, as does another agency's offer."""

    def is_offer_of_agency(self, offer_id: str, agency: str) -> bool: ...


@dataclass(frozen=True)
class StaffMember:
    """Someone a token was issued to at an agency, in her current role; `active` False once she left."""

    subject: str
    role: Role
    active: bool


class StaffList(Protocol):
    def members(self, agency: str) -> list[StaffMember]:
        """Everyone the directory has at the agency, by subject."""
        ...


class StaffDirectory(Counsellors, StaffList, Protocol):
    def register(self, agency: str, subject: str, role: Role) -> int:
        """Makes her active staff in this role; answers the token generation her tokens issued now carry."""
        ...

    def deactivate(self, agency: str, subject: str) -> bool: ...


# Which personal data a read of a case's events opens: all, those its state keeps, none.
Opening = Literal["all", "state", "none"]


class EventLog(Protocol):
    def position_of(self, case_id: UUID, version: int) -> int | None: ...

    def case_events(self, case_id: UUID, opening: Opening) -> list[Any]:
        """The case's events in version order, read in one query, with the personal data `opening` names opened
        ("state": those the case's state keeps, what a replay to its state needs; the others read as not opened)."""
        ...

    def events_between(
        self, start: int, stop: int, limit: int, without: Collection[type] = frozenset()
    ) -> list[tuple[int, Any]]:
        """The events at positions `start` to `stop` of the log (at most `limit`, in its order) with their positions,
        read without opening personal data (statistics replay them); none of the types in `without`, which are not
        read at all."""
        ...

    def events_by_aggregate(
        self, stop: int, batch: int, part: "Part | None" = None, without: Collection[type] = frozenset()
    ) -> Iterator[Any]:
        """Every event at positions up to `stop` (of the aggregates in `part`; None: of all) but those of the types in
        `without` (not read at all), one aggregate's after another's (each one's in version order), read `batch`
        rows at a time without opening personal data: a replay that is done with each aggregate before it meets the
        next, so it need not hold them all."""
        ...


@dataclass(frozen=True)
class Part:
    """The `index`-th of `count` slices of the aggregates, cut by their ids: each aggregate is in exactly one, and
    the parts in index order meet the aggregates in the order a replay by aggregate meets them."""

    index: int
    count: int


PartResult = TypeVar("PartResult")


class ReplayProcesses(Protocol):
    """Processes beside this one that replay parts of the log at the same time (infrastructure/replay_processes.py):
    a replay of a long log is bound by one core's decoding and evolving, and parts of it share none."""

    def parts(self) -> AbstractContextManager[int]:
        """Into how many parts the caller's replay may be cut now, this process's own share included, reserved until
        the block ends: all the processes set while no other replay of this process runs in parts, else 1 (this
        process alone), so that a process never runs more replay processes at a time, nor opens more connections for
        them."""
        ...

    def replaying(
        self, task: Callable[[EventLog, Part], list[PartResult]], parts: Sequence[Part]
    ) -> AbstractContextManager[Iterator[list[PartResult]]]:
        """Starts `task` (a module's function, or a partial of one: it is pickled) on each part, each in a process of
        its own with its own reading of the log. The block's iterator answers their results in the parts' order,
        waiting for each; leaving the block early stops the processes still running."""
        ...


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
    name_words: frozenset[str] | None = None  # keyed words (NameIndex.keys_for) every listed client's name has


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
    """One counsellor's caseload at one agency: a name is a person only within her agency (staff are named per
    agency), so a reader of every agency gets a row per agency and name, never two people's cases summed."""

    counsellor: str
    open: int
    by_stage: dict[str, int]
    overdue: int
    agency: str = ""


@dataclass(frozen=True, order=True)
class CaseloadKey:
    """Where a page of caseloads ends: by name, then agency (code point order, the same on both backends)."""

    counsellor: str
    agency: str


class DeadlineEntry(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """A deadline as the views hold it. Its fields are in the order of the view's columns, so the rows of a whole list
    (tens of thousands at a large desk) become entries in one call that parses ids and days in C: built one by one
    as a dataclass, parsing each id with uuid.UUID, they took more than half of a whole list's answer. Like
    api/statistics_responses.py's DeadlineView, it holds nothing that could lead back to it, so the cyclic garbage
    collector need not track it."""

    case_id: UUID
    counsellor: str
    kind: str
    ref: str
    due: date

    @property
    def key(self) -> "DeadlineKey":
        return DeadlineKey(self.due, self.case_id, self.kind, self.ref)


@dataclass(frozen=True)
class DeadlineKey:
    """Where a deadline stands in the order deadlines are listed in: by due day, then case, kind and ref."""

    due: date
    case_id: UUID
    kind: str
    ref: str


Item = TypeVar("Item")


@dataclass(frozen=True)
class Page(Generic[Item]):
    """One page of a list in a fixed order: `total` items match in all, `more` says whether any follow the last."""

    items: list[Item]
    total: int
    more: bool


@runtime_checkable  # the HTTP layer checks the type of what it is given
class ViewQueries(Protocol):
    """Reads of the projection views; each answer says the log position its data reflect."""

    def positions(self) -> dict[str, int]: ...

    def head(self) -> int: ...

    def wait_for(self, position: int, timeout: float) -> bool: ...

    def caseload(self, agency: str | None, counsellor: str | None, today: date) -> list[CaseloadEntry]: ...

    def deadlines(self, agency: str | None, counsellor: str | None, due_before: date | None) -> list[DeadlineEntry]: ...

    def caseload_page(
        self, agency: str | None, counsellor: str | None, today: date, *, after: CaseloadKey | None, limit: int
    ) -> Page[CaseloadEntry]:
        """The caseloads by counsellor name, then agency (in code point order), from the first after `after`."""
        ...

    def deadlines_page(
        self,
        agency: str | None,
        counsellor: str | None,
        due_before: date | None,
        *,
        after: DeadlineKey | None,
        limit: int,
    ) -> Page[DeadlineEntry]:
        """The deadlines in the order of DeadlineKey, from the first after `after`."""
        ...

    def indicator_counts(
        self, agency: str | None, start: date, end: date, basis: str
    ) -> tuple[int, dict[str, dict[str, int]]]: ...

    def funnel(self, agency: str | None) -> tuple[int, dict[str, Any]]: ...


class LogDigest(Protocol):
    def head_at(self, position: int) -> str: ...


class ReportSigner(Protocol):
    """Signs published reports with the audit key (hex signatures, the public half in hex)."""

    def sign(self, message: bytes) -> str: ...

    def public_key(self) -> str: ...

    def verify(self, message: bytes, signature: str, public_key: str) -> bool: ...


@dataclass(frozen=True)
class CaseRead:
    """One read of a case's state or history, as the access log keeps it.

    `agency` is the reader's (`*` for a funder's auditor), `case_agency` the case's; `what` names the read as the
    request did (`state`, `state?as_of_version=N`, `state?as_of=<instant>`, `history`, `replay?as_of_version=N`
    for a retried write answered with the case as that write left it, or `list` / `search` for the client's name
    shown in a page of the case list, without or with `q`); `personal_data` says whether the answer showed the
    client's personal data.
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

    def record_all(self, reads: list[CaseRead]) -> None:
        """Appends several reads in one transaction (a page of a list that shows names)."""
        ...

    def query(self, query: AccessLogQuery) -> list[AccessLogEntry]: ...


@dataclass(frozen=True)
class NameKeys:
    """A name's entries in the keyed name index of one agency: never the words, only their keyed hashes.

    `words`: one key per normalised word (application/names.py); `person`: one key for all the words together with
    the birth date, None without a birth date or without a word (such a client is nobody's duplicate).
    """

    words: frozenset[str]
    person: str | None


@dataclass(frozen=True)
class IndexedCase:
    """A case the name index holds, with the participant the funder counts its client as."""

    case_id: UUID
    participant_id: UUID
    opened_on: date


@dataclass(frozen=True)
class NameIndexEntry:
    """A case's rows in the name index, written in the transaction of an event of the case.

    `seen`: when set, the cases of the same person the writer found before deciding the case's participant; should the
    transaction find another one (a first contact of the same person recorded at the same moment), the write is
    refused with SamePersonRecordedMeanwhile and decided again.
    """

    case_id: UUID
    agency: str
    keys: NameKeys
    participant_id: UUID
    opened_on: date
    seen: frozenset[UUID] | None = None


class NameIndex(Protocol):
    """The keyed index of clients' names (HMAC under a key of the agency), kept beside the event tables."""

    def keys_for(self, agency: str, name: str | None, birth_date: date | None) -> NameKeys:
        """The index entries of a name (and birth date) in the agency; the agency's key is made on first use."""
        ...

    def same_person(self, agency: str, person: str) -> list[IndexedCase]:
        """The agency's cases whose client has that person key, earliest first contact first."""
        ...

    def person_of(self, case_id: UUID) -> tuple[str, str] | None:
        """The agency and person key of an indexed case; None when it has none (or is not indexed)."""
        ...

    def unindexed(self, limit: int, after: UUID | None = None) -> list[UUID]:
        """Up to `limit` cases (ordered by id, after `after`) that have no entries yet and whose client is not erased:
        cases opened before the index existed."""
        ...

    def add(self, entries: list[NameIndexEntry]) -> int:
        """Writes entries of cases that have none, unless their client was erased meanwhile; answers how many."""
        ...


class RetentionCandidates(Protocol):
    def closed_before(self, day: date) -> list[UUID]:
        """Cases whose final exit lies before `day` and whose personal data are not erased yet."""
        ...


class Pseudonyms(Protocol):
    """Keyed pseudonyms for exports: the same person and agency always get the same one; no one without the agency's
    key can tell whose it is."""

    def pseudonym(self, agency: str, participant: str) -> str: ...


@dataclass(frozen=True)
class ParticipantOfPeriod:
    """A participant as the ESF+ figures know her, and the ids of her cases (what an export reads is logged by case)."""

    facts: Any  # domain.indicators_v2.ParticipantFacts
    case_ids: tuple[UUID, ...]


class ParticipantsOfPeriod(Protocol):
    def participants_of_period(
        self, agency: str | None, start: date, end: date
    ) -> tuple[int, list[ParticipantOfPeriod]]:
        """The participants (of `agency`, or of all) who entered or made their final exit in the period, by the esf
        view, and the view's position."""
        ...


class ActivityFacts(Protocol):
    def activity_facts(self, agency: str | None, start: date, end: date) -> tuple[int, list[Any]]:
        """The activity view's facts (domain/activity.py) of `agency` (None: of all) dated in the period, and the
        view's position."""
        ...
