"""Shared parameter types and OpenAPI response declarations of the HTTP API."""

from typing import Annotated

from litestar.exceptions import ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import QueryParameter

from api.problems import PROBLEM_JSON, Problem

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@-]*$"
NameFilter = Annotated[str | None, QueryParameter(max_length=64, pattern=NAME_PATTERN)]
AgencyFilter = Annotated[
    str | None,
    QueryParameter(max_length=64, pattern=NAME_PATTERN, description="Only for tokens of agency '*': one agency"),
]
MinPosition = Annotated[
    int | None,
    QueryParameter(ge=0, le=2**62, description="Answer once the views reflect at least this log position"),
]
AsOfPosition = Annotated[
    int | None,
    QueryParameter(ge=0, le=2**62, description="Recompute the figures from the raw events up to this position"),
]


def problems(*statuses: int) -> dict[int, ResponseSpec]:
    """Problem answers for OpenAPI; every endpoint that needs a token may also answer 429."""
    if 401 in statuses:
        statuses = (*statuses, 429)
    described = {
        400: "Malformed JSON",
        401: "Missing, invalid, expired or revoked bearer token, or its subject is no longer active staff in its role",
        403: "The caller's role may not do this",
        404: "No such case (or another agency's)",
        409: "The step conflicts with the case; `rule` names the rule",
        412: "If-Match names an older version of the case",
        413: "Request body too large",
        422: "Invalid input (`errors` name the fields) or a step value that breaks a rule (`rule`)",
        429: "Too many requests for this token, or too many failed authentications from this address (see Retry-After)",
        503: "The database is unreachable, or the views have not reached `min_position` in time",
    }
    return {
        status: ResponseSpec(
            data_container=Problem, description=described[status], media_type=PROBLEM_JSON, generate_examples=False
        )
        for status in statuses
    }


WRITE_PROBLEMS = problems(400, 401, 403, 404, 409, 412, 413, 422)
READ_PROBLEMS = problems(401, 403, 404, 422)


def query_error(name: str, message: str) -> ValidationException:
    return ValidationException(detail=message, extra=[{"key": name, "message": message, "source": "query"}])
