"""The one place that maps errors to HTTP: RFC 9457 problem details for every failure."""

import logging
import re
from typing import Any

import msgspec
from eventsourcing.persistence import DataError, InterfaceError, OperationalError
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.params import ParameterKwarg
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

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
logger = logging.getLogger("lotse.api")


class FieldError(msgspec.Struct, frozen=True):
    field: str
    message: str


class Problem(msgspec.Struct, frozen=True, omit_defaults=True):
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
) -> Response[Problem]:
    body = Problem(type=f"/problems/{slug}", title=title, status=status, detail=detail, rule=rule, errors=errors)
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_error(item: dict[str, Any], sent_as: dict[str, str]) -> FieldError:
    """Names the offending field: `profile.isced`, `channel`, or `body` for the document as a whole; a parameter as
    the client sends it (`from`, not the handler's `start`)."""
    message = str(item.get("message", ""))
    key = str(item.get("key", ""))
    if item.get("source") not in ("query", "path", "header", "cookie"):
        key = "" if key == "data" else key.removeprefix("data.")
    else:
        key = sent_as.get(key, key)
    key = re.sub(r"\[(\d+)\]", r".\1", key)
    if (named := _NAMED_FIELD.search(message)) is not None:
        key = f"{key}.{named.group(1)}" if key else named.group(1)
    return FieldError(field=key or "body", message=message)


def _parameter_names(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The handler's parameters that a client sends under another name (`start` as `from`): handler name → sent name."""
    try:
        parameters = request.route_handler.parsed_fn_signature.parameters
    except (AttributeError, KeyError):  # no route matched: nothing was named
        return {}
    return {
        name: sent
        for name, parameter in parameters.items()
        if isinstance(parameter.kwarg_definition, ParameterKwarg) and (sent := parameter.kwarg_definition.name)
    }


def on_validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Problem]:
    items = [item for item in (exc.extra or []) if isinstance(item, dict)]
    sent_as = _parameter_names(request) if any(item.get("source") == "query" for item in items) else {}
    errors = [_field_error(item, sent_as) for item in items]
    detail = "; ".join(f"{error.field}: {error.message}" for error in errors) or exc.detail
    return problem(422, "invalid-request", "Invalid request", detail, errors=errors)


def on_invalid_query(_: Request[Any, Any, Any], exc: InvalidQuery) -> Response[Problem]:
    errors = [FieldError(field=exc.field, message=exc.message)]
    return problem(422, "invalid-request", "Invalid request", str(exc), errors=errors)


def on_permission_denied(_: Request[Any, Any, Any], exc: PermissionDenied) -> Response[Problem]:
    return problem(403, "forbidden", "Forbidden", str(exc))


def on_domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[Problem]:
    errors = [FieldError(field=exc.field, message=exc.detail)] if exc.field else None
    if isinstance(exc, InvalidStep):
        return problem(422, "invalid-step", "Step breaks a rule", exc.detail, rule=exc.rule, errors=errors)
    return problem(409, "rule-violated", "Step conflicts with the case", exc.detail, rule=exc.rule, errors=errors)


def on_not_found(_: Request[Any, Any, Any], exc: CaseNotFound | EntryNotFound | VersionNotFound) -> Response[Problem]:
    return problem(404, "not-found", "Not found", str(exc))


def on_stale(_: Request[Any, Any, Any], exc: StaleVersion) -> Response[Problem]:
    detail = f'If-Match does not name the case\'s current version (ETag "{exc.actual}"); read the case again'
    return problem(412, "stale-version", "Precondition failed", detail, rule="if_match_current")


def on_concurrent(_: Request[Any, Any, Any], exc: ConcurrentUpdate) -> Response[Problem]:
    return problem(409, "concurrent-update", "Concurrent update", f"{exc}; read the case and retry", "single_writer")


def on_key_reused(_: Request[Any, Any, Any], exc: IdempotencyKeyReused) -> Response[Problem]:
    return problem(422, "idempotency-key-reused", "Idempotency key reused", str(exc), rule="idempotency_key_unique")


def on_view_lagging(_: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    return problem(503, "view-lagging", "Views not caught up", str(exc), headers={"Retry-After": "1"})


def on_position_not_reached(_: Request[Any, Any, Any], exc: PositionNotReached) -> Response[Problem]:
    return problem(404, "position-not-reached", "No such log position", str(exc))


def on_database_down(_: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    logger.warning("database unavailable: %s", exc)
    return problem(503, "database-unavailable", "Service unavailable", "the database is not reachable; retry later")


def on_key_store(_: Request[Any, Any, Any], exc: KeyStoreError) -> Response[Problem]:
    # The operator's to fix (master key, key store backup); the client is told plainly, never given garbage.
    logger.error("key store: %s", exc.detail)
    return problem(500, "key-store", "Personal data cannot be opened", exc.detail, rule=exc.reason)


def on_http(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    if exc.status_code == 400:
        return problem(400, "malformed-json", "Malformed JSON", f"the request body cannot be read: {exc.detail}")
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, NotAuthorizedException) else dict(exc.headers or {})
    title = {401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed", 413: "Too large"}
    title[429] = "Too many requests"
    return problem(
        exc.status_code,
        title.get(exc.status_code, "Error").lower().replace(" ", "-"),
        title.get(exc.status_code, "Error"),
        exc.detail,
        headers=headers,
    )


def on_too_deep(_: Request[Any, Any, Any], exc: RecursionError) -> Response[Problem]:
    return problem(400, "too-deeply-nested", "Too deeply nested", "the request body nests too deeply to be read")


def on_undecodable(_: Request[Any, Any, Any], exc: UnicodeDecodeError) -> Response[Problem]:
    return problem(400, "malformed-json", "Malformed JSON", "the request body is not valid UTF-8")


def on_unstorable(_: Request[Any, Any, Any], exc: DataError) -> Response[Problem]:
    # The database refused a value the schema let through (a NUL character in a text column, say).
    logger.warning("database refused a value: %s", exc)
    return problem(422, "invalid-request", "Invalid request", "a value cannot be stored (control characters?)")


def on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(HTTP_500_INTERNAL_SERVER_ERROR, "internal", "Internal error", "an unexpected error occurred")


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    ValidationException: on_validation,
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
