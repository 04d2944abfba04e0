"""The course catalogue: providers' offers (exam preparation, partial-qualification modules, adaptation
qualifications, language courses, …) that a desk lists for its clients, each a register entry of its own.

An offer is created, changed and withdrawn; every change is an event, so the catalogue's history is kept like a
case's. The commands (`NewOffer`, `OfferChanges`) are what the API and the CSV import accept, with their limits; the
events keep what was decided, read leniently forever.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

from domain.errors import InvalidStep, RuleViolated
from domain.registers import Register, RegisterEvent, Stamp, follows
from domain.vocabulary import LINE_PATTERN, UNSEEN_CHARACTERS, CourseKind, Funding, KldbCode, LineText

Schedule = Literal["full_time", "part_time", "evening", "online"]
OfferStatus = Literal["active", "withdrawn"]

PostalCode = Annotated[str, Meta(pattern=r"^[0-9]{5}$", description="a German postal code: five digits")]
LanguageCode = Annotated[str, Meta(pattern=r"^[a-z]{2}$", description="ISO 639-1, e.g. de")]
WEB_ADDRESS_PATTERN = rf"^https?://[^\s/?#{UNSEEN_CHARACTERS}]+[^\s{UNSEEN_CHARACTERS}]*(?![\s\S])"
WebAddress = Annotated[str, Meta(max_length=500, pattern=WEB_ADDRESS_PATTERN, description="http(s) URL")]
Seats = Annotated[int, Meta(ge=1, le=10_000)]
COURSE_REF_PATTERN = rf"^[^\s;{UNSEEN_CHARACTERS}][^;{UNSEEN_CHARACTERS}]*(?![\s\S])"
CourseRef = Annotated[
    str, Meta(min_length=1, max_length=64, pattern=COURSE_REF_PATTERN, description="the provider's own course id")
]
Occupations = Annotated[tuple[LineText, ...], Meta(max_length=20)]
FundingList = Annotated[tuple[Funding, ...], Meta(max_length=8)]
WithdrawalReason = Annotated[str, Meta(min_length=1, max_length=500, pattern=LINE_PATTERN)]

# The fields of an offer, in the order the API documents them and the CSV import reads them.
OFFER_FIELDS = (
    "provider",
    "title",
    "kind",
    "occupations",
    "kldb",
    "postal_code",
    "city",
    "starts_on",
    "ends_on",
    "schedule",
    "language",
    "funding",
    "seats",
    "contact",
    "url",
    "provider_course_id",
)


class Command(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Strictly decoded request data."""


class NewOffer(Command, frozen=True):
    """An offer as a provider lists it. `occupations` are the occupations it prepares for (titles as the chambers
    name them); only a language course may name none (it is open to every occupation)."""

    provider: LineText
    title: LineText
    kind: CourseKind
    occupations: Occupations
    postal_code: PostalCode
    city: LineText
    starts_on: date
    ends_on: date
    schedule: Schedule
    language: LanguageCode
    funding: FundingList
    contact: LineText
    kldb: KldbCode | None = None
    seats: Seats | None = None
    url: WebAddress | None = None
    provider_course_id: CourseRef | None = None


class OfferChanges(Command, frozen=True):
    """The fields a change sets; the others stay as they are. `null` clears an optional field."""

    provider: LineText | UnsetType = UNSET
    title: LineText | UnsetType = UNSET
    kind: CourseKind | UnsetType = UNSET
    occupations: Occupations | UnsetType = UNSET
    postal_code: PostalCode | UnsetType = UNSET
    city: LineText | UnsetType = UNSET
    starts_on: date | UnsetType = UNSET
    ends_on: date | UnsetType = UNSET
    schedule: Schedule | UnsetType = UNSET
    language: LanguageCode | UnsetType = UNSET
    funding: FundingList | UnsetType = UNSET
    contact: LineText | UnsetType = UNSET
    kldb: KldbCode | UnsetType | None = UNSET
    seats: Seats | UnsetType | None = UNSET
    url: WebAddress | UnsetType | None = UNSET
    provider_course_id: CourseRef | UnsetType | None = UNSET

    def changed(self) -> dict[str, Any]:
        return {name: value for name in self.__struct_fields__ if (value := getattr(self, name)) is not UNSET}


# Events: stored forever, decoded leniently (no request limits; unknown fields ignored).


class OfferCreated(RegisterEvent, frozen=True, kw_only=True):
    TOPIC: ClassVar[str] = "lotse.offer.OfferCreated"
    TYPE: ClassVar[str] = "offer_created"

    agency: str
    provider: str
    title: str
    kind: CourseKind
    occupations: tuple[str, ...]
    postal_code: str
    city: str
    starts_on: date
    ends_on: date
    schedule: Schedule
    language: str
    funding: tuple[Funding, ...]
    contact: str
    kldb: str | None = None
    seats: int | None = None
    url: str | None = None
    provider_course_id: str | None = None


class OfferChanged(RegisterEvent, frozen=True, kw_only=True):
    """The fields that changed, with their new values; absent fields stayed as they were."""

    TOPIC: ClassVar[str] = "lotse.offer.OfferChanged"
    TYPE: ClassVar[str] = "offer_changed"

    provider: str | UnsetType = UNSET
    title: str | UnsetType = UNSET
    kind: CourseKind | UnsetType = UNSET
    occupations: tuple[str, ...] | UnsetType = UNSET
    postal_code: str | UnsetType = UNSET
    city: str | UnsetType = UNSET
    starts_on: date | UnsetType = UNSET
    ends_on: date | UnsetType = UNSET
    schedule: Schedule | UnsetType = UNSET
    language: str | UnsetType = UNSET
    funding: tuple[Funding, ...] | UnsetType = UNSET
    contact: str | UnsetType = UNSET
    kldb: str | UnsetType | None = UNSET
    seats: int | UnsetType | None = UNSET
    url: str | UnsetType | None = UNSET
    provider_course_id: str | UnsetType | None = UNSET

    def changed(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in OFFER_FIELDS if getattr(self, name) is not UNSET}


class OfferWithdrawn(RegisterEvent, frozen=True, kw_only=True):
    """The provider no longer runs it (or the desk no longer lists it): kept, but matched and listed no more."""

    TOPIC: ClassVar[str] = "lotse.offer.OfferWithdrawn"
    TYPE: ClassVar[str] = "offer_withdrawn"

    reason: str | None = None


class Offer(msgspec.Struct, frozen=True, kw_only=True):
    """An offer as of some version."""

    id: UUID
    version: int
    agency: str
    provider: str
    title: str
    kind: CourseKind
    occupations: tuple[str, ...]
    postal_code: str
    city: str
    starts_on: date
    ends_on: date
    schedule: Schedule
    language: str
    funding: tuple[Funding, ...]
    contact: str
    kldb: str | None
    seats: int | None
    url: str | None
    provider_course_id: str | None
    status: OfferStatus
    created_at: datetime
    changed_at: datetime
    withdrawn_at: datetime | None = None
    withdrawal_reason: str | None = None

    def details(self) -> dict[str, Any]:
        """The provider's fields (OFFER_FIELDS) as they stand."""
        return {name: getattr(self, name) for name in OFFER_FIELDS}


def evolve(offer: Offer | None, event: RegisterEvent) -> Offer:
    """The offer after the event; ValueError for an event that cannot come there (a corrupt log)."""
    if offer is None:
        if not isinstance(event, OfferCreated) or event.originator_version != 1:
            raise ValueError(f"an offer starts with OfferCreated at version 1, not {type(event).__name__}")
        return Offer(
            id=event.originator_id,
            version=1,
            agency=event.agency,
            status="active",
            created_at=event.timestamp,
            changed_at=event.timestamp,
            **{name: getattr(event, name) for name in OFFER_FIELDS},
        )
    follows(offer, event)
    envelope = {"version": event.originator_version, "changed_at": event.timestamp}
    match event:
        case OfferChanged():
            return msgspec.structs.replace(offer, **envelope, **event.changed())
        case OfferWithdrawn():
            return msgspec.structs.replace(
                offer, **envelope, status="withdrawn", withdrawn_at=event.timestamp, withdrawal_reason=event.reason
            )
        case _:
            raise ValueError(f"{type(event).__name__} cannot follow an offer's creation")


OFFERS: Register[Offer] = Register(
    name="offer", state=Offer, events=(OfferCreated, OfferChanged, OfferWithdrawn), evolve=evolve
)


# Decisions: the rules an offer keeps, checked before its event is written.


@dataclass(frozen=True)
class Creation:
    """Decides an offer's creating event for an agency."""

    agency: str
    offer: NewOffer

    def __call__(self, entry: Offer | None, stamp: Stamp) -> OfferCreated:
        details = _checked(msgspec.structs.asdict(self.offer))
        return OfferCreated(**stamp.fields(), agency=self.agency, **details)


@dataclass(frozen=True)
class Change:
    """Decides the change of an active offer: the fields whose values differ, checked together with the others."""

    changes: OfferChanges

    def __call__(self, entry: Offer | None, stamp: Stamp) -> OfferChanged:
        offer = _active(entry)
        wanted = _checked({**offer.details(), **self.changes.changed()})
        differing = {name: value for name, value in wanted.items() if value != getattr(offer, name)}
        if not differing:
            raise InvalidStep(
                "offer_change_changes_something", "the change sets no field to a value other than its current one"
            )
        return OfferChanged(**stamp.fields(), **differing)


@dataclass(frozen=True)
class Withdrawal:
    reason: str | None = None

    def __call__(self, entry: Offer | None, stamp: Stamp) -> OfferWithdrawn:
        _active(entry)
        return OfferWithdrawn(**stamp.fields(), reason=self.reason)


def differs(offer: Offer, listed: NewOffer) -> bool:
    """Whether a provider's listing says anything else than the offer does (as a change would record it)."""
    wanted = _checked(msgspec.structs.asdict(listed))
    return any(value != getattr(offer, name) for name, value in wanted.items())


def check(listed: NewOffer) -> None:
    """Raises InvalidStep for a listing that breaks a rule of its own (the checks of a creation)."""
    _checked(msgspec.structs.asdict(listed))


def _active(entry: Offer | None) -> Offer:
    if entry is None:
        raise ValueError("a change needs the offer")
    if entry.status == "withdrawn":
        raise RuleViolated(
            "withdrawn_offer_is_final",
            f"the offer was withdrawn on {entry.withdrawn_at:%Y-%m-%d}: it takes no change and no second withdrawal",
            withdrawn_on=entry.withdrawn_at.date() if entry.withdrawn_at else None,
        )
    return entry


def _checked(details: dict[str, Any]) -> dict[str, Any]:
    """The details with lists as tuples without repeats (in their order), once they keep the rules together."""
    details = {name: details[name] for name in OFFER_FIELDS}
    details["occupations"] = tuple(dict.fromkeys(details["occupations"]))
    details["funding"] = tuple(dict.fromkeys(details["funding"]))
    if details["ends_on"] < details["starts_on"]:
        raise InvalidStep(
            "offer_ends_after_start",
            f"the offer ends ({details['ends_on']}) before it starts ({details['starts_on']})",
            "ends_on",
            ends_on=details["ends_on"],
            starts_on=details["starts_on"],
        )
    if not details["occupations"] and details["kind"] != "language":
        raise InvalidStep(
            "offer_names_an_occupation",
            "an offer names at least one occupation it prepares for; only a language course may name none",
            "occupations",
        )
    return details
