"""How `lotse serve` runs the app under uvicorn: bounded request heads, a connection limit, escaped logs.

A client that sends an endless header, or a header a byte every few seconds, or opens thousands of connections,
must not take the server's memory or its connections from everyone else (API.md "Around the API"). uvicorn's HTTP/1.1
protocol (httptools) keeps a header line in memory until it ends and resets its keep-alive timer on every byte, so
`BoundedHttpToolsProtocol` adds what it lacks, configured through uvicorn's own options (so that every worker
process gets them with the rest of its configuration):

- `h11_max_incomplete_event_size` (LOTSE_MAX_HEADER_BYTES): the request line and headers may take that many bytes;
  a larger head is answered 431 and the connection closed.
- `timeout_keep_alive` (LOTSE_HEADER_TIMEOUT_SECONDS): a connection must deliver a complete request head within that
  many seconds of opening, or of its previous answer; otherwise it is closed (an idle keep-alive connection too).
- `limit_concurrency` (LOTSE_MAX_CONNECTIONS): connections beyond it are answered 503 and closed at once.

X-Forwarded-For and -Proto are left to the app (api/proxies.py), which believes only the configured proxies.
"""

import asyncio
import copy
import functools
import json
import logging
from typing import Any
from urllib.parse import unquote_plus

from uvicorn.config import LOGGING_CONFIG
from uvicorn.logging import AccessFormatter, DefaultFormatter
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from api.logs import EscapingFormatter, escape, escaped
from api.security import DATA_POLICY
from infrastructure.settings import Settings

# The request line and the headers around them: "GET ", " HTTP/1.1\r\n", ": " and "\r\n" per header, the final "\r\n".
HEAD_FRAMING = 16
HEADER_FRAMING = 4


class EscapingDefaultFormatter(EscapingFormatter, DefaultFormatter):
    """uvicorn's server log, one line a record (api/logs.py)."""


class EscapingAccessFormatter(EscapingFormatter, AccessFormatter):
    """uvicorn's access log, one line a request (api/logs.py), without the names searched for.

    `GET /cases?q=Ayla%20Demir` carries a client's name in its query; the log keeps `q=…` in its place (and `…`
    for any value of a parameter not known to be harmless), as the read-access log keeps no text searched for either.
    """

    def format(self, record: logging.LogRecord) -> str:
        if isinstance(record.args, tuple) and len(record.args) == 5 and isinstance(record.args[2], str):
            client, method, _, version, status = record.args
            path = without_searched_names(record.args[2])
            plain = not (record.exc_info or record.exc_text or record.stack_info)
            if self._writes_plain_lines and plain and type(status) is int:
                return self._plain_line(record.levelname, client, method, path, version, status)
            record = logging.makeLogRecord(record.__dict__)
            record.args = (client, method, path, version, status)
        return super().format(record)

    @functools.cached_property
    def _writes_plain_lines(self) -> bool:
        return not self.use_colors and self._fmt == LOGGING_CONFIG["formatters"]["access"]["fmt"]

    def _plain_line(self, level: str, client: object, method: object, path: str, version: object, status: int) -> str:
        """The line the general path (three copies of the record and a format string) writes for a request, built
        directly: it ran on every request, in the event loop's thread."""
        request_line = f"{escaped(method)} {escape(path)} HTTP/{escaped(version)}"
        return f'{level}:{" " * (8 - len(level))} {escaped(client)} - "{request_line}" {self.get_status_code(status)}'


# Query parameters whose values say nothing about a person; every other value is logged as `…`.
LOGGED_PARAMETERS = frozenset(
    {"status", "stage", "limit", "cursor", "agency", "counsellor", "min_position", "as_of_version", "as_of_position",
     "from", "to", "basis", "period", "due_before", "kind", "size", "include_withdrawn", "starts_after", "funding",
     "as_of", "case_id", "definition_version", "subject", "occupation"}
)  # fmt: skip


def without_searched_names(path: str) -> str:
    """The request's path and query with the value of every parameter not known to be harmless left out: `q` (a
    name), however its name is written (`%71`, `Q`), and whatever else a client sends."""
    route, separator, query = path.partition("?")
    if not separator:
        return path
    kept = []
    for part in query.split("&"):
        name, equals, _ = part.partition("=")
        harmless = unquote_plus(name) in LOGGED_PARAMETERS
        kept.append(part if harmless or not equals else f"{name}=…")
    return f"{route}?{'&'.join(kept)}"


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The options of `uvicorn.run` that bound what a client can hold, and keep the logs unforgeable."""
    return {
        "http": f"{__name__}:BoundedHttpToolsProtocol",
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "timeout_keep_alive": settings.header_timeout_seconds,
        "limit_concurrency": settings.max_connections,
        "proxy_headers": False,  # the app believes X-Forwarded-* from LOTSE_TRUSTED_PROXIES only (api/proxies.py)
        "log_config": log_config(),
    }


def log_config() -> dict[str, Any]:
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["default"]["()"] = f"{__name__}.EscapingDefaultFormatter"
    config["formatters"]["access"]["()"] = f"{__name__}.EscapingAccessFormatter"
    return config


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's HTTP/1.1 protocol, with request heads bounded in size and time and connections in number."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._reading_head = False
        self._head_began_in_chunk = False
        self._head_bytes = 0
        self._head_timer: asyncio.TimerHandle | None = None
        limit = self.config.limit_concurrency
        if limit is not None and len(self.connections) > limit:
            self.logger.warning("connection limit reached: a new connection was refused")
            self._answer_and_close(
                503, "the server holds as many connections as it takes (LOTSE_MAX_CONNECTIONS); try again"
            )
            return
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self._reading_head or self.transport.is_closing():
            return
        # A head that completes within a chunk is measured exactly when it completes; the chunk it began in may hold
        # the end of the request before it, so counting starts with the next.
        if self._head_began_in_chunk:
            self._head_began_in_chunk = False
            return
        self._head_bytes += len(data)
        if self._head_bytes > self._max_head_bytes:
            self._refuse_unfinished_head()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading_head = True
        self._head_began_in_chunk = True
        self._head_bytes = 0

    def on_headers_complete(self) -> None:
        self._reading_head = False
        size = (
            HEAD_FRAMING + len(self.url) + sum(len(name) + len(value) + HEADER_FRAMING for name, value in self.headers)
        )
        if size <= self._max_head_bytes:
            super().on_headers_complete()
            return
        self.logger.warning("request head of %d bytes refused (431)", size)
        app, self.app = self.app, _head_too_large
        try:
            super().on_headers_complete()
        finally:
            self.app = app

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._await_head()

    @property
    def _max_head_bytes(self) -> int:
        return self.config.h11_max_incomplete_event_size or 64 * 1024

    def _refuse_unfinished_head(self) -> None:
        self.logger.warning("request head over %d bytes refused (431)", self._max_head_bytes)
        if self.cycle is not None and not self.cycle.response_complete:
            # The answer to an earlier (pipelined) request is still being written: read no more, close after it.
            self.cycle.keep_alive = False
            self.flow.pause_reading()
            return
        self._answer_and_close(431, HEAD_TOO_LARGE)

    def _answer_and_close(self, status: int, message: str) -> None:
        headers, body = _problem(status, message)
        content = [STATUS_LINE[status]]
        for name, value in [*self.server_state.default_headers, *headers]:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend([b"\r\n", body])
        self.transport.write(b"".join(content))
        self.transport.close()

    def _await_head(self) -> None:
        self._stop_head_timer()
        self._head_timer = self.loop.call_later(self.config.timeout_keep_alive, self._head_overdue)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_overdue(self) -> None:
        self._head_timer = None
        answering = (self.cycle is not None and not self.cycle.response_complete) or bool(self.pipeline)
        if not answering and not self.transport.is_closing():
            self.transport.close()


async def _head_too_large(scope: Any, receive: Any, send: Any) -> None:
    headers, body = _problem(431, HEAD_TOO_LARGE)
    await send({"type": "http.response.start", "status": 431, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


CONNECTIONS_FULL = "the server holds as many connections as it takes (LOTSE_MAX_CONNECTIONS): try again"
HEAD_TOO_LARGE = "the request line and headers are larger than this server reads (LOTSE_MAX_HEADER_BYTES)"
# Answered before the app has read the request, so in English and without the app's hooks: the problem document and
# the headers every answer carries (api/security.py) are written here.
_SLUGS = {
    431: ("header-too-large", "Request header fields too large"),
    503: ("too-many-connections", "Service unavailable"),
}


def _problem(status: int, detail: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    slug, title = _SLUGS[status]
    body = json.dumps({"type": f"/problems/{slug}", "title": title, "status": status, "detail": detail}).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode("ascii")),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"content-security-policy", DATA_POLICY.encode()),
        (b"connection", b"close"),
    ]
    return headers, body
