"""Bearer-token authentication, and guards that refuse a role early (the use cases decide again, by the same table:
application/policy.py)."""

import threading
import time
from collections.abc import Callable
from typing import Any

import anyio.to_thread
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, TooManyRequestsException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp

from application.policy import require
from application.ports import Principal, Role

TokenVerifier = Callable[[str], Principal | None]
Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], None]
PUBLIC_PATHS = ["^/health$", "^/schema", "^/ready$"]


class RateLimiter:
    """A token bucket per caller: a steady rate, and bursts of up to ten seconds' worth."""

    def __init__(self, per_minute: int) -> None:
        self.rate = per_minute / 60
        self.capacity = max(10.0, self.rate * 10)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def allow(self, caller: str) -> bool:
        now = time.monotonic()
        with self._lock:
            tokens, since = self._buckets.get(caller, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - since) * self.rate)
            allowed = tokens >= 1
            self._buckets[caller] = (tokens - 1 if allowed else tokens, now)
            if len(self._buckets) > 100_000:
                self._buckets.clear()
            return allowed


class BearerTokenAuthentication(AbstractAuthenticationMiddleware):
    def __init__(self, app: ASGIApp, verify: TokenVerifier, limiter: RateLimiter) -> None:
        super().__init__(app, exclude=PUBLIC_PATHS)
        self.verify = verify
        self.limiter = limiter

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException("a bearer token is required (Authorization: Bearer <token>)")
        # Verifying may ask the staff directory (a database): keep it off the event loop.
        principal = await anyio.to_thread.run_sync(self.verify, token.strip())
        if principal is None:
            raise NotAuthorizedException("the bearer token is invalid or expired")
        if not self.limiter.allow(principal.scope):
            raise TooManyRequestsException("too many requests for this token; slow down", headers={"Retry-After": "1"})
        return AuthenticationResult(user=principal, auth=token)


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    user = connection.user
    assert isinstance(user, Principal)
    return user


def require_role(roles: tuple[Role, ...]) -> Guard:
    """Refuses other roles before the request's body is read (PermissionDenied: 403)."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        require(principal_of(connection), roles)

    return guard
