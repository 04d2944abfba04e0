"""The pieces of authentication that need no database: token claims, the failure bucket per address, the proxies
whose forwarded headers are believed, and log lines a client cannot forge."""

import base64
import hashlib
import hmac
import json
import logging
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api.auth import FailedAuthentications
from api.logs import EscapingFormatter, escape
from api.proxies import ForwardedHeaders, TrustedProxies, parse_networks
from application.ports import Principal
from infrastructure.auth.tokens import InvalidClaims, InvalidToken, TokenCodec
from infrastructure.settings import Settings, SettingsError

KEY = b"k" * 64
NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
EPOCH = int(NOW.timestamp())
AYSE = Principal(subject="ayse", role="counsellor", agency="koeln")


def signed(claims: dict[str, Any]) -> str:
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    signature = base64.urlsafe_b64encode(hmac.new(KEY, payload.encode(), hashlib.sha256).digest()).rstrip(b"=")
    return f"lotse1.{payload}.{signature.decode()}"


SANE = {"sub": "ayse", "role": "counsellor", "agency": "koeln", "iat": EPOCH, "exp": EPOCH + 3600}


def test_a_token_carries_the_generation_it_was_issued_at() -> None:
    codec = TokenCodec(KEY)
    claims = codec.claims(codec.issue(AYSE, NOW, timedelta(days=1), generation=3), NOW)

    assert (claims.principal, claims.issued_at, claims.generation) == (AYSE, EPOCH, 3)
    assert codec.claims(signed(SANE), NOW).generation == 0  # 0.1's tokens carry none


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"sub": ""}, "subject"),
        ({"sub": "ayse\n"}, "subject"),
        ({"agency": ""}, "agency"),
        ({"role": "janitor"}, "role"),
        ({"role": "lead", "agency": "*"}, "all agencies"),
        ({"iat": EPOCH + 61, "exp": EPOCH + 3600}, "future"),
        ({"iat": EPOCH + 30, "exp": EPOCH + 10}, "no time"),
        ({"iat": EPOCH - 10, "exp": EPOCH + 367 * 86400}, "366 days"),
        ({"gen": -1}, "generation"),
        ({"gen": "1"}, "malformed"),
    ],
)
def test_claims_no_issuer_writes_are_refused_though_signed(changes: dict[str, Any], reason: str) -> None:
    codec = TokenCodec(KEY)
    assert codec.verify(signed(SANE), NOW) == AYSE

    with pytest.raises(InvalidToken, match=reason):
        codec.verify(signed(SANE | changes), NOW)


def test_a_token_issued_a_moment_ahead_by_another_hosts_clock_is_accepted() -> None:
    assert TokenCodec(KEY).verify(signed(SANE | {"iat": EPOCH + 60}), NOW) == AYSE


@pytest.mark.parametrize("valid_for", [timedelta(0), timedelta(seconds=-1), timedelta(days=367)])
def test_tokens_are_not_issued_for_no_time_or_more_than_a_year(valid_for: timedelta) -> None:
    with pytest.raises(InvalidClaims):
        TokenCodec(KEY).issue(AYSE, NOW, valid_for)


class Monotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_address_may_fail_so_often_a_minute_then_waits() -> None:
    clock = Monotonic()
    failures = FailedAuthentications(per_minute=6, monotonic=clock)  # one more every 10 s

    assert [failures.fail("203.0.113.9") for _ in range(6)] == [0.0] * 6
    assert failures.fail("203.0.113.9") == pytest.approx(10.0)
    assert failures.fail("198.51.100.1") == 0.0  # another address has its own
    clock.now += 4
    assert failures.fail("203.0.113.9") == pytest.approx(6.0)
    clock.now += 6
    assert failures.fail("203.0.113.9") == 0.0
    assert failures.fail("203.0.113.9") == pytest.approx(10.0)


def test_ipv6_addresses_are_counted_by_their_64_network() -> None:
    failures = FailedAuthentications(per_minute=2, monotonic=Monotonic())

    assert [failures.fail("2001:db8:1:2::1"), failures.fail("2001:db8:1:2:ffff::9")] == [0.0, 0.0]
    assert failures.fail("2001:db8:1:2::abcd") > 0
    assert failures.fail("2001:db8:1:3::1") == 0.0
    assert [failures.fail("::ffff:192.0.2.1"), failures.fail("192.0.2.1")] == [0.0, 0.0]
    assert failures.fail("192.0.2.1") > 0


def test_trusted_proxies_are_addresses_or_networks() -> None:
    assert Settings.from_environ({"LOTSE_TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16,::1"}).trusted_proxies == (
        "10.0.0.5",
        "10.1.0.0/16",
        "::1",
    )
    assert Settings.from_environ({}).trusted_proxies == ()
    with pytest.raises(SettingsError, match="LOTSE_TRUSTED_PROXIES"):
        Settings.from_environ({"LOTSE_TRUSTED_PROXIES": "proxy.local"})


async def forwarded(trusted: str, peer: str, headers: dict[str, str]) -> tuple[str, str]:
    """The client address and scheme the app sees behind ForwardedHeaders."""
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.update(scope)

    scope = {
        "type": "http",
        "client": (peer, 4711),
        "scheme": "http",
        "path": "/cases",
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers.items()],
    }
    middleware = ForwardedHeaders(TrustedProxies(parse_networks(trusted.split(",") if trusted else [])))
    await middleware.handle(scope, None, None, app)  # type: ignore[arg-type]
    return seen["client"][0], seen["scheme"]


async def test_forwarded_headers_are_ignored_unless_a_trusted_proxy_sends_them() -> None:
    spoofed = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Proto": "https"}

    assert await forwarded("", "203.0.113.9", spoofed) == ("203.0.113.9", "http")
    assert await forwarded("10.0.0.0/8", "203.0.113.9", spoofed) == ("203.0.113.9", "http")
    assert await forwarded("10.0.0.0/8", "10.0.0.2", spoofed) == ("198.51.100.7", "https")


async def test_the_client_is_the_first_untrusted_hop_from_the_right() -> None:
    # The client wrote the first two entries herself; the proxies appended the address each was called from.
    chain = {"X-Forwarded-For": "127.0.0.1, 10.9.9.9, 198.51.100.7, 10.0.0.3"}

    assert await forwarded("10.0.0.0/8", "10.0.0.2", chain) == ("198.51.100.7", "http")
    assert await forwarded("10.0.0.0/8", "10.0.0.2", {"X-Forwarded-For": "not an address, 10.0.0.3"}) == (
        "10.0.0.3",
        "http",
    )
    garbage = {"X-Forwarded-For": '10.0.0.1:443 - "GET /admin HTTP/1.1" 200', "X-Forwarded-Proto": "gopher"}
    assert await forwarded("10.0.0.0/8", "10.0.0.2", garbage) == ("10.0.0.2", "http")
    assert await forwarded("::1", "::1", {"X-Forwarded-For": "2001:db8::7"}) == ("2001:db8::7", "http")


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("GET /cases\nINFO: forged", "GET /cases\\nINFO: forged"),
        ("a\rb\tc", "a\\rb\\tc"),
        ("next\x85line", "next\\x85line"),
        ("para\u2028graph\u2029", "para\\u2028graph\\u2029"),
        ("\x1b[2Jcleared\x00", "\\x1b[2Jcleared\\x00"),
        ("gnirts\u202edesrever", "gnirts\\u202edesrever"),
        ("Müller straße ✓", "Müller straße ✓"),
    ],
)
def test_control_characters_are_written_out(text: str, escaped: str) -> None:
    assert escape(text) == escaped


def test_a_record_is_one_line_and_its_traceback_set_off() -> None:
    formatter = EscapingFormatter("%(levelname)s %(message)s")
    try:
        raise ValueError("bad value\nINFO: forged by the exception's text")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "lotse.api", logging.ERROR, __file__, 1, "refused %s from %s", ("/x\nINFO: forged", 42), exc_info
    )

    lines = formatter.format(record).splitlines()

    assert lines[0] == "ERROR refused /x\\nINFO: forged from 42"
    assert len(lines) > 2
    assert all(line.startswith("| ") for line in lines[1:]), lines
    assert "| INFO: forged by the exception's text" in lines
    assert record.args == ("/x\nINFO: forged", 42)  # another handler formats the record as it was
