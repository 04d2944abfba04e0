"""The published schema: every endpoint, parameter and step type of the contract; and the app builds cleanly."""

import subprocess
import sys
from pathlib import Path
from typing import get_args

from domain import steps
from tests.api.helpers import API_STEP_TYPES, Client, Json

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
