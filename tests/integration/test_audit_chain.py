"""The hash chain: written with the events, recomputed from the raw events alone, and every tampering found at its
position — an altered byte, a deleted event, two events reordered, a forged one — on SQLite and on PostgreSQL."""

import random
import threading
from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from application.cases import CaseService
from infrastructure.audit.chain import CHAIN_TABLE, GENESIS, chain_link
from infrastructure.audit.trail import AuditTrail
from infrastructure.bootstrap import Lotse
from infrastructure.eventstore.migrations import MIGRATIONS_TABLE, migrate_database
from infrastructure.settings import Settings
from tests.integration.conftest import AGENCY, COUNSELLOR, LotseFactory, open_case_command, session
from tests.raw_log import RawLog


@pytest.fixture
def audit(system: Lotse) -> AuditTrail:
    return system.audit


@pytest.fixture
def raw(settings: Settings) -> RawLog:
    return RawLog(settings)


def record_cases(service: CaseService, cases: int = 4, sessions: int = 5) -> list[UUID]:
    """Opens `cases` cases with `sessions` counselling sessions each, interleaved across the cases."""
    recorded = [service.open_case(AGENCY, open_case_command(), COUNSELLOR) for _ in range(cases)]
    for day in range(sessions):
        for case in recorded:
            service.record_step(
                case.case.id, session(date(2026, 1, 6) + timedelta(days=day)), COUNSELLOR, agency=AGENCY
            )
    return [case.case.id for case in recorded]


def test_every_event_gets_a_link_over_its_raw_row_and_the_previous_link(
    service: CaseService, audit: AuditTrail, raw: RawLog
) -> None:
    record_cases(service)

    rows, links = raw.rows(), raw.links()
    assert [position for position, _ in links] == [row[0] for row in rows]
    previous = GENESIS
    for (position, case_id, version, topic, payload), (_, stored) in zip(rows, links, strict=True):
        previous = chain_link(previous, position, case_id, version, topic, payload)
        assert stored == previous
    result = audit.verify()
    assert result.ok, result
    assert (result.events_checked, result.position, result.head) == (len(rows), rows[-1][0], previous)
    assert result.first_bad_position is None
    assert result.problem is None


def test_the_chain_head_at_a_position_is_the_link_of_the_last_event_up_to_it(
    service: CaseService, audit: AuditTrail, raw: RawLog
) -> None:
    record_cases(service, cases=2, sessions=2)

    links = raw.links()
    assert audit.chain_head_at(0) == GENESIS
    for position, link in links:
        assert audit.chain_head_at(position) == link
    assert audit.chain_head_at(links[-1][0] + 1000) == links[-1][1]
    assert audit.head_at(links[2][0]) == links[2][1]


def test_an_untouched_log_of_several_thousand_events_verifies(
    service: CaseService, audit: AuditTrail, raw: RawLog
) -> None:
    record_cases(service, cases=3, sessions=3)
    # Beside the service's own events, thousands more straight through the recorder, in transactions of 1 to 60.
    generator = random.Random(7)
    total = 0
    while total < 4000:
        size = generator.randint(1, 60)
        batch = [
            StoredEvent(uuid4(), version, "lotse.test.Filler", generator.randbytes(generator.randint(0, 300)))
            for version in range(1, size + 1)
        ]
        service.recorder.insert_events(batch)
        total += size

    result = audit.verify()

    rows = raw.rows()
    assert len(rows) == total + 12
    assert result.ok, result
    assert result.events_checked == len(rows)
    assert result.position == rows[-1][0]
    assert result.head == audit.chain_head_at(result.position)


def test_concurrent_writers_leave_one_unbroken_chain(make_lotse: LotseFactory) -> None:
    writers = [make_lotse() for _ in range(4)]
    errors: list[BaseException] = []

    def write(service: CaseService) -> None:
        try:
            record_cases(service, cases=3, sessions=4)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(writer.cases,)) for writer in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    result = writers[0].audit.verify()
    assert result.ok, result
    assert result.events_checked == 4 * 3 * 5


def test_a_log_recorded_before_the_chain_existed_is_chained_by_the_first_migration(
    service: CaseService, make_lotse: LotseFactory, raw: RawLog, settings: Settings
) -> None:
    record_cases(service, cases=2, sessions=2)
    links = raw.links()
    raw.delete_links()  # as if these events had been recorded by a Lotse without the chain, and without migrations
    migrations = MIGRATIONS_TABLE if not settings.uses_postgres else raw.chain.replace(CHAIN_TABLE, MIGRATIONS_TABLE)
    with raw.connection() as connection:
        raw.execute(connection, f"DELETE FROM {migrations}")

    migrate_database(settings)  # what `lotse migrate` does (and the SQLite default at start)
    restarted = make_lotse()

    assert raw.links() == links
    assert restarted.audit.verify().ok


# Tampering, each found at exactly its position


def test_one_changed_byte_of_one_payload_is_found_at_its_position(
    service: CaseService, audit: AuditTrail, raw: RawLog
) -> None:
    record_cases(service)
    positions = raw.positions()
    target = positions[7]
    head_before = audit.chain_head_at(positions[6])

    raw.flip_byte(target)
    result = audit.verify()

    assert not result.ok
    assert result.first_bad_position == target
    assert result.events_checked == 7
    assert (result.position, result.head) == (positions[6], head_before)
    assert result.problem is not None
    assert f"position {target}" in result.problem


def test_a_changed_byte_in_the_first_and_in_the_last_event_is_found(
    service: CaseService, audit: AuditTrail, raw: RawLog
) -> None:
    record_cases(service, cases=2, sessions=2)
    positions = raw.positions()

    raw.flip_byte(positions[-1], index=0)
    assert audit.verify().first_bad_position == positions[-1]
    raw.flip_byte(positions[0], index=-1)
    result = audit.verify()
    assert result.first_bad_position == positions[0]
    assert (result.events_checked, result.head) == (0, GENESIS)


def test_a_deleted_event_is_found_at_its_position(service: CaseService, audit: AuditTrail, raw: RawLog) -> None:
    record_cases(service)
    target = raw.positions()[11]

    raw.delete(target)
    result = audit.verify()

    assert not result.ok
    assert result.first_bad_position == target
    assert result.events_checked == 11
    assert result.problem is not None
    assert "missing" in result.problem


def test_two_reordered_events_are_found_at_the_first_of_them(
    service: CaseService, audit: AuditTrail, raw: RawLog
) -> None:
    record_cases(service)
    positions = raw.positions()
    first, second = positions[5], positions[9]

    raw.swap(first, second)
    result = audit.verify()

    assert not result.ok
    assert result.first_bad_position == first
    assert result.events_checked == 5


def test_neighbours_swapped_are_found_too(service: CaseService, audit: AuditTrail, raw: RawLog) -> None:
    record_cases(service, cases=2, sessions=3)
    positions = raw.positions()

    raw.swap(positions[2], positions[3])

    assert audit.verify().first_bad_position == positions[2]


def test_a_forged_event_slipped_into_the_middle_is_found_at_its_position(
    service: CaseService, audit: AuditTrail, raw: RawLog
) -> None:
    case_ids = record_cases(service)
    positions = raw.positions()
    genuine = next(row for row in raw.rows() if row[0] == positions[8])

    raw.forge(positions[8], case_ids[0], 99, genuine[3], genuine[4])
    result = audit.verify()

    assert not result.ok
    assert result.first_bad_position == positions[8]
    assert result.events_checked == 8


def test_a_forged_event_appended_at_the_end_is_found_at_its_position(
    service: CaseService, audit: AuditTrail, raw: RawLog
) -> None:
    case_ids = record_cases(service, cases=2, sessions=2)
    rows = raw.rows()
    last = rows[-1][0]

    raw.forge(last + 1, case_ids[1], 4, rows[-1][3], rows[-1][4])
    result = audit.verify()

    assert not result.ok
    assert result.first_bad_position == last + 1
    assert result.events_checked == len(rows)
    assert result.problem is not None
    assert "no link" in result.problem


def test_an_altered_link_is_found_at_its_position(service: CaseService, audit: AuditTrail, raw: RawLog) -> None:
    record_cases(service, cases=2, sessions=2)
    positions = raw.positions()

    with raw.connection() as connection:
        raw.execute(connection, f"UPDATE {raw.chain} SET link = ? WHERE position = ?", ("f" * 64, positions[3]))

    assert audit.verify().first_bad_position == positions[3]


def test_new_events_after_a_tampering_do_not_hide_it(service: CaseService, audit: AuditTrail, raw: RawLog) -> None:
    case_ids = record_cases(service, cases=2, sessions=2)
    target = raw.positions()[2]
    raw.flip_byte(target)

    service.record_step(case_ids[0], session(date(2026, 2, 2)), COUNSELLOR, agency=AGENCY)

    assert audit.verify().first_bad_position == target
