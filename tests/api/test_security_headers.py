"""API.md "Around the API": the headers every answer carries, the front door, and odd requests that answer 4xx."""

import pytest

from tests.api.conftest import Tokens
from tests.api.helpers import COUNSELLOR, LEAD, Client, assert_problem, open_case, session_step

FRAMING_REFUSED = "frame-ancestors 'none'"


@pytest.mark.parametrize(
    ("path", "status", "policy"),
    [
        ("/dashboard/", 200, "default-src 'self'"),
        ("/dashboard/js/main.js", 200, "default-src 'self'"),
        ("/health", 200, "default-src 'none'"),
        ("/cases", 401, "default-src 'none'"),
        ("/no/such/path", 404, "default-src 'none'"),
        ("/schema", 200, "default-src 'self'"),
    ],
)
async def test_every_answer_refuses_sniffing_framing_and_referrers(
    client: Client, path: str, status: int, policy: str
) -> None:
    response = await client.get(path)

    assert response.status_code == status
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["content-security-policy"].startswith(policy)
    assert FRAMING_REFUSED in response.headers["content-security-policy"]


async def test_answers_with_personal_data_are_not_cached(client: Client, tokens: Tokens) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)

    for response in (
        await client.get(f"/cases/{case['id']}", headers=headers),
        await client.get(f"/cases/{case['id']}/history", headers=headers),
        await client.post(f"/cases/{case['id']}/steps", json=session_step(), headers=headers),
        await client.get("/cases", headers=headers),
        await client.get(
            "/exports/participants", params={"from": "2026-01-01", "to": "2026-12-31"}, headers=tokens.headers(LEAD)
        ),
        await client.get(
            "/exports/participants",
            params={"from": "2026-01-01", "to": "2026-12-31"},
            headers=tokens.headers(LEAD, Accept="text/csv"),
        ),
    ):
        assert response.status_code in (200, 201), response.text
        assert response.headers["cache-control"] == "no-store"
    assert "no-store" not in (await client.get("/health")).headers.get("cache-control", "")


async def test_the_front_door_leads_to_the_dashboard(client: Client) -> None:
    response = await client.get("/", follow_redirects=False)

    assert response.status_code == 302
    assert response.headers["location"] == "/dashboard/"
    without_slash = await client.get("/dashboard", follow_redirects=False)
    assert (without_slash.status_code, without_slash.headers["location"]) == (308, "/dashboard/")


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/index.html%00.js",
        "/dashboard/js/main.js/x",
        "/dashboard/../pyproject.toml",
        "/dashboard/%2e%2e/%2e%2e/pyproject.toml",
        "/dashboard/js",
        "/dashboard/no-such-file.js",
        "/schema/assets/swagger-ui.css/x",
        "/schema/assets/%00",
    ],
)
async def test_a_path_that_names_no_shipped_file_is_404(client: Client, path: str) -> None:
    response = await client.get(path)

    assert response.status_code == 404, response.text


@pytest.mark.parametrize("tag", ['"²"', '"١"', '"' + "9" * 40 + '"', '"-1"', '"1 "'])
async def test_an_if_match_with_no_ascii_version_is_412_not_500(client: Client, tokens: Tokens, tag: str) -> None:
    headers = tokens.headers(COUNSELLOR)
    case = await open_case(client, headers)
    raw_headers = [(name.encode(), value.encode()) for name, value in headers.items()]

    response = await client.post(
        f"/cases/{case['id']}/steps",
        json=session_step(),
        headers=[*raw_headers, (b"if-match", tag.encode())],
    )

    assert_problem(response, 412)
