"""The desk's registers beside the cases on both backends: employers, short contacts and outreach events written
through the register service, their views exactly once and equal to their rebuild, and EECO19 live as the replay says.
"""

import random
import threading
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest

from application.desk import EmployerListQuery, PeriodQuery
from application.errors import EntryNotFound, StaleVersion
from application.ports import Principal, RetryKey
from application.synthetic import load_demo
from application.synthetic_desk import load_demo_desk
from domain.desk import OutreachEvent, RecordOutreachEvent, RecordShortContact, ShortContact
from domain.employers import (
    EMPLOYERS,
    ChangeEmployer,
    ContactEmployer,
    CounselEmployer,
    Employer,
    ReferEmployee,
    RegisterEmployer,
)
from infrastructure.bootstrap import Lotse, utc_now
from infrastructure.eventstore.sql import Database
from infrastructure.projections.desk_views import DESK_VIEW_TABLES
from infrastructure.projections.runner import ProjectionRunner
from infrastructure.projections.statistics_views import SME_SUPPORT_DAYS
from tests.integration.conftest import AGENCY, LotseFactory, open_case_command

TODAY = date(2026, 6, 1)  # the day of the tests' clock
AYSE = Principal(subject="ayse", role="counsellor", agency=AGENCY)
BEN = Principal(subject="ben", role="counsellor", agency=AGENCY)
CARLA = Principal(subject="carla", role="counsellor", agency="bonn")
FIRM = RegisterEmployer(name="Bäckerei Schmitz GmbH", size="small", sector="Handwerk", postal_code="50667")
TABLES = (*DESK_VIEW_TABLES, SME_SUPPORT_DAYS)


def view_tables(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    return {table: sorted(database.fetchall(f"SELECT * FROM {database.table(table)}"), key=repr) for table in TABLES}


def record_a_desk(system: Lotse, seed: int, employers: int = 30, contacts: int = 60, events: int = 15) -> list[UUID]:
    """A desk's months of work in two agencies, in random order: employers with their steps, short contacts,
    outreach events; answers the employers' ids."""
    rng = random.Random(seed)
    desk = system.desk
    ids: list[tuple[UUID, Principal]] = []
    work: list[str] = ["employer"] * employers + ["contact"] * contacts + ["event"] * events + ["step"] * employers * 3
    rng.shuffle(work)
    for kind in work:
        who = rng.choice([AYSE, BEN, CARLA])
        day = TODAY - timedelta(days=rng.randint(0, 500))
        if kind == "employer":
            size = rng.choice(["micro", "small", "medium", "large"])
            command = RegisterEmployer(name=f"Firma {len(ids)}", size=size, sector="Pflege", postal_code="50667")
            ids.append((desk.register_employer(who, command).employer.id, who))
        elif kind == "contact":
            topic = rng.choice(["recognition", "funding", "courses", "other"])
            desk.record_short_contact(who, RecordShortContact(date=day, mode="phone", language="de", topic=topic))
        elif kind == "event":
            event = RecordOutreachEvent(
                date=day, title="Messe", kind="fair", language="de", attendees=rng.randint(0, 99)
            )
            desk.record_outreach_event(who, event)
        elif ids:
            employer_id, owner = rng.choice(ids)
            step = rng.choice(
                [
                    CounselEmployer(date=day, minutes=45),
                    ContactEmployer(date=day, channel="visit"),
                    ReferEmployee(date=day),
                    ChangeEmployer(date=day, size=rng.choice(["small", "large"]), sector=f"Sektor {rng.random()}"),
                ]
            )
            desk.record_employer_step(owner, employer_id, step)
    return [employer_id for employer_id, _ in ids]


def test_an_employer_is_written_and_read_through_the_register_service(make_lotse: LotseFactory) -> None:
    system = make_lotse()
    desk = system.desk

    registered = desk.register_employer(AYSE, FIRM)
    employer_id = registered.employer.id
    desk.record_employer_step(AYSE, employer_id, CounselEmployer(date=date(2026, 3, 2), minutes=60))
    case = system.cases.open_case(AGENCY, open_case_command(), "ayse").case
    last = desk.record_employer_step(BEN, employer_id, ReferEmployee(date=date(2026, 4, 1), case_id=case.id))

    again = make_lotse().desk.read_employer(AYSE, employer_id)  # another process reads the same log
    assert again.employer == last.employer
    assert again.employer.referred_cases == (case.id,)
    assert [entry.recorded_by for entry in again.history] == ["ayse", "ayse", "ben"]
    assert last.position == system.projections.runner.head()
    with pytest.raises(EntryNotFound):
        desk.read_employer(CARLA, employer_id)
    with pytest.raises(EntryNotFound):
        desk.read_employer(AYSE, case.id)


def test_a_retried_write_is_recorded_once(make_lotse: LotseFactory) -> None:
    desk = make_lotse().desk
    employer_id = desk.register_employer(AYSE, FIRM, RetryKey("firm", "fingerprint-1")).employer.id
    head = make_lotse().projections.runner.head()

    again = desk.register_employer(AYSE, FIRM, RetryKey("firm", "fingerprint-1"))
    step = CounselEmployer(date=date(2026, 3, 2), minutes=60)
    first = desk.record_employer_step(AYSE, employer_id, step, retry=RetryKey("visit", "fingerprint-2"))
    retried = make_lotse().desk.record_employer_step(AYSE, employer_id, step, retry=RetryKey("visit", "fingerprint-2"))

    assert (again.employer.id, again.replayed) == (employer_id, True)
    assert (retried.replayed, retried.employer, retried.position) == (True, first.employer, first.position)
    assert make_lotse().projections.runner.head() == head + 1


def test_concurrent_steps_on_one_employer_all_land_and_if_match_lets_one_win(make_lotse: LotseFactory) -> None:
    employer_id = make_lotse().desk.register_employer(AYSE, FIRM).employer.id
    desks = [make_lotse().desk for _ in range(3)]
    errors: list[BaseException] = []

    def contact(index: int) -> None:
        try:
            for _ in range(3):
                desks[index].record_employer_step(AYSE, employer_id, ContactEmployer(date=TODAY, channel="phone"))
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=contact, args=(index,)) for index in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    employer = desks[0].read_employer(AYSE, employer_id).employer
    assert (employer.version, employer.contacts) == (10, 9)

    stale: list[int] = []
    for desk in desks[:2]:
        try:
            desk.record_employer_step(
                AYSE, employer_id, CounselEmployer(date=TODAY, minutes=30), expected_version=frozenset({10})
            )
        except StaleVersion:
            stale.append(1)
    assert stale == [1]
    assert desks[0].read_employer(AYSE, employer_id).employer.version == 11


def test_the_views_list_what_the_registers_hold_and_equal_their_rebuild(make_lotse: LotseFactory) -> None:
    system = make_lotse()
    runner = system.projections.runner
    runner.batch_size = 23
    employer_ids = record_a_desk(system, seed=3)
    runner.catch_up()
    desk = system.desk

    listed = {summary.employer_id: summary for summary in desk.employers(AYSE, EmployerListQuery(None, limit=200))}
    everyone = Principal(subject="fritz", role="auditor", agency="*")
    all_listed = desk.employers(everyone, EmployerListQuery(None, limit=200))
    assert {summary.employer_id for summary in all_listed} == set(employer_ids)
    for employer_id in employer_ids:
        employer = desk.read_employer(everyone, employer_id).employer
        if employer.agency != AGENCY:
            assert employer_id not in listed
            continue
        row = listed[employer_id]
        assert (row.name, row.size, row.sector, row.version, row.last_contact_on) == (
            employer.name,
            employer.size,
            employer.sector,
            employer.version,
            employer.last_contact_on,
        )
        assert (row.contacts, row.counselling_sessions, row.employees_referred) == (
            employer.contacts,
            employer.counselling_sessions,
            employer.employees_referred,
        )
    log = list(system.projections.reporting.replay_log(runner.head(), AGENCY))
    contacts = desk.short_contacts(AYSE, PeriodQuery(None, limit=200))
    replayed_contacts = entries_of(log, ShortContact)
    assert sorted(contact.id for contact in contacts) == sorted(entry.id for entry in replayed_contacts)
    assert contacts == sorted(replayed_contacts, key=lambda entry: (entry.date, entry.id), reverse=True)
    events = desk.outreach_events(AYSE, PeriodQuery(None, limit=200))
    assert events == sorted(entries_of(log, OutreachEvent), key=lambda entry: (entry.date, entry.id), reverse=True)
    assert {employer.id for employer in entries_of(log, Employer)} == set(listed)

    incremental = view_tables(runner.database)
    assert all(incremental[table] for table in TABLES)
    runner.reset(["employers", "desk", "esf"])
    assert all(not rows for rows in view_tables(runner.database).values())
    runner.catch_up()
    assert view_tables(runner.database) == incremental


def test_two_runners_at_once_keep_the_desks_views_exact(make_lotse: LotseFactory) -> None:
    system = make_lotse()
    record_a_desk(system, seed=5, employers=15, contacts=30, events=10)
    first = system.projections.runner
    second = ProjectionRunner(make_lotse().cases, first.database, list(first.views.values()), batch_size=17)
    first.batch_size = 29

    threads = [threading.Thread(target=runner.catch_up) for runner in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    together = view_tables(first.database)

    first.reset(list(first.views))
    first.catch_up()
    assert view_tables(first.database) == together


def test_the_view_contract_holds_for_the_desks_views(make_lotse: LotseFactory) -> None:
    """Writing an entry's state twice equals writing it once; a newer state replaces the older; clear empties; a
    state a view does not follow leaves it as it is."""
    system = make_lotse()
    desk = system.desk
    employer_id = desk.register_employer(AYSE, FIRM).employer.id
    desk.record_employer_step(AYSE, employer_id, CounselEmployer(date=date(2026, 2, 1), minutes=30))
    desk.record_short_contact(AYSE, RecordShortContact(date=TODAY, mode="video", language="uk", topic="courses"))
    case = system.cases.open_case(AGENCY, open_case_command(), "ayse").case
    events = system.registers.events_of(EMPLOYERS, employer_id, agency="*")
    first, latest = EMPLOYERS.project(events[:1]), EMPLOYERS.project(events)
    log = list(system.projections.reporting.replay_log(system.projections.runner.head(), None))
    [contact] = entries_of(log, ShortContact)
    runner = system.projections.runner
    database = runner.database
    for name in ("employers", "desk", "esf"):
        view = runner.views[name]
        with database.transaction(commit=True) as cursor:
            view.clear(cursor)
            for state in (latest, contact):
                view.write(cursor, state)
        only_latest = view_tables(database)
        with database.transaction(commit=True) as cursor:
            view.clear(cursor)
            for state in (first, contact, latest, contact, latest):
                view.write(cursor, state)
        assert view_tables(database) == only_latest, name
        if name != "esf":  # the esf view follows cases too
            with database.transaction(commit=True) as cursor:
                view.write(cursor, case)
            assert view_tables(database) == only_latest, name
        with database.transaction(commit=True) as cursor:
            view.clear(cursor)
    assert all(not rows for rows in view_tables(database).values())


def test_eeco19_live_equals_the_replay_at_every_position(make_lotse: LotseFactory) -> None:
    system = make_lotse()
    record_a_desk(system, seed=7, employers=25, contacts=10, events=5)
    for number in range(8):  # cases among the employers' events
        system.cases.open_case(AGENCY, open_case_command(first_contact_on=date(2025, 1, 2 + number)), "ayse")
    runner, reporting = system.projections.runner, system.projections.reporting
    runner.batch_size = 19
    periods = [(date(2020, 1, 1), date(2030, 12, 31)), (date(2025, 6, 1), date(2025, 12, 31))]
    live: dict[int, list[tuple[str | None, Any]]] = {}
    while runner.run_batch():
        position = min(runner.positions().values())
        live[position] = [
            (agency, reporting.esf(agency, *period, "entry")) for agency in (None, AGENCY) for period in periods
        ]

    assert len(live) >= 5
    assert live[max(live)][0][1].counts["EECO19"]["total"] > 0
    for position, answers in live.items():
        for agency, answer in answers:
            assert answer.position == position
            assert reporting.esf(agency, answer.start, answer.end, "entry", position) == answer, (position, agency)


def test_a_desk_view_that_gained_a_table_rebuilds_and_the_others_stay(make_lotse: LotseFactory) -> None:
    system = make_lotse()
    record_a_desk(system, seed=11, employers=8, contacts=8, events=4)
    runner = system.projections.runner
    runner.catch_up()
    before, head = view_tables(runner.database), runner.head()
    with runner.database.transaction(commit=True) as cursor:  # the desk view as a release before it left it
        cursor.execute(f"DROP TABLE {runner.database.table(DESK_VIEW_TABLES[2])}")

    runner.create_tables()  # what every start does

    assert runner.positions() == {**dict.fromkeys(runner.views, head), "desk": 0}
    runner.catch_up()
    assert view_tables(runner.database) == before


def test_the_demo_desk_loads_on_either_backend_and_its_views_rebuild_alike(make_lotse: LotseFactory) -> None:
    system = make_lotse(clock=utc_now, counsellors=None)
    load_demo(system.cases, system.staff, cases=20, seed=4)

    summary = load_demo_desk(system.desk, system.cases, employers=6, seed=4)

    assert (summary.employers, summary.short_contacts > 100, summary.outreach_events > 10) == (12, True, True)
    runner = system.projections.runner
    runner.catch_up()
    lead = Principal(subject="petra", role="lead", agency="koeln")
    assert len(system.desk.employers(lead, EmployerListQuery(None, limit=200))) == 6
    before = view_tables(runner.database)
    runner.reset(list(runner.views))
    runner.catch_up()
    assert view_tables(runner.database) == before


def entries_of(states: list[Any], kind: type[Any]) -> list[Any]:
    """The replayed states of one register, by the type of its entries (`Employer`, `ShortContact`, …)."""
    return [state for state in states if isinstance(state, kind)]
