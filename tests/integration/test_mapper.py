"""Stored events stay readable when their class changes: explicit topics, class versions and upcasters."""

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, ClassVar
from uuid import UUID, uuid4

import msgspec
import pytest
from eventsourcing.persistence import MapperDeserialisationError, StoredEvent
from msgspec import to_builtins

from application.cases import CaseService
from application.errors import KeyStoreError
from infrastructure.bootstrap import Lotse, bootstrap, utc_now
from infrastructure.eventstore.mapper import STORED_TYPES, MsgspecMapper
from infrastructure.eventstore.recorders import PostgresCaseRecorder, lean_cursor
from infrastructure.settings import Settings
from tests.integration.conftest import AGENCY, COUNSELLOR, open_case_command, session

RECORDED_AT = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


class NoteTaken(msgspec.Struct, frozen=True, kw_only=True):
    """Test-only event at class version 2: version 1 stored `text`; version 2 calls it `note` and adds `minutes`."""

    TOPIC: ClassVar[str] = "X"
    class_version: ClassVar[int] = 2

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    recorded_by: str
    note: str
    minutes: int

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["note"] = state.pop("text")
        state["minutes"] = 0


class NoteTakenV3(msgspec.Struct, frozen=True, kw_only=True):
    """Version 3 of the same event: `minutes` became `duration_minutes`; reading v1 runs both upcasters."""

    TOPIC: ClassVar[str] = "X"
    class_version: ClassVar[int] = 3

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    recorded_by: str
    note: str
    duration_minutes: int

    upcast_v1_v2 = NoteTaken.upcast_v1_v2

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        state["duration_minutes"] = state.pop("minutes")


def stored_v1(originator_id: UUID, version: int = 1, text: str = "first meeting") -> StoredEvent:
    """What version 1 of the class wrote: topic without a version, the old field name."""
    state = {
        "originator_id": str(originator_id),
        "originator_version": version,
        "timestamp": "2026-06-01T08:00:00Z",
        "recorded_by": COUNSELLOR,
        "text": text,
    }
    return StoredEvent(
        originator_id=originator_id, originator_version=version, topic="X", state=msgspec.json.encode(state)
    )


def test_an_event_stored_by_an_older_class_version_is_upcast_when_read() -> None:
    mapper = MsgspecMapper(stored_types={**STORED_TYPES, "X": NoteTaken})
    case_id = uuid4()

    event = mapper.to_domain_event(stored_v1(case_id))

    assert event == NoteTaken(
        originator_id=case_id,
        originator_version=1,
        timestamp=RECORDED_AT,
        recorded_by=COUNSELLOR,
        note="first meeting",
        minutes=0,
    )


def test_an_event_of_the_current_class_version_round_trips_under_a_versioned_topic() -> None:
    mapper = MsgspecMapper(stored_types={"X": NoteTaken})
    event = NoteTaken(
        originator_id=uuid4(),
        originator_version=3,
        timestamp=RECORDED_AT,
        recorded_by=COUNSELLOR,
        note="second meeting",
        minutes=30,
    )

    stored = mapper.to_stored_event(event)

    assert stored.topic == "X@2"
    assert mapper.to_domain_event(stored) == event


def test_upcasters_run_in_order_across_several_versions() -> None:
    mapper = MsgspecMapper(stored_types={"X": NoteTakenV3})
    case_id = uuid4()

    from_v1 = mapper.to_domain_event(stored_v1(case_id))
    from_v2 = mapper.to_domain_event(
        mapper_v2_stored(case_id, note="from v2", minutes=45),
    )

    assert (from_v1.note, from_v1.duration_minutes) == ("first meeting", 0)
    assert (from_v2.note, from_v2.duration_minutes) == ("from v2", 45)


def mapper_v2_stored(case_id: UUID, note: str, minutes: int) -> StoredEvent:
    v2 = NoteTaken(
        originator_id=case_id,
        originator_version=2,
        timestamp=RECORDED_AT,
        recorded_by=COUNSELLOR,
        note=note,
        minutes=minutes,
    )
    return MsgspecMapper(stored_types={"X": NoteTaken}).to_stored_event(v2)


@pytest.mark.parametrize(
    "topic",
    ["lotse.case.NoSuchEvent", "Y", "domain.events.CaseOpened", "X@two", "X@0", ""],
    ids=["unknown-lotse-topic", "unknown-topic", "module-path", "bad-version", "version-zero", "empty"],
)
def test_an_unreadable_topic_is_a_mapper_error(topic: str) -> None:
    mapper = MsgspecMapper(stored_types={**STORED_TYPES, "X": NoteTaken})
    stored = stored_v1(uuid4())

    with pytest.raises(MapperDeserialisationError):
        mapper.to_domain_event(StoredEvent(stored.originator_id, stored.originator_version, topic, stored.state))


def test_an_event_written_by_a_newer_class_version_is_not_read_as_an_older_one() -> None:
    """After a rollback, version-2 code must not silently drop what version 3 stored."""
    newer = MsgspecMapper(stored_types={"X": NoteTakenV3})
    event = NoteTakenV3(
        originator_id=uuid4(),
        originator_version=1,
        timestamp=RECORDED_AT,
        recorded_by=COUNSELLOR,
        note="from the future",
        duration_minutes=20,
    )
    stored = newer.to_stored_event(event)
    assert stored.topic == "X@3"
    # Also carries every field version 2 needs, so only the version in the topic tells them apart.
    state = {**msgspec.json.decode(stored.state), "minutes": 20}
    stored = StoredEvent(stored.originator_id, stored.originator_version, stored.topic, msgspec.json.encode(state))

    with pytest.raises(MapperDeserialisationError):
        MsgspecMapper(stored_types={"X": NoteTaken}).to_domain_event(stored)


def test_a_stored_state_that_does_not_fit_its_class_is_a_mapper_error() -> None:
    mapper = MsgspecMapper(stored_types={"X": NoteTaken})
    stored = stored_v1(uuid4())
    broken = StoredEvent(stored.originator_id, stored.originator_version, "X@2", b'{"note": 1}')

    with pytest.raises(MapperDeserialisationError):
        mapper.to_domain_event(broken)


def test_an_old_event_in_the_database_is_upcast_when_read_back(service: CaseService) -> None:
    """Written on this backend as version 1 would have written it; read with the version-2 class."""
    case_id = uuid4()
    service.recorder.insert_events([stored_v1(case_id, 1, "first"), stored_v1(case_id, 2, "second")])
    mapper = MsgspecMapper(stored_types={**STORED_TYPES, "X": NoteTaken})

    events = [mapper.to_domain_event(stored) for stored in service.recorder.select_events(case_id)]

    assert [(event.originator_version, event.note, event.minutes) for event in events] == [
        (1, "first", 0),
        (2, "second", 0),
    ]
    assert all(isinstance(event, NoteTaken) for event in events)


def test_case_events_in_the_database_decode_with_the_default_mapper(system: Lotse, service: CaseService) -> None:
    case_id = service.open_case(AGENCY, open_case_command(), COUNSELLOR).case.id
    (stored,) = service.recorder.select_events(case_id)

    assert stored.topic == "lotse.case.CaseOpened"
    event = MsgspecMapper(keys=system.key_vault).to_domain_event(stored)
    assert event.originator_id == case_id
    assert event.agency == AGENCY
    assert to_builtins(event.personal) == {**to_builtins(open_case_command().personal), "birth_date": None}
    # Personal data are sealed: a mapper without the key vault cannot open them, and says so.
    with pytest.raises(KeyStoreError):
        MsgspecMapper().to_domain_event(stored)


def test_rows_of_the_log_as_rebuilds_and_replays_read_them_decode_as_a_case_read_does(
    system: Lotse, service: CaseService
) -> None:
    """Rebuilds and as-of replays read the log's rows with each id as the database hands it (16 bytes from
    PostgreSQL, text from SQLite). A mapper that opens personal data finds the case's key by that id, and a page of
    rows by aggregate starts after the row that ended the previous page."""
    case_ids = [service.open_case(AGENCY, open_case_command(), COUNSELLOR).case.id for _ in range(3)]
    for case_id in case_ids:
        service.record_step(case_id, session(date(2026, 2, 2)), COUNSELLOR, agency=AGENCY)
    mapper = MsgspecMapper(keys=system.key_vault)
    recorder = service.recorder
    read_by_case = {
        case_id: [mapper.to_domain_event(row) for row in recorder.select_events(case_id)] for case_id in case_ids
    }
    assert read_by_case[case_ids[0]][0].personal.name == open_case_command().personal.name is not None

    in_log_order = [mapper.decode(*row[1:]) for row in recorder.select_log_rows(1, 100)]
    by_aggregate: list[Any] = []
    after = None
    while rows := recorder.select_rows_by_aggregate(after, 10**9, 1):
        by_aggregate += [mapper.decode(*row) for row in rows]
        after = rows[-1][0], rows[-1][1]

    # Three openings, then three sessions.
    assert [event for event in in_log_order if event.originator_id in read_by_case] == [
        event for events in zip(*read_by_case.values(), strict=True) for event in events
    ]
    assert [event for event in by_aggregate if event.originator_id in read_by_case] == [
        event for case_id in sorted(case_ids, key=lambda each: each.int) for event in read_by_case[case_id]
    ]


@pytest.mark.postgres
def test_a_lean_read_of_the_log_leaves_the_connections_other_reads_with_ids_as_ids(
    postgres_schema_url: str, tmp_path: Path
) -> None:
    """The lean reads take ids as bytes on a cursor of their own. The connection goes back to the pool, and the next
    cursor on it reads a uuid column as a UUID, as every other read expects."""
    system = bootstrap(Settings(database_url=postgres_schema_url, data_dir=tmp_path / "data"), clock=utc_now)
    try:
        case_id = system.cases.open_case(AGENCY, open_case_command(), COUNSELLOR).case.id
        recorder = system.cases.recorder
        assert isinstance(recorder, PostgresCaseRecorder)
        first_id = f'SELECT originator_id FROM "{recorder.datastore.schema}".{recorder.events_table_name} LIMIT 1'
        with recorder.datastore.get_connection() as connection:
            with lean_cursor(connection) as lean:
                lean.execute(first_id, binary=True)
                assert lean.fetchall() == [(case_id.bytes,)]
            with connection.cursor() as plain:  # the library's dict rows
                plain.execute(first_id, binary=True)
                assert plain.fetchall() == [{"originator_id": case_id}]
        (row,) = recorder.select_log_rows(1, 1)
        assert row[1] == case_id.bytes
        assert [event.originator_id for _, event in system.cases.ports.event_log.events_between(1, 1, 1)] == [case_id]
    finally:
        system.close()
