"""The access log's line for a request, written directly, is the line the general formatting path writes."""

import logging
import logging.config

from hypothesis import given
from hypothesis import strategies as st

from api.server import EscapingAccessFormatter, log_config

texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)
paths = st.builds(
    lambda route, query: f"/{route}" + (f"?{query}" if query is not None else ""),
    texts,
    st.none()
    | st.lists(st.tuples(st.sampled_from(["q", "Q", "%71", "limit", "status", "x"]), texts)).map(
        lambda pairs: "&".join(f"{name}={value}" for name, value in pairs)
    ),
)
statuses = st.sampled_from([200, 201, 204, 304, 400, 404, 409, 412, 422, 429, 503]) | st.integers(100, 999)


def configured_formatter() -> EscapingAccessFormatter:
    """The access log's formatter as `lotse serve` configures it, writing to a file (not a terminal)."""
    config = log_config()
    config["formatters"]["access"]["use_colors"] = False
    formatter = logging.config.DictConfigurator(config).configure_formatter(config["formatters"]["access"])
    assert isinstance(formatter, EscapingAccessFormatter)
    return formatter


def access_record(*args: object) -> logging.LogRecord:
    # As uvicorn's HTTP protocol logs a response (uvicorn/protocols/http/httptools_impl.py).
    return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', args, None)


@given(client=texts, method=texts, path=paths, version=st.sampled_from(["1.0", "1.1"]) | texts, status=statuses)
def test_the_direct_line_is_the_general_paths_line(
    client: str, method: str, path: str, version: str, status: int
) -> None:
    direct, general = configured_formatter(), configured_formatter()
    general._writes_plain_lines = False  # type: ignore[misc]  # the way through uvicorn's formatter

    line = direct.format(access_record(client, method, path, version, status))

    assert line == general.format(access_record(client, method, path, version, status))
    assert "\n" not in line
    assert "\r" not in line


def test_the_configured_formatter_writes_lines_directly() -> None:
    assert configured_formatter()._writes_plain_lines


def test_a_coloured_formatter_takes_the_general_path() -> None:
    config = log_config()
    config["formatters"]["access"]["use_colors"] = True
    formatter = logging.config.DictConfigurator(config).configure_formatter(config["formatters"]["access"])

    line = formatter.format(access_record("127.0.0.1:5000", "GET", "/cases?q=Ayla", "1.1", 200))

    assert "\x1b[" in line
    assert "q=…" in line
    assert "Ayla" not in line


def test_a_record_with_a_traceback_text_or_an_odd_status_takes_the_general_path() -> None:
    direct, general = configured_formatter(), configured_formatter()
    general._writes_plain_lines = False  # type: ignore[misc]
    with_text = access_record("127.0.0.1:5000", "GET", "/cases", "1.1", 500)
    with_text.exc_text = "Traceback\nforged line"
    statuses = [access_record("127.0.0.1:5000", "GET", "/cases", "1.1", True)]

    for record in [with_text, *statuses]:
        assert direct.format(record) == general.format(record)
    assert direct.format(with_text).endswith("\n| Traceback\n| forged line")
