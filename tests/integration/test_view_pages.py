"""Pages of the caseload and deadline views on both backends: walked to the end, they are the whole list, once.

The whole lists (`caseload`, `deadlines`) are release 0.1's answers and are checked against the cases themselves
by tests/integration/test_projections.py; here every page of every filter is checked against them.
"""

import itertools
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from application.cases import CaseService
from application.ports import CaseloadEntry, CaseloadKey, DeadlineEntry, DeadlineKey, Page
from application.synthetic import load_demo
from domain import steps
from infrastructure.bootstrap import Lotse, utc_now
from infrastructure.projections.queries import SqlViewQueries
from tests.integration.conftest import LotseFactory, open_case_command

CASES = 120
AGENCIES = (None, "koeln", "duesseldorf")  # None: every agency, as a funder's auditor reads


@dataclass
class Demo:
    system: Lotse
    queries: SqlViewQueries
    today: date


@pytest.fixture
def demo(make_lotse: LotseFactory) -> Demo:
    system = make_lotse(clock=utc_now, counsellors=None)
    load_demo(system.cases, system.staff, cases=CASES, seed=23)
    system.projections.runner.catch_up()
    return Demo(system, system.projections.queries, system.cases.today())


def walk_deadlines(
    queries: SqlViewQueries, agency: str | None, counsellor: str | None, due_before: date | None, limit: int
) -> tuple[list[DeadlineEntry], set[int]]:
    """Every page from the first to the one that says no more follow; answers the items and the totals seen."""
    items: list[DeadlineEntry] = []
    totals: set[int] = set()
    after: DeadlineKey | None = None
    while True:
        page = queries.deadlines_page(agency, counsellor, due_before, after=after, limit=limit)
        assert len(page.items) <= limit
        assert page.items or not page.more
        items += page.items
        totals.add(page.total)
        if not page.more:
            return items, totals
        assert len(page.items) == limit  # a page is short only at the end
        after = page.items[-1].key


def walk_caseloads(
    queries: SqlViewQueries, agency: str | None, counsellor: str | None, today: date, limit: int
) -> tuple[list[CaseloadEntry], set[int]]:
    items: list[CaseloadEntry] = []
    totals: set[int] = set()
    after: CaseloadKey | None = None
    while True:
        page: Page[CaseloadEntry] = queries.caseload_page(agency, counsellor, today, after=after, limit=limit)
        items += page.items
        totals.add(page.total)
        if not page.more:
            return items, totals
        assert len(page.items) == limit
        after = CaseloadKey(page.items[-1].counsellor, page.items[-1].agency)


def test_deadline_pages_are_the_whole_list_in_its_order_for_every_filter(demo: Demo) -> None:
    counsellors = (None, "ayse", "lena", "nobody")
    days = (None, demo.today, date(2000, 1, 1))
    for limit, agency, counsellor, due_before in itertools.product((1, 7, 500), AGENCIES, counsellors, days):
        whole = demo.queries.deadlines(agency, counsellor, due_before)

        walked, totals = walk_deadlines(demo.queries, agency, counsellor, due_before, limit)

        assert walked == whole, (limit, agency, counsellor, due_before)
        assert totals == {len(whole)}, (limit, agency, counsellor, due_before)
    assert len(demo.queries.deadlines(None, None, None)) > 100  # the demo has enough to need several pages


def test_caseload_pages_are_the_whole_list_by_counsellor_name(demo: Demo) -> None:
    for limit, agency, counsellor in itertools.product((1, 2, 500), AGENCIES, (None, "ayse", "lena", "nobody")):
        whole = demo.queries.caseload(agency, counsellor, demo.today)

        walked, totals = walk_caseloads(demo.queries, agency, counsellor, demo.today, limit)

        assert walked == whole, (limit, agency, counsellor)
        assert totals == {len(whole)}
    every, _ = walk_caseloads(demo.queries, None, None, demo.today, 2)
    assert [entry.counsellor for entry in every] == ["ayse", "jonas", "lena", "maria", "tobias"]


def test_two_agencies_counsellors_of_one_name_are_two_caseloads_for_a_reader_of_every_agency(
    make_lotse: LotseFactory,
) -> None:
    system = make_lotse()
    service: CaseService = system.cases
    for agency, cases in (("koeln", 1), ("bonn", 2)):
        for _ in range(cases):
            service.open_case(agency, open_case_command(counsellor="mia"), "mia")
    system.projections.runner.catch_up()
    queries, today = system.projections.queries, service.today()

    every = queries.caseload(None, "mia", today)
    walked, totals = walk_caseloads(queries, None, "mia", today, 1)

    assert [(entry.agency, entry.open) for entry in every] == [("bonn", 2), ("koeln", 1)]
    assert walked == every
    assert totals == {2}
    assert queries.caseload("koeln", None, today) == [every[1]]


def test_a_counsellor_with_only_overdue_follow_ups_has_a_caseload_on_the_page(make_lotse: LotseFactory) -> None:
    system = make_lotse()
    service: CaseService = system.cases
    opened = service.open_case("koeln", open_case_command(), "ayse").case
    service.record_step(opened.id, closing(date(2026, 1, 20)), "ayse", agency="koeln")
    system.projections.runner.catch_up()
    later = date(2026, 9, 1)  # the follow-up six months after the exit is overdue then; no case is open

    page = system.projections.queries.caseload_page("koeln", None, later, after=None, limit=10)

    assert page == Page([CaseloadEntry("ayse", 0, {}, 1, agency="koeln")], total=1, more=False)
    assert system.projections.queries.caseload("koeln", None, later) == page.items


def test_pages_stay_exact_while_deadlines_come_and_go(demo: Demo) -> None:
    """Keyset paging: what is recorded between two pages moves no item that stays from one page to another."""
    before = demo.queries.deadlines("koeln", None, None)
    first = demo.queries.deadlines_page("koeln", None, None, after=None, limit=20)
    service = demo.system.cases
    today = demo.today
    # New deadlines before and after the cursor, and a case whose deadlines change, all before the next page.
    for first_contact in (today - timedelta(days=200), today - timedelta(days=1), today):
        service.open_case("koeln", open_case_command(first_contact_on=first_contact), "ayse")
    changed = next(entry.case_id for entry in before[30:] if entry.kind != "follow_up")  # of an open case
    service.record_step(changed, closing(today), "ayse", agency="koeln")
    demo.system.projections.runner.catch_up()
    after = demo.queries.deadlines("koeln", None, None)

    walked = first.items + next_pages(demo.queries, first.items[-1].key)

    assert len(set(walked)) == len(walked)  # nothing twice
    assert walked == sorted(walked, key=in_order)  # in order throughout
    stayed = set(before) & set(after)
    assert stayed <= set(walked)  # nothing that was there all along is missed
    assert set(walked) <= set(before) | set(after)
    cursor = in_order(first.items[-1])
    assert {entry for entry in after if in_order(entry) > cursor} <= set(walked)  # what came after it is read
    assert set(after) - set(before)  # something did come, and something went
    assert set(before) - set(after)


def next_pages(queries: SqlViewQueries, after: DeadlineKey) -> list[DeadlineEntry]:
    items: list[DeadlineEntry] = []
    while True:
        page = queries.deadlines_page("koeln", None, None, after=after, limit=20)
        items += page.items
        if not page.more:
            return items
        after = page.items[-1].key


def in_order(entry: DeadlineEntry) -> tuple[date, str, str, str]:
    return entry.due, str(entry.case_id), entry.kind, entry.ref


def closing(day: date) -> steps.CaseClosed:
    return steps.CaseClosed(
        date=day,
        reason="qualification_obtained",
        situation=steps.Situation(
            job_searching=False, in_education_or_training=False, qualification_gained=True, employed=True
        ),
    )
