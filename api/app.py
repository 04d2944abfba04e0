"""The app factory: the HTTP app on a Lotse the composition root built (infrastructure/bootstrap.py)."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import anyio.to_thread
from litestar import Litestar, Response, get
from litestar.di import NamedDependency, Provide
from litestar.logging import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Redirect

from api.activity import ActivityController
from api.audit import access_log, verify_log
from api.auth import BearerTokenAuthentication, FailedAuthentications, RateLimiter, Refusal
from api.cases import CasesController
from api.dashboard import DASHBOARD_PATH, dashboard_router
from api.desk import OutreachEventsController, ShortContactsController
from api.employers import EmployersController
from api.exports import ExportsController
from api.logs import APP_FORMAT, EscapingFormatter
from api.offers import OffersController, matching_offers
from api.openapi_document import StrictStructs, openapi_config
from api.params import problems
from api.problems import EXCEPTION_HANDLERS, Problem, problem
from api.projections import ProjectionsController
from api.proxies import ForwardedHeaders, TrustedProxies, parse_networks
from api.reports import ReportsController
from api.request_body import check_body
from api.responses import Health, Readiness
from api.schema_ui import schema_assets
from api.security import add_security_headers
from api.staff import list_staff
from api.views_lag import views_behind_header
from application.cases import Clock
from application.ports import Principal, ViewQueries
from infrastructure.auth.authenticator import Authenticator
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


def handler_threads(settings: Settings) -> int:
    """How many threads of an API process run handlers: two per pooled database connection."""
    return 2 * settings.pool_size


def _constant(value: object) -> Provide:
    return Provide(lambda: value, sync_to_thread=False)


def create_app(settings: Settings, clock: Clock = utc_now) -> Litestar:
    """Builds the whole service for the given settings; tests build their own with their own settings."""
    return app_for(bootstrap(settings, clock=clock))


def app_for(lotse: Lotse) -> Litestar:
    """The HTTP API on a Lotse the composition root built; the app's shutdown closes it."""
    settings = lotse.settings
    authenticator = Authenticator(lotse.tokens, lotse.staff, lotse.clock)

    def verify(token: str) -> Principal | Refusal:
        try:
            return authenticator.authenticate(token)
        except InvalidToken as refused:
            return Refusal(str(refused))

    def verify_quickly(token: str) -> Principal | Refusal | None:
        try:
            return authenticator.authenticate_without_asking(token)
        except InvalidToken as refused:
            return Refusal(str(refused))

    async def size_thread_pools() -> None:
        # Handlers run in the event loop's default executor (Litestar's sync_to_thread), whose default is the cores
        # plus four threads. A writer waiting for its group commit holds no database connection, so twice as many
        # threads as pooled connections let more writers share a commit (docs/performance-history.md: at 32 clients
        # on two cores, 16 threads a process instead of 6 cost 14 % less CPU a step). Code run by anyio's threads
        # reads the database throughout: one thread per connection.
        executor = ThreadPoolExecutor(max_workers=handler_threads(settings), thread_name_prefix="lotse-handler")
        asyncio.get_running_loop().set_default_executor(executor)
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.pool_size

    async def start_following() -> None:
        if settings.projections == "inline":
            lotse.follower.start()

    return Litestar(
        route_handlers=[
            health,
            ready,
            CasesController,
            ActivityController,
            ExportsController,
            ProjectionsController,
            ShortContactsController,
            OutreachEventsController,
            EmployersController,
            OffersController,
            ReportsController,
            matching_offers,
            verify_log,
            access_log,
            list_staff,
            schema_assets(),
            to_dashboard,
            dashboard_router(),
        ],
        dependencies={
            "workspace": _constant(lotse.workspace),
            "exports": _constant(lotse.exports),
            "reports": _constant(lotse.activity),
            "desk": _constant(lotse.desk),
            "catalogue": _constant(lotse.catalogue),
            "published": _constant(lotse.reports),
            "views": _constant(lotse.projections.queries),
            "audit": _constant(lotse.audit),
            "backend": _constant(lotse.backend),
            "team": _constant(lotse.team),
        },
        middleware=[
            ForwardedHeaders(TrustedProxies(parse_networks(settings.trusted_proxies))),
            DefineMiddleware(
                BearerTokenAuthentication,
                verify=verify,
                verify_quickly=verify_quickly,
                limiter=RateLimiter(settings.rate_limit_per_minute),
                failures=FailedAuthentications(settings.auth_failures_per_minute),
            ),
        ],
        logging_config=LoggingConfig(formatters={"standard": {"()": EscapingFormatter, "fmt": APP_FORMAT}}),
        exception_handlers=EXCEPTION_HANDLERS,
        before_request=check_body,  # names every offending field of a JSON body, not only the first
        before_send=[add_security_headers, views_behind_header(lotse.projections.freshness)],
        request_max_body_size=settings.max_body_bytes,
        on_startup=[size_thread_pools, start_following],
        on_shutdown=[lotse.close],
        openapi_config=openapi_config(API_VERSION),
        plugins=[StrictStructs()],
        debug=False,
    )
