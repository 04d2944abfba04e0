"""The published schema: every endpoint, parameter and step type of the contract; and the app builds cleanly."""

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

from openapi_spec_validator import OpenAPIV31SpecValidator

from domain import steps
from tests.api.conftest import Tokens
from tests.api.helpers import (
    ANALYST,
    API_STEP_TYPES,
    AUDITOR,
    COUNSELLOR,
    Client,
    Json,
    etag,
    open_case,
    session_step,
)

PROJECT = Path(__file__).resolve().parents[2]
ENDPOINTS = {
    ("/health", "get"),
    ("/cases", "get"),
    ("/cases", "post"),
    ("/cases/{case_id}", "get"),
    ("/cases/{case_id}/steps", "post"),
    ("/cases/{case_id}/history", "get"),
    ("/cases/{case_id}/personal-data", "delete"),
}

# What 0.1 clients read of a case: every field stays (API.md: 0.2 only adds).
CASE_FIELDS_0_1 = {
    "id",
    "version",
    "agency",
    "counsellor",
    "status",
    "stage",
    "opened_on",
    "closed_on",
    "channel",
    "referral_source",
    "profile",
    "personal",
    "personal_data_erased",
    "special_categories_consent",
    "last_contact_on",
    "assessments",
    "applications",
    "courses",
    "exams",
    "exit",
    "follow_up",
    "deadlines",
    "recorded_at",
}
# What 0.2 adds to the case's parts.
PART_FIELDS_0_2 = {
    "applications": {
        "suspended_since",
        "suspension_reason",
        "suspended_days",
        "resumed_on",
        "final_decided_on",
        "withdrawn_on",
        "withdrawal_reason",
        "qualification_id",
    },
    "exams": {"attempts", "application_id", "basis"},
    "courses": {"application_id", "offer_id"},
    "qualifications": {"qualification_id", "kind", "country", "title", "year", "recorded_on"},
    "referrals": {"referral_id", "to", "organisation", "purpose", "referred_on", "status", "outcome", "outcome_on"},
    "plan": {"agreed_on", "items"},
    "follow_up": {"reference_date", "outcome", "improvement"},
    "follow_ups": {"recorded_on", "employed", "improved_situation", "reference_date", "outcome", "improvement"},
    "leaving_situation": {
        "job_searching",
        "in_education_or_training",
        "qualification_gained",
        "employed",
        "self_employed",
    },
}


async def schema_of(client: Client) -> Json:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200, response.text
    schema: Json = response.json()
    return schema


def parameters(operation: Json) -> set[tuple[str, str]]:
    return {(parameter["in"], parameter["name"]) for parameter in operation.get("parameters", [])}


async def test_the_schema_lists_the_endpoints_of_the_contract(client: Client) -> None:
    schema = await schema_of(client)

    listed = {(path, method) for path, operations in schema["paths"].items() for method in operations}
    assert listed >= ENDPOINTS
    paths = schema["paths"]
    assert parameters(paths["/cases/{case_id}"]["get"]) >= {("query", "as_of_version"), ("query", "as_of")}
    assert parameters(paths["/cases"]["get"]) >= {
        ("query", name) for name in ("counsellor", "status", "stage", "limit", "cursor", "agency")
    }
    assert parameters(paths["/cases/{case_id}/steps"]["post"]) >= {
        ("header", "If-Match"),
        ("header", "Idempotency-Key"),
    }
    assert ("header", "Idempotency-Key") in parameters(paths["/cases"]["post"])
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


async def test_the_schema_names_every_step_type(client: Client) -> None:
    schema = await schema_of(client)

    body = schema["paths"]["/cases/{case_id}/steps"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    components = schema["components"]["schemas"]
    tags = {components[option["$ref"].rsplit("/", 1)[-1]]["properties"]["type"]["const"] for option in body["oneOf"]}
    assert tags == API_STEP_TYPES


async def test_the_schema_of_each_step_type_lists_its_fields(client: Client) -> None:
    schema = await schema_of(client)

    body = schema["paths"]["/cases/{case_id}/steps"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    components = schema["components"]["schemas"]
    listed = {
        component["properties"]["type"]["const"]: set(component["properties"])
        for component in (components[option["$ref"].rsplit("/", 1)[-1]] for option in body["oneOf"])
    }
    expected = {
        str(member.__struct_config__.tag): {"type", *member.__struct_fields__} for member in get_args(steps.Step)
    }
    assert listed == expected


def resolved(schema: Json, node: Json) -> Json:
    """The object schema `node` names, following a `$ref` or the one object of a nullable `oneOf`."""
    if "$ref" in node:
        return resolved(schema, schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]])
    for option in node.get("oneOf", []):
        if option.get("type") != "null":
            return resolved(schema, option)
    if node.get("type") == "array":
        return resolved(schema, node["items"])
    return node


async def test_the_schema_of_the_case_lists_the_fields_of_0_2(client: Client) -> None:
    schema = await schema_of(client)

    answer = schema["paths"]["/cases/{case_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    case = resolved(schema, answer)
    fields = set(case["properties"])
    assert fields >= CASE_FIELDS_0_1
    assert fields >= {"age_at_entry", "age_exact", "leaving_situation", "follow_up", "follow_ups", "participant_id"}
    parts = {name: set(resolved(schema, case["properties"][name])["properties"]) for name in PART_FIELDS_0_2}
    assert all(parts[name] >= fields_0_2 for name, fields_0_2 in PART_FIELDS_0_2.items()), parts
    assert "birth_date" in resolved(schema, case["properties"]["personal"])["properties"]
    plan_item = resolved(schema, resolved(schema, case["properties"]["plan"])["properties"]["items"])
    assert set(plan_item["properties"]) >= {"item_id", "kind", "description", "target_date", "offer_id", "status"}
    assert set(plan_item["properties"]["status"]["enum"]) == {"open", "done", "overdue"}
    assert {"german_level", "arrival_year"} <= set(resolved(schema, case["properties"]["profile"])["properties"])


async def test_the_schema_documents_the_problem_answers(client: Client) -> None:
    schema = await schema_of(client)

    responses = schema["paths"]["/cases/{case_id}/steps"]["post"]["responses"]
    assert {"401", "403", "404", "409", "412", "422"} <= set(responses)
    assert "application/problem+json" in responses["422"]["content"]


def test_the_app_builds_without_deprecation_warnings(tmp_path: Path) -> None:
    build = (
        "from pathlib import Path; from infrastructure.settings import Settings; from api.app import create_app; "
        f"create_app(Settings(data_dir=Path({str(tmp_path)!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", build],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-2000:]


async def test_the_schema_tells_when_a_plan_item_is_done(client: Client) -> None:
    schema = await schema_of(client)

    items = schema["components"]["schemas"]["PlanAgreed"]["properties"]["items"]
    rule = items["description"]
    for step_type in (
        "plan_item_done",
        "assessment_completed",
        "recognition_applied",
        "course_enrolled",
        "exam_admission_applied",
        "referral_made",
        "offer_id",
        "earliest target date",
        "overdue",
    ):
        assert step_type in rule, step_type
    session = schema["components"]["schemas"]["CounsellingSessionHeld"]["properties"]
    assert (session["mode"]["default"], session["language"]["default"], session["interpreter"]["default"]) == (
        "in_person",
        "de",
        False,
    )


async def test_the_document_is_valid_openapi_3_1(client: Client) -> None:
    schema = await schema_of(client)

    assert schema["openapi"].startswith("3.1")
    errors = [
        f"{list(error.absolute_path)}: {error.message[:300]}" for error in OpenAPIV31SpecValidator(schema).iter_errors()
    ]
    assert errors == []


def untyped(node: Any, where: str = "") -> Iterator[str]:
    """Where the document leaves a value untyped: an empty schema as a body, an item or an option of a union."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("schema", "items") and value == {}:
                yield f"{where}/{key}"
            if key in ("oneOf", "anyOf") and {} in value:
                yield f"{where}/{key}"
            yield from untyped(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from untyped(value, f"{where}/{index}")


async def test_every_answer_and_every_item_is_typed(client: Client) -> None:
    schema = await schema_of(client)

    assert list(untyped(schema)) == []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status != "204":
                    assert response.get("content"), (method, path, status)
    topics = schema["components"]["schemas"]["CounsellingSessionHeld"]["properties"]["topics"]
    assert topics["items"] == {"type": "string", "minLength": 1, "maxLength": 200}
    assert topics["maxItems"] == 50


def reachable(schema: Json, node: Any, seen: set[str] | None = None) -> Iterator[tuple[str, Json]]:
    """Every named schema `node` refers to, directly or through others, with its name."""
    seen = set() if seen is None else seen
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str):
            name = reference.rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                component = schema["components"]["schemas"][name]
                yield name, component
                yield from reachable(schema, component, seen)
        for value in node.values():
            yield from reachable(schema, value, seen)
    elif isinstance(node, list):
        for value in node:
            yield from reachable(schema, value, seen)


async def test_every_request_body_declares_unknown_fields_refused(client: Client) -> None:
    schema = await schema_of(client)

    bodies = [
        operation["requestBody"]
        for operations in schema["paths"].values()
        for operation in operations.values()
        if "requestBody" in operation
    ]
    objects = {name: component for name, component in reachable(schema, bodies) if component.get("type") == "object"}
    assert {"OpenCase", "CounsellingSessionHeld", "StepsProfile"} <= {c["title"] for c in objects.values()}
    assert {name for name, component in objects.items() if component.get("additionalProperties") is not False} == set()


async def test_a_correction_keeps_the_bounds_of_the_profile(client: Client) -> None:
    """A correction of the profile may not send what the profile refuses: its ISCED level is 0 to 8 as well."""
    components = (await schema_of(client))["components"]["schemas"]
    corrected = components["ProfileChanges"]["properties"]
    profile = components["steps_Profile"]["properties"]

    assert (corrected["isced"]["minimum"], corrected["isced"]["maximum"]) == (0, 8)
    assert (profile["isced"]["minimum"], profile["isced"]["maximum"]) == (0, 8)
    assert (corrected["birth_year"]["minimum"], corrected["arrival_year"]["minimum"]) == (1900, 1900)


async def test_sets_of_changes_are_marked_partial(client: Client) -> None:
    """A correction's body sends only what changes (left out: unchanged, null: cleared); the dashboard's forms read
    `x-lotse-partial` to offer "unverändert" and clearing, so only such bodies may carry it."""
    components = (await schema_of(client))["components"]["schemas"]

    partial = sorted(name for name, component in components.items() if component.get("x-lotse-partial"))
    assert partial == ["OfferChanges", "ProfileChanges"]
    assert "left out stays as it is" in components["ProfileChanges"]["description"]


async def test_titles_name_one_schema_each(client: Client) -> None:
    """A generator makes a class per title: two schemas of one title would be one class."""
    schema = await schema_of(client)

    titles = [component.get("title", name) for name, component in schema["components"]["schemas"].items()]
    assert len(titles) == len(set(titles))


def response_headers(schema: Json, path: str, method: str, status: str) -> Json:
    headers: Json = schema["paths"][path][method]["responses"][status].get("headers", {})
    return headers


async def test_every_header_is_described_with_a_schema(client: Client) -> None:
    schema = await schema_of(client)

    every = [
        (name, header)
        for operations in schema["paths"].values()
        for operation in operations.values()
        for response in operation["responses"].values()
        for name, header in response.get("headers", {}).items()
    ]
    assert all(header.get("schema") and header.get("description") for _, header in every), every
    writes = {"ETag", "Location", "Lotse-Position", "Idempotent-Replayed"}
    assert set(response_headers(schema, "/cases", "post", "201")) >= writes
    assert set(response_headers(schema, "/cases/{case_id}/steps", "post", "201")) >= writes
    assert "ETag" in response_headers(schema, "/cases/{case_id}", "get", "200")
    for path in ("/caseload", "/deadlines", "/statistics/esf", "/statistics/funnel"):
        assert "Lotse-Views-Behind" in response_headers(schema, path, "get", "200")
    assert "Lotse-Views-Behind" not in response_headers(schema, "/cases/{case_id}", "get", "200")
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if "401" in responses:
                assert "WWW-Authenticate" in responses["401"]["headers"], (method, path)
            if "429" in responses:
                assert "Retry-After" in responses["429"]["headers"], (method, path)
    step = {(p["in"], p["name"]): p for p in schema["paths"]["/cases/{case_id}/steps"]["post"]["parameters"]}
    assert step[("header", "If-Match")]["description"]
    assert step[("header", "Idempotency-Key")]["description"]


async def test_the_headers_documented_are_the_headers_sent(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    written = await client.post(
        f"/cases/{case['id']}/steps", json=session_step(), headers={**headers, "If-Match": etag(1)}
    )
    read = await client.get(f"/cases/{case['id']}", headers=headers)
    unauthorised = await client.get("/cases")

    assert written.headers["etag"] == etag(2)
    assert re.fullmatch("[0-9]+", written.headers["lotse-position"])
    assert written.headers["location"] == f"/cases/{case['id']}"
    assert written.headers["idempotent-replayed"] == "false"
    assert read.headers["etag"] == etag(2)
    assert unauthorised.status_code == 401
    assert unauthorised.headers["www-authenticate"] == "Bearer"


async def test_every_problem_answer_is_problem_details(client: Client) -> None:
    schema = await schema_of(client)

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) >= 400:
                    content = response["content"]
                    assert set(content) == {"application/problem+json"}, (method, path, status)
                    assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
                    assert "/problems/" in response["description"], (method, path, status)


# Every problem type the handlers name (api/*.py: `problem(<status>, "<slug>", …)`), and those api/problems.py derives
# from an HTTP error's status, provoked below.
PROBLEM_CALL = re.compile(r"problem\(\s*[\w.]+,\s*\"([a-z-]+)\"")


async def test_every_problem_type_is_described(client: Client, tokens: Tokens) -> None:
    schema = await schema_of(client)
    named = {slug for source in (PROJECT / "api").glob("*.py") for slug in PROBLEM_CALL.findall(source.read_text())}
    provoked = [
        await client.get("/cases"),
        await client.get("/no/such/path"),
        await client.put("/cases", headers=tokens.headers(COUNSELLOR)),
        await client.get("/statistics/esf", headers=tokens.headers(ANALYST), params={"from": "x", "to": "y"}),
    ]
    answered = {response.json()["type"].removeprefix("/problems/") for response in provoked}

    described = schema["info"]["description"]
    assert {"invalid-request", "stale-version", "view-lagging"} <= named
    assert {"unauthorized", "not-found", "method-not-allowed"} <= answered
    assert [slug for slug in sorted(named | answered) if f"`/problems/{slug}`" not in described] == []
    assert schema["components"]["schemas"]["Problem"]["properties"]["type"]["description"]


async def test_csv_answers_are_documented_and_sent_with_one_charset(client: Client, tokens: Tokens) -> None:
    schema = await schema_of(client)
    csv = tokens.headers(AUDITOR, Accept="text/csv")

    answers = [
        await client.get("/statistics/esf", params={"from": "2026-01-01", "to": "2026-06-30"}, headers=csv),
        await client.get("/statistics/funnel", headers=csv),
    ]

    for path, answer in zip(("/statistics/esf", "/statistics/funnel"), answers, strict=True):
        content = schema["paths"][path]["get"]["responses"]["200"]["content"]
        assert content["text/csv"]["schema"] == {"type": "string"}
        assert content["application/json"]["schema"]["$ref"].endswith(("EsfStatistics", "FunnelStatistics"))
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "text/csv; charset=utf-8"


async def test_operations_are_named_after_their_handlers(client: Client) -> None:
    schema = await schema_of(client)

    named = {
        (path, method): operation["operationId"]
        for path, ops in schema["paths"].items()
        for method, operation in ops.items()
    }
    assert named[("/cases", "post")] == "openCase"
    assert named[("/cases/{case_id}/steps", "post")] == "recordStep"
    assert named[("/cases/{case_id}", "get")] == "getCase"
    assert len(set(named.values())) == len(named)


async def test_the_ui_page_loads_only_files_this_server_ships(client: Client) -> None:
    page = await client.get("/schema")
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    assert "<script>" not in page.text
    assert "style=" not in page.text
    assert {source.rsplit("/", 1)[-1] for source in sources} >= {
        "swagger-ui-bundle.js",
        "swagger-ui.css",
        "favicon-32x32.png",
        "start.js",
    }
    for source in sources:
        assert source.startswith("/schema/assets/"), source
        asset = await client.get(source)
        assert asset.status_code == 200, source
    assert (await client.get("/schema/openapi.json")).status_code == 200
    assert "Swagger UI 5." in (PROJECT / "api/schema_static/swagger-ui/VERSION.md").read_text()
