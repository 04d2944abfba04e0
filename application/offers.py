"""The course catalogue's use cases: leads keep their agency's offers, the desk searches them and matches a case.

Who may do what: leads create, change and withdraw offers of their agency; counsellors, leads and auditors read the
catalogue (analysts read figures only); counsellors and leads match a case to it. Matching reads the client's address
for its postal code when no other place is given — personal data, which auditors never open, so matching is not
theirs — and every match is a read of the case, logged like any other before it is answered.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, Protocol
from uuid import UUID

import msgspec

from application.cases import CaseService
from application.errors import CaseNotFound, EntryNotFound, InvalidQuery
from application.occupations import occupation_words, search_words
from application.policy import COUNSELLING, LEADS, agency_scope, require, sees_agency
from application.ports import IdempotencyClaim, Principal, RetryKey, Role, ViewQueries
from application.read_your_writes import MIN_POSITION_WAIT_SECONDS, wait_for_views
from application.registers import RegisterService, Written
from domain.case import Case
from domain.matching import KindFit, Listed, Match, Target, fitting_kinds, matching_offers
from domain.offers import OFFERS, Change, Creation, NewOffer, Offer, OfferChanges, Withdrawal
from domain.registers import RegisterEvent
from domain.vocabulary import CourseKind

CATALOGUE_READERS: tuple[Role, ...] = ("counsellor", "lead", "auditor")
# A German postal code in an address: five digits standing alone, preferably before the town's name.
_POSTAL_CODE_BEFORE_TOWN = re.compile(r"(?<!\d)(\d{5})(?!\d)\s+[^\W\d_]")
_POSTAL_CODE = re.compile(r"(?<!\d)(\d{5})(?!\d)")


@dataclass(frozen=True)
class OfferQuery:
    """A page of the catalogue: the agency's offers (None: every agency's) that pass every filter given."""

    agency: str | None
    occupation_words: tuple[str, ...] = ()  # each begins a word of one of the offer's occupations
    kind: CourseKind | None = None
    starts_after: date | None = None
    postal_code: str | None = None  # a prefix of the offer's postal code
    funding: str | None = None
    include_withdrawn: bool = False
    limit: int = 50
    after: tuple[date, UUID] | None = None  # the last (starts_on, id) of the previous page


@dataclass(frozen=True)
class OfferPage:
    items: list[Offer]
    total: int  # of all pages


class OfferQueries(Protocol):
    """The catalogue's view (infrastructure/projections/offer_views.py)."""

    def page(self, query: OfferQuery) -> OfferPage: ...

    def candidates(
        self, agency: str, kinds: list[CourseKind], after: date, words: list[str], kldb: str | None
    ) -> list[Offer]: ...


class OfferHistoryEntry(msgspec.Struct, frozen=True, kw_only=True):
    version: int
    type: str
    recorded_at: datetime
    recorded_by: str
    data: dict[str, Any]


@dataclass(frozen=True)
class OfferRecord:
    """An offer now, with every event that made it."""

    offer: Offer
    history: list[OfferHistoryEntry]


NearSource = Literal["query", "client_address"]


@dataclass(frozen=True)
class Matching:
    """The offers that fit a case, and why the case needs each kind; `near_source` says where the distance was
    measured from (the `near` asked for, the client's address — never shown —, or None: not ordered by distance)."""

    case: Case
    today: date
    needs: list[KindFit]  # the kinds the case needs, in the order found
    matches: list[Match]
    near_source: NearSource | None


class Catalogue:
    def __init__(
        self,
        registers: RegisterService,
        cases: CaseService,
        offers: OfferQueries,
        views: ViewQueries,
        *,
        min_position_wait_seconds: float = MIN_POSITION_WAIT_SECONDS,
    ) -> None:
        self.registers = registers
        self.cases = cases
        self.offers = offers
        self.views = views
        self._min_position_wait = min_position_wait_seconds

    # Writes: leads keep their agency's catalogue

    def create(self, principal: Principal, offer: NewOffer, retry: RetryKey | None = None) -> Written[Offer]:
        """A lead lists an offer for her agency; a retry with the same key answers the first answer."""
        require(principal, LEADS)
        decide, claim = Creation(principal.agency, offer), _claim(principal, retry)
        return self.registers.create(OFFERS, decide, recorded_by=principal.subject, idempotency=claim)

    def change(
        self,
        principal: Principal,
        offer_id: UUID,
        changes: OfferChanges,
        *,
        expected_version: frozenset[int] | None = None,
        retry: RetryKey | None = None,
    ) -> Written[Offer]:
        """A lead changes fields of an active offer of her agency: the fields that differ are recorded."""
        require(principal, LEADS)
        return self.registers.change(
            OFFERS,
            offer_id,
            Change(changes),
            agency=principal.agency,
            recorded_by=principal.subject,
            expected_version=expected_version,
            idempotency=_claim(principal, retry),
        )

    def withdraw(
        self,
        principal: Principal,
        offer_id: UUID,
        reason: str | None = None,
        *,
        expected_version: frozenset[int] | None = None,
        retry: RetryKey | None = None,
    ) -> Written[Offer]:
        """A lead withdraws an offer of her agency, once: it is kept, but no longer listed or matched."""
        require(principal, LEADS)
        return self.registers.change(
            OFFERS,
            offer_id,
            Withdrawal(reason),
            agency=principal.agency,
            recorded_by=principal.subject,
            expected_version=expected_version,
            idempotency=_claim(principal, retry),
        )

    # Reads

    def read(self, principal: Principal, offer_id: UUID) -> OfferRecord:
        """An offer of the reader's agency (a `*` reader: of any) with its history, oldest first."""
        require(principal, CATALOGUE_READERS)
        events = self.registers.events_of(OFFERS, offer_id, agency=principal.agency)
        offer = OFFERS.project(events)
        assert offer is not None  # events_of answers at least the creating event
        return OfferRecord(offer=offer, history=[_history_entry(event) for event in events])

    def search(
        self,
        principal: Principal,
        query: OfferQuery,
        *,
        occupation: str | None = None,
        min_position: int | None = None,
    ) -> OfferPage:
        """A page of the catalogue of the reader's agency (a `*` reader: of `query.agency`, or of every agency).

        `occupation`: the offers one of whose occupations has words beginning with every word of it, folded as
        occupation titles are (application/occupations.py): "pflege" finds "Pflegefachmann/-frau"."""
        require(principal, CATALOGUE_READERS)
        scoped = OfferQuery(**{**vars(query), "agency": agency_scope(principal, query.agency)})
        if occupation is not None:
            words = search_words(occupation)
            if not words:
                raise InvalidQuery("occupation", "names no word to find (a word is a run of letters)")
            scoped = OfferQuery(**{**vars(scoped), "occupation_words": words})
        self._wait_for(min_position)
        return self.offers.page(scoped)

    def matching(
        self, principal: Principal, case_id: UUID, *, near: str | None = None, min_position: int | None = None
    ) -> Matching:
        """The agency's offers that fit the case where it stands (domain/matching.py), nearest first.

        The distance is measured from `near`, else from the postal code in the client's address (opened for this
        only and never answered), else the offers are ordered by start alone. The case is read with its personal data
        (the target occupation's title is sealed like every text about the client), and the read is logged so."""
        require(principal, COUNSELLING)
        case = self.cases.get_case(case_id, personal_data=True)
        if not sees_agency(principal, case.agency):
            raise CaseNotFound(case_id)
        near_source: NearSource | None = "query" if near is not None else None
        if near is None and case.personal is not None:
            near = _postal_code_in(case.personal.address)
            near_source = "client_address" if near is not None else None
        self._wait_for(min_position)
        today = self.cases.today()
        kinds = fitting_kinds(case)
        target = Target(
            title=case.profile.target_occupation,
            words=occupation_words(case.profile.target_occupation),
            kldb=case.profile.target_kldb,
        )
        offers = self.offers.candidates(case.agency, list(kinds), today, sorted(target.words), target.kldb)
        listed = [Listed(offer, tuple(occupation_words(title) for title in offer.occupations)) for offer in offers]
        matches = matching_offers(kinds, target, listed, today, near)
        self.cases.record_read(principal, case, "matching-offers", personal_data=not case.personal_data_erased)
        return Matching(case=case, today=today, needs=list(kinds.values()), matches=matches, near_source=near_source)

    def _wait_for(self, min_position: int | None) -> None:
        wait_for_views(self.views, min_position, self._min_position_wait)


class RegisteredOffers:
    """The catalogue the case rules ask (`OfferCatalogue`): the offers register, read for the agency's offers."""

    def __init__(self, registers: RegisterService) -> None:
        self.registers = registers

    def is_offer_of_agency(self, offer_id: str, agency: str) -> bool:
        """Whether `offer_id` is the id of an offer of the agency, active or withdrawn, as the catalogue gives it (the
        UUID's canonical text: a plan item and its enrolment are matched by the text). Whatever else a client sent —
        no UUID, no offer's, another agency's — is none."""
        try:
            entry_id = UUID(offer_id)
        except ValueError:
            return False
        if str(entry_id) != offer_id:
            return False
        try:
            self.registers.events_of(OFFERS, entry_id, agency=agency)
        except EntryNotFound:
            return False
        return True


def _postal_code_in(address: str | None) -> str | None:
    """The German postal code in an address: five digits before the town's name, else any five digits alone."""
    if not address:
        return None
    found = _POSTAL_CODE_BEFORE_TOWN.search(address) or _POSTAL_CODE.search(address)
    return found.group(1) if found else None


def _history_entry(event: RegisterEvent) -> OfferHistoryEntry:
    data: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(event))  # as JSON reads it: lists, ISO dates
    for envelope in ("originator_id", "originator_version", "timestamp", "recorded_by"):
        data.pop(envelope, None)
    return OfferHistoryEntry(
        version=event.originator_version,
        type=event.TYPE,
        recorded_at=event.timestamp,
        recorded_by=event.recorded_by,
        data=data,
    )


def _claim(principal: Principal, retry: RetryKey | None) -> IdempotencyClaim | None:
    """A retry key counts for its caller alone (as for cases)."""
    if retry is None:
        return None
    return IdempotencyClaim(scope=principal.scope, key=retry.key, fingerprint=retry.fingerprint)
