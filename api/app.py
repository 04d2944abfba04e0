"""The app factory: wires settings, persistence, tokens and routes into one Litestar app."""

import threading
import time

import anyio.to_thread
from litestar import Litestar, Response, get
from litestar.di import NamedDependency, Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

from api.audit import access_log, verify_log
from api.auth import COUNSELLING, BearerTokenAuthentication, RateLimiter
from api.cases import CasesController
from api.dashboard import dashboard_router
from api.problems import EXCEPTION_HANDLERS, Problem, problem
from api.projections import ProjectionsController
from api.views import Health, Readiness
from application.cases import CaseService, Clock
from application.ports import Principal, StaffDirectory
from infrastructure.bootstrap import (
    ProjectionFollower,
    build_audit_trail,
    build_case_service,
    build_log_digest,
    build_projections,
    utc_now,
)
from infrastructure.settings import Settings
from infrastructure.tokens import InvalidToken, TokenCodec, signing_key

# Under /schema, which needs no token; shipped in the package so the UI works on an intranet without a CDN.
SWAGGER_ASSETS = "/schema/assets"


@get("/health", tags=["operations"], summary="Liveness", sync_to_thread=False)
def health() -> Health:
    return Health(status="ok")


@get("/ready", tags=["operations"], summary="Readiness: the database answers", sync_to_thread=True)
def ready(
    service: NamedDependency[CaseService], backend: NamedDependency[str]
) -> Response[Readiness] | Response[Problem]:
    try:
        position = service.recorder.max_notification_id() or 0
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
    service = build_case_service(settings, clock=clock)
    projections = build_projections(service, build_log_digest(service), settings.projection_batch_size)
    follower = ProjectionFollower(projections.runner, settings.projection_poll_seconds)
    if settings.projections == "inline":
        service.on_recorded(follower.wake)
    tokens = TokenCodec(signing_key(settings))
    audit = build_audit_trail(service, settings, clock)

    staff = ActiveStaff(service.ports.staff)

    def verify(token: str) -> Principal | None:
        try:
            principal = tokens.verify(token, clock())
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
            follower.start()

    def shut_down() -> None:
        if settings.projections == "inline":
            follower.stop()
        service.close()

    return Litestar(
        route_handlers=[
            health,
            ready,
            CasesController,
            ProjectionsController,
            verify_log,
            access_log,
            create_static_files_router(path=SWAGGER_ASSETS, directories=[swagger_ui_path], include_in_schema=False),
            dashboard_router(),
        ],
        dependencies={
            "service": _constant(service),
            "views": _constant(projections.queries),
            "reporting": _constant(projections.reporting),
            "audit": _constant(audit),
            "backend": _constant("postgresql" if settings.uses_postgres else "sqlite"),
        },
        middleware=[
            DefineMiddleware(
                BearerTokenAuthentication, verify=verify, limiter=RateLimiter(settings.rate_limit_per_minute)
            )
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=settings.max_body_bytes,
        on_startup=[limit_threads_to_pool, start_following],
        on_shutdown=[shut_down],
        openapi_config=OpenAPIConfig(
            title="Lotse",
            version="0.1.0",
            description="Case management for counselling towards a recognised vocational qualification.",
            path="/schema",
            render_plugins=[
                SwaggerRenderPlugin(
                    js_url=f"{SWAGGER_ASSETS}/swagger-ui-bundle.js",
                    css_url=f"{SWAGGER_ASSETS}/swagger-ui.css",
                    standalone_preset_js_url=f"{SWAGGER_ASSETS}/swagger-ui-standalone-preset.js",
                )
            ],
            components=Components(
                security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="lotse1")}
            ),
        ),
        debug=False,
    )
