"""The published schema: every endpoint, parameter and step type of the contract; and the app builds cleanly."""

import subprocess
import sys
from pathlib import Path

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
