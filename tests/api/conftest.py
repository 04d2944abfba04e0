"""Fixtures of the HTTP suite: a clock the test moves by hand, the app on the test's backend, a client, tokens.

Every test here takes the `settings` fixture of tests/conftest.py (through `app`), so it runs on SQLite and on
PostgreSQL. Fixtures that touch the database are synchronous; only the client, which drives the app's lifespan
(its shutdown closes the case service, so PostgreSQL's schema can be dropped afterwards), is async.
"""

import threading
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from application.ports import Principal
from infrastructure.bootstrap import bootstrap
from infrastructure.settings import Settings
from infrastructure.tokens import TokenCodec, signing_key
from tests.api.helpers import NOW, STAFF


class FixedClock:
    """Stands still at one UTC instant until the test moves it; the app takes "now" and "today" from it."""

    def __init__(self, now: datetime = NOW) -> None:
        self._now = now
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta = timedelta(minutes=1)) -> datetime:
        """Moves the clock on and answers the new instant."""
        with self._lock:
            self._now += delta
            return self._now

    def set(self, instant: datetime) -> None:
        with self._lock:
            self._now = instant


class Tokens:
    """Issues bearer tokens as the operator would, and the bad ones a client might send."""

    def __init__(self, key: bytes, clock: FixedClock) -> None:
        self._codec = TokenCodec(key)
        self._clock = clock

    def token(self, who: Principal, valid_for: timedelta = timedelta(days=1)) -> str:
        return self._codec.issue(who, self._clock(), valid_for)

    def expired(self, who: Principal) -> str:
        """Signed with the server's key, but its hour ended a minute ago."""
        return self._codec.issue(who, self._clock() - timedelta(hours=1, minutes=1), timedelta(hours=1))

    def forged(self, who: Principal) -> str:
        """Well-formed and unexpired, but signed with a key the server does not hold."""
        return TokenCodec(b"a key the server has never seen").issue(who, self._clock(), timedelta(days=1))

    def headers(self, who: Principal, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(who)}", **extra}


def build_app(settings: Settings, clock: FixedClock) -> Litestar:
    return create_app(settings, clock=clock)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def staff(settings: Settings) -> None:
    """Registers the agencies' counsellors and leads as active staff (as `lotse token issue` does)."""
    lotse = bootstrap(settings)
    try:
        for agency, subject, role in STAFF:
            lotse.staff.register(agency, subject, role)
    finally:
        lotse.close()


@pytest.fixture
def app(settings: Settings, clock: FixedClock, staff: None) -> Litestar:
    return build_app(settings, clock)


@pytest.fixture
def tokens(settings: Settings, clock: FixedClock) -> Tokens:
    return Tokens(signing_key(settings), clock)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """The app's lifespan runs inside: leaving the block shuts the app down and closes its case service."""
    async with AsyncTestClient(app=app) as test_client:
        yield test_client
