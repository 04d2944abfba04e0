"""The language of problem details: English, or German for a client that prefers it (`Accept-Language: de`).

The German texts are api/messages_de.py's; this module picks the language and fills the texts in.
"""

import re
from collections.abc import Mapping
from datetime import date

from api import messages_de
from api.vocabulary_de import FIELDS

ENGLISH = "en"
GERMAN = "de"
SUPPORTED = (ENGLISH, GERMAN)
GENERIC_FIELD_MESSAGE = "Ungültige Angabe"

_MESSAGES = tuple((re.compile(english, re.DOTALL), german) for english, german in messages_de.MESSAGES)
_QUALITY = re.compile(r"q\s*=\s*([01](?:\.\d{0,3})?)", re.IGNORECASE)


def preferred_language(accept_language: str | None) -> str:
    """The supported language the client ranks highest (RFC 9110 §12.5.4: by q, then by order); English otherwise."""
    best, best_quality = ENGLISH, 0.0
    for entry in (accept_language or "").split(","):
        tag, *parameters = entry.split(";")
        language = tag.strip().lower().split("-")[0]
        quality = 1.0
        for parameter in parameters:
            if parameter.strip().lower().startswith("q"):
                match = _QUALITY.fullmatch(parameter.strip())
                quality = min(float(match.group(1)), 1.0) if match is not None else 0.0  # malformed: not this one
        if language in SUPPORTED and quality > best_quality:
            best, best_quality = language, quality
    return best


def german_title(slug: str, english: str) -> str:
    return messages_de.TITLES.get(slug, english)


def german_rule(rule: str, facts: Mapping[str, object]) -> str | None:
    """The rule's German text with its facts filled in; None for a rule without one."""
    template = messages_de.RULES.get(rule)
    return None if template is None else template.format_map(_Facts(facts))


def german_detail(slug: str, english: str) -> str:
    """A detail that names no rule: its German wording, else the problem type's German detail."""
    return german_message(english) or messages_de.DETAILS.get(slug, messages_de.DETAILS["error"])


def german_field_message(english: str) -> str:
    return german_message(english) or GENERIC_FIELD_MESSAGE


def german_message(english: str) -> str | None:
    """The German wording of one of the English messages of messages_de.MESSAGES; None for another message."""
    for pattern, german in _MESSAGES:
        if (match := pattern.fullmatch(english)) is not None:
            return german.format_map({name: _word(name, value) for name, value in match.groupdict().items()})
    return None


def _word(name: str, value: str) -> str:
    if name in ("expected", "got", "type"):
        return " oder ".join(messages_de.TYPE_NAMES.get(part, part) for part in value.split(" | "))
    if name == "message":
        return german_field_message(value)
    if name == "pattern":
        return messages_de.PATTERNS.get(value, f"das Muster {value}")
    if name == "name":
        # A field by its German label, and as the client spells it: "Geburtsdatum (birth_date)".
        return f"{FIELDS[value]} ({value})" if value in FIELDS else value
    return value


class _Facts(dict[str, str]):
    """A rule's facts as the German text shows them; a fact the refusal did not name shows as an ellipsis."""

    def __init__(self, facts: Mapping[str, object]) -> None:
        super().__init__({name: _fact(name, value) for name, value in facts.items()})

    def __missing__(self, name: str) -> str:
        return "…"


def _fact(name: str, value: object) -> str:
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if name == "what" and isinstance(value, str):
        return messages_de.REFERENCE_POINTS.get(value, value)
    return str(value)
