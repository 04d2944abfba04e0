"""Who a bearer token is, checked against the staff directory on every request.

A token counts only while the directory has its subject at its agency, active, in its role, at the token's
generation (infrastructure/auth/staff.py). The directory's answers are kept for at most `CACHE_SECONDS`, so a
deactivation, a role change or a revocation made by `lotse` in another process ends a token within that time, and a
busy API process asks the database about each person at most once in that time.
"""

import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from application.ports import Principal
from infrastructure.auth.staff import StaffEntry
from infrastructure.auth.tokens import InvalidToken, TokenClaims, TokenCodec

CACHE_SECONDS = 5.0
MAX_CACHED = 10_000


class StaffLookup(Protocol):
    def entry(self, agency: str, subject: str) -> StaffEntry | None: ...


class Authenticator:
    def __init__(
        self,
        codec: TokenCodec,
        staff: StaffLookup,
        clock: Callable[[], datetime],
        *,
        cache_seconds: float = CACHE_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._codec = codec
        self._staff = staff
        self._clock = clock
        self._cache_seconds = cache_seconds
        self._monotonic = monotonic
        self._cached: dict[tuple[str, str], tuple[StaffEntry | None, float]] = {}
        self._lock = threading.Lock()

    def authenticate(self, token: str) -> Principal:
        """The token's principal; InvalidToken naming why not (for the log, never for the client)."""
        claims = self._codec.claims(token, self._clock())
        principal = claims.principal
        return self._checked(claims, self._entry(principal.agency, principal.subject))

    def authenticate_without_asking(self, token: str) -> Principal | None:
        """As `authenticate`, when the directory's answer about the token's subject is still cached; None when the
        directory must be asked. It does no I/O, so the API checks most tokens on its event loop, without handing
        each request to a thread and back for a lookup it would not make."""
        claims = self._codec.claims(token, self._clock())
        cached = self._fresh(claims.principal.agency, claims.principal.subject)
        return None if cached is None else self._checked(claims, cached[0])

    @staticmethod
    def _checked(claims: TokenClaims, entry: StaffEntry | None) -> Principal:
        principal = claims.principal
        if entry is None:
            raise InvalidToken("the subject is not in the agency's staff directory")
        if not entry.active:
            raise InvalidToken("the subject was deactivated")
        if entry.role != principal.role:
            raise InvalidToken(f"the subject's role is now {entry.role}")
        if claims.generation != entry.generation:
            raise InvalidToken("the token was revoked")
        return principal

    def _fresh(self, agency: str, subject: str) -> tuple[StaffEntry | None, float] | None:
        """The directory's cached answer (entry or None) with its expiry, while it has not expired."""
        with self._lock:
            cached = self._cached.get((agency, subject))
        return cached if cached is not None and cached[1] > self._monotonic() else None

    def _entry(self, agency: str, subject: str) -> StaffEntry | None:
        cached = self._fresh(agency, subject)
        if cached is not None:
            return cached[0]
        now = self._monotonic()
        entry = self._staff.entry(agency, subject)
        with self._lock:
            if len(self._cached) >= MAX_CACHED:
                self._cached = {key: value for key, value in self._cached.items() if value[1] > now}
                if len(self._cached) >= MAX_CACHED:
                    self._cached.clear()
            self._cached[(agency, subject)] = (entry, now + self._cache_seconds)
        return entry
