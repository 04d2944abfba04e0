"""Response bodies of the course catalogue's endpoints."""

from datetime import date
from typing import Literal
from uuid import UUID

import msgspec

from application.offers import Matching, OfferHistoryEntry, OfferRecord
from domain.matching import DISTANCE_TEXTS, Match, OccupationMatch
from domain.offers import Offer
from domain.vocabulary import CourseKind


class OfferDetail(Offer, frozen=True, kw_only=True):
    """An offer as it stands, with `history`: every event that made it (`offer_created`, `offer_changed` with the
    fields it changed, `offer_withdrawn`), oldest first, each with who recorded it and when."""

    history: list[OfferHistoryEntry]


class OfferPage(msgspec.Struct, frozen=True):
    """A page of the catalogue, by start then id; `total` counts the offers of every page of the filters."""

    items: list[Offer]
    total: int
    next_cursor: str | None


class Need(msgspec.Struct, frozen=True):
    """A kind of course the case needs where it stands: `code` (stable, machine-readable) and why, in German."""

    kind: CourseKind
    code: str
    text: str


class Reason(msgspec.Struct, frozen=True):
    """Why an offer fits: `code` the need it meets (as in `needs`), `occupation` how its occupation fits the target
    (kldb: the same KldB code; occupation_words: the words of one title are all in the other; any_occupation: a
    language course for every occupation), and both in German in `text`."""

    code: str
    occupation: OccupationMatch
    text: str


class Distance(msgspec.Struct, frozen=True):
    """How near the offer is: `rank` 0 same postal code (or an online course), 1 same first three digits, 2 same
    Leitregion (two digits), 3 same Leitzone (first digit), 4 elsewhere; `text` in German."""

    rank: int
    text: str


class MatchedOffer(msgspec.Struct, frozen=True):
    offer: Offer
    reason: Reason
    distance: Distance | None


class MatchingOffers(msgspec.Struct, frozen=True, kw_only=True):
    """The offers of the case's agency that fit the case today, nearest first, then by start.

    `ordered_by_distance_from`: `query` (the `near` asked for, repeated in `near`), `client_address` (the postal code
    of the client's address, which is never answered), or null (no place known: ordered by start alone)."""

    case_id: UUID
    today: date
    ordered_by_distance_from: Literal["query", "client_address"] | None
    near: str | None
    needs: list[Need]
    items: list[MatchedOffer]
    total: int


def offer_detail(record: OfferRecord) -> OfferDetail:
    return OfferDetail(**msgspec.structs.asdict(record.offer), history=record.history)


def matching_view(matching: Matching, near: str | None, limit: int) -> MatchingOffers:
    return MatchingOffers(
        case_id=matching.case.id,
        today=matching.today,
        ordered_by_distance_from=matching.near_source,
        near=near if matching.near_source == "query" else None,
        needs=[Need(kind=need.kind, code=need.code, text=need.text) for need in matching.needs],
        items=[_matched(match) for match in matching.matches[:limit]],
        total=len(matching.matches),
    )


def _matched(match: Match) -> MatchedOffer:
    distance = None
    if match.distance is not None:
        online = match.offer.schedule == "online"
        distance = Distance(
            rank=match.distance, text="online, ortsunabhängig" if online else DISTANCE_TEXTS[match.distance]
        )
    reason = Reason(
        code=match.kind.code, occupation=match.occupation.how, text=f"{match.kind.text} {match.occupation.text}"
    )
    return MatchedOffer(offer=match.offer, reason=reason, distance=distance)
