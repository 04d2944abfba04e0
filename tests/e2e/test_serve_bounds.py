"""`lotse serve` as a real process against clients that do not play fair (issue 18: parts 4, 6, 7, 8).

Endless and slow request heads, more connections than allowed, failed authentications from one address, forged
proxy headers and log lines: each is answered, refused or cut off within seconds, and the server keeps serving.
"""

import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from email.message import Message
from pathlib import Path

import pytest

from bench.lotse_process import LotseServer
from infrastructure.settings import Settings

MB = 1024 * 1024
# How every line of `lotse serve`'s output begins: uvicorn's records, the app's records (api/logs.py), a traceback.
RECORD_START = re.compile(r"^(?:(?:DEBUG|INFO|WARNING|ERROR|CRITICAL):\s|(?:DEBUG|INFO|WARNING|ERROR|CRITICAL) - |\| )")
ACCESS_LINE = re.compile(r'^INFO: +(\S+) - "(\S+) (\S+) HTTP/1\.1" (\d+)')

ServerFactory = Callable[..., LotseServer]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[ServerFactory]:
    """Starts `lotse serve` on the embedded default with extra settings; every server is stopped at the end."""
    started: list[LotseServer] = []

    def start(**env: str) -> LotseServer:
        name = f"server{len(started)}"
        server = LotseServer(Settings(data_dir=tmp_path / name), log=tmp_path / f"{name}.log")
        server.env.update(env)
        started.append(server)
        server.start()
        return server

    yield start
    for server in started:
        server.stop()


def status_of(server: LotseServer, path: str, token: str | None = None, **headers: str) -> tuple[int, Message]:
    request = urllib.request.Request(server.base + path, headers=headers)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


def connect(server: LotseServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=15)


def answer_or_close(connection: socket.socket) -> bytes:
    """What the server sent before closing (b"" if it closed without a word, or reset the connection)."""
    received = b""
    try:
        while chunk := connection.recv(65536):
            received += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    return received


def assert_refused_as_a_problem(answer: bytes, status: int, problem_type: str) -> None:
    """The answer is the status with a problem document and the headers every answer carries (API.md)."""
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith(f"HTTP/1.1 {status} "), answer[:200]
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    assert headers["content-type"] == "application/problem+json", headers
    assert headers["x-content-type-options"] == "nosniff", headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"], headers
    problem = json.loads(body[: int(headers["content-length"])])
    assert (problem["type"], problem["status"]) == (problem_type, status), problem


def send_endless_header(server: LotseServer, size: int) -> tuple[float, bytes]:
    """Sends a request whose one header is `size` bytes long; answers when the server stopped it, and its answer."""
    started = time.monotonic()
    with connect(server) as connection:
        try:
            connection.sendall(b"GET /health HTTP/1.1\r\nHost: lotse\r\nX-Endless: ")
            chunk = b"a" * MB
            for _ in range(size // MB):
                connection.sendall(chunk)
        except (BrokenPipeError, ConnectionResetError):
            return time.monotonic() - started, b""
        answer = answer_or_close(connection)
    return time.monotonic() - started, answer


def peak_memory(server: LotseServer) -> int:
    assert server.process is not None
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) * 1024  # type: ignore[union-attr]


def test_ten_endless_headers_are_cut_off_quickly_without_taking_the_memory(serve: ServerFactory) -> None:
    server = serve()
    before = peak_memory(server)
    results: list[tuple[float, bytes]] = []
    senders = [threading.Thread(target=lambda: results.append(send_endless_header(server, 50 * MB))) for _ in range(10)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=60)

    assert len(results) == 10
    for elapsed, answer in results:
        assert elapsed < 10, f"a 50 MB header took {elapsed:.1f} s to be refused"
        assert answer == b"" or answer.startswith(b"HTTP/1.1 431 "), answer[:100]
    grown = peak_memory(server) - before
    assert grown < 100 * MB, f"ten 50 MB headers took {grown / MB:.0f} MB of the server's memory"
    assert status_of(server, "/health")[0] == 200


def test_a_head_over_the_limit_is_answered_431_and_one_within_is_served(serve: ServerFactory) -> None:
    server = serve(LOTSE_MAX_HEADER_BYTES="8192")
    with connect(server) as connection:
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: lotse\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n")
        assert_refused_as_a_problem(answer_or_close(connection), 431, "/problems/header-too-large")
    with connect(server) as connection:
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: lotse\r\nX-Big: " + b"a" * 7000 + b"\r\n\r\n")
        assert connection.recv(65536).startswith(b"HTTP/1.1 200 ")


def test_a_head_sent_a_byte_at_a_time_is_cut_off_after_the_header_timeout(serve: ServerFactory) -> None:
    server = serve(LOTSE_HEADER_TIMEOUT_SECONDS="2")
    started = time.monotonic()
    with connect(server) as connection:
        connection.sendall(b"GET /health HTTP/1.1\r\nHost: lotse\r\n")
        try:
            while time.monotonic() - started < 8:
                connection.sendall(b"X")  # an ever longer header name, one byte every 0.3 s
                time.sleep(0.3)
            closed_after = None
        except (BrokenPipeError, ConnectionResetError):
            closed_after = time.monotonic() - started

    assert closed_after is not None, "the slow sender kept her connection for 8 s"
    assert 1.5 < closed_after < 4, closed_after
    assert status_of(server, "/health")[0] == 200


def test_connections_beyond_the_limit_are_refused_and_the_server_recovers(serve: ServerFactory) -> None:
    server = serve(LOTSE_MAX_CONNECTIONS="4")
    idle = [connect(server) for _ in range(4)]
    time.sleep(0.3)  # all four accepted
    try:
        with connect(server) as one_more:
            one_more.sendall(b"GET /health HTTP/1.1\r\nHost: lotse\r\n\r\n")
            answer = answer_or_close(one_more)
        if answer:
            assert_refused_as_a_problem(answer, 503, "/problems/too-many-connections")
    finally:
        for connection in idle:
            connection.close()
    time.sleep(0.3)
    assert status_of(server, "/health")[0] == 200


def test_failed_authentications_from_one_address_are_answered_429(serve: ServerFactory) -> None:
    server = serve(LOTSE_AUTH_FAILURES_PER_MINUTE="3")
    token = server.token("ayse", "counsellor")

    # Without a trusted proxy, X-Forwarded-For is anyone's to write: the address is the connection's.
    statuses = [status_of(server, "/cases", "bad", **{"X-Forwarded-For": f"203.0.113.{n}"})[0] for n in range(5)]

    assert statuses == [401, 401, 401, 429, 429]
    status, headers = status_of(server, "/cases", "bad")
    assert status == 429
    assert int(headers["Retry-After"]) >= 1
    assert status_of(server, "/cases", token)[0] == 200  # her colleague's guesses do not lock her out


def test_a_trusted_proxy_names_the_client_whose_failures_count(serve: ServerFactory) -> None:
    server = serve(LOTSE_AUTH_FAILURES_PER_MINUTE="3", LOTSE_TRUSTED_PROXIES="127.0.0.1")

    first = [status_of(server, "/cases", "bad", **{"X-Forwarded-For": "203.0.113.1"})[0] for _ in range(4)]
    second = status_of(server, "/cases", "bad", **{"X-Forwarded-For": "203.0.113.2"})[0]

    assert (first, second) == ([401, 401, 401, 429], 401)
    time.sleep(0.5)
    assert "authentication refused: GET /cases from 203.0.113.2" in server.log.read_text()


def test_a_token_revoked_by_the_operator_is_refused_within_seconds(serve: ServerFactory) -> None:
    server = serve()
    token = server.token("ayse", "counsellor")
    assert status_of(server, "/cases", token)[0] == 200

    server.lotse("token", "revoke", "--subject", "ayse")
    revoked_at = time.monotonic()
    while status_of(server, "/cases", token)[0] != 401:
        assert time.monotonic() - revoked_at < 6, "the revoked token still works after 6 s"
        time.sleep(0.25)
    assert status_of(server, "/cases", server.token("ayse", "counsellor"))[0] == 200


def test_what_a_client_sends_cannot_forge_a_log_line(serve: ServerFactory) -> None:
    server = serve(LOTSE_TRUSTED_PROXIES="127.0.0.1")
    forged = 'INFO:     127.0.0.1:9 - "GET /admin HTTP/1.1" 200 OK'
    quoted = urllib.request.quote(f"\n{forged}\r\n\x85{forged}\u2028{forged}")

    assert status_of(server, f"/cases/{uuid.uuid4()}{quoted}")[0] == 404
    assert status_of(server, f"/dashboard/{quoted}")[0] == 404
    assert status_of(server, "/cases", "bad")[0] == 401
    with connect(server) as connection:  # NEL (\x85) is a line break to Python and some log viewers
        connection.sendall(
            b"GET /health HTTP/1.1\r\nHost: lotse\r\nX-Forwarded-For: 203.0.113.9\x85"
            + forged.encode()
            + b"\r\nConnection: close\r\n\r\n"
        )
        assert answer_or_close(connection).startswith(b"HTTP/1.1 200 ")
    time.sleep(0.5)  # the app's log is written by a thread of its own

    lines = server.log.read_text(encoding="utf-8").splitlines()  # at \n, \r, \x85, \u2028 …
    assert [line for line in lines if not RECORD_START.match(line)] == []
    requests = [match.groups() for line in lines if (match := ACCESS_LINE.match(line))]
    assert [request for request in requests if request[2] == "/admin"] == []
    assert [client.rsplit(":", 1)[0] for client, _, path, _ in requests if path == "/health"][-1] == "127.0.0.1"
    assert [line for line in lines if "authentication refused: GET /cases from 127.0.0.1" in line] != []


def test_the_access_log_keeps_no_name_searched_for(serve: ServerFactory) -> None:
    server = serve()

    assert status_of(server, "/cases?status=open&q=Ayla%20Demir&limit=5")[0] == 401
    assert status_of(server, "/cases?q=Demir")[0] == 401
    assert status_of(server, "/cases?%71=Jelena+M%C3%BCller&Q=Petrovic&limit=5")[0] == 401  # q as %71, or Q

    paths = access_log_paths(server, until=lambda paths: len(paths) >= 3)
    log = server.log.read_text(encoding="utf-8")
    for part in ("Demir", "Ayla", "Jelena", "Petrovic", "M%C3%BCller"):
        assert part not in log
    assert "/cases?status=open&q=…&limit=5" in paths
    assert "/cases?q=…" in paths
    assert "/cases?%71=…&Q=…&limit=5" in paths


def access_log_paths(server: LotseServer, *, until: Callable[[list[str]], bool]) -> list[str]:
    """The paths of the server's access log once `until` holds for them (the log is written as requests end)."""
    deadline = time.monotonic() + 10
    while True:
        lines = server.log.read_text(encoding="utf-8").splitlines()
        paths = [match.group(3) for line in lines if (match := ACCESS_LINE.match(line))]
        if until(paths) or time.monotonic() > deadline:
            return paths
        time.sleep(0.05)
