"""The use cases of the desk's work beside the cases: short contacts, outreach events and employers.

Each takes the principal and decides, as application/workspace.py does for cases, what she may do and see: counsellors
and leads record at their own agency, auditors read too, analysts never read an entry (they read figures); a reader
sees her agency's entries only (a `*` auditor every agency's), and another agency's employer does not exist for her.
Writes go through the register service (application/registers.py), with If-Match and Idempotency-Key as for case steps;
the lists read the projection views (infrastructure/projections/desk_views.py).
"""

from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol
from uuid import UUID

import msgspec

from application.cases import CaseService
from application.errors import CaseNotFound, InvalidQuery, PermissionDenied, VersionNotFound
from application.history import HistoryEntry
from application.names import name_words
from application.policy import CASE_READERS, COUNSELLING, DESK_READERS, agency_scope, require
from application.ports import ALL_AGENCIES, IdempotencyClaim, Principal, RetryKey
from application.read_your_writes import MIN_POSITION_WAIT_SECONDS, wait_for_views
from application.registers import RegisterService, Written
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
from domain.employers import (
    EMPLOYERS,
    Employer,
    EmployerEvent,
    EmployerSize,
    EmployerStep,
    RegisterEmployer,
    occurred_on,
    record_employer_step,
    register_employer,
)
from domain.events import ENVELOPE_FIELDS
from domain.registers import RegisterEvent, Stamp


@dataclass(frozen=True)
class PeriodQuery:
    """A page of a register's list: the agency's (None: every agency's), dated from `start` to `end` (each optional,
    edges included), newest first."""

    agency: str | None
    start: date | None = None
    end: date | None = None
    limit: int = 50
    after: tuple[date, UUID] | None = None  # the last (date, id) of the previous page


@dataclass(frozen=True)
class EmployerListQuery:
    """A page of the employers list, ordered by name; `name_words`: normalised words each listed name contains."""

    agency: str | None
    size: EmployerSize | None = None
    name_words: tuple[str, ...] = ()
    limit: int = 50
    after: tuple[str, UUID] | None = None  # the last (name key, id) of the previous page


@dataclass(frozen=True)
class EmployerSummary:
    """An employer's row in the employers list; `name_key` is what the list is ordered by."""

    employer_id: UUID
    agency: str
    name: str
    name_key: str
    size: EmployerSize
    sector: str
    postal_code: str
    contacts: int
    counselling_sessions: int
    employees_referred: int
    last_contact_on: date | None
    version: int


class DeskQueries(Protocol):
    """Reads of the desk's views; each list is ordered as its query says."""

    def head(self) -> int: ...

    def wait_for(self, position: int, timeout: float) -> bool: ...

    def short_contacts(self, query: PeriodQuery) -> list[ShortContact]: ...

    def outreach_events(self, query: PeriodQuery) -> list[OutreachEvent]: ...

    def employers(self, query: EmployerListQuery) -> list[EmployerSummary]: ...


@dataclass(frozen=True)
class EmployerRecord:
    """An employer as the principal may see it, with its history up to that state.

    `current_version`: the employer's version now (a past state is nothing to write on); `position` and `replayed`
    only for a write's answer: where its event stands in the log, and whether it answers a retry.
    """

    employer: Employer
    history: list[HistoryEntry]
    current_version: int
    position: int | None = None
    replayed: bool = False

    @property
    def is_current(self) -> bool:
        return self.employer.version == self.current_version


class Desk:
    def __init__(
        self,
        registers: RegisterService,
        cases: CaseService,
        views: DeskQueries,
        *,
        min_position_wait_seconds: float = MIN_POSITION_WAIT_SECONDS,
    ) -> None:
        self.registers = registers
        self.cases = cases
        self.views = views
        self._min_position_wait = min_position_wait_seconds

    # Short contacts and outreach events

    def record_short_contact(
        self, principal: Principal, command: RecordShortContact, retry: RetryKey | None = None
    ) -> Written[ShortContact]:
        """Counsellors and leads record a short contact of their agency; a retry answers the first write."""
        agency = _writing_agency(principal)
        return self.registers.create(
            SHORT_CONTACTS,
            lambda _, stamp: record_short_contact(agency, command, stamp),
            recorded_by=principal.subject,
            idempotency=_claim(principal, retry),
        )

    def record_outreach_event(
        self, principal: Principal, command: RecordOutreachEvent, retry: RetryKey | None = None
    ) -> Written[OutreachEvent]:
        """Counsellors and leads record an outreach event of their agency; a retry answers the first write."""
        agency = _writing_agency(principal)
        return self.registers.create(
            OUTREACH_EVENTS,
            lambda _, stamp: record_outreach_event(agency, command, stamp),
            recorded_by=principal.subject,
            idempotency=_claim(principal, retry),
        )

    def short_contacts(
        self, principal: Principal, query: PeriodQuery, *, min_position: int | None = None
    ) -> list[ShortContact]:
        """A page of the short contacts of the principal's agency (a `*` auditor: of `query.agency`, or of all)."""
        require(principal, DESK_READERS)
        _period(query)
        self._wait_for(min_position)
        return self.views.short_contacts(replace(query, agency=agency_scope(principal, query.agency)))

    def outreach_events(
        self, principal: Principal, query: PeriodQuery, *, min_position: int | None = None
    ) -> list[OutreachEvent]:
        """A page of the outreach events of the principal's agency (a `*` auditor: of `query.agency`, or of all)."""
        require(principal, DESK_READERS)
        _period(query)
        self._wait_for(min_position)
        return self.views.outreach_events(replace(query, agency=agency_scope(principal, query.agency)))

    # Employers

    def register_employer(
        self, principal: Principal, command: RegisterEmployer, retry: RetryKey | None = None
    ) -> EmployerRecord:
        """Counsellors and leads register an employer of their agency; a retry answers the first write."""
        agency = _writing_agency(principal)
        written = self.registers.create(
            EMPLOYERS,
            lambda _, stamp: register_employer(agency, command, stamp),
            recorded_by=principal.subject,
            idempotency=_claim(principal, retry),
        )
        return self._written(principal, written)

    def record_employer_step(
        self,
        principal: Principal,
        employer_id: UUID,
        step: EmployerStep,
        *,
        expected_version: frozenset[int] | None = None,
        retry: RetryKey | None = None,
    ) -> EmployerRecord:
        """Counsellors and leads record a step of an employer of their agency (another agency's is not found).

        An `employee_referred` naming a case needs a case of the employer's agency (rule `referred_case_of_agency`,
        answered alike for a case that does not exist and another agency's). `expected_version`: the versions the
        writer's If-Match accepts.
        """
        agency = _writing_agency(principal)

        def decide(employer: Employer | None, stamp: Stamp) -> RegisterEvent:
            assert employer is not None  # a change is decided on the entry as it stands
            return record_employer_step(employer, step, stamp, self._is_case_of_agency)

        written = self.registers.change(
            EMPLOYERS,
            employer_id,
            decide,
            agency=agency,
            recorded_by=principal.subject,
            expected_version=expected_version,
            idempotency=_claim(principal, retry),
        )
        return self._written(principal, written)

    def read_employer(
        self, principal: Principal, employer_id: UUID, *, as_of_version: int | None = None
    ) -> EmployerRecord:
        """The employer now, or as it was at a version, with its history up to there."""
        require(principal, DESK_READERS)
        events = self.registers.events_of(EMPLOYERS, employer_id, agency=principal.agency)
        version = len(events) if as_of_version is None else as_of_version
        if not 1 <= version <= len(events):
            raise VersionNotFound(employer_id, version, len(events))
        return self._record(principal, events[:version], len(events))

    def employers(
        self,
        principal: Principal,
        query: EmployerListQuery,
        *,
        q: str | None = None,
        min_position: int | None = None,
    ) -> list[EmployerSummary]:
        """A page of the employers of the principal's agency (a `*` auditor: of `query.agency`, or of all); `q` keeps
        those whose name contains every word of it (case, accents and umlaut spellings do not matter)."""
        require(principal, DESK_READERS)
        scoped = replace(query, agency=agency_scope(principal, query.agency))
        if q is not None:
            words = name_words(q)
            if not words:
                raise InvalidQuery("q", "names no word to find (a word is a run of letters)")
            scoped = replace(scoped, name_words=words)
        self._wait_for(min_position)
        return self.views.employers(scoped)

    # Internals

    def _is_case_of_agency(self, case_id: UUID, agency: str) -> bool:
        try:
            case = self.cases.get_case(case_id, personal_data=False)
        except CaseNotFound:
            return False
        return case.agency == agency

    def _written(self, principal: Principal, written: Written[Employer]) -> EmployerRecord:
        """A write's answer: the employer as it left it, with its history up to there."""
        employer = written.entry
        events = self.registers.events_of(EMPLOYERS, employer.id, agency=ALL_AGENCIES)
        record = self._record(principal, events[: employer.version], len(events))
        return replace(record, position=written.position, replayed=written.replayed)

    def _record(self, principal: Principal, events: list[RegisterEvent], current_version: int) -> EmployerRecord:
        employer = EMPLOYERS.project(events)
        assert employer is not None  # at least the registration
        shows_cases = shows_case_links(principal)
        if not shows_cases:
            employer = msgspec.structs.replace(employer, referred_cases=())
        history = [employer_history_entry(event, shows_cases=shows_cases) for event in events]
        return EmployerRecord(employer=employer, history=history, current_version=current_version)

    def _wait_for(self, min_position: int | None) -> None:
        wait_for_views(self.views, min_position, self._min_position_wait)


def shows_case_links(principal: Principal) -> bool:
    """An employer's referrals name the clients' cases only to the roles that may read those cases: a case id is the
    key to a client's file. (Every role that reads employers reads its agency's cases today; should the readers of
    employers ever widen, the new roles see that employees were referred, not whose case.)"""
    return principal.role in CASE_READERS


def employer_history_entry(event: RegisterEvent, *, shows_cases: bool) -> HistoryEntry:
    """An employer's event as its history shows it: its type, the day it happened, who recorded it and when."""
    assert isinstance(event, EmployerEvent)
    data: dict[str, object] = msgspec.to_builtins(event)
    for envelope_field in (*ENVELOPE_FIELDS, "date"):
        data.pop(envelope_field, None)
    if not shows_cases and "case_id" in data:
        data["case_id"] = None
    return HistoryEntry(
        version=event.originator_version,
        type=type(event).TYPE,
        date=occurred_on(event),
        recorded_at=event.timestamp,
        recorded_by=event.recorded_by,
        data=data,
    )


def _writing_agency(principal: Principal) -> str:
    """Counsellors and leads record at their own agency; an entry belongs to one agency, never to all."""
    require(principal, COUNSELLING)
    if principal.agency == ALL_AGENCIES:
        raise PermissionDenied("a token of every agency ('*') records nothing: entries belong to one agency")
    return principal.agency


def _period(query: PeriodQuery) -> None:
    if query.start is not None and query.end is not None and query.start > query.end:
        raise InvalidQuery("to", "the period ends before it starts")


def _claim(principal: Principal, retry: RetryKey | None) -> IdempotencyClaim | None:
    """A retry key counts for its caller alone, as for cases (application/workspace.py)."""
    if retry is None:
        return None
    return IdempotencyClaim(scope=principal.scope, key=retry.key, fingerprint=retry.fingerprint)
