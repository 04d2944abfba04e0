"""Log lines a client cannot forge.

Paths, headers and the reasons a request was refused end up in the log, and a client chooses them: a path with
`%0a` decodes to a line break, after which anything she wrote would read as a log line of its own. Every formatter
Lotse configures (the app's, api/app.py; uvicorn's, api/server.py) escapes line breaks and the other control
characters in what a record says (`\\n`, `\\x1b`, `\\u2028`), and sets off each line of a traceback with `| `, so
that every line starting at the left margin is a record Lotse wrote.
"""

import logging
import re
from typing import Any

# C0 and C1 controls (line feed, carriage return, escape, NEL …), DEL, the Unicode line and paragraph separators
# and the bidirectional overrides, which make a line read differently from what it holds.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
CONTINUATION = "| "
APP_FORMAT = "%(levelname)s - %(asctime)s - %(name)s - %(module)s - %(message)s"


def escape(text: str) -> str:
    """The text on one line, its control characters written out as escapes."""
    return _UNSAFE.sub(_escape_one, text)


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def escaped(value: Any) -> Any:
    """A value of a record's arguments: a text escaped, anything else as it is."""
    return escape(value) if isinstance(value, str) else value


class EscapingFormatter(logging.Formatter):
    """A formatter whose record is one line; a traceback follows on lines set off with `| `."""

    def format(self, record: logging.LogRecord) -> str:
        # A copy: another handler of the same record formats the original.
        record = logging.makeLogRecord(record.__dict__)
        record.message = escape(record.getMessage())
        # Formatters that read the arguments themselves (uvicorn's access log) get them escaped as well.
        if isinstance(record.args, dict):
            record.args = {key: escaped(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(escaped(value) for value in record.args)
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        lines = [self.formatMessage(record)]
        if record.exc_info:
            lines.append(_continued(self.formatException(record.exc_info)))
        elif record.exc_text:
            lines.append(_continued(record.exc_text))
        if record.stack_info:
            lines.append(_continued(self.formatStack(record.stack_info)))
        return "\n".join(lines)


def _continued(text: str) -> str:
    return "\n".join(CONTINUATION + escape(line) for line in text.split("\n"))
