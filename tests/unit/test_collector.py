import gc
import threading

from application.collector import collector_paused


def test_the_collector_runs_again_only_when_the_last_of_overlapping_pauses_ends() -> None:
    assert gc.isenabled()
    first_inside, second_done = threading.Event(), threading.Event()

    def other_replay() -> None:
        with collector_paused():
            first_inside.set()
            second_done.wait(5)

    other = threading.Thread(target=other_replay)
    other.start()
    first_inside.wait(5)
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other replay still runs
    second_done.set()
    other.join(5)
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_runs_again_when_a_replay_fails() -> None:
    try:
        with collector_paused():
            raise ValueError("a replay that failed")
    except ValueError:
        pass
    assert gc.isenabled()
