"""The dashboard's files: served without a token, outside the API's schema, loading nothing from elsewhere, and
shipped in the package. (What the pages show is tested in a real browser: tests/browser.)"""

import re
import tomllib
from pathlib import Path

from api.dashboard import DASHBOARD_FILES
from tests.api.helpers import Client

ROOT = Path(__file__).resolve().parents[2]


async def test_the_dashboard_loads_without_a_token(client: Client) -> None:
    page = await client.get("/dashboard/")
    script = await client.get("/dashboard/js/main.js")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="de">' in page.text
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]  # browsers run module scripts only with this type


async def test_the_dashboard_is_no_part_of_the_api_schema(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()

    assert [path for path in schema["paths"] if path.startswith("/dashboard")] == []


def test_the_dashboard_loads_nothing_from_elsewhere() -> None:
    """No CDN, no web font, no remote script: the dashboard must work on an intranet without internet access."""
    own_files = [path for path in DASHBOARD_FILES.rglob("*") if path.is_file() and "vendor" not in path.parts]
    assert own_files
    for path in own_files:
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", path.read_text()), path


def test_the_package_ships_every_dashboard_file() -> None:
    """A non-editable install (the Docker image's) serves only what setuptools packs as package data: the dashboard's
    files and the API UI's (api/schema_static)."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["api"]
    api = DASHBOARD_FILES.parent
    shipped = {path for pattern in patterns for path in api.glob(pattern) if path.is_file()}
    served = [DASHBOARD_FILES, api / "schema_static"]
    assert shipped == {path for folder in served for path in folder.rglob("*") if path.is_file()}
