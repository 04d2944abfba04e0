"""Stores case events as msgspec JSON under their explicit topics, with the client's personal data sealed.

A topic carries its class version after `@` when it is above 1 (`lotse.case.X@2`); reading an older
version decodes to a dict and runs the class's `upcast_vN_vN1` steps before typing it.

Personal data (domain/privacy.py: the `personal` block of the first contact, the free text of the steps listed in
PERSONAL_FIELDS (`profile.target_occupation` inside the profile a step carries) and of the list items in
PERSONAL_ITEM_FIELDS (`items.*.description`), and where the case state keeps them in snapshots) never reach the
database in clear. Each such value is replaced by an envelope `{"sealed": "<base64 nonce + AES-GCM ciphertext>",
"key": "<case id>"}`: the value's JSON sealed under the case's data key (infrastructure/privacy/keys.py),
authenticated together with the case id and the field's path, so a ciphertext moved to another case or field does
not open. A value recorded when the case's key is already destroyed is stored as `{"erased": true, "key": "<case
id>"}`. Empty fields (null, an empty list) stay as they are: they hold no text. Events stored before a field was
sealed keep it in clear (stored history is never rewritten): it reads as before while the case's key lives, as
erased once the key is destroyed, and as None to a mapper that does not open.

Reading opens the envelopes where the stored class version kept them (release 0.1's step events nested their
fields under `step`, and their sealed values are bound to that path), then upcasts. A destroyed key reads as
erased: the field is None (the personal data block too). A mapper that does not open envelopes
(`opens_sealed=False`, for statistics and for roles that may not see personal data) reads every sealed value as
None, and the personal data block as an empty one (present, not shown). A mapper for a case's state (`for_state`)
opens all but the fields the state does not keep (domain/privacy.py NOT_KEPT_IN_STATE), which it reads as None. A
missing key, a key that does not fit or a ciphertext that does not open raise KeyStoreError, never garbage.
"""

import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent, Transcoder

from application.errors import KeyStoreError
from domain.case import CaseSnapshot
from domain.events import CaseOpened, StepRecorded
from domain.log import LOG_EVENT_TYPES
from domain.privacy import (
    NOT_KEPT_IN_STATE,
    PERSONAL_FIELDS,
    PERSONAL_ITEM_FIELDS,
    PERSONAL_PARTS,
    PERSONAL_PROFILE_FIELDS,
    field_path,
)
from infrastructure.eventstore.sql import case_id_of
from infrastructure.privacy.keys import seal, unseal

STORED_TYPES: dict[str, type[Any]] = {**LOG_EVENT_TYPES, CaseSnapshot.TOPIC: CaseSnapshot}
_ENVELOPE = ("originator_id", "originator_version")
EACH = "*"  # in a path: every item of a list
Path = tuple[str, ...]
_ERASED: Any = object()  # an opened envelope whose key is destroyed
_UNOPENED: Any = object()  # an envelope this mapper does not open


class Keys(Protocol):
    """What the mapper asks of the key vault (infrastructure/privacy/keys.py)."""

    def new_key(self, case_id: UUID) -> tuple[AESGCM, str]: ...

    def cipher_for(self, case_id: UUID) -> AESGCM | None: ...


@dataclass(frozen=True)
class StoredEventWithKey(StoredEvent):
    """A case's first event, with the case's new data key wrapped: the recorder stores both in one transaction."""

    wrapped_key: str = ""


class UnusedTranscoder(Transcoder):
    """The mapper encodes with msgspec; the library's transcoder is never asked."""

    def encode(self, obj: Any) -> bytes:
        raise TypeError("UnusedTranscoder.encode")

    def decode(self, data: bytes) -> Any:
        raise TypeError("UnusedTranscoder.decode")


def sealed_paths(cls: type[Any], version: int | None = None) -> list[Path]:
    """Where a stored type keeps personal data, in the layout of a class version (default: the current one).

    Paths lead into the stored JSON (`*`: each item of a list).
    """
    if issubclass(cls, CaseOpened):
        return [field_path(name) for name in PERSONAL_FIELDS["case_opened"]]
    if issubclass(cls, StepRecorded):
        nested: Path = ("step",) if (version or cls.class_version) == 1 else ()
        fields = [(*nested, *field_path(name)) for name in PERSONAL_FIELDS.get(cls.TYPE, ())]
        items = PERSONAL_ITEM_FIELDS.get(cls.TYPE, {})
        return fields + [(*nested, part, EACH, name) for part, names in items.items() for name in names]
    if issubclass(cls, CaseSnapshot):
        paths: list[Path] = [("state", "personal")]
        paths += [("state", "profile", name) for name in PERSONAL_PROFILE_FIELDS]
        return paths + [("state", part, EACH, name) for part, names in PERSONAL_PARTS.items() for name in names]
    return []


class MsgspecMapper(Mapper[UUID]):
    def __init__(
        self,
        stored_types: dict[str, type[Any]] | None = None,
        keys: Keys | None = None,
        *,
        opens_sealed: bool = True,
        left_sealed: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        """`left_sealed`: per step type, personal fields this mapper reads as None although it opens the others."""
        super().__init__(transcoder=UnusedTranscoder())
        self.stored_types = STORED_TYPES if stored_types is None else stored_types
        self.keys = keys
        self.opens_sealed = opens_sealed
        self._encoder = msgspec.json.Encoder()
        self._decoders = {topic: msgspec.json.Decoder(cls) for topic, cls in self.stored_types.items()}
        self._paths = {topic: paths for topic, cls in self.stored_types.items() if (paths := sealed_paths(cls))}
        self._in_clear = {topic: _value_in_clear(paths) for topic, paths in self._paths.items()}
        # The types whose personal data block is sealed as one (`_UNOPENED_BLOCK`): no other has one to find.
        self._blocks = {topic for topic, paths in self._paths.items() if any(path[-1] == "personal" for path in paths)}
        self._contexts = {topic: _contexts_by_field(paths) for topic, paths in self._paths.items()}
        # Per topic as the current class version is stored: its decoder, and for a type that keeps personal data only
        # in fields of its own (a session's topics and note) that this mapper does not open (all, or those left
        # sealed) their names. Such an event is read without searching its JSON for a value stored in clear: once its
        # envelopes are nulled, a field still holding something was stored in clear, which the decoded event shows at
        # once (`_read_current`). Most events are of such types.
        left = left_sealed or {}
        self._current: dict[str, tuple[msgspec.json.Decoder[Any], tuple[str, ...]]] = {
            _stored_topic(cls): (self._decoders[topic], tuple(path[0] for path in self._paths.get(topic, ())))
            for topic, cls in self.stored_types.items()
            if topic not in self._paths
            or (
                topic not in self._blocks
                and all(len(path) == 1 for path in self._paths[topic])
                and (
                    not opens_sealed
                    or {path[0] for path in self._paths[topic]} <= set(left.get(getattr(cls, "TYPE", ""), ()))
                )
            )
        }
        # The same, for a run of rows of one such topic, decoded as one JSON array (`decode_rows`).
        self._current_runs = {
            topic: (msgspec.json.Decoder(_list_of(decoder.type)), fields)
            for topic, (decoder, fields) in self._current.items()
        }
        self._last_prefix: tuple[UUID, bytes] | None = None

    def sealed(self) -> "MsgspecMapper":
        """A mapper over the same types that never opens personal data (statistics; roles that may not see them)."""
        return MsgspecMapper(self.stored_types, self.keys, opens_sealed=False)

    def for_state(self) -> "MsgspecMapper":
        """A mapper over the same types that opens only the personal data a case's state keeps (NOT_KEPT_IN_STATE):
        a replay to a state then reads a session, the bulk of a case, without opening its text."""
        return MsgspecMapper(self.stored_types, self.keys, left_sealed=NOT_KEPT_IN_STATE)

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        cls = type(domain_event)
        topic = _stored_topic(cls)
        paths = self._paths.get(cls.TOPIC)
        if not paths:
            return StoredEvent(
                originator_id=domain_event.originator_id,
                originator_version=domain_event.originator_version,
                topic=topic,
                state=self._encoder.encode(domain_event),
            )
        case_id: UUID = domain_event.originator_id
        data = msgspec.json.decode(self._encoder.encode(domain_event))  # as stored: lists, ISO strings
        wrapped_key = ""
        cipher: AESGCM | None = None
        values = [
            (place, key, path) for path in paths for place, key in _places(data, path) if place[key] not in (None, [])
        ]
        if isinstance(domain_event, CaseOpened):
            if self.keys is None:
                raise TypeError("no key vault: personal data are never stored in clear")
            cipher, wrapped_key = self.keys.new_key(case_id)
        elif values:
            if self.keys is None:
                raise TypeError("no key vault: personal data are never stored in clear")
            cipher = self.keys.cipher_for(case_id)
        for place, key, path in values:
            if cipher is None:
                place[key] = {"erased": True, "key": str(case_id)}
            else:
                plaintext = self._encoder.encode(place[key])
                place[key] = {"sealed": seal(cipher, plaintext, _context(case_id, path)), "key": str(case_id)}
        state = self._encoder.encode(data)
        if wrapped_key:
            return StoredEventWithKey(case_id, domain_event.originator_version, topic, state, wrapped_key=wrapped_key)
        return StoredEvent(case_id, domain_event.originator_version, topic, state)

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        return self.decode(stored_event.originator_id, stored_event.originator_version, stored_event.topic,
                           stored_event.state)  # fmt: skip

    def decode(self, originator_id: Any, originator_version: int, topic: str, state: bytes) -> Any:
        """The domain event of a stored row (what `to_domain_event` answers, without a StoredEvent to carry it)."""
        current_type = self._current.get(topic)
        event = None if current_type is None else _read_current(state, *current_type)
        if event is not None:
            return event
        return self._decode_the_long_way(originator_id, originator_version, topic, state)

    def decode_rows(self, originator_id: Any, rows: Sequence[tuple[int, str, bytes]]) -> list[Any]:
        """The domain events of one aggregate's rows (version, topic, state), as `decode` reads each.

        A run of rows of one topic that the direct path reads (a case's sessions, most of its rows, for a mapper that
        leaves their text sealed) is decoded in one call, as one JSON array: a case's replay spent as much on calling
        the regular expression and the decoder per row as on their work."""
        events: list[Any] = []
        start, count = 0, len(rows)
        while start < count:
            topic = rows[start][1]
            end = start + 1
            while end < count and rows[end][1] == topic:
                end += 1
            run = self._current_runs.get(topic) if end - start > 1 else None
            decoded = None if run is None else _read_current_run([row[2] for row in rows[start:end]], *run)
            if decoded is None:
                decoded = [self.decode(originator_id, version, topic, state) for version, _, state in rows[start:end]]
            events += decoded
            start = end
        return events

    def stored_topics(self, classes: Collection[type]) -> tuple[str, ...]:
        """Every topic events of these classes can be stored under: each one's as its class version 1 wrote it, and
        `@N` for every version above up to the current one (none newer: a row written by newer code is read, and
        refused, not passed over)."""
        return tuple(
            name if version == 1 else f"{name}@{version}"
            for name, cls in self.stored_types.items()
            if cls in classes
            for version in range(1, getattr(cls, "class_version", 1) + 1)
        )

    def _decode_the_long_way(self, originator_id: Any, originator_version: int, topic: str, state: bytes) -> Any:
        name, _, version_text = topic.partition("@")
        try:
            stored_version = int(version_text or 1)
            cls = self.stored_types[name]
            current = stored_version == getattr(cls, "class_version", 1)
            paths = self._paths.get(name, []) if current else sealed_paths(cls, stored_version)
            envelopes = state.count(b'"key":') if paths else 0
            in_clear = bool(paths) and (not current or self._in_clear[name].search(state) is not None)
            if current and not envelopes and not in_clear:
                return self._decoders[name].decode(state)
            if current and not in_clear and self.opens_sealed:
                opened = self._opened_in_place(state, name, case_id_of(originator_id))
                if opened is not None:
                    return self._decoders[name].decode(opened)
            if current and not in_clear and not self.opens_sealed:
                unopened, blocks = _UNOPENED_BLOCK.subn(b'"personal":{}', state) if name in self._blocks else (state, 0)
                unopened, nulled = _ENVELOPE_BYTES.subn(b"null", unopened)
                if blocks + nulled == envelopes:  # else an envelope of another shape: `_open` reads it
                    return self._decoders[name].decode(unopened)
            if stored_version > getattr(cls, "class_version", 1):
                # Written by newer code: reading it with this class would silently drop what it added.
                raise ValueError(f"stored class version {stored_version} is newer than this class's")
            data = msgspec.json.decode(state)
            if envelopes or in_clear:
                self._open(data, case_id_of(originator_id), paths)
            for from_version in range(stored_version, cls.class_version):
                getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(data)
            return msgspec.convert(data, cls)
        except (KeyError, AttributeError, ValueError, msgspec.ValidationError) as error:
            raise MapperDeserialisationError(
                f"cannot read event {_shown(originator_id)} v{originator_version} with topic '{topic}': {error}"
            ) from error

    def _opened_in_place(self, state: bytes, name: str, case_id: UUID) -> bytes | None:
        """The stored JSON with each envelope replaced by its opened value's JSON, as it was sealed (null where the
        value is erased), so the typed decoder reads it at once; None where an envelope's field is not known for
        sure (the caller then opens the decoded JSON, `_open`)."""
        contexts = self._contexts[name]
        found = _envelopes_in(state)
        if found is None or any(field not in contexts for field, _, _, _ in found):
            return None
        cipher = _UNASKED
        prefix = b""
        pieces: list[bytes] = []
        end = 0
        for field, start, stop, sealed in found:
            pieces.append(state[end:start])
            end = stop
            if sealed is None:  # {"erased": true, …}
                pieces.append(b"null")
                continue
            if cipher is _UNASKED:
                if self.keys is None:
                    raise KeyStoreError("key_missing", "no key vault: this mapper cannot open personal data")
                cipher = self.keys.cipher_for(case_id)
                prefix = self._context_prefix(case_id)
            if cipher is None:  # the key is destroyed: erased
                pieces.append(b"null")
                continue
            path, joined = contexts[field]
            try:
                pieces.append(unseal(cipher, sealed.decode(), prefix + joined))
            except (InvalidTag, ValueError):
                self._unseal(cipher, sealed, case_id, path)  # raises the key store's error, naming the field
                raise
        pieces.append(state[end:])
        return b"".join(pieces)

    def _context_prefix(self, case_id: UUID) -> bytes:
        """`_context` up to the field's path, what all of a case's fields share; the last case's is kept, as a
        replay asks for one case's many times."""
        last = self._last_prefix
        if last is not None and last[0] == case_id:
            return last[1]
        prefix = f"lotse-sealed-v1\n{case_id}\n".encode()
        self._last_prefix = (case_id, prefix)
        return prefix

    def _open(self, data: dict[str, Any], case_id: UUID, paths: list[Path]) -> None:
        """Opens the envelopes in place; erased or unopened values read as None (the personal data block as empty).

        A value stored in clear (before its field was sealed) reads the same way: as itself while the case's key
        lives, as erased once it is destroyed, as None to a mapper that does not open."""
        ciphers: dict[UUID, AESGCM | None] = {}
        for path in paths:
            for place, key in _places(data, path):
                if place[key] in (None, []):
                    continue
                if _is_envelope(place[key]):
                    value = self._opened(place[key], case_id, path, ciphers)
                else:
                    value = self._stored_in_clear(place[key], case_id, ciphers)
                if value is _UNOPENED and path[-1] == "personal":
                    place[key] = {}  # present but not opened: not to be mistaken for erased
                elif value is _ERASED or value is _UNOPENED:
                    place[key] = None
                else:
                    place[key] = value

    def _opened(self, envelope: dict[str, Any], case_id: UUID, path: Path, ciphers: dict[UUID, AESGCM | None]) -> Any:
        if not self.opens_sealed:
            return _UNOPENED
        if "sealed" not in envelope:
            return _ERASED
        if case_id not in ciphers:
            if self.keys is None:
                raise KeyStoreError("key_missing", "no key vault: this mapper cannot open personal data")
            ciphers[case_id] = self.keys.cipher_for(case_id)
        cipher = ciphers[case_id]
        return (
            _ERASED if cipher is None else msgspec.json.decode(self._unseal(cipher, envelope["sealed"], case_id, path))
        )

    def _stored_in_clear(self, value: Any, case_id: UUID, ciphers: dict[UUID, AESGCM | None]) -> Any:
        if not self.opens_sealed:
            return _UNOPENED
        if self.keys is None:
            return value  # no key vault to ask (a mapper of tests' hand-made events): nothing is known erased
        if case_id not in ciphers:
            ciphers[case_id] = self.keys.cipher_for(case_id)
        return value if ciphers[case_id] is not None else _ERASED

    def _unseal(self, cipher: AESGCM, sealed: Any, case_id: UUID, path: Path) -> bytes:
        """The sealed value's JSON, as it was sealed."""
        try:
            return unseal(cipher, str(sealed), _context(case_id, path))
        except (InvalidTag, ValueError):
            raise KeyStoreError(
                "key_mismatch",
                f"personal data of case {case_id} ({'.'.join(p for p in path if p != EACH)}) do not open with the"
                " case's key: the key store belongs to another database, or the event was altered",
            ) from None


# An envelope as this mapper writes it, and the personal data block as one (a JSON string cannot hold an unescaped
# quote, so neither matches inside a text). A mapper that does not open reads them as null and as an empty block
# straight from the stored bytes: statistics and rebuilds decode several times faster than through `_open`.
_ENVELOPE_BYTES = re.compile(rb'\{"(?:sealed":"[A-Za-z0-9+/=]*"|erased":true),"key":"[0-9a-f-]{36}"\}')
_UNOPENED_BLOCK = re.compile(rb'"personal":' + _ENVELOPE_BYTES.pattern)
_ENVELOPE_PARTS = re.compile(rb'\{"(?:sealed":"([A-Za-z0-9+/=]*)"|erased":true),"key":"[0-9a-f-]{36}"\}')
_UNASKED: Any = object()  # the case's key, not yet asked for


def _shown(originator_id: Any) -> str:
    """An originator id for an error message, however the row held it; as it came where it is not an id."""
    try:
        return str(case_id_of(originator_id))
    except (ValueError, TypeError):
        return repr(originator_id)


def _stored_topic(cls: type[Any]) -> str:
    version = getattr(cls, "class_version", 1)
    return cls.TOPIC if version == 1 else f"{cls.TOPIC}@{version}"


def _read_current(state: bytes, decoder: msgspec.json.Decoder[Any], personal_fields: tuple[str, ...]) -> Any:
    """An event of the current class version, its envelopes (if it has personal fields) read as None; None where it
    needs the long way: a personal field holding a value stored in clear, or JSON that does not fit the class (an
    envelope of another shape among them, since a personal field holds a text or a list of texts), which the long
    way then reads or names."""
    if personal_fields:
        state = _ENVELOPE_BYTES.sub(b"null", state)
    try:
        event = decoder.decode(state)
    except msgspec.DecodeError:  # malformed, or not of the class
        return None
    if personal_fields and _holds_a_value(event, personal_fields):  # most types have none: no call per event
        return None
    return event


def _holds_a_value(event: Any, personal_fields: tuple[str, ...]) -> bool:
    """Whether a personal field still holds something once the envelopes are nulled: a value stored in clear."""
    for field in personal_fields:
        value = getattr(event, field)
        if value is not None and value not in ((), []):
            return True
    return False


def _list_of(cls: Any) -> Any:
    """`list[cls]` for a class known only when the mapper is made (mypy reads `list[x]` in place as a type)."""
    return list[cls]


def _read_current_run(
    states: list[bytes], decoder: msgspec.json.Decoder[list[Any]], personal_fields: tuple[str, ...]
) -> list[Any] | None:
    """`_read_current` over a run of rows of one topic, decoded as one array; None where any of them needs the long
    way (the caller then reads each alone). No envelope spans two rows: an envelope's sealed text holds no quote."""
    joined = b"[" + b",".join(states) + b"]"
    if personal_fields:
        joined = _ENVELOPE_BYTES.sub(b"null", joined)
    try:
        events = decoder.decode(joined)
    except msgspec.DecodeError:
        return None
    if len(events) != len(states):  # rows that are not one JSON object each
        return None
    if personal_fields and any(_holds_a_value(event, personal_fields) for event in events):
        return None
    return events


def _envelopes_in(state: bytes) -> list[tuple[bytes, int, int, bytes | None]] | None:
    """Each envelope in the stored JSON as (the name of the field holding it, where it starts, where it ends, its
    sealed text or None when erased); None when something there is not an envelope of the mapper's own shape held by
    a named field. Found with `bytes.find`, which is several times faster here than a regular expression's search."""
    found: list[tuple[bytes, int, int, bytes | None]] = []
    key = state.find(b'"key":')
    while key != -1:
        start = state.rfind(b'{"', 0, key)
        match = _ENVELOPE_PARTS.match(state, start) if start >= 2 else None
        if match is None or match.end() <= key or state[start - 2 : start] != b'":':
            return None
        name_start = state.rfind(b'"', 0, start - 2) + 1
        found.append((state[name_start : start - 2], start, match.end(), match[1]))
        key = state.find(b'"key":', match.end())
    return found


def _contexts_by_field(paths: list[Path]) -> dict[bytes, tuple[Path, bytes]]:
    """The path (and its part of `_context`) of each field name that holds personal data in exactly one place."""
    by_name: dict[bytes, list[Path]] = {}
    for path in paths:
        by_name.setdefault(path[-1].encode(), []).append(path)
    return {
        name: (found[0], ".".join(p for p in found[0] if p != EACH).encode())
        for name, found in by_name.items()
        if len(found) == 1
    }


def _value_in_clear(paths: list[Path]) -> re.Pattern[bytes]:
    """Finds, in the stored JSON, a personal field holding something else than null or an envelope: a value stored
    before the field was sealed. It may match more (a field of the same name elsewhere); `_open` then looks exactly."""
    names = sorted({path[-1] for path in paths})
    return re.compile(rb'"(?:' + b"|".join(re.escape(name.encode()) for name in names) + rb')":(?!null|\{|\[\])')


def _is_envelope(value: Any) -> bool:
    return isinstance(value, dict) and "key" in value and ("sealed" in value or "erased" in value)


def _context(case_id: UUID, path: Path) -> bytes:
    """What a sealed value is bound to: its case and its field."""
    return f"lotse-sealed-v1\n{case_id}\n{'.'.join(p for p in path if p != EACH)}".encode()


def _places(data: Any, path: Path) -> Iterator[tuple[Any, Any]]:
    """Every (container, key) the path reaches in decoded JSON."""
    head, rest = path[0], path[1:]
    if head == EACH:
        if isinstance(data, list):
            for index, item in enumerate(data):
                yield from ((data, index),) if not rest else _places(item, rest)
        return
    if not isinstance(data, dict) or head not in data:
        return
    if not rest:
        yield data, head
    else:
        yield from _places(data[head], rest)
