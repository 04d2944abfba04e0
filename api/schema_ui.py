"""The API's interactive documentation at /schema: Swagger UI 5 (it renders OpenAPI 3.1), shipped in the package.

Every file the page loads is served by Lotse under /schema/assets (api/schema_static: the vendored Swagger UI with
its licence and version in swagger-ui/VERSION.md, and start.js, which starts it): the page works on an intranet
without internet access and passes the same Content-Security-Policy as the dashboard (api/security.py), no inline
script or style. Swagger UI is started without its validator badge and without the box for loading other
documents, so it requests nothing but this server's document and, on "Try it out", this server's API.
"""

from html import escape
from pathlib import Path
from typing import Any

from litestar import Request, Router
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import OpenAPIRenderPlugin

from api.static_files import shipped_files

SCHEMA_PATH = "/schema"
ASSETS_PATH = f"{SCHEMA_PATH}/assets"
ASSETS = Path(__file__).with_name("schema_static")
SWAGGER_UI = f"{ASSETS_PATH}/swagger-ui"


class OfflineSwaggerUi(OpenAPIRenderPlugin):
    """The page at /schema (and at /schema/swagger, where 0.1 served it)."""

    def __init__(self) -> None:
        super().__init__(path=["/", "/swagger"])

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = escape(f"{openapi_schema['info']['title']} API {openapi_schema['info']['version']}")
        document = escape(self.get_openapi_json_route(request))
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <link rel="icon" type="image/png" sizes="32x32" href="{SWAGGER_UI}/favicon-32x32.png">
  <link rel="icon" type="image/png" sizes="16x16" href="{SWAGGER_UI}/favicon-16x16.png">
  <link rel="stylesheet" href="{SWAGGER_UI}/swagger-ui.css">
  <link rel="stylesheet" href="{ASSETS_PATH}/schema.css">
</head>
<body>
  <div id="swagger-ui" data-document="{document}"></div>
  <script src="{SWAGGER_UI}/swagger-ui-bundle.js"></script>
  <script src="{ASSETS_PATH}/start.js"></script>
</body>
</html>
""".encode()


def schema_assets() -> Router:
    """The UI's files, without a token; revalidated on every load, so an upgrade never leaves a stale UI behind."""
    return shipped_files(ASSETS_PATH, ASSETS, name="schema-assets", cache_control=CacheControlHeader(no_cache=True))
