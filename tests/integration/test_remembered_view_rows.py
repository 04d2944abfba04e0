"""A runner remembers the activity rows it wrote (infrastructure/projections/remembered_rows.py), on both backends.

What it remembers is believed instead of the table: these tests make it false in each way the runner must notice
(another runner wrote, a transaction failed, a rebuild) and check that the view still equals its own rebuild.
"""

from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest

from domain import steps
from infrastructure.bootstrap import Lotse
from infrastructure.projections.activity_view import ACTIVITY, ActivityView
from infrastructure.projections.remembered_rows import RememberedRows
from infrastructure.projections.runner import ProjectionRunner
from tests.integration.conftest import AGENCY, COUNSELLOR, LotseFactory, open_case_command, session

FIRST_DAY = date(2026, 1, 5)


def opened_cases(system: Lotse, count: int) -> list[UUID]:
    return [system.cases.open_case(AGENCY, open_case_command(), COUNSELLOR).case.id for _ in range(count)]


def sessions(system: Lotse, cases: list[UUID], rounds: int, start: int = 0) -> None:
    """Each case gets `rounds` counselling sessions: each adds a fact, hence a row of the activity view."""
    for day in range(start, start + rounds):
        for case_id in cases:
            system.cases.record_step(case_id, session(FIRST_DAY + timedelta(days=day)), COUNSELLOR, agency=AGENCY)


def activity_rows(runner: ProjectionRunner) -> list[tuple[Any, ...]]:
    database = runner.database
    return sorted(database.fetchall(f"SELECT * FROM {database.table(ACTIVITY)}"), key=repr)


def follow(runner: ProjectionRunner) -> None:
    while runner.run_batch():
        pass


def assert_kept_rows_are_rebuilt_rows(runner: ProjectionRunner, count: int) -> None:
    """The view as the runner kept it has `count` rows, the same as its rebuild from the log."""
    kept = activity_rows(runner)
    assert len(kept) == count
    runner.reset(["activity"])
    runner.catch_up()
    assert activity_rows(runner) == kept


def test_a_runner_forgets_what_it_wrote_when_another_runner_wrote_the_view_since(make_lotse: LotseFactory) -> None:
    system = make_lotse()
    cases = opened_cases(system, 3)
    first = system.projections.runner
    second = ProjectionRunner(make_lotse().cases, first.database, list(first.views.values()))
    sessions(system, cases, 2)
    follow(first)  # remembers every case's rows

    sessions(system, cases, 2, start=2)
    follow(second)  # a row more per session, which the first runner never saw
    sessions(system, cases, 2, start=4)
    follow(first)  # believing its memory it would insert the second's rows again, or leave them out

    assert_kept_rows_are_rebuilt_rows(first, 3 * (1 + 6))  # the opening's fact and one per session


def test_a_view_transaction_that_failed_leaves_nothing_in_memory(make_lotse: LotseFactory) -> None:
    system = make_lotse()
    cases = opened_cases(system, 2)
    runner = system.projections.runner
    sessions(system, cases, 1)
    follow(runner)

    sessions(system, cases, 1, start=1)
    names = list(runner.views)
    last = runner.views[names[-1]]  # written after the activity view, in the same transaction (the follower's)
    assert names.index("activity") < len(names) - 1
    write_all = last.write_all

    def failing(cursor: Any, states: Any) -> None:
        raise RuntimeError("the database went away")

    last.write_all = failing  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="went away"):
        runner.run_batch()
    last.write_all = write_all  # type: ignore[method-assign]
    # The failed write's rows are not in the table: a runner that believed them would not insert them now.
    sessions(system, cases, 1, start=2)
    follow(runner)

    assert_kept_rows_are_rebuilt_rows(runner, 2 * (1 + 3))


def test_a_runner_believes_what_it_remembers_from_one_batch_to_the_next(make_lotse: LotseFactory) -> None:
    """The point of remembering, with the runner deciding: while nothing but its own commits moved the view, a case it
    wrote is written again from memory, not from its rows in the table. A row lost behind its back (the view's
    position unchanged) therefore stays lost, which is why the memory must only be believed when true."""
    system = make_lotse()
    [case_id] = opened_cases(system, 1)
    runner = system.projections.runner
    sessions(system, [case_id], 1)
    follow(runner)
    database = runner.database
    with database.transaction(commit=True) as cursor:
        cursor.execute(f"DELETE FROM {database.table(ACTIVITY)} WHERE seq = 1")

    sessions(system, [case_id], 1, start=1)
    follow(runner)

    assert [row[1] for row in activity_rows(runner)] == [0, 2]


def test_a_runner_follows_on_after_a_rebuild_of_the_view(make_lotse: LotseFactory) -> None:
    system = make_lotse()
    cases = opened_cases(system, 2)
    runner = system.projections.runner
    sessions(system, cases, 2)
    follow(runner)
    other = ProjectionRunner(make_lotse().cases, runner.database, list(runner.views.values()))
    other.reset(["activity"])  # `lotse projections rebuild` in another process
    other.catch_up()

    sessions(system, cases, 2, start=2)
    follow(runner)

    assert_kept_rows_are_rebuilt_rows(runner, 2 * (1 + 4))


def test_a_remembered_case_whose_facts_change_and_move_is_written_as_its_rebuild(make_lotse: LotseFactory) -> None:
    """A case's facts are its first contact, its sessions, then its referrals: a session recorded after a referral
    moves the referral's row one place on, and an outcome recorded changes it."""
    system = make_lotse()
    [case_id] = opened_cases(system, 1)
    runner = system.projections.runner

    def record(step: steps.StepCommand) -> None:
        system.cases.record_step(case_id, step, COUNSELLOR, agency=AGENCY)
        follow(runner)

    record(steps.ReferralMade(date=FIRST_DAY, referral_id="r1", to="chamber", organisation="IHK Köln"))
    sessions(system, [case_id], 2, start=1)
    follow(runner)
    record(steps.ReferralOutcomeRecorded(date=FIRST_DAY + timedelta(days=5), referral_id="r1", outcome="accepted"))
    record(session(FIRST_DAY + timedelta(days=6)))

    rows = activity_rows(runner)
    assert [row[1] for row in rows if '"referral"' in row[4]] == [4]  # after the first contact and three sessions
    assert '"accepted"' in next(row[4] for row in rows if row[1] == 4)
    assert_kept_rows_are_rebuilt_rows(runner, 1 + 3 + 1)


def test_what_is_remembered_is_not_read_back(make_lotse: LotseFactory) -> None:
    """The point of remembering: a case remembered is written from memory, not from its rows in the table. A
    memory that claims a row the table lacks leaves it out, which is why the runner must only believe a true one."""
    system = make_lotse()
    [case_id] = opened_cases(system, 1)
    sessions(system, [case_id], 1)
    case = system.cases.get_case(case_id, personal_data=True)
    view = ActivityView(system.projections.runner.database)
    database = view.database
    memory = RememberedRows()
    with database.transaction(commit=True) as cursor:
        view.write_remembering(cursor, [case], memory)
    memory.committed()
    written = activity_rows(system.projections.runner)
    assert len(written) == 2

    with database.transaction(commit=True) as cursor:  # a row lost behind the memory's back
        cursor.execute(f"DELETE FROM {database.table(ACTIVITY)} WHERE seq = 1")
    with database.transaction(commit=True) as cursor:
        view.write_remembering(cursor, [case], memory)
    assert activity_rows(system.projections.runner) == written[:1]

    memory.forget()
    with database.transaction(commit=True) as cursor:
        view.write_remembering(cursor, [case], memory)
    assert activity_rows(system.projections.runner) == written


def test_memory_believes_a_write_only_once_committed_and_keeps_the_cases_written_last() -> None:
    memory = RememberedRows(limit=3)

    def remembered() -> dict[str, Any]:
        return {owner: entries for owner in "abc" if (entries := memory.entries_of(owner)) is not None}

    memory.written({"a": ["a0"], "b": ["b0"]})
    assert remembered() == {}
    memory.committed()
    assert remembered() == {"a": ["a0"], "b": ["b0"]}

    memory.written({"c": ["c0", "c1"]})  # four rows: the case written longest ago goes
    memory.committed()
    assert remembered() == {"b": ["b0"], "c": ["c0", "c1"]}

    memory.written({"b": ["b0", "b1"]})
    memory.forget()  # the write's transaction failed
    memory.committed()
    assert remembered() == {}
