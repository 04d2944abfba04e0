"""The mapper seals personal data and opens them again, with the key vault's keys (here an in-memory stand-in):
every personal field, in events and snapshots, bound to its case and field; and the master key's settings."""

import base64
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.persistence import StoredEvent

from application.errors import KeyStoreError
from domain import decisions, records, steps
from domain.case import CaseSnapshot
from domain.events import (
    CaseEvent,
    CaseOpened,
    CaseReopened,
    CounsellingSessionHeld,
    ExamAdmissionDecided,
    PlanAgreed,
    event_type_name,
)
from domain.evolution import evolve, project_case
from domain.privacy import NOT_KEPT_IN_STATE, PERSONAL_FIELDS, PERSONAL_ITEM_FIELDS, field_path
from infrastructure.eventstore.mapper import MsgspecMapper, StoredEventWithKey
from infrastructure.privacy.keys import MASTER_KEY_FILE, master_key, parse_master_key, seal
from infrastructure.settings import Settings, SettingsError
from tests.integration.conftest import (
    AGENCY,
    COUNSELLOR,
    every_step,
    marked_opening,
    personal_value_count,
    step_type,
    with_personal_values,
)

AT = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


class MemoryKeys:
    """The key vault's part the mapper uses, in memory: `erase` destroys a key."""

    def __init__(self) -> None:
        self.keys: dict[UUID, AESGCM | None] = {}

    def new_key(self, case_id: UUID) -> tuple[AESGCM, str]:
        key = AESGCM.generate_key(bit_length=256)
        self.keys[case_id] = AESGCM(key)
        return self.keys[case_id], base64.b64encode(key).decode()  # the vault wraps it; this stand-in need not

    def cipher_for(self, case_id: UUID) -> AESGCM | None:
        if case_id not in self.keys:
            raise KeyStoreError("key_missing", f"no key for case {case_id}")
        return self.keys[case_id]

    def erase(self, case_id: UUID) -> None:
        self.keys[case_id] = None


def journey(marker: str) -> list[CaseEvent]:
    """Every event type of a case, each personal field holding a marked value."""
    context = decisions.Context(
        recorded_by=COUNSELLOR,
        at=AT,
        today=date(2026, 6, 1),
        is_active_counsellor=lambda *_: True,
        is_offer_of_agency=lambda *_: True,
    )
    personal = steps.PersonalData(name=f"name {marker}", email=f"{marker}@example.org", address=f"street {marker}")
    opened = decisions.open_case(uuid4(), AGENCY, marked_opening(marker, personal)[0], context)
    events: list[CaseEvent] = [opened]
    case = evolve(None, opened)
    for step in every_step():
        marked, _ = with_personal_values(step, marker)
        event = decisions.record_step(case, marked, context)
        events.append(event)
        case = evolve(case, event)
    return events


@pytest.fixture
def keys() -> MemoryKeys:
    return MemoryKeys()


@pytest.fixture
def mapper(keys: MemoryKeys) -> MsgspecMapper:
    return MsgspecMapper(keys=keys)


def test_every_event_round_trips_and_no_personal_value_is_stored_in_clear(mapper: MsgspecMapper) -> None:
    marker = uuid4().hex
    events = journey(marker)

    stored = [mapper.to_stored_event(event) for event in events]

    assert [mapper.to_domain_event(item) for item in stored] == events
    assert not [item.topic for item in stored if marker.encode() in item.state]
    assert isinstance(stored[0], StoredEventWithKey)
    assert stored[0].wrapped_key
    assert not any(isinstance(item, StoredEventWithKey) for item in stored[1:])
    journey_types = ["case_opened", *(step_type(step) for step in every_step())]
    sealed_fields = [
        name
        for item, event_type in zip(stored, journey_types, strict=True)
        for name in PERSONAL_FIELDS.get(event_type, ())
        if set(value_at(msgspec.json.decode(item.state), field_path(name)) or ()) == {"sealed", "key"}
    ]
    assert len(sealed_fields) == sum(len(PERSONAL_FIELDS.get(name, ())) for name in journey_types)
    assert {"profile.target_occupation", "topics", "missing_documents", "provider", "organisation"} <= set(
        sealed_fields
    )
    # And inside lists: every plan item's description is sealed on its own.
    envelopes = sum(len(re.findall(rb'"sealed":', item.state)) for item in stored)
    assert envelopes == 2 + sum(personal_value_count(step) for step in every_step())
    plans = [msgspec.json.decode(item.state) for item in stored if item.topic.startswith(PlanAgreed.TOPIC)]
    assert plans
    assert all(set(entry["description"]) == {"sealed", "key"} for plan in plans for entry in plan["items"])


def value_at(data: Any, path: tuple[str, ...]) -> Any:
    """The value a path leads to, in decoded JSON or in an event (None where it leads nowhere)."""
    for name in path:
        data = data.get(name) if isinstance(data, dict) else getattr(data, name, None)
    return data


def personal_values(event: CaseEvent) -> list[object]:
    """The values of the event's personal fields, those of its lists' items too."""
    values = [value_at(event, field_path(name)) for name in PERSONAL_FIELDS.get(event_type_name(event), ())]
    for part, names in PERSONAL_ITEM_FIELDS.get(event_type_name(event), {}).items():
        values += [getattr(item, name) for item in getattr(event, part) for name in names]
    return values


def without_personal_values(event: CaseEvent) -> CaseEvent:
    """The event as a reader that does not open personal data sees it: every personal value None, the personal data
    block present but empty."""
    changes: dict[str, Any] = {}
    for name in PERSONAL_FIELDS.get(event_type_name(event), ()):
        head, *rest = field_path(name)
        if head == "personal":
            changes[head] = records.PersonalData()
        elif rest:
            changes[head] = msgspec.structs.replace(changes.get(head, getattr(event, head)), **dict.fromkeys(rest))
        else:
            changes[head] = None
    for part, names in PERSONAL_ITEM_FIELDS.get(event_type_name(event), {}).items():
        changes[part] = tuple(msgspec.structs.replace(item, **dict.fromkeys(names)) for item in getattr(event, part))
    return msgspec.structs.replace(event, **changes)


def test_an_event_without_personal_data_is_stored_as_before(mapper: MsgspecMapper) -> None:
    decided = next(event for event in journey("x") if isinstance(event, ExamAdmissionDecided))
    silent = msgspec.structs.replace(decided, reason=None)

    stored = mapper.to_stored_event(silent)

    assert stored.state == msgspec.json.encode(silent)
    assert mapper.to_domain_event(stored) == silent


def test_text_stored_in_clear_before_its_field_was_sealed_reads_as_itself_until_erased(
    mapper: MsgspecMapper, keys: MemoryKeys
) -> None:
    """Topics, missing documents, providers, occupations and organisations were stored in clear before 0.2 sealed
    them. Stored history is never rewritten: such an event reads as it was while the client's key lives, shows its
    text to no reader that does not open personal data, and reads as erased once the key is destroyed."""
    events = journey("clear")
    stored = [mapper.to_stored_event(event) for event in events]
    in_clear = []
    for event, item in zip(events, stored, strict=True):
        data = msgspec.json.decode(item.state)
        for name in PERSONAL_FIELDS.get(event_type_name(event), ()):
            *parents, last = field_path(name)
            place = value_at(data, tuple(parents)) if parents else data
            if isinstance(place, dict) and place.get(last) is not None and name != "personal":
                place[last] = msgspec.to_builtins(value_at(event, field_path(name)))
        in_clear.append(moved(item, state=msgspec.json.encode(data)))
    sessions = [item for item in in_clear if item.topic.startswith(CounsellingSessionHeld.TOPIC)]
    assert sessions
    assert all(b'"sealed"' not in item.state and b'"topics":["' in item.state for item in sessions)

    assert [mapper.to_domain_event(item) for item in in_clear] == events
    unopened = [mapper.sealed().to_domain_event(item) for item in in_clear]
    assert all(value is None for event in unopened[1:] for value in personal_values(event))
    assert unopened[0].profile.target_occupation is None  # type: ignore[attr-defined]
    keys.erase(events[0].originator_id)
    erased = [mapper.to_domain_event(item) for item in in_clear]
    assert all(value is None for event in erased[1:] for value in personal_values(event))
    assert erased[0].profile.target_occupation is None  # type: ignore[attr-defined]
    assert erased[0].profile.birth_year == events[0].profile.birth_year  # type: ignore[attr-defined]


def test_snapshots_are_sealed_too(mapper: MsgspecMapper) -> None:
    marker = uuid4().hex
    events = journey(marker)
    for event in events:
        mapper.to_stored_event(event)  # creates the case's key
    case = None
    for event in events:
        case = evolve(case, event)
    assert case is not None
    snapshot = CaseSnapshot(originator_id=case.id, originator_version=case.version, timestamp=AT, state=case)

    stored = mapper.to_stored_event(snapshot)

    assert marker.encode() not in stored.state
    assert mapper.to_domain_event(stored) == snapshot


def moved(item: StoredEvent, **changes: Any) -> StoredEvent:
    fields = {"originator_id": item.originator_id, "originator_version": item.originator_version}
    return StoredEvent(**{**fields, "topic": item.topic, "state": item.state, **changes})


def test_a_sealed_value_opens_only_in_its_own_case_and_field(mapper: MsgspecMapper, keys: MemoryKeys) -> None:
    first, second = journey("first"), journey("second")
    stored_first = [mapper.to_stored_event(event) for event in first]
    stored_second = [mapper.to_stored_event(event) for event in second]
    session = next(i for i, event in enumerate(first) if isinstance(event, CounsellingSessionHeld))

    # Into another case: the other case's key does not open it.
    with pytest.raises(KeyStoreError) as caught:
        mapper.to_domain_event(moved(stored_first[session], originator_id=stored_second[0].originator_id))
    assert caught.value.reason == "key_mismatch"
    # Into another field of the same case: bound to its field, it does not open there either.
    note = msgspec.json.decode(stored_first[session].state)["note"]
    opened = msgspec.json.decode(stored_first[0].state)
    opened["personal"] = note
    with pytest.raises(KeyStoreError):
        mapper.to_domain_event(moved(stored_first[0], state=msgspec.json.encode(opened)))
    # One flipped bit: the ciphertext does not authenticate.
    note["sealed"] = base64.b64encode(
        bytes([base64.b64decode(note["sealed"])[0] ^ 1]) + base64.b64decode(note["sealed"])[1:]
    ).decode()
    changed = msgspec.json.decode(stored_first[session].state)
    changed["note"] = note
    with pytest.raises(KeyStoreError):
        mapper.to_domain_event(moved(stored_first[session], state=msgspec.json.encode(changed)))


def test_an_erased_key_reads_every_personal_field_as_none(mapper: MsgspecMapper, keys: MemoryKeys) -> None:
    events = journey("gone")
    stored = [mapper.to_stored_event(event) for event in events]
    keys.erase(events[0].originator_id)

    read = [mapper.to_domain_event(item) for item in stored]

    assert isinstance(read[0], CaseOpened)
    assert read[0].personal is None
    assert read[0].profile.target_occupation is None
    # nothing else changes
    assert read[0].profile == msgspec.structs.replace(events[0].profile, target_occupation=None)  # type: ignore[attr-defined]
    for event in read[1:]:
        # also where a command requires it (course_dropped's reason, a plan item's description)
        assert personal_values(event) == [None] * len(personal_values(event)), event
    assert any(isinstance(event, PlanAgreed) and event.items for event in read)
    reopened = next(event for event in read[1:] if isinstance(event, CaseReopened))
    assert reopened.reason is None
    # Written after the erasure: stored as erased, never in clear.
    late = mapper.to_stored_event(events[2])
    assert b"note" in late.state
    assert msgspec.json.decode(late.state)["note"] == {"erased": True, "key": str(events[0].originator_id)}


def test_a_mapper_that_does_not_open_shows_the_block_as_present_and_the_text_as_none(mapper: MsgspecMapper) -> None:
    events = journey("closed")
    stored = [mapper.to_stored_event(event) for event in events]
    sealed = mapper.sealed()
    sealed.keys = None  # it never asks for a key

    read = [sealed.to_domain_event(item) for item in stored]

    assert read[0].personal == records.PersonalData()  # type: ignore[attr-defined]
    assert all(value is None for event in read[1:] for value in personal_values(event))
    assert read == [without_personal_values(event) for event in events]  # and everything else as recorded


def test_without_a_key_vault_personal_data_are_never_stored() -> None:
    with pytest.raises(TypeError, match="never stored in clear"):
        MsgspecMapper().to_stored_event(journey("nowhere")[0])


def test_a_missing_key_is_an_error_not_an_erasure(mapper: MsgspecMapper, keys: MemoryKeys) -> None:
    events = journey("missing")
    stored = mapper.to_stored_event(events[0])
    del keys.keys[events[0].originator_id]

    with pytest.raises(KeyStoreError, match="no key for case"):
        mapper.to_domain_event(stored)


# The master key


@pytest.mark.parametrize(
    "text",
    [
        "ab" * 32,
        "AB" * 32,
        base64.b64encode(bytes(range(32))).decode(),
        base64.urlsafe_b64encode(b"\xfb" * 32).decode(),
    ],
    ids=["hex", "upper-hex", "base64", "urlsafe-base64"],
)
def test_the_master_key_is_given_in_hex_or_base64(text: str) -> None:
    assert len(parse_master_key(f" {text}\n", "LOTSE_MASTER_KEY")) == 32


@pytest.mark.parametrize("text", ["", "ab" * 31, "ab" * 33, "not a key", base64.b64encode(b"x" * 16).decode()])
def test_a_master_key_of_the_wrong_size_or_shape_is_refused(text: str) -> None:
    with pytest.raises(SettingsError, match="LOTSE_MASTER_KEY: the master key must be 32 bytes"):
        master_key(Settings(master_key=text or " "))


def test_a_generated_master_key_is_kept_private_and_reused(tmp_path: Path) -> None:
    first = master_key(Settings(data_dir=tmp_path))

    assert master_key(Settings(data_dir=tmp_path)) == first
    assert (tmp_path / MASTER_KEY_FILE).stat().st_mode & 0o777 == 0o600
    assert [path.name for path in tmp_path.iterdir()] == [MASTER_KEY_FILE]
    assert master_key(Settings(data_dir=tmp_path, master_key="cd" * 32)) == bytes.fromhex("cd" * 32)


def test_a_damaged_master_key_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / MASTER_KEY_FILE).write_text("truncated")
    with pytest.raises(SettingsError, match=MASTER_KEY_FILE):
        master_key(Settings(data_dir=tmp_path))


# Release 0.1's layout: step events nested the step command under "step", with its "type" beside its fields, and
# their sealed values are bound to that path ("step.note"). Such events are read, never rewritten.


def as_release_0_1_wrote_it(mapper: MsgspecMapper, keys: MemoryKeys, event: CaseEvent) -> StoredEvent:
    """The stored form 0.1 gave the event: topic without a version, fields under "step", sealed at "step.<name>"."""
    data = msgspec.to_builtins(event)
    envelope = {name: data.pop(name) for name in ("originator_id", "originator_version", "timestamp", "recorded_by")}
    case_id = event.originator_id
    cipher = keys.cipher_for(case_id)
    for name in PERSONAL_FIELDS.get(event_type_name(event), ()):
        if data.get(name) is not None:
            context = f"lotse-sealed-v1\n{case_id}\nstep.{name}".encode()
            sealed = seal(cipher, msgspec.json.encode(data[name]), context) if cipher is not None else None
            data[name] = {"sealed": sealed, "key": str(case_id)} if sealed else {"erased": True, "key": str(case_id)}
    state = msgspec.json.encode({**envelope, "step": {"type": event_type_name(event), **data}})
    return StoredEvent(case_id, event.originator_version, type(event).TOPIC, state)


def test_step_events_stored_by_release_0_1_read_as_the_current_events(mapper: MsgspecMapper, keys: MemoryKeys) -> None:
    events = journey("old")
    mapper.to_stored_event(events[0])  # the case's key
    old = [as_release_0_1_wrote_it(mapper, keys, event) for event in events[1:]]

    assert [mapper.to_domain_event(item) for item in old] == events[1:]
    assert all(b'"step":' in item.state and "@" not in item.topic for item in old)


def test_release_0_1_payloads_read_erased_and_unopened_too(mapper: MsgspecMapper, keys: MemoryKeys) -> None:
    events = journey("old and gone")
    mapper.to_stored_event(events[0])
    old = [as_release_0_1_wrote_it(mapper, keys, event) for event in events[1:]]
    sealed_reader = mapper.sealed()
    unopened = [sealed_reader.to_domain_event(item) for item in old]
    keys.erase(events[0].originator_id)
    erased = [mapper.to_domain_event(item) for item in old]

    for read in (unopened, erased):
        assert all(value is None for event in read for value in personal_values(event))
        assert [event.originator_version for event in read] == [event.originator_version for event in events[1:]]


def test_fields_a_release_does_not_know_are_ignored_when_reading(mapper: MsgspecMapper) -> None:
    events = journey("x")
    mapper.to_stored_event(events[0])  # the case's key: the session's topics are sealed under it
    session = next(event for event in events if isinstance(event, CounsellingSessionHeld))
    stored = mapper.to_stored_event(msgspec.structs.replace(session, note=None))
    later = msgspec.json.decode(stored.state) | {"room": "B2", "billed_minutes": 45}  # as a later release might add

    read = mapper.to_domain_event(moved(stored, state=msgspec.json.encode(later)))

    assert read == msgspec.structs.replace(session, note=None)


def test_a_session_stored_before_0_2_reads_with_the_defaults_of_its_new_fields(mapper: MsgspecMapper) -> None:
    events = journey("x")
    mapper.to_stored_event(events[0])  # the case's key: the session's topics are sealed under it
    session = next(event for event in events if isinstance(event, CounsellingSessionHeld))
    stored = mapper.to_stored_event(msgspec.structs.replace(session, note=None))
    earlier = {
        name: value
        for name, value in msgspec.json.decode(stored.state).items()
        if name not in ("mode", "language", "interpreter")
    }

    read = mapper.to_domain_event(moved(stored, state=msgspec.json.encode(earlier)))

    assert isinstance(read, CounsellingSessionHeld)
    assert (session.mode, session.language, session.interpreter) == ("video", "tr", True)
    assert (read.mode, read.language, read.interpreter) == ("in_person", "de", False)
    assert msgspec.structs.replace(read, mode="video", language="tr", interpreter=True, note=session.note) == session


@pytest.mark.parametrize("marker", ["plain", 'quote " backslash \\ "key": {"sealed":"x"} ü ß 😀'])
def test_opening_sealed_values_in_the_stored_bytes_reads_what_opening_the_decoded_json_reads(
    mapper: MsgspecMapper, keys: MemoryKeys, monkeypatch: pytest.MonkeyPatch, marker: str
) -> None:
    """The fast path (envelopes replaced by their opened JSON before decoding) and the general one (`_open` over the
    decoded JSON) must read every stored event alike: for every event type, with texts that look like JSON, and
    once the key is destroyed."""
    events = journey(marker)
    stored = [mapper.to_stored_event(event) for event in events]
    fast = [mapper.to_domain_event(item) for item in stored]
    assert fast == events
    case_id = events[0].originator_id
    sealed = [item for item in stored if b'"sealed":' in item.state]
    opened_in_place = [mapper._opened_in_place(item.state, item.topic.partition("@")[0], case_id) for item in sealed]
    assert None not in opened_in_place  # every one of them took the fast path

    monkeypatch.setattr(MsgspecMapper, "_opened_in_place", lambda *_: None)
    assert [mapper.to_domain_event(item) for item in stored] == fast
    monkeypatch.undo()

    keys.erase(events[0].originator_id)
    erased_fast = [mapper.to_domain_event(item) for item in stored]
    monkeypatch.setattr(MsgspecMapper, "_opened_in_place", lambda *_: None)
    assert [mapper.to_domain_event(item) for item in stored] == erased_fast


@pytest.mark.parametrize("marker", ["plain", 'quote " backslash \\ "key": {"sealed":"x"} null [] ü 😀'])
def test_a_mapper_that_does_not_open_reads_by_its_shortcut_what_it_reads_the_long_way(
    mapper: MsgspecMapper, keys: MemoryKeys, monkeypatch: pytest.MonkeyPatch, marker: str
) -> None:
    """Views and statistics read current events without searching them for text stored in clear (envelopes nulled,
    then the decoded personal fields looked at): for every event type, sealed, erased, and stored in clear, it must
    read what the general way reads, which never shows the text."""
    events = journey(marker)
    stored = [mapper.to_stored_event(event) for event in events]
    in_clear = [
        moved(item, state=msgspec.json.encode({**msgspec.json.decode(item.state), **personal_in_clear(event)}))
        for event, item in zip(events, stored, strict=True)
    ]
    keys.erase(events[0].originator_id)
    erased = [mapper.to_stored_event(event) for event in events[1:]]
    assert sum(b'"erased":true' in item.state for item in erased) >= len(PERSONAL_FIELDS) - 1  # all but the opening
    sealed = mapper.sealed()
    sealed.keys = None
    rows = stored + in_clear + erased

    shortcut = [sealed.to_domain_event(item) for item in rows]
    monkeypatch.setattr(sealed, "_current", {})
    assert shortcut == [sealed.to_domain_event(item) for item in rows]
    assert all(value is None for event in shortcut if event.originator_version > 1 for value in personal_values(event))
    assert not [event for event in shortcut if marker in msgspec.json.encode(event).decode()]


def personal_in_clear(event: CaseEvent) -> dict[str, Any]:
    """The event's own personal fields (not the opening's block nor the profile) as 0.1 stored them: in clear."""
    own = [name for name in PERSONAL_FIELDS.get(event_type_name(event), ()) if "." not in name and name != "personal"]
    return {name: msgspec.to_builtins(getattr(event, name)) for name in own if getattr(event, name) not in (None, ())}


def unread_where_the_state_does_not_keep_it(event: CaseEvent) -> CaseEvent:
    fields = NOT_KEPT_IN_STATE.get(event_type_name(event), ())
    return msgspec.structs.replace(event, **dict.fromkeys(fields)) if fields else event


@pytest.mark.parametrize("layout", ["sealed", "stored in clear", "as 0.1 stored it", "erased"])
def test_a_mapper_for_the_state_opens_all_that_the_state_keeps_and_leaves_the_rest_unread(
    mapper: MsgspecMapper, keys: MemoryKeys, layout: str
) -> None:
    """A replay to a case's state reads a session's topics and note (and the rest of NOT_KEPT_IN_STATE) without
    opening them, and everything else as the opening mapper does, whatever layout stored it: the same state."""
    events = journey("kept")
    stored = [mapper.to_stored_event(event) for event in events]
    rows = {
        "sealed": stored,
        "stored in clear": [
            moved(item, state=msgspec.json.encode({**msgspec.json.decode(item.state), **personal_in_clear(event)}))
            for event, item in zip(events, stored, strict=True)
        ],
        "as 0.1 stored it": stored[:1] + [as_release_0_1_wrote_it(mapper, keys, event) for event in events[1:]],
        "erased": stored,
    }[layout]
    if layout == "erased":
        keys.erase(events[0].originator_id)
    opened = [mapper.to_domain_event(item) for item in rows]

    for_state = [mapper.for_state().to_domain_event(item) for item in rows]

    assert [unread_where_the_state_does_not_keep_it(event) for event in for_state] == [
        unread_where_the_state_does_not_keep_it(event) for event in opened
    ]
    if layout in ("sealed", "erased"):
        assert for_state == [unread_where_the_state_does_not_keep_it(event) for event in opened]
    for count in range(1, len(rows) + 1):
        assert project_case(None, for_state[:count]) == project_case(None, opened[:count])


def runs_of_every_layout(mapper: MsgspecMapper, keys: MemoryKeys) -> tuple[UUID, list[tuple[int, str, bytes]]]:
    """A case's rows as a replay reads them (version, topic, state), each event in runs of its topic: sealed, stored in
    clear among sealed ones, erased, and as 0.1 stored it (a topic of its own)."""
    events = journey("runs")
    stored = [mapper.to_stored_event(event) for event in events]
    in_clear = [
        moved(item, state=msgspec.json.encode({**msgspec.json.decode(item.state), **personal_in_clear(event)}))
        for event, item in zip(events, stored, strict=True)
    ]
    of_0_1 = stored[:1] + [as_release_0_1_wrote_it(mapper, keys, event) for event in events[1:]]
    keys.erase(events[0].originator_id)
    erased = stored[:1] + [mapper.to_stored_event(event) for event in events[1:]]
    rows: list[tuple[int, str, bytes]] = []
    for run in zip(stored, stored, in_clear, stored, erased, erased, of_0_1, of_0_1, strict=True):
        rows += [(item.originator_version, item.topic, item.state) for item in run]
    return events[0].originator_id, rows


@pytest.mark.parametrize("which", ["opening", "for the state", "not opening"])
def test_a_run_of_rows_reads_as_each_row_alone(mapper: MsgspecMapper, keys: MemoryKeys, which: str) -> None:
    """A mapper decodes a run of rows of one topic in one call (`decode_rows`); whatever the rows hold, it reads
    what it reads row by row."""
    case_id, rows = runs_of_every_layout(mapper, keys)
    reading = {"opening": mapper, "for the state": mapper.for_state(), "not opening": mapper.sealed()}[which]

    assert reading.decode_rows(case_id, rows) == [reading.decode(case_id, *row) for row in rows]


def test_a_run_of_sealed_sessions_is_read_in_one_call(mapper: MsgspecMapper, monkeypatch: pytest.MonkeyPatch) -> None:
    every = journey("sessions")
    mapper.to_stored_event(every[0])  # the case's key
    events = [event for event in every if isinstance(event, CounsellingSessionHeld)]
    sessions = [msgspec.structs.replace(events[0], originator_version=version) for version in range(2, 12)]
    rows = [(item.originator_version, item.topic, item.state) for item in map(mapper.to_stored_event, sessions)]
    for_state = mapper.for_state()
    one_by_one = [for_state.decode(sessions[0].originator_id, *row) for row in rows]

    monkeypatch.setattr(for_state, "decode", None)  # not asked row by row
    in_one_call = for_state.decode_rows(sessions[0].originator_id, rows)

    assert in_one_call == one_by_one == [unread_where_the_state_does_not_keep_it(event) for event in sessions]


@pytest.mark.parametrize("damage", ["cut short", "two events in one row"])
def test_a_damaged_row_in_a_run_fails_as_it_fails_alone(mapper: MsgspecMapper, damage: str) -> None:
    every = journey("damaged")
    mapper.to_stored_event(every[0])  # the case's key
    events = [event for event in every if isinstance(event, CounsellingSessionHeld)]
    good = mapper.to_stored_event(events[0])
    damaged = good.state[:-9] if damage == "cut short" else good.state + b"," + good.state
    rows = [(2, good.topic, good.state), (3, good.topic, damaged), (4, good.topic, good.state)]
    for_state = mapper.for_state()

    with pytest.raises(Exception) as alone:  # noqa: PT011  # whatever it is, the run must raise the same
        for_state.decode(good.originator_id, *rows[1])
    with pytest.raises(type(alone.value)) as in_a_run:
        for_state.decode_rows(good.originator_id, rows)

    assert str(in_a_run.value) == str(alone.value)
