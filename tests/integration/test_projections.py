"""The projection views on both backends, checked against the cases themselves and against their own rebuild.

The expected figures are computed here, independently of domain/indicators.py, from the case states.
"""

import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from application.cases import CaseService
from application.demo_catalogue import load_demo_catalogue
from application.ports import CaseListQuery
from application.statistics import COLUMNS, DEFINITION_0_1
from application.synthetic import load_demo
from application.synthetic_desk import load_demo_desk
from domain.case import Case
from domain.deadlines import deadlines
from infrastructure.bootstrap import Lotse, Projections, bootstrap, utc_now
from infrastructure.eventstore.sql import Database, DialectCursor
from infrastructure.projections.runner import VIEW_WRITE_SETTINGS, ProjectionRunner
from infrastructure.projections.statistics_views import INDICATOR_DAYS, VIEW_TABLES
from infrastructure.settings import Settings
from tests.integration.conftest import IDLE_IN_TRANSACTION_LIMIT_SECONDS, LotseFactory

CASES = 150
PERIODS = [
    (date(2020, 1, 1), date(2030, 12, 31)),
    (date(2025, 1, 1), date(2025, 12, 31)),
    (date(2026, 1, 1), date(2026, 6, 30)),
]


class CountingDigest:
    """A stand-in for the audit chain: names the position, which is all these tests compare."""

    def head_at(self, position: int) -> str:
        return f"digest-at-{position}"


def demo_system(make_lotse: LotseFactory) -> Lotse:
    """Lotse for the demo's journeys: today's clock, the staff directory, digests that name their position."""
    return make_lotse(clock=utc_now, counsellors=None, log_digest=CountingDigest())


@dataclass
class Loaded:
    service: CaseService
    projections: Projections
    cases: list[Case]


@pytest.fixture
def loaded(make_lotse: LotseFactory) -> Loaded:
    system = demo_system(make_lotse)
    service, projections = system.cases, system.projections
    load_demo(service, system.staff, cases=CASES, seed=11)
    projections.runner.catch_up()
    ids = [summary.case_id for summary in service.list_cases(CaseListQuery(agency=None, limit=10_000))]
    return Loaded(service, projections, [service.get_case(case_id, personal_data=True) for case_id in ids])


def expected_codes(case: Case) -> set[str]:
    """Release 0.1's definitions, written out again without looking at domain/indicators.py."""
    p = case.profile
    age = case.opened_on.year - p.birth_year
    codes = {"EECO01"}
    codes |= {"EECO02"} if p.labour_status in ("unemployed", "long_term_unemployed") else set()
    codes |= {"EECO03"} if p.labour_status == "long_term_unemployed" else set()
    codes |= {"EECO04"} if p.labour_status == "inactive" else set()
    codes |= {"EECO05"} if p.labour_status in ("employed", "self_employed") else set()
    codes |= {"EECO06"} if age < 18 else {"EECO07"} if age < 30 else {"EECO08"} if age >= 55 else set()
    codes |= {"EECO09"} if p.isced <= 2 else {"EECO10"} if p.isced <= 4 else {"EECO11"}
    codes |= {"EECO12"} if case.special_categories_consent and p.disability == "yes" else set()
    codes |= {"EECO13"} if p.third_country_national else set()
    codes |= {"EECO14"} if p.foreign_background else set()
    codes |= {"EECO15"} if case.special_categories_consent and p.minority == "yes" else set()
    codes |= {"EECO16"} if p.homeless else set()
    codes |= {"EECO17"} if p.rural else set()
    if case.exit is not None:
        s = case.exit.situation
        for code, flag in (
            ("EECR01", s.job_searching),
            ("EECR02", s.in_education_or_training),
            ("EECR03", s.qualification_gained),
            ("EECR04", s.employed),
        ):
            codes |= {code} if flag else set()
        if case.follow_ups:  # 0.1 knew one follow-up per exit
            first = case.follow_ups[0]
            codes |= {"EECR05"} if first.employed else set()
            employed_at_entry = p.labour_status in ("employed", "self_employed")
            codes |= {"EECR06"} if first.improved_situation and employed_at_entry else set()
    return codes


def expected_counts(
    cases: list[Case], start: date, end: date, basis: str, agency: str | None
) -> dict[str, Counter[str]]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for case in cases:
        if agency is not None and case.agency != agency:
            continue
        for code in expected_codes(case):
            if basis == "entry":
                day = case.opened_on
            elif code in ("EECR05", "EECR06"):
                day = case.follow_ups[0].recorded_on if case.follow_ups else None
            else:
                day = case.closed_on
            if day is not None and start <= day <= end:
                counts[code][case.profile.gender] += 1
                counts[code]["total"] += 1
    return counts


def test_every_indicator_equals_an_independent_count_under_release_0_1s_definition(loaded: Loaded) -> None:
    """0.1's definition, kept frozen (the current one is checked by tests/integration/test_esf_reference.py)."""
    for start, end in PERIODS:
        for basis in ("entry", "exit"):
            for agency in (None, "koeln"):
                figures = loaded.projections.reporting.esf(
                    agency,
                    start,
                    end,
                    basis,  # type: ignore[arg-type]
                    definition_version=DEFINITION_0_1,
                )
                assert figures.definition_version == DEFINITION_0_1
                expected = expected_counts(loaded.cases, start, end, basis, agency)
                for code, row in figures.counts.items():
                    wanted = {column: expected[code][column] for column in COLUMNS}
                    assert row == wanted, (code, start, end, basis, agency)
                assert figures.position == loaded.projections.runner.head()


def test_the_demo_data_give_plausible_figures(loaded: Loaded) -> None:
    figures = loaded.projections.reporting.esf(None, date(2000, 1, 1), date(2100, 1, 1), "entry")
    exits = loaded.projections.reporting.esf(None, date(2000, 1, 1), date(2100, 1, 1), "exit")
    assert figures.counts["EECO01"]["total"] == CASES  # the demo's clients have a case each
    assert exits.follow_up_response is not None
    assert 0 < exits.counts["EECR03"]["total"] < exits.follow_up_response["due"] < CASES
    assert figures.counts["EECO01"]["female"] > 0
    assert figures.counts["EECO01"]["male"] > 0


def test_caseload_and_deadlines_follow_the_cases(loaded: Loaded) -> None:
    today = loaded.service.today()
    queries = loaded.projections.queries
    for agency in ("koeln", "duesseldorf"):
        mine = [case for case in loaded.cases if case.agency == agency]
        by_counsellor: dict[str, Counter[str]] = defaultdict(Counter)
        overdue: Counter[str] = Counter()
        for case in mine:
            if case.status == "open":
                by_counsellor[case.counsellor][case.stage] += 1
            overdue[case.counsellor] += sum(deadline.due < today for deadline in deadlines(case))
        entries = queries.caseload(agency, None, today)
        assert {entry.counsellor: dict(entry.by_stage) for entry in entries if entry.open} == {
            name: dict(stages) for name, stages in by_counsellor.items()
        }
        assert {entry.counsellor: entry.overdue for entry in entries if entry.overdue} == {
            name: count for name, count in overdue.items() if count
        }
        listed = {(d.case_id, d.kind, d.ref, d.due) for d in queries.deadlines(agency, None, None)}
        assert listed == {(case.id, d.kind, d.ref, d.due) for case in mine for d in deadlines(case)}


def view_tables(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: sorted(database.fetchall(f"SELECT * FROM {database.table(table)}"), key=repr) for table in VIEW_TABLES
    }


def test_a_rebuild_equals_the_incremental_views(loaded: Loaded) -> None:
    runner = loaded.projections.runner
    incremental = view_tables(runner.database)

    runner.reset(list(runner.views))
    assert all(position == 0 for position in runner.positions().values())
    assert all(not rows for rows in view_tables(runner.database).values())
    runner.catch_up()

    assert view_tables(runner.database) == incremental


def test_a_rebuild_of_one_view_leaves_the_others_alone(loaded: Loaded) -> None:
    runner = loaded.projections.runner
    before = view_tables(runner.database)
    head = runner.head()

    runner.reset(["funnel"])
    assert runner.positions() == {**dict.fromkeys(runner.views, head), "funnel": 0}  # every other view stays
    runner.catch_up()

    assert runner.positions() == dict.fromkeys(runner.views, head)
    assert view_tables(runner.database) == before


def stepping(runner: ProjectionRunner) -> Iterator[int]:
    """Runs the runner batch by batch, yielding the views' position after each."""
    while runner.run_batch():
        yield min(runner.positions().values())


def test_as_of_position_equals_what_the_live_views_said_at_that_position(make_lotse: LotseFactory) -> None:
    system = demo_system(make_lotse)
    service, projections = system.cases, system.projections
    load_demo(service, system.staff, cases=60, seed=5)
    projections.runner.batch_size = 97
    reporting = projections.reporting
    period = (date(2000, 1, 1), date(2100, 1, 1))
    live: dict[int, tuple[Any, Any, Any]] = {}
    for position in stepping(projections.runner):
        live[position] = (
            reporting.esf(None, *period, "entry"),
            reporting.esf("koeln", *period, "exit"),
            reporting.funnel(None),
        )
    load_demo(service, system.staff, cases=10, seed=6)  # the log moves on; the past answers must not
    projections.runner.catch_up()

    assert len(live) >= 5
    for position, (entry, exit_koeln, funnel) in live.items():
        assert entry.position == exit_koeln.position == funnel.position == position
        assert reporting.esf(None, *period, "entry", as_of_position=position) == entry
        assert reporting.esf("koeln", *period, "exit", as_of_position=position) == exit_koeln
        assert reporting.funnel(None, as_of_position=position) == funnel


def test_two_runners_at_once_keep_the_views_exact(make_lotse: LotseFactory) -> None:
    system = demo_system(make_lotse)
    load_demo(system.cases, system.staff, cases=40, seed=9)
    first = system.projections.runner
    second = ProjectionRunner(
        demo_system(make_lotse).cases,
        first.database,
        list(first.views.values()),
        batch_size=50,
    )
    first.batch_size = 70

    switch_interval = sys.getswitchinterval()
    threads = [threading.Thread(target=runner.catch_up) for runner in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    together = view_tables(first.database)
    assert sys.getswitchinterval() == switch_interval  # shortened while either wrote its views beside, not after

    first.reset(list(first.views))
    first.catch_up()
    assert view_tables(first.database) == together


def test_the_view_contract_holds_for_every_view(make_lotse: LotseFactory) -> None:
    """Each view of cases: writing a state twice equals writing it once; a newer state replaces the older; clear
    empties. (The views of register entries are held to the same contract with their entries' states: the offers
    view in tests/integration/test_offers.py.)"""
    system = demo_system(make_lotse)
    service = system.cases
    load_demo(service, system.staff, cases=3, seed=1)
    ids = [summary.case_id for summary in service.list_cases(CaseListQuery(agency=None, limit=10))]
    runner = system.projections.runner
    database = runner.database
    for view in runner.views.values():
        if Case not in view.follows:
            continue
        for case_id in ids:
            latest = service.get_case(case_id, personal_data=True)
            first = service.case_as_of_version(case_id, 1, personal_data=True)
            with database.transaction(commit=True) as cursor:
                view.clear(cursor)
                view.write(cursor, latest)
            only_latest = view_tables(database)
            with database.transaction(commit=True) as cursor:
                view.clear(cursor)
                view.write(cursor, first)
                view.write(cursor, latest)
            assert view_tables(database) == only_latest, view.name
            with database.transaction(commit=True) as cursor:
                view.write(cursor, latest)
            assert view_tables(database) == only_latest, view.name
        with database.transaction(commit=True) as cursor:
            view.clear(cursor)
    assert all(not rows for rows in view_tables(database).values())


def test_a_view_that_gained_a_table_in_a_new_release_rebuilds_and_the_others_stay(loaded: Loaded) -> None:
    runner = loaded.projections.runner
    before = view_tables(runner.database)
    head = runner.head()
    with runner.database.transaction(commit=True) as cursor:  # the esf view as an older release left it
        cursor.execute(f"DROP TABLE {runner.database.table(INDICATOR_DAYS)}")

    runner.create_tables()  # what every start does

    assert runner.positions() == {**dict.fromkeys(runner.views, head), "esf": 0}  # every other view stays
    runner.catch_up()
    assert view_tables(runner.database) == before


def every_view_table(runner: ProjectionRunner) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of every view (not only the statistics': caseload to offers)."""
    database = runner.database
    tables = [table for view in runner.views.values() for table in view.tables]
    return {table: sorted(database.fetchall(f"SELECT * FROM {database.table(table)}"), key=repr) for table in tables}


def test_views_kept_event_by_event_equal_their_rebuild_in_one_batch(make_lotse: LotseFactory) -> None:
    """The follower writes a few events at a time, a rebuild thousands at once (each view's `write_all`): both must
    leave the same rows, in every table of every view, cases and the registers beside them alike."""
    system = demo_system(make_lotse)
    load_demo(system.cases, system.staff, cases=40, seed=21)
    load_demo_desk(system.desk, system.cases, employers=3, seed=21)
    load_demo_catalogue(system.registers, system.cases.today(), seed=21)
    runner = system.projections.runner
    runner.batch_size = 1
    head = runner.head()
    assert head > 900
    while runner.run_batch():
        pass
    assert runner.positions() == dict.fromkeys(runner.views, head)
    event_by_event = every_view_table(runner)
    assert all(event_by_event.values()), [table for table, rows in event_by_event.items() if not rows]

    runner.reset(list(runner.views))
    assert runner.catch_up(batch_size=head) == head  # the whole log in one batch

    assert every_view_table(runner) == event_by_event


def kept_event_by_event_then_emptied(runner: ProjectionRunner) -> tuple[dict[str, list[tuple[Any, ...]]], int]:
    """Every view's rows after following the log an event at a time, and the log's head; the views are then emptied
    and back at position 0, for a rebuild to be compared with them."""
    runner.batch_size = 1
    while runner.run_batch():
        pass
    event_by_event = every_view_table(runner)
    runner.reset(list(runner.views))
    return event_by_event, runner.head()


def test_a_rebuild_in_many_batches_equals_the_views_kept_event_by_event(make_lotse: LotseFactory) -> None:
    """A rebuild in batches that end anywhere in a case's events leaves the rows of the views kept event by event,
    and reports its progress batch by batch up to the log's head."""
    system = demo_system(make_lotse)
    load_demo(system.cases, system.staff, cases=30, seed=23)
    load_demo_desk(system.desk, system.cases, employers=2, seed=23)
    runner = system.projections.runner
    event_by_event, head = kept_event_by_event_then_emptied(runner)

    reported: list[tuple[int, int]] = []
    assert runner.catch_up(progress=lambda position, target: reported.append((position, target)), batch_size=53) == head

    assert every_view_table(runner) == event_by_event
    assert runner.positions() == dict.fromkeys(runner.views, head)
    positions = [position for position, _ in reported]
    assert positions == sorted(positions)
    assert positions[-1] == head
    assert len(positions) == -(-head // 53)  # one report per batch
    assert {target for _, target in reported} == {head}


def test_a_rebuild_that_fails_in_one_view_resumes_to_the_views_kept_event_by_event(make_lotse: LotseFactory) -> None:
    """A rebuild writes each batch's views while it projects the next (on PostgreSQL each view in a transaction of
    its own, side by side). When one view's write fails, every view stays at a position its rows fully reflect: the
    next catch-up ends with the rows of the views kept event by event, counts neither lost nor counted twice."""
    system = demo_system(make_lotse)
    load_demo(system.cases, system.staff, cases=30, seed=29)
    runner = system.projections.runner
    event_by_event, head = kept_event_by_event_then_emptied(runner)

    esf = runner.views["esf"]
    write_all = esf.write_all
    calls = 0

    def failing_on_the_third_batch(cursor: Any, states: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("the database went away")
        write_all(cursor, states)

    esf.write_all = failing_on_the_third_batch  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="went away"):
        runner.catch_up(batch_size=61)
    esf.write_all = write_all  # type: ignore[method-assign]

    stopped = runner.positions()
    assert stopped["esf"] == 2 * 61  # its first two batches, not the failed third
    assert all(position % 61 == 0 and position < head for position in stopped.values())
    assert runner.catch_up(batch_size=61) > 0
    assert runner.positions() == dict.fromkeys(runner.views, head)
    assert every_view_table(runner) == event_by_event


@pytest.mark.postgres
def test_a_views_lookups_by_key_stay_lookups_by_key_while_its_statistics_say_it_is_empty(
    postgres_schema_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Emptied for a rebuild and analysed then (autovacuum analyses a table after a mass delete), a view keeps
    statistics saying it holds nothing while the rebuild fills it. Its lookups and deletions by key must still find
    each key through the index: planned as a join from those statistics, they read the whole table for each batch
    (a rebuild of 1.3 million events that takes 20 s ran for minutes)."""
    system = bootstrap(Settings(database_url=postgres_schema_url, data_dir=tmp_path / "data"), clock=utc_now)
    try:
        load_demo(system.cases, system.staff, cases=40, seed=21)
        runner = system.projections.runner
        runner.catch_up()
        runner.reset(list(runner.views))
        for view in runner.views.values():
            for table in view.tables:
                runner.database.execute(f"ANALYZE {runner.database.table(table)}")
        by_key: list[tuple[str, Any]] = []
        execute = DialectCursor.execute

        def recording(cursor: DialectCursor, sql: str, params: Any = ()) -> None:
            if "json_array_elements" in sql and not sql.startswith("INSERT"):
                by_key.append((sql, params))
            execute(cursor, sql, params)

        monkeypatch.setattr(DialectCursor, "execute", recording)
        runner.catch_up(batch_size=50)
        monkeypatch.undo()

        assert {sql.split()[0] for sql, _ in by_key} == {"SELECT", "DELETE"}
        with runner.database.transaction(commit=False) as cursor:
            cursor.execute(VIEW_WRITE_SETTINGS)
            for sql, params in by_key:
                cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
                plan = cursor.fetchone()[0][0]["Plan"]
                scans = [
                    node for node in plan_nodes(plan) if node["Node Type"].endswith("Scan") and "Relation Name" in node
                ]
                assert scans, sql
                assert all("Index Cond" in scan or "TID Cond" in scan for scan in scans), (sql, scans)
    finally:
        system.close()


def plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from plan_nodes(child)


@pytest.mark.postgres
def test_a_view_write_that_pauses_longer_than_the_pools_idle_limit_still_commits(
    postgres_schema_url: str, tmp_path: Path
) -> None:
    """A rebuild's writing threads share the interpreter with the projecting one: on a busy machine a view's
    transaction pauses between its statements for as long as the process is held up. PostgreSQL must not end it at
    the pool's idle-in-transaction limit, meant for transactions a stuck request left open (seen in CI under load)."""
    system = bootstrap(Settings(database_url=postgres_schema_url, data_dir=tmp_path / "data"), clock=utc_now)
    try:
        load_demo(system.cases, system.staff, cases=5, seed=31)
        runner = system.projections.runner
        head = runner.head()
        caseload = runner.views["caseload"]
        write_all = caseload.write_all

        def held_up(cursor: Any, states: Any) -> None:
            time.sleep(IDLE_IN_TRANSACTION_LIMIT_SECONDS + 1)
            write_all(cursor, states)

        caseload.write_all = held_up  # type: ignore[method-assign]
        assert runner.catch_up(batch_size=head) == head
        caseload.write_all = write_all  # type: ignore[method-assign]
        assert runner.positions() == dict.fromkeys(runner.views, head)
        held_up_rows = every_view_table(runner)
        assert held_up_rows[caseload.tables[0]]

        runner.reset(list(runner.views))
        runner.catch_up(batch_size=head)
        assert held_up_rows == every_view_table(runner)
    finally:
        system.close()
