"""A replay of the whole log cut into parts, each replayed in a process of its own (infrastructure/replay_processes.py),
finds what one process finds, in the same order; its processes end with it, also when it fails or is abandoned."""

import multiprocessing
import os
import time
from datetime import date
from typing import Any

import pytest

from application import exports as exports_module
from application import reporting as reporting_module
from application import reports as reports_module
from application.activity import facts_of
from application.reporting import PositionNotReached, Reporting
from application.statistics import DEFINITION_0_1, esf_fact_of
from domain.employers import Employer
from domain.indicators_v2 import CaseFacts
from infrastructure.eventstore.environment import event_store_env
from infrastructure.replay_processes import ReplayProcesses, ReplayProcessFailed
from infrastructure.settings import Settings
from tests.integration.conftest import LotseFactory
from tests.integration.test_esf_reference import STAFF, desk, employers_of_desk, record_desk

YEARS = (date(2020, 1, 1), date(2030, 12, 31))
STALLED_SECONDS = 120
LAST_THIRD = (2**128 * 2) // 3  # where the last of three parts begins
STALLED: list[Any] = []  # in the process that replays the last part


def in_one_process(reporting: Reporting, position: int, agency: str | None, extract: Any) -> list[Any]:
    reporting.processes, reporting.hold_all_up_to = None, 0  # aggregate by aggregate, here
    return list(reporting.replay_extracted(position, agency, extract))


def in_processes(reporting: Reporting, settings: Settings, count: int) -> Reporting:
    reporting.processes, reporting.hold_all_up_to = ReplayProcesses(event_store_env(settings), count), 0
    return reporting


@pytest.fixture
def desk_of_30(make_lotse: LotseFactory) -> tuple[Reporting, int]:
    system = make_lotse()
    record_desk(system, desk(30, seed=5), checkpoints_at=(), employers=employers_of_desk(12, seed=5))
    return system.projections.reporting, system.projections.runner.head()


def test_a_replay_in_processes_finds_what_one_process_finds_in_the_same_order(
    desk_of_30: tuple[Reporting, int], settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reporting_module, "REPLAY_BATCH", 7)  # pages end inside aggregates, in every part
    reporting, head = desk_of_30
    for position, agency, count in ((head, None, 2), (head // 2 + 1, None, 2), (head, STAFF[2][0], 2), (head, None, 5)):
        alone = in_one_process(reporting, position, agency, esf_fact_of)
        apart = list(in_processes(reporting, settings, count).replay_extracted(position, agency, esf_fact_of))
        assert apart == alone, (position, agency, count)
        assert {type(fact) for fact in alone} == {CaseFacts, Employer}
        assert all(agency is None or fact.agency == agency for fact in alone)
    everything = in_one_process(reporting, head, None, esf_fact_of)
    assert len({fact.case_id for fact in everything if isinstance(fact, CaseFacts)}) >= 30
    activity = list(in_processes(reporting, settings, 3).replay_extracted(head, None, facts_of))
    assert activity == in_one_process(reporting, head, None, facts_of)
    assert sum(map(len, activity)) > 30
    # What the export and the published reports take of each state, too.
    for extract in (exports_module._case_facts_in, *reports_module._FACTS_OF_KIND.values()):
        found = list(in_processes(reporting, settings, 2).replay_extracted(head, None, extract))
        assert found == in_one_process(reporting, head, None, extract), extract
        assert len(found) >= 30


def test_as_of_answers_replayed_in_processes_are_those_replayed_in_the_log_s_order(
    desk_of_30: tuple[Reporting, int], settings: Settings
) -> None:
    reporting, head = desk_of_30

    def answers() -> tuple[Any, ...]:
        return (
            reporting.esf("koeln", *YEARS, "exit", as_of_position=head),
            reporting.esf(None, *YEARS, "entry", as_of_position=head - 5, definition_version=DEFINITION_0_1),
            reporting.funnel(None, as_of_position=head - 3),
            reporting.activity("bonn", *YEARS, as_of_position=head),
        )

    reporting.processes, reporting.hold_all_up_to = None, head
    in_log_order = answers()
    in_processes(reporting, settings, 2)
    assert answers() == in_log_order


def test_the_replay_processes_end_with_the_replay_when_it_is_read_abandoned_or_fails(
    desk_of_30: tuple[Reporting, int], settings: Settings
) -> None:
    reporting, head = desk_of_30
    in_processes(reporting, settings, 3)
    before = set(multiprocessing.active_children())
    assert list(reporting.replay_extracted(head, None, esf_fact_of))
    assert set(multiprocessing.active_children()) == before

    assert any(id_.int >= LAST_THIRD for id_ in reporting.replay_extracted(head, None, id_of))  # something to stall
    abandoned = reporting.replay_extracted(head, None, slow_in_the_last_part)
    assert next(abandoned) is not None  # this process's part is read; the others were started
    assert set(multiprocessing.active_children()) > before
    started = time.monotonic()
    abandoned.close()  # stops the last part's process: it is not waited for
    assert time.monotonic() - started < STALLED_SECONDS / 4
    assert set(multiprocessing.active_children()) == before

    # An error in another process's part reaches the caller as itself, or named where it cannot be rebuilt here.
    with pytest.raises(AttributeError, match="no_such_fact"):
        list(reporting.replay_extracted(head, None, fails_in_the_last_part))
    with pytest.raises(ReplayProcessFailed, match="part 2 of 3: PositionNotReached: the log has no position 3"):
        list(reporting.replay_extracted(head, None, fails_unpicklably_in_the_last_part))
    # A replay process that dies gives no result: the replay fails, it does not wait.
    with pytest.raises(ReplayProcessFailed, match="exit code 3"):
        list(reporting.replay_extracted(head, None, dies_in_the_last_part))
    assert set(multiprocessing.active_children()) == before


def test_one_replay_at_a_time_runs_in_parts_and_another_meanwhile_runs_alone(
    desk_of_30: tuple[Reporting, int], settings: Settings
) -> None:
    reporting, head = desk_of_30
    alone = in_one_process(reporting, head, None, esf_fact_of)
    in_processes(reporting, settings, 3)
    before = set(multiprocessing.active_children())
    first = reporting.replay_extracted(head, None, esf_fact_of)
    found = [next(first)]  # its parts run: two processes
    started = set(multiprocessing.active_children()) - before
    assert len(started) == 2
    assert list(reporting.replay_extracted(head, None, esf_fact_of)) == alone  # meanwhile: in this process alone
    assert set(multiprocessing.active_children()) - before == started
    assert found + list(first) == alone
    assert set(multiprocessing.active_children()) == before
    assert list(reporting.replay_extracted(head, None, esf_fact_of)) == alone  # in parts again


def test_a_replay_is_cut_into_as_many_parts_as_there_are_cores_unless_told() -> None:
    assert Settings.from_environ({"LOTSE_REPLAY_PROCESSES": "3"}).replay_processes == 3
    assert Settings.from_environ({}).replay_processes >= 1
    with pytest.raises(ValueError, match="LOTSE_REPLAY_PROCESSES"):
        Settings.from_environ({"LOTSE_REPLAY_PROCESSES": "0"})
    with pytest.raises(ValueError, match="at least one part"):
        ReplayProcesses({}, 0)


def id_of(state: Any) -> Any:
    return state.id


def fails_unpicklably_in_the_last_part(state: Any) -> Any:
    if state.id.int >= LAST_THIRD:
        raise PositionNotReached(3, 2)  # its constructor takes other arguments than it passes on
    return state.id


def dies_in_the_last_part(state: Any) -> Any:
    if state.id.int >= LAST_THIRD:
        os._exit(3)
    return state.id


def slow_in_the_last_part(state: Any) -> Any:
    """Stalls once, on the first state in the last third of the ids (another process's part of three)."""
    if state.id.int >= LAST_THIRD and not STALLED:
        STALLED.append(state.id)
        time.sleep(STALLED_SECONDS)
    return state.id


def fails_in_the_last_part(state: Any) -> Any:
    """Raises for the states in the last third of the ids (another process's part of three); their ids elsewhere."""
    if state.id.int >= LAST_THIRD:
        return state.no_such_fact
    return state.id
