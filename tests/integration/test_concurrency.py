"""Writers racing on a real database: optimistic concurrency loses no event and records none twice."""

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from application.cases import CaseService, Recorded
from application.errors import ConcurrentUpdate, StaleVersion
from application.ports import CaseListQuery, CaseSummary, IdempotencyClaim
from domain import steps
from infrastructure.bootstrap import Lotse, bootstrap
from infrastructure.eventstore.group_commit import Write
from infrastructure.eventstore.recorders import PostgresCaseRecorder
from infrastructure.privacy.keys import KEYS_TABLE
from infrastructure.settings import Settings
from tests.integration.conftest import AGENCY, COUNSELLOR, ServiceFactory, open_case_command, session
from tests.raw_log import RawLog

WRITERS = 8
ROUNDS = 5
BARRIER_TIMEOUT = 30


@dataclass(frozen=True)
class Outcome:
    writer: int
    recorded: Recorded | None = None
    error: BaseException | None = None


def race(tasks: list[Callable[[], Recorded]]) -> list[Outcome]:
    """Runs the tasks in threads released at the same moment; answers each one's result or error."""
    barrier = threading.Barrier(len(tasks), timeout=BARRIER_TIMEOUT)

    def run(writer: int, task: Callable[[], Recorded]) -> Outcome:
        barrier.wait()
        try:
            return Outcome(writer, recorded=task())
        except Exception as error:
            return Outcome(writer, error=error)

    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        futures = [pool.submit(run, writer, task) for writer, task in enumerate(tasks)]
        return [future.result(timeout=BARRIER_TIMEOUT * 2) for future in futures]


def topic_of(writer: int, round_: int) -> str:
    return f"writer-{writer}-round-{round_}"


def writers_for(services: list[CaseService], case_id: UUID, version: int, round_: int) -> list[Callable[[], Recorded]]:
    def task(writer: int) -> Callable[[], Recorded]:
        step = session(date(2026, 2, 1), minutes=writer + 1, topic=topic_of(writer, round_))
        service = services[writer % len(services)]
        return lambda: service.record_step(case_id, step, COUNSELLOR, expected_version=version, agency=AGENCY)

    return [task(writer) for writer in range(WRITERS)]


def assert_exactly_one_wins(outcomes: list[Outcome], version: int) -> Outcome:
    winners = [outcome for outcome in outcomes if outcome.recorded is not None]
    losers = [outcome for outcome in outcomes if outcome.error is not None]
    assert len(winners) == 1, [outcome.error for outcome in outcomes]
    assert len(losers) == WRITERS - 1
    for loser in losers:
        assert isinstance(loser.error, StaleVersion | ConcurrentUpdate), repr(loser.error)
    (winner,) = winners
    assert winner.recorded is not None
    assert winner.recorded.case.version == version + 1
    return winner


@pytest.mark.parametrize("instances", [1, 2, WRITERS], ids=["one-service", "two-services", "service-per-writer"])
def test_writers_racing_on_one_case_record_exactly_one_step_per_round(
    make_service: ServiceFactory, instances: int
) -> None:
    services = [make_service() for _ in range(instances)]
    case_id = services[0].open_case(AGENCY, open_case_command(), COUNSELLOR).case.id
    winning_topics = []
    positions = []

    for round_ in range(ROUNDS):
        version = services[0].get_case(case_id, personal_data=True).version
        assert version == round_ + 1
        outcomes = race(writers_for(services, case_id, version, round_))
        winner = assert_exactly_one_wins(outcomes, version)
        assert winner.recorded is not None
        winning_topics.append(topic_of(winner.writer, round_))
        positions.append(winner.recorded.position)
        for service in services:  # no instance serves a stale case after losing the race
            assert service.get_case(case_id, personal_data=True) == winner.recorded.case

    history = make_service().history(case_id, personal_data=True)
    assert [entry.version for entry in history] == list(range(1, ROUNDS + 2))
    assert [entry.data["topics"][0] for entry in history[1:]] == winning_topics
    assert positions == sorted(positions)
    assert len(set(positions)) == ROUNDS


def test_writers_without_expected_version_each_record_once(make_service: ServiceFactory) -> None:
    """Without If-Match a racing writer may be refused, but what it was told was recorded is recorded, once."""
    services = [make_service(), make_service()]
    case_id = services[0].open_case(AGENCY, open_case_command(), COUNSELLOR).case.id

    def task(writer: int) -> Callable[[], Recorded]:
        step = session(date(2026, 2, 1), minutes=writer + 1, topic=topic_of(writer, 0))
        return lambda: services[writer % 2].record_step(case_id, step, COUNSELLOR, agency=AGENCY)

    outcomes = race([task(writer) for writer in range(WRITERS)])

    succeeded = [outcome for outcome in outcomes if outcome.recorded is not None]
    assert succeeded
    for outcome in outcomes:
        if outcome.error is not None:
            assert isinstance(outcome.error, ConcurrentUpdate), repr(outcome.error)
    history = make_service().history(case_id, personal_data=True)
    assert len(history) == 1 + len(succeeded)
    recorded_topics = sorted(entry.data["topics"][0] for entry in history[1:])
    assert recorded_topics == sorted(topic_of(outcome.writer, 0) for outcome in succeeded)
    versions = sorted(outcome.recorded.case.version for outcome in succeeded if outcome.recorded)
    assert versions == [entry.version for entry in history[1:]]


def test_writers_on_distinct_cases_all_succeed(service: CaseService, make_service: ServiceFactory) -> None:
    steps_per_case = 10

    def journey(writer: int) -> Callable[[], Recorded]:
        def run() -> Recorded:
            recorded = service.open_case(AGENCY, open_case_command(), COUNSELLOR)
            for day in range(steps_per_case):
                step = session(date(2026, 1, 6 + day), minutes=writer + 1, topic=topic_of(writer, day))
                recorded = service.record_step(
                    recorded.case.id, step, COUNSELLOR, expected_version=day + 1, agency=AGENCY
                )
            return recorded

        return run

    outcomes = race([journey(writer) for writer in range(WRITERS)])

    assert [outcome.error for outcome in outcomes] == [None] * WRITERS
    restarted = make_service()
    case_ids = set()
    for outcome in outcomes:
        assert outcome.recorded is not None
        case = outcome.recorded.case
        case_ids.add(case.id)
        assert case.version == steps_per_case + 1
        assert restarted.get_case(case.id, personal_data=True) == case
        history = restarted.history(case.id, personal_data=True)
        assert [entry.data.get("topics", ("-",))[0] for entry in history[1:]] == [
            topic_of(outcome.writer, day) for day in range(steps_per_case)
        ]
    assert len(case_ids) == WRITERS
    logged = restarted.recorder.select_notifications(start=None, limit=1000)
    assert len(logged) == WRITERS * (steps_per_case + 1)
    assert len({notification.id for notification in logged}) == len(logged)


# Stale writers and the aggregate cache


def test_a_writer_with_an_old_version_is_told_the_case_moved_on(service: CaseService) -> None:
    recorded = service.open_case(AGENCY, open_case_command(), COUNSELLOR)
    case_id = recorded.case.id
    service.record_step(case_id, session(date(2026, 1, 6)), COUNSELLOR, expected_version=1, agency=AGENCY)

    with pytest.raises(StaleVersion) as raised:
        service.record_step(case_id, session(date(2026, 1, 7)), COUNSELLOR, expected_version=1, agency=AGENCY)

    assert (raised.value.expected, raised.value.actual) == (1, 2)
    assert len(service.history(case_id, personal_data=True)) == 2
    with pytest.raises(StaleVersion):
        service.record_step(case_id, session(date(2026, 1, 7)), COUNSELLOR, expected_version=3, agency=AGENCY)
    assert (
        service.record_step(
            case_id, session(date(2026, 1, 7)), COUNSELLOR, expected_version=2, agency=AGENCY
        ).case.version
        == 3
    )


def test_a_cached_case_is_not_served_stale_after_another_instance_wrote(make_service: ServiceFactory) -> None:
    first, second = make_service(), make_service()
    case_id = first.open_case(AGENCY, open_case_command(), COUNSELLOR).case.id
    cached = second.get_case(case_id, personal_data=True)  # the second instance now holds version 1 in its cache
    assert cached.version == 1

    written = first.record_step(case_id, session(date(2026, 1, 6)), COUNSELLOR, expected_version=1, agency=AGENCY)

    assert second.get_case(case_id, personal_data=True) == written.case
    with pytest.raises(StaleVersion) as raised:
        second.record_step(case_id, session(date(2026, 1, 7)), COUNSELLOR, expected_version=1, agency=AGENCY)
    assert raised.value.actual == 2
    again = second.record_step(case_id, session(date(2026, 1, 7)), COUNSELLOR, expected_version=2, agency=AGENCY)
    assert again.case.version == 3
    # And the other way round: the first instance's cached case catches up with the second's write.
    assert first.get_case(case_id, personal_data=True) == again.case
    assert first.record_step(case_id, session(date(2026, 1, 8)), COUNSELLOR, agency=AGENCY).case.version == 4
    assert [entry.version for entry in second.history(case_id, personal_data=True)] == [1, 2, 3, 4]


def test_an_erasure_by_another_instance_is_seen_at_once(make_service: ServiceFactory) -> None:
    first, second = make_service(), make_service()
    case_id = first.open_case(AGENCY, open_case_command(), COUNSELLOR).case.id
    assert second.get_case(case_id, personal_data=True).personal is not None

    first.erase_personal_data(case_id, "lead", agency=AGENCY)

    assert second.get_case(case_id, personal_data=True).personal is None


# Group commit


def test_concurrent_writers_are_each_answered_with_their_own_event_and_share_commits_on_postgres(
    system: Lotse, service: CaseService, settings: Settings
) -> None:
    opened = [service.open_case(AGENCY, open_case_command(), COUNSELLOR) for _ in range(32)]

    def first_session(case_id: UUID, writer: int) -> Callable[[], Recorded]:
        return lambda: service.record_step(
            case_id, session(date(2026, 1, 6), minutes=writer + 1), COUNSELLOR, agency=AGENCY
        )

    outcomes = race([first_session(recorded.case.id, writer) for writer, recorded in enumerate(opened)])

    assert [outcome.error for outcome in outcomes] == [None] * 32
    for outcome in outcomes:
        assert outcome.recorded is not None
        case_id = outcome.recorded.case.id
        assert service.history(case_id, personal_data=True)[-1].data["minutes"] == outcome.writer + 1
        assert service.ports.event_log.position_of(case_id, 2) == outcome.recorded.position
    assert system.audit.verify().ok
    if settings.uses_postgres:  # SQLite has one writer at a time by design; PostgreSQL commits writers together
        raw = RawLog(settings)
        with raw.connection(bypass_triggers=False) as connection:
            rows = connection.execute(f"SELECT xmin::text FROM {raw.events} WHERE originator_version = 2").fetchall()
        assert len({xmin for (xmin,) in rows}) < 32  # fewer transactions (WAL flushes) than writers


class WritesMeanwhile:
    """Answers the reassignment rule's question after another process has written to the case: the race is lost
    between the read of the case and the commit, deterministically."""

    def __init__(self) -> None:
        self.meanwhile: Callable[[], object] = lambda: None

    def is_active_counsellor(self, agency: str, subject: str) -> bool:
        self.meanwhile()
        return True


def test_a_writer_with_if_match_that_loses_at_commit_time_is_told_its_version_is_stale(
    make_lotse: Callable[..., Lotse],
) -> None:
    other_process = make_lotse().cases
    racing = WritesMeanwhile()
    this_process = make_lotse(counsellors=racing).cases
    case = this_process.open_case(AGENCY, open_case_command(), COUNSELLOR).case
    reassignment = steps.CounsellorAssigned(date=date(2026, 2, 1), counsellor="ben")
    racing.meanwhile = lambda: other_process.record_step(case.id, session(date(2026, 2, 1)), COUNSELLOR, agency=AGENCY)

    with pytest.raises(StaleVersion) as caught:  # 412 over HTTP: the writer must see the conflict, not a 409
        this_process.record_step(case.id, reassignment, "lea", expected_version=case.version, agency=AGENCY)

    assert (caught.value.expected, caught.value.actual) == (case.version, case.version + 1)
    assert this_process.get_case(case.id, personal_data=False).counsellor == COUNSELLOR  # nothing recorded


def test_a_writer_without_if_match_that_loses_at_commit_time_is_decided_again(make_lotse: Callable[..., Lotse]) -> None:
    other_process = make_lotse().cases
    racing = WritesMeanwhile()
    this_process = make_lotse(counsellors=racing).cases
    case = this_process.open_case(AGENCY, open_case_command(), COUNSELLOR).case
    reassignment = steps.CounsellorAssigned(date=date(2026, 2, 1), counsellor="ben")

    def once() -> None:
        racing.meanwhile = lambda: None
        other_process.record_step(case.id, session(date(2026, 2, 1)), COUNSELLOR, agency=AGENCY)

    racing.meanwhile = once
    recorded = this_process.record_step(case.id, reassignment, "lea", agency=AGENCY)

    assert (recorded.case.version, recorded.case.counsellor) == (case.version + 2, "ben")


@pytest.mark.postgres
def test_a_batch_the_database_refuses_leaves_nothing_behind_and_the_next_write_commits_and_chains(
    postgres_schema_url: str, tmp_path: Path
) -> None:
    """PostgreSQL's recorder begins and commits its transactions itself (one round trip with the lock, one with the
    links): a refused batch must leave none of its rows, and its connection ready for the next writer."""
    system = bootstrap(Settings(database_url=postgres_schema_url, data_dir=tmp_path / "data", pool_size=2))
    try:
        _refuse_a_batch_then_write(system)
    finally:
        system.close()


def _refuse_a_batch_then_write(system: Lotse) -> None:
    service = system.cases
    case = service.open_case(AGENCY, open_case_command(), COUNSELLOR).case
    recorder = service.recorder
    assert isinstance(recorder, PostgresCaseRecorder)
    opened = recorder.select_events(case.id)[0]
    claim = IdempotencyClaim(scope="ayse", key="refused-batch", fingerprint="f")
    summary = CaseSummary(case.id, AGENCY, "someone-else", "open", "intake", date(2026, 1, 5), 99)
    fresh = StoredEvent(case.id, case.version + 1, opened.topic, opened.state)

    with pytest.raises(IntegrityError):  # the opening event's version again: the unique key refuses the batch
        recorder.commit_batch([Write([fresh], {}), Write([opened], {"idempotency": claim, "case_summary": summary})])

    assert service.ports.idempotency_keys.find("ayse", "refused-batch") is None
    listed = service.ports.case_index.list(CaseListQuery(agency=AGENCY))
    assert [(item.counsellor, item.version) for item in listed] == [(COUNSELLOR, case.version)]
    assert recorder.select_events(case.id, gt=case.version) == []  # the other write of the batch is not in either
    for _ in range(3):  # every pooled connection was handed back ready: each write commits and links
        service.record_step(case.id, session(date(2026, 2, 1)), COUNSELLOR, agency=AGENCY)
    assert service.get_case(case.id, personal_data=False).version == case.version + 3
    assert system.audit.verify().ok


@pytest.mark.postgres
def test_a_batch_of_writes_gets_positions_in_its_order_and_keeps_every_byte_of_its_events(
    postgres_schema_url: str, tmp_path: Path
) -> None:
    """The group commit sends a batch's events to PostgreSQL as arrays, one a column: each write must get the positions
    of its own events, in the batch's order, and the log must hold each event's bytes as they were given."""
    system = bootstrap(Settings(database_url=postgres_schema_url, data_dir=tmp_path / "data", pool_size=2))
    try:
        service = system.cases
        first, second = (service.open_case(AGENCY, open_case_command(), COUNSELLOR).case for _ in range(2))
        recorder = service.recorder
        assert isinstance(recorder, PostgresCaseRecorder)
        every_byte = bytes(range(256))
        states = [every_byte, b"", b"\\x00\"'{},\n", every_byte[::-1] * 3]
        writes = [
            Write(
                [
                    StoredEvent(first.id, 2, "lotse.test.A", states[0]),
                    StoredEvent(first.id, 3, "lotse.test.B", states[1]),
                ],
                {},
            ),
            Write([StoredEvent(second.id, 2, "lotse.test.C", states[2])], {}),
            Write([StoredEvent(first.id, 4, "lotse.test.D", states[3])], {}),
        ]

        answers = recorder.commit_batch(writes)

        positions = [position for answer in answers for position in answer]
        assert [len(answer) for answer in answers] == [2, 1, 1]
        assert positions == sorted(positions)
        recorded = {
            (row.originator_id, row.originator_version): row
            for case in (first, second)
            for row in recorder.select_events(case.id, gt=1)
        }
        given = [stored for write in writes for stored in write.stored_events]
        assert [
            (
                recorded[stored.originator_id, stored.originator_version].topic,
                recorded[stored.originator_id, stored.originator_version].state,
            )
            for stored in given
        ] == [(stored.topic, stored.state) for stored in given]
        by_position = {
            notification.id: (notification.originator_id, notification.originator_version)
            for notification in recorder.select_notifications(start=positions[0], limit=10)
        }
        assert [by_position[position] for position in positions] == [
            (stored.originator_id, stored.originator_version) for stored in given
        ]
    finally:
        system.close()


@pytest.mark.postgres
def test_a_write_waiting_for_a_row_beside_its_events_holds_up_no_other_writer(
    postgres_server: str, postgres_schema_url: str, tmp_path: Path
) -> None:
    """Rows beside the events (here an erasure's destruction of the client's key) are written before the recording
    lock is taken: while one waits for a row another transaction holds, another process records its steps."""
    settings = Settings(database_url=postgres_schema_url, data_dir=tmp_path / "data")
    erasing, stepping = bootstrap(settings), bootstrap(settings)  # two processes: each its own group commit
    try:
        erased = erasing.cases.open_case(AGENCY, open_case_command(), COUNSELLOR).case
        stepped = stepping.cases.open_case(AGENCY, open_case_command(), COUNSELLOR).case
        schema = postgres_schema_url.rsplit("schema=", 1)[1]
        with psycopg.connect(postgres_server) as holding:  # as the name index's backfill holds a key row
            holding.execute(
                f'SELECT 1 FROM "{schema}".{KEYS_TABLE} WHERE case_id = %s FOR UPDATE', (str(erased.id),)
            ).fetchall()
            with ThreadPoolExecutor(max_workers=1) as eraser:
                erasure = eraser.submit(erasing.cases.erase_personal_data, erased.id, "lea", agency=AGENCY)
                time.sleep(0.5)  # the erasure waits for the key row
                started = time.monotonic()
                stepping.cases.record_step(stepped.id, session(date(2026, 2, 1)), COUNSELLOR, agency=AGENCY)
                waited = time.monotonic() - started
                assert not erasure.done()
                holding.rollback()
                erasure.result(timeout=30)
        assert waited < 2  # not held up until the key row was free, nor failed at the lock's timeout
        assert erasing.cases.get_case(erased.id, personal_data=False).personal_data_erased
        assert erasing.audit.verify().ok
    finally:
        erasing.close()
        stepping.close()
