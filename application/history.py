"""The history of a case as an auditor reads it: every event with who recorded it and when."""

from datetime import date, datetime
from typing import Any

import msgspec

from domain import events as ev
from domain.privacy import PERSONAL_FIELDS, PERSONAL_ITEM_FIELDS, field_path
from domain.rules.common import SPECIAL_CATEGORIES


class HistoryEntry(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """`withheld`: the fields of `data` that hold the client's personal data, which the reader does not see (they
    read null): to a role without personal data, and to every role once they are erased. `profile.target_occupation`
    names a field of a part, `items.description` that field of every item. Left out where nothing is withheld, so a
    reader tells a field withheld from one left empty."""

    version: int
    type: str
    date: date
    recorded_at: datetime
    recorded_by: str
    data: dict[str, Any]
    withheld: tuple[str, ...] = ()


def history_entry(event: ev.CaseEvent) -> HistoryEntry:
    return HistoryEntry(
        version=event.originator_version,
        type=ev.event_type_name(event),
        date=ev.occurred_on(event),
        recorded_at=event.timestamp,
        recorded_by=event.recorded_by,
        data=_event_data(event),
    )


def _event_data(event: ev.CaseEvent) -> dict[str, Any]:
    data: dict[str, Any] = msgspec.to_builtins(event)
    for envelope_field in (*ev.ENVELOPE_FIELDS, "date"):
        data.pop(envelope_field, None)
    return data


def without_personal_data(entry: HistoryEntry) -> HistoryEntry:
    personal = PERSONAL_FIELDS.get(entry.type, ())
    in_items = PERSONAL_ITEM_FIELDS.get(entry.type, {})
    if not personal and not in_items:
        return entry
    data = dict(entry.data)
    withheld = [name for name in personal if _blank_path(data, field_path(name))]
    for part, names in in_items.items():
        items = data.get(part)
        if isinstance(items, list):
            data[part] = [_blanked(item, names) for item in items]
            withheld += [f"{part}.{name}" for name in names]
    return msgspec.structs.replace(entry, data=data, withheld=tuple(withheld))


def _blank_path(data: dict[str, Any], path: tuple[str, ...]) -> bool:
    """Sets the field at `path` to null; False where the event has no such field."""
    head, rest = path[0], path[1:]
    if head not in data:
        return False
    if not rest:
        data[head] = None
        return True
    if isinstance(data[head], dict):
        data[head] = {**data[head]}
        return _blank_path(data[head], rest)
    return False


def _blanked(item: Any, names: tuple[str, ...]) -> Any:
    return {**item, **dict.fromkeys(names)} if isinstance(item, dict) else item


def entry_without_special_categories(entry: HistoryEntry) -> HistoryEntry:
    """The entry with recorded disability and minority read as unknown (the client withdrew consent since)."""
    profile = entry.data.get("profile") if entry.type in ("case_opened", "profile_corrected") else None
    if not isinstance(profile, dict) or not any(name in profile for name in SPECIAL_CATEGORIES):
        return entry
    unknown = {name: ("unknown" if name in SPECIAL_CATEGORIES else value) for name, value in profile.items()}
    return msgspec.structs.replace(entry, data={**entry.data, "profile": unknown})
