"""The published schema of the desk's endpoints: paths, parameters, headers, step types and problem answers."""

from typing import get_args

from domain.employers import EmployerStep
from tests.api.helpers import Client, Json
from tests.api.test_openapi import parameters, schema_of

ENDPOINTS = {
    ("/contacts", "get"),
    ("/contacts", "post"),
    ("/outreach-events", "get"),
    ("/outreach-events", "post"),
    ("/employers", "get"),
    ("/employers", "post"),
    ("/employers/{employer_id}", "get"),
    ("/employers/{employer_id}/history", "get"),
    ("/employers/{employer_id}/steps", "post"),
}


async def test_the_schema_lists_the_desks_endpoints_with_their_parameters(client: Client) -> None:
    schema = await schema_of(client)
    paths: Json = schema["paths"]

    assert {(path, method) for path, operations in paths.items() for method in operations} >= ENDPOINTS
    for path in ("/contacts", "/outreach-events"):
        assert parameters(paths[path]["get"]) >= {
            ("query", name) for name in ("from", "to", "agency", "limit", "cursor", "min_position")
        }
        assert ("header", "Idempotency-Key") in parameters(paths[path]["post"])
    assert parameters(paths["/employers"]["get"]) >= {("query", name) for name in ("size", "q", "limit", "cursor")}
    assert ("header", "Idempotency-Key") in parameters(paths["/employers"]["post"])
    assert parameters(paths["/employers/{employer_id}/steps"]["post"]) >= {
        ("header", "If-Match"),
        ("header", "Idempotency-Key"),
    }
    assert ("query", "as_of_version") in parameters(paths["/employers/{employer_id}"]["get"])
    responses = paths["/employers/{employer_id}/steps"]["post"]["responses"]
    assert {"201", "401", "403", "404", "409", "412", "422"} <= set(responses)
    assert "application/problem+json" in responses["409"]["content"]
    assert {"ETag", "Location", "Lotse-Position"} <= set(responses["201"]["headers"])


async def test_the_schema_names_every_employer_step_type_and_its_fields(client: Client) -> None:
    schema = await schema_of(client)

    body = schema["paths"]["/employers/{employer_id}/steps"]["post"]["requestBody"]["content"]["application/json"]
    components = schema["components"]["schemas"]
    listed = {
        component["properties"]["type"]["const"]: set(component["properties"])
        for component in (components[option["$ref"].rsplit("/", 1)[-1]] for option in body["schema"]["oneOf"])
    }
    assert listed == {
        str(member.__struct_config__.tag): {"type", *member.__struct_fields__} for member in get_args(EmployerStep)
    }
    assert set(listed) == {"employer_contacted", "employer_counselled", "employee_referred", "employer_changed"}
