"""Fixtures of the HTTP suite: a clock the test moves by hand, the app on the test's backend, a client, tokens.

The HTTP layer does not depend on the backend: authentication, validation, problem details, the role matrix,
the OpenAPI schema, limits, listing and journeys run once, on SQLite. The contract suites for the store, the
recorders, the views and concurrency (tests/integration, tests/reliability) run on both backends. A test here
runs on PostgreSQL as well only where it reaches PostgreSQL's SQL that no integration suite reaches: the tests
named in BOTH_BACKENDS below (with the reason), and any test marked `both_backends`.

Fixtures that touch the database are synchronous; only the client, which drives the app's lifespan (its shutdown
closes the case service, so PostgreSQL's schema can be dropped afterwards), is async.
"""

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from api.app import create_app
from application.ports import Principal
from infrastructure.auth.tokens import TokenCodec, signing_key
from infrastructure.bootstrap import bootstrap
from infrastructure.settings import Settings
from tests.api.helpers import NOW, STAFF
from tests.conftest import BACKENDS, backend_settings

IDEMPOTENCY = "the Idempotency-Key table, written in the event's transaction by each dialect's recorder"
NUL_AND_BIGINT = "PostgreSQL refuses NUL characters in text and has 64-bit integer columns; SQLite has neither"

# Tests of this suite that run on SQLite and on PostgreSQL, by module, with what of PostgreSQL they reach.
BOTH_BACKENDS: dict[str, dict[str, str]] = {
    "test_participant_export.py": {
        "test_one_row_per_participant_of_the_period_with_her_esf_data_and_no_personal_data": (
            "the export's own SQL over the esf view (participants joined with their cases, dates compared as text)"
        ),
        "test_an_export_as_of_a_position_equals_the_live_export_then": "the live SQL against the replay, per dialect",
    },
    "test_preconditions.py": {
        "test_a_retried_first_contact_answers_the_first_answer_without_a_second_case": IDEMPOTENCY,
        "test_a_retried_step_answers_the_first_answer_without_a_second_event": IDEMPOTENCY,
        "test_a_late_retry_answers_the_case_as_the_first_answer_left_it": IDEMPOTENCY,
        "test_a_key_reused_for_another_request_is_422_and_records_nothing": IDEMPOTENCY,
        "test_a_first_contact_key_reused_with_another_body_is_422": IDEMPOTENCY,
        "test_the_same_key_from_another_caller_is_a_separate_request": IDEMPOTENCY,
        "test_the_same_step_key_from_another_caller_records_again": IDEMPOTENCY,
        "test_concurrent_retries_of_one_keyed_request_record_it_once": (
            f"{IDEMPOTENCY}; racing requests on PostgreSQL's connection pool, not SQLite's single writer"
        ),
        "test_a_retry_after_erasure_does_not_bring_the_personal_data_back": IDEMPOTENCY,
    },
    "test_robustness.py": {
        "test_a_version_beyond_any_integer_column_is_not_found": NUL_AND_BIGINT,
        "test_a_nul_character_in_a_list_filter_is_not_a_server_error": NUL_AND_BIGINT,
        "test_a_nul_character_in_an_idempotency_key_is_not_a_server_error": NUL_AND_BIGINT,
        "test_odd_bodies_are_answered_without_a_server_error": f"{NUL_AND_BIGINT} (an escaped NUL is recorded)",
    },
    "test_access.py": {
        "test_a_counsellor_who_left_is_locked_out_at_once": (
            "the staff directory's BOOLEAN column, updated and read; the integration suites stub the directory"
        ),
    },
    "test_listing.py": {
        "test_pages_walk_every_case_exactly_once": (
            "keyset pagination over the case list, (opened_on, case_id) compared in PostgreSQL's collation;"
            " the integration suites read first pages only"
        ),
    },
    "test_projections_api.py": {
        "test_caseloads_read_their_writes": (
            "the views followed inside the API process on PostgreSQL's pool, each event projected exactly once,"
            " read at the position the write answered"
        ),
        "test_esf_statistics_carry_their_proof_and_replay_identically": (
            "figures, position and digest read in one REPEATABLE READ snapshot, replayed as of that position"
        ),
    },
}


def runs_on_both_backends(metafunc: pytest.Metafunc) -> bool:
    if metafunc.definition.get_closest_marker("both_backends") is not None:
        return True
    listed = BOTH_BACKENDS.get(Path(str(metafunc.module.__file__)).name, {})
    unknown = [name for name in listed if not callable(getattr(metafunc.module, name, None))]
    if unknown:  # a renamed test must not quietly lose its PostgreSQL run
        raise pytest.UsageError(f"tests/api/conftest.py BOTH_BACKENDS names no test of this module: {unknown}")
    return metafunc.function.__name__ in listed


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test that takes `settings` gets its backend: SQLite, or both if it runs on both."""
    if "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", BACKENDS if runs_on_both_backends(metafunc) else ["sqlite"], indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Settings:
    """Overrides tests/conftest.py's `settings`: the backend is chosen per test by `pytest_generate_tests`."""
    return backend_settings(request, backend, tmp_path)


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
        self._key = key
        self._codec = TokenCodec(key)
        self._clock = clock

    def token(self, who: Principal, valid_for: timedelta = timedelta(days=1), generation: int = 0) -> str:
        """`generation`: the subject's token generation in the staff directory (what `register` answered)."""
        return self._codec.issue(who, self._clock(), valid_for, generation)

    def signed(self, claims: dict[str, object]) -> str:
        """A token signed with the server's key with whatever claims, as no `lotse token issue` would write them."""
        payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        signature = base64.urlsafe_b64encode(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())
        return f"lotse1.{payload}.{signature.rstrip(b'=').decode()}"

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
    """Registers everyone the tests issue tokens to as active staff (as `lotse token issue` does)."""
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
