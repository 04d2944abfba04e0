"""The dashboard: German pages for each role, a client of the JSON API and nothing more.

The pages are static files shipped in the package (no CDN: the dashboard works on an intranet without internet
access). They hold no data and need no token to load: the user signs in with a bearer token, and every figure comes
from the API with that token, so the API's role limits are the dashboard's.
"""

from pathlib import Path

from litestar import Router, get
from litestar.datastructures import CacheControlHeader

from api.static_files import shipped_files
from api.vocabulary_de import vocabulary

DASHBOARD_PATH = "/dashboard"
DASHBOARD_FILES = Path(__file__).with_name("dashboard_static")


def dashboard_router() -> Router:
    """Serves the dashboard's files under /dashboard, outside the OpenAPI schema and without a token."""
    files = shipped_files(
        DASHBOARD_PATH,
        DASHBOARD_FILES,
        name="dashboard",
        index=True,
        # Revalidated on every load, so an upgrade of the service never leaves a browser on stale pages.
        cache_control=CacheControlHeader(no_cache=True),
    )
    return Router(
        path="/",
        route_handlers=[files, german_vocabulary],
        include_in_schema=False,
        opt={"exclude_from_auth": True},
        cache_control=CacheControlHeader(no_cache=True),
    )


@get(f"{DASHBOARD_PATH}/vocabulary.json", name="dashboard-vocabulary", sync_to_thread=False)
def german_vocabulary() -> dict[str, object]:
    """The German words of api/vocabulary_de.py, which the pages and their step forms are labelled with: the API's
    one source of them, so the pages keep no copy of their own."""
    return vocabulary()
