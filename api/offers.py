"""Course catalogue endpoints: thin handlers that decode (msgspec did), call the catalogue, encode."""

import base64
import binascii
from datetime import date
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, patch, post
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from api.auth import principal_of, require_role
from api.cases import IdempotencyKey, IfMatch, _accepted_versions, _etag, _retry
from api.offer_responses import MatchingOffers, OfferDetail, OfferPage, matching_view, offer_detail
from api.params import AgencyFilter, MinPosition, problems, query_error
from application.offers import CATALOGUE_READERS, Catalogue, OfferQuery
from application.policy import COUNSELLING, LEADS
from application.registers import Written
from domain.offers import NewOffer, Offer, OfferChanges, WithdrawalReason
from domain.vocabulary import CourseKind, Funding

AnyRequest = Request[Any, Any, Any]
Offers = NamedDependency[Catalogue]
OfferId = FromPath[UUID]
OFFER_HEADERS = [
    ResponseHeader(name="ETag", description="The offer's version after the write", documentation_only=True),
    ResponseHeader(name="Location", description="The offer", documentation_only=True),
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
OFFER_WRITE_PROBLEMS = problems(400, 401, 403, 404, 409, 412, 413, 422)


class Withdraw(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    reason: WithdrawalReason | None = None


class OffersController(Controller):
    path = "/offers"
    security = [{"bearer": []}]  # noqa: RUF012 - Litestar reads it as declared
    tags = ["course catalogue"]  # noqa: RUF012 - Litestar reads it as declared

    @post(
        guards=[require_role(LEADS)],
        sync_to_thread=True,
        summary="List a provider's offer in the agency's catalogue (leads)",
        description=(
            "201 with the offer, its `ETag` (version), `Location` and `Lotse-Position`. `ends_on` is not before "
            "`starts_on` (422 `offer_ends_after_start`); an offer names an occupation unless it is a language "
            "course, which is then open to every occupation (422 `offer_names_an_occupation`)."
        ),
        responses=problems(400, 401, 403, 413, 422),
        response_headers=OFFER_HEADERS,
    )
    def create_offer(
        self, data: JSONBody[NewOffer], request: AnyRequest, catalogue: Offers, idempotency_key: IdempotencyKey = None
    ) -> Response[Offer]:
        written = catalogue.create(principal_of(request), data, _retry(idempotency_key, "POST /offers", data))
        return _written(written, status_code=201)

    @patch(
        "/{offer_id:uuid}",
        guards=[require_role(LEADS)],
        sync_to_thread=True,
        summary="Change fields of an offer (leads); the change is kept in its history",
        description=(
            "Only the fields given change (`null` clears an optional one); the history keeps the fields that "
            "changed. A change that sets nothing new is 422 `offer_change_changes_something`, a change of a "
            "withdrawn offer 409 `withdrawn_offer_is_final`; `If-Match` with an older version 412."
        ),
        responses=OFFER_WRITE_PROBLEMS,
        response_headers=OFFER_HEADERS,
    )
    def change_offer(
        self,
        offer_id: OfferId,
        data: JSONBody[OfferChanges],
        request: AnyRequest,
        catalogue: Offers,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[Offer]:
        written = catalogue.change(
            principal_of(request),
            offer_id,
            data,
            expected_version=_accepted_versions(if_match),
            retry=_retry(idempotency_key, f"PATCH /offers/{offer_id}", data),
        )
        return _written(written, status_code=200)

    @post(
        "/{offer_id:uuid}/withdraw",
        guards=[require_role(LEADS)],
        sync_to_thread=True,
        summary="Withdraw an offer (leads): kept with its history, no longer listed or matched",
        description=(
            'Optional body `{"reason": "…"}`. An offer is withdrawn once: withdrawing it again is 409'
            " `withdrawn_offer_is_final` (a retry with the same Idempotency-Key gets the first answer)."
        ),
        responses=OFFER_WRITE_PROBLEMS,
        response_headers=OFFER_HEADERS,
        status_code=200,
    )
    def withdraw_offer(
        self,
        offer_id: OfferId,
        request: AnyRequest,
        catalogue: Offers,
        data: JSONBody[Withdraw | None] = None,
        if_match: IfMatch = None,
        idempotency_key: IdempotencyKey = None,
    ) -> Response[Offer]:
        body = data or Withdraw()
        written = catalogue.withdraw(
            principal_of(request),
            offer_id,
            body.reason,
            expected_version=_accepted_versions(if_match),
            retry=_retry(idempotency_key, f"POST /offers/{offer_id}/withdraw", body),
        )
        return _written(written, status_code=200)

    @get(
        "/{offer_id:uuid}",
        guards=[require_role(CATALOGUE_READERS)],
        sync_to_thread=True,
        summary="An offer with its history",
        description=(
            "Counsellors, leads and auditors of the offer's agency (a `*` auditor: of any); analysts 403. The "
            "offer as it stands with `history`, every event oldest first; `ETag` is its version."
        ),
        responses=problems(401, 403, 404),
    )
    def get_offer(self, offer_id: OfferId, request: AnyRequest, catalogue: Offers) -> Response[OfferDetail]:
        record = catalogue.read(principal_of(request), offer_id)
        return Response(offer_detail(record), headers={"ETag": _etag(record.offer.version)})

    @get(
        guards=[require_role(CATALOGUE_READERS)],
        sync_to_thread=True,
        summary="Search the agency's catalogue (counsellors, leads, auditors)",
        description=(
            "The offers of the caller's agency (a `*` auditor: of `agency`, or of all) passing every filter, by "
            "start then id; withdrawn ones only with `include_withdrawn`. `total` counts all pages; `next_cursor`"
            " leads to the next page. `min_position` waits until the catalogue reflects a write."
        ),
        responses=problems(401, 403, 422, 503),
    )
    def list_offers(
        self,
        request: AnyRequest,
        catalogue: Offers,
        occupation: Annotated[
            str | None,
            QueryParameter(
                min_length=1,
                max_length=200,
                description="Offers one of whose occupations has words beginning with every word of this; case,"
                " accents, umlauts, ß/ss and the feminine/masculine form do not matter (pflege finds Pflegefachfrau).",
            ),
        ] = None,
        kind: Annotated[CourseKind | None, QueryParameter()] = None,
        starts_after: Annotated[date | None, QueryParameter(description="offers starting after this day")] = None,
        postal_code: Annotated[
            str | None,
            QueryParameter(pattern=r"^[0-9]{1,5}$", description="offers whose postal code begins with these digits"),
        ] = None,
        funding: Annotated[Funding | None, QueryParameter(description="offers fundable by this")] = None,
        include_withdrawn: Annotated[bool, QueryParameter(description="withdrawn offers too")] = False,
        agency: AgencyFilter = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        min_position: MinPosition = None,
    ) -> OfferPage:
        query = OfferQuery(
            agency=agency,
            kind=kind,
            starts_after=starts_after,
            postal_code=postal_code,
            funding=funding,
            include_withdrawn=include_withdrawn,
            limit=limit,
            after=_decode_cursor(cursor) if cursor else None,
        )
        page = catalogue.search(principal_of(request), query, occupation=occupation, min_position=min_position)
        next_cursor = None
        if len(page.items) == limit:
            last = page.items[-1]
            next_cursor = _encode_cursor(last.starts_on, last.id)
        return OfferPage(items=page.items, total=page.total, next_cursor=next_cursor)


@get(
    "/cases/{case_id:uuid}/matching-offers",
    guards=[require_role(COUNSELLING)],
    sync_to_thread=True,
    tags=["course catalogue"],
    security=[{"bearer": []}],
    summary="The catalogue's offers that fit the case where it stands, nearest first, each with its reason",
    description=(
        "Counsellors and leads (auditors and analysts 403: the match reads the client's address, which they "
        "never open). The offers of the case's agency, not withdrawn, starting after today, whose kind the "
        "case needs now (`needs`, each with its code and reason) and one of whose occupations is the case's "
        "target occupation (the same KldB code, or the words of one title all in the other); nearest first "
        "(`distance.rank`), then by start. The read of the case is recorded in the access log. README: "
        '"Matching a case to the catalogue".'
    ),
    responses=problems(401, 403, 404, 422, 503),
)
def matching_offers(
    case_id: FromPath[UUID],
    request: AnyRequest,
    catalogue: Offers,
    near: Annotated[
        str | None,
        QueryParameter(
            pattern=r"^[0-9]{5}$",
            description="The postal code to measure the distance from; without it the postal code in the client's"
            " address is used (read for this only, never answered), else the offers are ordered by start alone",
        ),
    ] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    min_position: MinPosition = None,
) -> MatchingOffers:
    matching = catalogue.matching(principal_of(request), case_id, near=near, min_position=min_position)
    return matching_view(matching, near, limit)


def _written(written: Written[Offer], *, status_code: int) -> Response[Offer]:
    offer = written.entry
    return Response(
        offer,
        status_code=status_code,
        headers={
            "ETag": _etag(offer.version),
            "Location": f"/offers/{offer.id}",
            "Lotse-Position": str(written.position),
            "Idempotent-Replayed": "true" if written.replayed else "false",
        },
    )


def _encode_cursor(starts_on: date, offer_id: UUID) -> str:
    return base64.urlsafe_b64encode(f"{starts_on.isoformat()}|{offer_id}".encode()).decode()


def _decode_cursor(cursor: str) -> tuple[date, UUID]:
    try:
        starts_on, _, offer_id = base64.urlsafe_b64decode(cursor.encode()).decode().partition("|")
        return date.fromisoformat(starts_on), UUID(offer_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise query_error("cursor", "not a cursor this service handed out") from None
