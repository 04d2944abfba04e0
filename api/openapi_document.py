"""The published OpenAPI 3.1 document (/schema/openapi.json), one a client generator can use.

Litestar writes the document from the handlers' signatures. What it cannot say is added here, in one place:

- msgspec's own rules (`StrictStructs`): `additionalProperties: false` where a Struct refuses unknown fields, and the
  item schema of a `tuple[str, ...]` with its bounds (Litestar made it `oneOf [string, {}]`);
- `completed`: a schema for every response header; the headers of the problem answers (`WWW-Authenticate`,
  `Retry-After`); `text/csv` beside JSON where a handler answers CSV too (`opt=ALSO_CSV`); `Lotse-Views-Behind` on
  the answers read from the views (api/views_lag.py); the problem types; problem details where Litestar documents
  its own error shape (Lotse answers every error as problem details); distinct titles for same-named schemas;
- operation ids from the handlers' names (`getCase`, `recordStep`), so a generated client's functions read well;
- a nullable enum as `oneOf [the enum, null]`, which a generator makes one enum type of.

tests/api/test_openapi.py validates the document with openapi-spec-validator, and tests/e2e/test_generated_client.py
generates a client from it with openapi-python-client and walks a case through a real server with it.
"""

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any, get_args, get_origin, get_type_hints

import msgspec
from litestar import Request

# Litestar's own plugin for msgspec Structs and its default operation ids, extended rather than copied.
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar._openapi.utils import default_operation_id_creator
from litestar.enums import HttpMethod
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, Schema, SecurityScheme
from litestar.routes import HTTPRoute
from litestar.serialization import encode_json
from litestar.types.internal_types import PathParameterDefinition
from litestar.typing import FieldDefinition

from api import views_lag
from api.schema_ui import SCHEMA_PATH, OfflineSwaggerUi

Json = dict[str, Any]
PROBLEM_JSON = "application/problem+json"
DIGITS = {"type": "string", "pattern": "^[0-9]+$"}

ALSO_CSV_KEY = "lotse_also_csv"
ALSO_CSV = {
    ALSO_CSV_KEY: "With `Accept: text/csv`: the same figures as CSV (UTF-8, comma-separated, one header row; every row"
    " carries the log position and digest, so a saved file stays checkable)."
}

# Response headers by name: what they mean and their schema (a header's value is a string on the wire).
HEADERS: dict[str, Json] = {
    "ETag": {
        "description": 'The case\'s version as a strong entity tag, e.g. `"3"`: send it as `If-Match` to base a'
        " write on this version (a stale one is refused with 412).",
        "schema": {"type": "string", "pattern": '^"[0-9]+"$'},
    },
    "Location": {"description": "The case's address", "schema": {"type": "string", "format": "uri-reference"}},
    "Lotse-Position": {
        "description": "The write's position in the global event log; pass it as `min_position` to read your"
        " writes from the views (caseloads, deadlines, statistics).",
        "schema": DIGITS,
    },
    "Idempotent-Replayed": {
        "description": "`true` when the `Idempotency-Key` matched an earlier request: nothing was recorded again and"
        " the answer is the first one's",
        "schema": {"type": "string", "enum": ["true", "false"]},
    },
    "WWW-Authenticate": {
        "description": "`Bearer`: the request needs a valid bearer token (`Authorization: Bearer <token>`)",
        "schema": {"type": "string"},
    },
    "Retry-After": {"description": "Seconds to wait before trying again", "schema": DIGITS},
    views_lag.HEADER: {"description": views_lag.DESCRIPTION, "schema": DIGITS},
}
# The headers a problem answer of a status carries (not every answer of the status: see their descriptions).
PROBLEM_HEADERS = {401: ("WWW-Authenticate",), 429: ("Retry-After",), 503: ("Retry-After",)}

# Every `type` of Lotse's problem details (api/problems.py): the slug after /problems/, its status and meaning.
PROBLEM_TYPES: dict[str, tuple[int | None, str]] = {
    "malformed-json": (400, "The body is not readable JSON, or not UTF-8."),
    "too-deeply-nested": (400, "The body nests too deeply to be read."),
    "unauthorized": (401, "No bearer token, or one that is invalid, expired or revoked."),
    "forbidden": (403, "The caller's role may not do this."),
    "not-found": (404, "No such case (or another agency's: the same answer), or no such path."),
    "position-not-reached": (404, "`as_of_position` lies beyond the log's head."),
    "method-not-allowed": (405, "The path does not answer this method."),
    "rule-violated": (409, "The step conflicts with the case as it stands; `rule` names the rule."),
    "concurrent-update": (409, "Another write on the case committed first; read the case and send again."),
    "stale-version": (412, "`If-Match` does not name the case's current version (`rule`: `if_match_current`)."),
    "too-large": (413, "The body is larger than the service accepts (LOTSE_MAX_BODY_BYTES)."),
    "invalid-request": (422, "Fields or parameters are invalid: `errors` names each, by its path as sent."),
    "invalid-step": (422, "A value of the step breaks a rule: `rule` names it, `errors` the field."),
    "idempotency-key-reused": (422, "The `Idempotency-Key` was used before, for another request."),
    "header-too-large": (431, "The request line and headers are larger than it reads (LOTSE_MAX_HEADER_BYTES)."),
    "too-many-requests": (429, "Too many requests for this token; wait `Retry-After` seconds."),
    "key-store": (500, "Personal data cannot be opened (master key or key store): for the operator to fix."),
    "internal": (500, "An unexpected error; it is logged."),
    "view-lagging": (503, "The views did not reach `min_position` in time; try again after `Retry-After`."),
    "database-unavailable": (503, "The database is not reachable; try again later."),
    "too-many-connections": (503, "The server holds all the connections it takes (LOTSE_MAX_CONNECTIONS); try again."),
    "error": (None, "Any other HTTP error; `status` says which."),
}

DESCRIPTION = """Case management for counselling towards a recognised vocational qualification.

Every request but `GET /health`, `GET /ready` and `/schema*` needs `Authorization: Bearer <token>`.

## Headers

- `If-Match` (writes on a case): the `ETag` the write is based on; a stale one is refused with 412.
- `Idempotency-Key` (POSTs): makes a retry safe; the retry is answered as the first request was
  (`Idempotent-Replayed: true`) and records nothing.
- `ETag`, `Location`, `Lotse-Position`, `Idempotent-Replayed`: on every write's answer; `ETag` also on the current
  state of a case.
- `Lotse-Views-Behind`: on answers read from the projection views while these lag far behind the log.
- `WWW-Authenticate: Bearer` on 401, `Retry-After` on 429 and on 503 `view-lagging`.
- `Accept: text/csv` asks the statistics for CSV.
- Every answer carries `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` and a
  `Content-Security-Policy`; answers with personal data (`/cases*`, `/audit/access-log`, `/exports/participants`)
  `Cache-Control: no-store`.

## Problem types

Every error is answered as RFC 9457 problem details (`application/problem+json`, schema `Problem`). Its `type` is
one of these, relative to the service's address:

| `type` | status | meaning |
|---|---|---|
"""


# A Struct whose fields all default to UNSET is a set of changes; `completed` marks its schema `x-lotse-partial`, by
# which the dashboard's forms leave every field "unverändert" and offer to clear those that may be null.
PARTIAL_DESCRIPTION = (
    "Changes: only the fields sent change, a field left out stays as it is; null clears a field that may be empty."
)
PARTIAL = "x-lotse-partial"


def problem_table() -> str:
    return "".join(
        f"| `/problems/{slug}` | {status or 'other'} | {meaning} |\n"
        for slug, (status, meaning) in PROBLEM_TYPES.items()
    )


def openapi_config(version: str) -> OpenAPIConfig:
    """The document's metadata and its renderers: the UI at /schema and the completed JSON at /schema/openapi.json."""
    return OpenAPIConfig(
        title="Lotse",
        version=version,
        description=DESCRIPTION + problem_table(),
        path=SCHEMA_PATH,
        render_plugins=[OfflineSwaggerUi(), CompletedJson()],
        components=Components(
            security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="lotse1")}
        ),
        operation_id_creator=OperationIds(),
    )


class StrictStructs(StructSchemaPlugin):
    """Litestar's schema of a msgspec Struct, with what msgspec enforces on decoding and Litestar leaves out."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        info = msgspec.inspect.type_info(field_definition.type_)
        assert isinstance(info, msgspec.inspect.StructType)
        if info.forbid_unknown_fields:
            schema.additional_properties = False
        if info.fields and all(_defaults_to_unset(field) for field in info.fields) and not schema.description:
            schema.description = PARTIAL_DESCRIPTION
        hints = get_type_hints(field_definition.type_, include_extras=True)
        for field in info.fields:
            shown = (schema.properties or {}).get(field.encode_name)
            item = _variadic_item(hints[field.name])
            if isinstance(shown, Schema) and shown.type == "array" and item is not None:
                shown.items = _item_schema(item, schema_creator)
            lowest = _lowest_integer(field.type)
            if isinstance(shown, Schema) and lowest is not None and shown.minimum is None:
                shown.minimum = lowest  # Litestar drops a bound of 0 inside a union (`int | UnsetType`)
        return schema


def _lowest_integer(shown: msgspec.inspect.Type) -> int | None:
    """The `ge` of an integer field, also of the integer in a union with UNSET or None."""
    members = shown.types if isinstance(shown, msgspec.inspect.UnionType) else (shown,)
    bounds = [member.ge for member in members if isinstance(member, msgspec.inspect.IntType) and member.ge is not None]
    return bounds[0] if len(bounds) == 1 else None


def _defaults_to_unset(field: msgspec.inspect.Field) -> bool:
    """An optional field without a default value: its default is UNSET (msgspec shows it as NODEFAULT)."""
    return not field.required and field.default is msgspec.NODEFAULT and field.default_factory is msgspec.NODEFAULT


def _variadic_item(annotation: Any) -> Any | None:
    """The item type of `tuple[X, ...]` (also inside Annotated), which Litestar documents as `oneOf [X, {}]`."""
    while get_origin(annotation) is not None and hasattr(annotation, "__metadata__"):
        annotation = get_args(annotation)[0]
    arguments = get_args(annotation)
    if get_origin(annotation) is tuple and len(arguments) == 2 and arguments[1] is Ellipsis:
        return arguments[0]
    return None


def _item_schema(item: Any, schema_creator: Any) -> Any:
    shown = schema_creator.for_field_definition(FieldDefinition.from_annotation(item))
    bounds = msgspec.inspect.type_info(item)
    if isinstance(shown, Schema) and isinstance(bounds, msgspec.inspect.StrType):
        shown.min_length, shown.max_length, shown.pattern = bounds.min_length, bounds.max_length, bounds.pattern
    return shown


class OperationIds:
    """`getCase` for the handler `get_case`: what a generated client names its functions by. A name two handlers
    share falls back to Litestar's id for the second (ids must be unique; the first keeps the short one)."""

    def __init__(self) -> None:
        self._given: dict[tuple[str, str], str] = {}

    def __call__(
        self,
        handler: HTTPRouteHandler,
        method: HttpMethod | str,
        path: list[str | PathParameterDefinition],
    ) -> str:
        key = (str(handler.handler_id), str(method))
        if key not in self._given:
            first, *rest = handler.handler_name.split("_")
            name = first + "".join(word.capitalize() for word in rest)
            if name in self._given.values():
                verb = method if isinstance(method, HttpMethod) else HttpMethod(method.upper())
                name = default_operation_id_creator(handler, verb, path)
            self._given[key] = name
        return self._given[key]


class CompletedJson(JsonRenderPlugin):
    """/schema/openapi.json: Litestar's document, completed once per app."""

    def __init__(self) -> None:
        super().__init__()
        self._rendered: bytes | None = None

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        if self._rendered is None:
            self._rendered = encode_json(completed(openapi_schema, marked_operations(request.app.routes)))
        return self._rendered


def marked_operations(routes: Iterable[Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
    """The `opt` of each documented operation, by path (as the document writes it) and lower-case method."""
    marked: dict[tuple[str, str], Mapping[str, Any]] = {}
    for route in routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods:
                marked[(route.path_format or "/", method.lower())] = handler.opt
    return marked


def completed(document: Json, marked: Mapping[tuple[str, str], Mapping[str, Any]]) -> Json:
    """The document with what Litestar cannot say added (see the module's docstring); `document` stays as it was."""
    result = copy.deepcopy(document)
    schemas: Json = result.setdefault("components", {}).setdefault("schemas", {})
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            _complete_operation(operation, marked.get((path, method), {}))
    _describe_problem_types(schemas)
    for schema in schemas.values():
        if schema.get("description") == PARTIAL_DESCRIPTION:
            schema[PARTIAL] = True
    _distinct_titles(schemas)
    _split_nullable_enums(result)
    return result


def _complete_operation(operation: Json, opt: Mapping[str, Any]) -> None:
    for status, response in list(operation["responses"].items()):
        code = int(status) if str(status).isdigit() else 0
        if _is_litestar_error(response):
            # Invalid parameters are answered 422 (documented by the handler); only a body can be unreadable (400).
            if "requestBody" not in operation:
                del operation["responses"][status]
                continue
            response["content"] = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
            response["description"] = "The body cannot be read"
        if PROBLEM_JSON in response.get("content", {}):
            response["description"] = _with_problem_types(response.get("description", ""), code)
            for name in PROBLEM_HEADERS.get(code, ()):
                response.setdefault("headers", {})[name] = copy.deepcopy(HEADERS[name])
        if 200 <= code < 300:
            _complete_success(response, opt)
        for name, header in response.get("headers", {}).items():
            header.setdefault("schema", copy.deepcopy(HEADERS.get(name, {}).get("schema", {"type": "string"})))


def _complete_success(response: Json, opt: Mapping[str, Any]) -> None:
    if opt.get(ALSO_CSV_KEY):
        response.setdefault("content", {})["text/csv"] = {"schema": {"type": "string"}}
        response["description"] = f"{response.get('description', 'OK')}. {opt[ALSO_CSV_KEY]}"
    if opt.get(views_lag.OPT_KEY):
        response.setdefault("headers", {})[views_lag.HEADER] = copy.deepcopy(HEADERS[views_lag.HEADER])


def _is_litestar_error(response: Json) -> bool:
    """Litestar's own error shape ({status_code, detail, extra}), which it documents as a 400 of every handler with
    parameters; Lotse answers every error as problem details (api/problems.py)."""
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return {"status_code", "detail", "extra"} <= set(schema.get("properties", {}))


def _with_problem_types(description: str, status: int) -> str:
    slugs = [f"`/problems/{slug}`" for slug, (code, _) in PROBLEM_TYPES.items() if code == status]
    if not slugs or "Problem types:" in description:
        return description
    return f"{description.rstrip('.')}. Problem types: {', '.join(slugs)}."


def _describe_problem_types(schemas: Json) -> None:
    problem = schemas.get("Problem")
    if problem is None:
        return
    kind = problem.get("properties", {}).get("type")
    if kind is not None:
        kind["description"] = (
            "The problem type, a URI reference relative to the service: `/problems/<slug>`; the API's description"
            " lists every type. It never changes with the language of the answer."
        )
        kind["examples"] = [f"/problems/{slug}" for slug in ("invalid-request", "invalid-step", "stale-version")]


def _distinct_titles(schemas: Json) -> None:
    """Two types of one name (domain/steps.py's Profile, which a client sends, and domain/records.py's, which a case
    shows) become two schemas of one title: a generator would make one class of them. Each takes its own key."""
    titles: dict[str, list[str]] = {}
    for key, schema in schemas.items():
        titles.setdefault(str(schema.get("title", key)), []).append(key)
    for keys in titles.values():
        if len(keys) > 1:
            for key in keys:
                schemas[key]["title"] = _title_of(key)


def _title_of(key: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_.]", key))


def _split_nullable_enums(node: Any) -> None:
    """`Literal[...] | None`, which Litestar writes as `type: [null, string]` with null among the `enum` values, as
    `oneOf [the enum, null]`: the same values, and one enum type in a generated client instead of three."""
    if isinstance(node, list):
        for item in node:
            _split_nullable_enums(item)
        return
    if not isinstance(node, dict):
        return
    kinds, values = node.get("type"), node.get("enum")
    if isinstance(kinds, list) and "null" in kinds and isinstance(values, list) and None in values:
        (kind,) = [kind for kind in kinds if kind != "null"] or ["string"]
        del node["type"], node["enum"]
        node["oneOf"] = [{"type": kind, "enum": [value for value in values if value is not None]}, {"type": "null"}]
    for value in node.values():
        _split_nullable_enums(value)
