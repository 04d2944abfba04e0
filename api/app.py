"""The app factory: the HTTP app on a Lotse the composition root built (infrastructure/bootstrap.py)."""

import threading
import time

import anyio.to_thread
from litestar import Litestar, Response, get
from litestar.di import NamedDependency, Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Redirect

from api.audit import access_log, verify_log
from api.auth import BearerTokenAuthentication, RateLimiter
from api.cases import CasesController
from api.dashboard import DASHBOARD_PATH, dashboard_router
from api.openapi_document import StrictStructs, openapi_config
from api.params import problems
from api.problems import EXCEPTION_HANDLERS, Problem, problem
from api.projections import ProjectionsController
from api.responses import Health, Readiness
from api.schema_ui import schema_assets
from api.security import add_security_headers
from api.views_lag import views_behind_header
from application.cases import Clock
from application.policy import COUNSELLING
from application.ports import Principal, StaffDirectory, ViewQueries
from infrastructure.auth.tokens import InvalidToken
from infrastructure.bootstrap import Lotse, bootstrap, utc_now
from infrastructure.settings import Settings

API_VERSION = "0.2"


@get("/", include_in_schema=False, opt={"exclude_from_auth": True}, sync_to_thread=False)
def to_dashboard() -> Redirect:
    """The service's front door is the dashboard; the API answers under its own paths."""
    return Redirect(f"{DASHBOARD_PATH}/", status_code=302)


@get("/health", tags=["operations"], summary="Liveness", sync_to_thread=False)
def health() -> Health:
    return Health(status="ok")


@get(
    "/ready",
    tags=["operations"],
    summary="Readiness: the database answers",
    sync_to_thread=True,
    responses={200: ResponseSpec(Readiness, description="Ready", generate_examples=False), **problems(503)},
)
def ready(
    views: NamedDependency[ViewQueries], backend: NamedDependency[str]
) -> Response[Readiness] | Response[Problem]:
    try:
        position = views.head()
    except Exception:
        return problem(503, "database-unavailable", "Not ready", "the database is not reachable")
    return Response(Readiness(status="ready", database=backend, log_position=position))


class ActiveStaff:
    """Who may still act as counsellor or lead, looked up in the staff directory at most every few seconds."""

    TTL_SECONDS = 5.0

    def __init__(self, directory: StaffDirectory) -> None:
        self._directory = directory
        self._known: dict[tuple[str, str], tuple[bool, float]] = {}
        self._lock = threading.Lock()

    def is_active(self, agency: str, subject: str) -> bool:
        now = time.monotonic()
        with self._lock:
            known = self._known.get((agency, subject))
        if known is not None and known[1] > now:
            return known[0]
        active = self._directory.is_active_counsellor(agency, subject)
        with self._lock:
            if len(self._known) > 10_000:
                self._known.clear()
            self._known[(agency, subject)] = (active, now + self.TTL_SECONDS)
        return active


def _constant(value: object) -> Provide:
    return Provide(lambda: value, sync_to_thread=False)


def create_app(settings: Settings, clock: Clock = utc_now) -> Litestar:
    """Builds the whole service for the given settings; tests build their own with their own settings."""
    return app_for(bootstrap(settings, clock=clock))


def app_for(lotse: Lotse) -> Litestar:
    """The HTTP API on a Lotse the composition root built; the app's shutdown closes it."""
    settings = lotse.settings
    staff = ActiveStaff(lotse.staff)

    def verify(token: str) -> Principal | None:
        try:
            principal = lotse.tokens.verify(token, lotse.clock())
        except InvalidToken:
            return None
        # A counsellor or lead who has left keeps her token until it expires; the directory revokes it now.
        if principal.role in COUNSELLING and not staff.is_active(principal.agency, principal.subject):
            return None
        return principal

    async def limit_threads_to_pool() -> None:
        # Each handler thread holds at most one database connection: more threads would only queue for one.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.pool_size

    async def start_following() -> None:
        if settings.projections == "inline":
            lotse.follower.start()

    return Litestar(
        route_handlers=[
            health,
            ready,
            CasesController,
            ProjectionsController,
            verify_log,
            access_log,
            schema_assets(),
            to_dashboard,
            dashboard_router(),
        ],
        dependencies={
            "workspace": _constant(lotse.workspace),
            "views": _constant(lotse.projections.queries),
            "audit": _constant(lotse.audit),
            "backend": _constant(lotse.backend),
        },
        middleware=[
            DefineMiddleware(
                BearerTokenAuthentication, verify=verify, limiter=RateLimiter(settings.rate_limit_per_minute)
            ),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        before_send=[add_security_headers, views_behind_header(lotse.projections.freshness)],
        request_max_body_size=settings.max_body_bytes,
        on_startup=[limit_threads_to_pool, start_following],
        on_shutdown=[lotse.close],
        openapi_config=openapi_config(API_VERSION),
        plugins=[StrictStructs()],
        debug=False,
    )
