"""The one place that maps errors to HTTP: RFC 9457 problem details for every failure.

A client that prefers German (`Accept-Language: de`) reads `title`, `detail` and the field messages in German
(api/language.py, texts in api/messages_de.py); `type`, `status`, `rule` and the field paths never change.
"""

import logging
import re
from collections.abc import Mapping
from typing import Any

import msgspec
from eventsourcing.persistence import DataError, InterfaceError, OperationalError
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.params import ParameterKwarg
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from api.language import (
    GERMAN,
    german_detail,
    german_field_message,
    german_rule,
    german_title,
    preferred_language,
)
from api.request_body import InvalidBody
from application.errors import (
    CaseNotFound,
    ConcurrentUpdate,
    EntryNotFound,
    IdempotencyKeyReused,
    InvalidQuery,
    KeyStoreError,
    PermissionDenied,
    StaleVersion,
    VersionNotFound,
    ViewLagging,
)
from application.reporting import PositionNotReached
from domain.errors import DomainError, InvalidStep

PROBLEM_JSON = "application/problem+json"
_NAMED_FIELD = re.compile(r"(?:missing required|unknown) field `([^`]+)`")
_MISSING_PARAMETER = re.compile(r"Missing required (?P<kind>\w+) parameter '(?P<name>[^']+)'")
AnyRequest = Request[Any, Any, Any]
logger = logging.getLogger("lotse.api")


class FieldError(msgspec.Struct, frozen=True):
    """One offending field: its path as the client sent it (`profile.isced`, `topics.0`, `from`; `body` for the
    body as a whole) and what is wrong with it."""

    field: str
    message: str


class Problem(msgspec.Struct, frozen=True, omit_defaults=True):
    """RFC 9457 problem details. `errors` names every offending field, not only the first. With `Accept-Language: de`
    `title`, `detail` and the field messages are German; `type`, `status`, `rule` and the field paths never change."""

    type: str
    title: str
    status: int
    detail: str
    rule: str | None = None
    errors: list[FieldError] | None = None


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str,
    rule: str | None = None,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    *,
    request: AnyRequest | None = None,
    facts: Mapping[str, object] | None = None,
) -> Response[Problem]:
    """The problem document, in German when the request prefers it; `facts` are the values a rule's German text
    names (the domain error's facts)."""
    body = Problem(type=f"/problems/{slug}", title=title, status=status, detail=detail, rule=rule, errors=errors)
    language = preferred_language(request.headers.get("accept-language")) if request is not None else None
    if language == GERMAN:
        body = _in_german(body, slug, facts or {})
    if language is not None:
        headers = {**(headers or {}), "Content-Language": language, "Vary": "Accept-Language"}
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _in_german(body: Problem, slug: str, facts: Mapping[str, object]) -> Problem:
    explained = german_rule(body.rule, facts) if body.rule is not None else None
    if body.errors is not None and explained is not None:
        errors = [FieldError(field=error.field, message=explained) for error in body.errors]
    elif body.errors is not None:
        errors = [FieldError(field=error.field, message=german_field_message(error.message)) for error in body.errors]
    else:
        errors = None
    if explained is not None:
        detail = explained
    elif errors and body.rule is None:
        detail = "; ".join(f"{error.field}: {error.message}" for error in errors)
    else:
        detail = german_detail(slug, body.detail)
    return msgspec.structs.replace(body, title=german_title(slug, body.title), detail=detail, errors=errors)


def _field_error(request: AnyRequest, item: dict[str, Any]) -> FieldError:
    """Names the offending field: `profile.isced`, `channel`, a parameter as the client spells it (`from`), or `body`
    for the document as a whole."""
    message = str(item.get("message", ""))
    key = str(item.get("key", ""))
    if item.get("source") in ("query", "path", "header", "cookie"):
        key = _parameter_name(request, key)
    else:
        key = "" if key == "data" else key.removeprefix("data.")
    key = re.sub(r"\[(\d+)\]", r".\1", key)
    if (named := _NAMED_FIELD.search(message)) is not None:
        key = f"{key}.{named.group(1)}" if key else named.group(1)
    return FieldError(field=key or "body", message=message)


def _parameter_name(request: AnyRequest, key: str) -> str:
    """The parameter as the client sends it (`from`), not the handler's argument it is bound to (`start`)."""
    name, dot, rest = key.partition(".")
    handler = request.scope.get("route_handler")
    field = handler.parsed_fn_signature.parameters.get(name) if handler is not None else None
    given = field.kwarg_definition if field is not None else None
    if isinstance(given, ParameterKwarg):
        name = given.name or given.query or given.header or given.cookie or name
    return f"{name}{dot}{rest}"


# What Litestar hands a handler by its argument's name rather than from the query.
_NOT_FROM_THE_QUERY = frozenset({"request", "socket", "state", "scope", "headers", "cookies", "query", "body", "data"})


def _missing_query_parameters(request: AnyRequest, first: str) -> list[str]:
    """Every required query parameter the request lacks, in the handler's order: Litestar stops at the `first`."""
    handler = request.scope.get("route_handler")
    if handler is None:
        return [first]
    dependencies = handler.resolve_dependencies()
    missing = []
    for name, field in handler.parsed_fn_signature.parameters.items():
        if name in _NOT_FROM_THE_QUERY or name in dependencies or name in request.path_params or not field.is_required:
            continue
        given = field.kwarg_definition
        if isinstance(given, ParameterKwarg) and (given.header or given.cookie):
            continue
        alias = (given.query or given.name or name) if isinstance(given, ParameterKwarg) else name
        if alias not in request.query_params:
            missing.append(alias)
    return missing if first in missing else [first]


def on_validation(request: AnyRequest, exc: ValidationException) -> Response[Problem]:
    items = [item for item in (exc.extra or []) if isinstance(item, dict)]
    errors = [_field_error(request, item) for item in items]
    if not errors and (missing := _MISSING_PARAMETER.match(exc.detail)) is not None:
        kind, first = missing.group("kind"), missing.group("name")
        names = _missing_query_parameters(request, first) if kind == "query" else [first]
        errors = [FieldError(field=name, message=f"Missing required {kind} parameter") for name in names]
    detail = "; ".join(f"{error.field}: {error.message}" for error in errors) or exc.detail
    return problem(422, "invalid-request", "Invalid request", detail, errors=errors, request=request)


def on_invalid_body(request: AnyRequest, exc: InvalidBody) -> Response[Problem]:
    errors = [FieldError(field=field, message=message) for field, message in exc.errors]
    return problem(422, "invalid-request", "Invalid request", str(exc), errors=errors, request=request)


def on_invalid_query(request: AnyRequest, exc: InvalidQuery) -> Response[Problem]:
    errors = [FieldError(field=exc.field, message=exc.message)]
    return problem(422, "invalid-request", "Invalid request", str(exc), errors=errors, request=request)


def on_permission_denied(request: AnyRequest, exc: PermissionDenied) -> Response[Problem]:
    return problem(403, "forbidden", "Forbidden", str(exc), exc.rule, request=request)


def on_domain_error(request: AnyRequest, exc: DomainError) -> Response[Problem]:
    errors = [FieldError(field=exc.field, message=exc.detail)] if exc.field else None
    facts = exc.facts
    if isinstance(exc, InvalidStep):
        title = "Step breaks a rule"
        return problem(422, "invalid-step", title, exc.detail, exc.rule, errors, request=request, facts=facts)
    title = "Step conflicts with the case"
    return problem(409, "rule-violated", title, exc.detail, exc.rule, errors, request=request, facts=facts)


def on_not_found(request: AnyRequest, exc: CaseNotFound | EntryNotFound | VersionNotFound) -> Response[Problem]:
    return problem(404, "not-found", "Not found", str(exc), request=request)


# What a stale If-Match was sent for, by the path written to: a case, an employer, or an offer of the catalogue.
_VERSIONED_RECORDS = (
    ("/employers/", "employer", "Der Arbeitgeber"),
    ("/offers/", "offer", "Das Angebot"),
    ("/cases/", "case", "Der Fall"),
)


def on_stale(request: AnyRequest, exc: StaleVersion) -> Response[Problem]:
    path = request.url.path
    record, record_de = next(
        ((en, de) for prefix, en, de in _VERSIONED_RECORDS if path.startswith(prefix)), ("case", "Der Fall")
    )
    detail = f'If-Match does not name the {record}\'s current version (ETag "{exc.actual}"); read the {record} again'
    facts = {"actual": exc.actual, "record": record_de}
    return problem(
        412, "stale-version", "Precondition failed", detail, "if_match_current", request=request, facts=facts
    )


def on_concurrent(request: AnyRequest, exc: ConcurrentUpdate) -> Response[Problem]:
    detail = f"{exc}; read the case and retry"
    return problem(409, "concurrent-update", "Concurrent update", detail, "single_writer", request=request)


def on_key_reused(request: AnyRequest, exc: IdempotencyKeyReused) -> Response[Problem]:
    title, facts = "Idempotency key reused", {"key": exc.key}
    return problem(
        422, "idempotency-key-reused", title, str(exc), "idempotency_key_unique", request=request, facts=facts
    )


def on_view_lagging(request: AnyRequest, exc: Exception) -> Response[Problem]:
    headers = {"Retry-After": "1"}
    return problem(503, "view-lagging", "Views not caught up", str(exc), headers=headers, request=request)


def on_position_not_reached(request: AnyRequest, exc: PositionNotReached) -> Response[Problem]:
    return problem(404, "position-not-reached", "No such log position", str(exc), request=request)


def on_database_down(request: AnyRequest, exc: Exception) -> Response[Problem]:
    logger.warning("database unavailable: %s", exc)
    detail = "the database is not reachable; retry later"
    return problem(503, "database-unavailable", "Service unavailable", detail, request=request)


def on_key_store(request: AnyRequest, exc: KeyStoreError) -> Response[Problem]:
    # The operator's to fix (master key, key store backup); the client is told plainly, never given garbage.
    logger.error("key store: %s", exc.detail)
    title = "Personal data cannot be opened"
    return problem(500, "key-store", title, exc.detail, rule=exc.reason, request=request)


# Problem type and title of each status an HTTP exception (Litestar's or the authentication's) answers with.
HTTP_PROBLEMS: dict[int, tuple[str, str]] = {
    401: ("unauthorized", "Unauthorized"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("too-large", "Too large"),
    429: ("too-many-requests", "Too many requests"),
}
OTHER_HTTP_PROBLEM = ("error", "Error")


def on_http(request: AnyRequest, exc: HTTPException) -> Response[Problem]:
    if exc.status_code == 400:
        detail = f"the request body cannot be read: {exc.detail}"
        return problem(400, "malformed-json", "Malformed JSON", detail, request=request)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, NotAuthorizedException) else dict(exc.headers or {})
    slug, title = HTTP_PROBLEMS.get(exc.status_code, OTHER_HTTP_PROBLEM)
    return problem(exc.status_code, slug, title, exc.detail, headers=headers, request=request)


def on_too_deep(request: AnyRequest, exc: RecursionError) -> Response[Problem]:
    detail = "the request body nests too deeply to be read"
    return problem(400, "too-deeply-nested", "Too deeply nested", detail, request=request)


def on_undecodable(request: AnyRequest, exc: UnicodeDecodeError) -> Response[Problem]:
    return problem(400, "malformed-json", "Malformed JSON", "the request body is not valid UTF-8", request=request)


def on_unstorable(request: AnyRequest, exc: DataError) -> Response[Problem]:
    # The database refused a value the schema let through (a NUL character in a text column, say).
    logger.warning("database refused a value: %s", exc)
    detail = "a value cannot be stored (control characters?)"
    return problem(422, "invalid-request", "Invalid request", detail, request=request)


def on_unexpected(request: AnyRequest, exc: Exception) -> Response[Problem]:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    detail = "an unexpected error occurred"
    return problem(HTTP_500_INTERNAL_SERVER_ERROR, "internal", "Internal error", detail, request=request)


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    ValidationException: on_validation,
    InvalidBody: on_invalid_body,
    InvalidQuery: on_invalid_query,
    PermissionDenied: on_permission_denied,
    DomainError: on_domain_error,
    CaseNotFound: on_not_found,
    EntryNotFound: on_not_found,
    VersionNotFound: on_not_found,
    StaleVersion: on_stale,
    ConcurrentUpdate: on_concurrent,
    IdempotencyKeyReused: on_key_reused,
    ViewLagging: on_view_lagging,
    PositionNotReached: on_position_not_reached,
    OperationalError: on_database_down,
    InterfaceError: on_database_down,
    HTTPException: on_http,
    RecursionError: on_too_deep,
    UnicodeDecodeError: on_undecodable,
    DataError: on_unstorable,
    KeyStoreError: on_key_store,
    Exception: on_unexpected,
}
