"""Bearer-token authentication, and guards that refuse a role early (the use cases decide again, by the same table:
application/policy.py)."""

import ipaddress
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, NoReturn

import anyio.to_thread
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, TooManyRequestsException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import ASGIApp

from application.policy import require
from application.ports import Principal, Role


@dataclass(frozen=True)
class Refusal:
    """Why a token was not accepted: for the operator's log, never told to the client."""

    reason: str


TokenVerifier = Callable[[str], Principal | Refusal]
# Verifies without I/O when it can; None when only `TokenVerifier`, which may ask the staff directory, can tell.
QuickTokenVerifier = Callable[[str], Principal | Refusal | None]
Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]
PUBLIC_PATHS = ["^/health$", "^/schema", "^/ready$"]
MAX_TRACKED = 100_000
logger = logging.getLogger("lotse.auth")


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


class FailedAuthentications:
    """A token bucket of failed authentications per client address: `per_minute` failures at once, then one more
    every 60/per_minute seconds. Successful authentications take nothing from it, so the staff of an office behind
    one address keep working while someone there guesses tokens."""

    def __init__(self, per_minute: int, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60
        self.capacity = float(per_minute)
        self._monotonic = monotonic
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def fail(self, address: str) -> float:
        """Counts a failure; answers 0 if the address had one left, else the seconds until it has one again.

        IPv6 addresses are counted by their /64 network: one machine usually has a whole one to choose from.
        """
        address = _counted_as(address)
        now = self._monotonic()
        with self._lock:
            left, since = self._buckets.get(address, (self.capacity, now))
            left = min(self.capacity, left + (now - since) * self.rate)
            if left >= 1:
                self._buckets[address] = (left - 1, now)
                self._forget_recovered(now)
                return 0.0
            self._buckets[address] = (left, now)
            return (1 - left) / self.rate

    def _forget_recovered(self, now: float) -> None:
        if len(self._buckets) <= MAX_TRACKED:
            return
        full = [
            key for key, (left, since) in self._buckets.items() if left + (now - since) * self.rate >= self.capacity
        ]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) > MAX_TRACKED:
            self._buckets.clear()


def _counted_as(address: str) -> str:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is None:
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed.ipv4_mapped if isinstance(parsed, ipaddress.IPv6Address) else parsed)


class BearerTokenAuthentication(AbstractAuthenticationMiddleware):
    def __init__(
        self,
        app: ASGIApp,
        verify: TokenVerifier,
        verify_quickly: QuickTokenVerifier,
        limiter: RateLimiter,
        failures: FailedAuthentications,
    ) -> None:
        super().__init__(app, exclude=PUBLIC_PATHS)
        self.verify = verify
        self.verify_quickly = verify_quickly
        self.limiter = limiter
        self.failures = failures

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        scheme, _, token = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            self._refuse(connection, "no bearer token", "a bearer token is required (Authorization: Bearer <token>)")
        principal = self.verify_quickly(token.strip())
        if principal is None:  # asking the staff directory (a database) is kept off the event loop
            principal = await anyio.to_thread.run_sync(self.verify, token.strip())
        if isinstance(principal, Refusal):
            self._refuse(connection, principal.reason, "the bearer token is invalid, expired or revoked")
        if not self.limiter.allow(principal.scope):
            raise TooManyRequestsException("too many requests for this token; slow down", headers={"Retry-After": "1"})
        return AuthenticationResult(user=principal, auth=token)

    def _refuse(self, connection: ASGIConnection[Any, Any, Any, Any], reason: str, detail: str) -> NoReturn:
        address = connection.client.host if connection.client else "unknown"
        wait = self.failures.fail(address)
        if wait > 0:
            raise TooManyRequestsException(
                "too many failed authentications from this address; retry later",
                headers={"Retry-After": str(math.ceil(wait))},
            )
        # The path and the reason may carry what the client sent: the log's formatter escapes them (api/logs.py).
        logger.warning(
            "authentication refused: %s %s from %s: %s",
            connection.scope.get("method", "-"),
            connection.scope["path"],
            address,
            reason,
        )
        raise NotAuthorizedException(detail)


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    user = connection.user
    assert isinstance(user, Principal)
    return user


def require_role(roles: tuple[Role, ...]) -> Guard:
    """Refuses other roles before the request's body is read (PermissionDenied: 403).

    A coroutine function although it awaits nothing: Litestar runs a plain function guard in a worker thread, and the
    hop there and back cost every request more CPU than the check itself.
    """

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        require(principal_of(connection), roles)

    return guard
