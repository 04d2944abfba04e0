"""Kill the server with SIGKILL twenty times under a write load: nothing acknowledged is lost, nothing recorded
twice, the hash chain verifies, and every view equals its rebuild (bench/load_and_faults.py does the work)."""

from pathlib import Path

from bench.load_and_faults import run
from infrastructure.settings import Settings

KILLS = 20


def test_twenty_kills_lose_nothing_acknowledged(settings: Settings, tmp_path: Path) -> None:
    report = run(settings, kills=KILLS, clients=4, cases=6, log=tmp_path / "server.log")

    assert report.kills == KILLS
    assert report.acknowledged > KILLS
    assert report.chain_ok
    assert report.views_equal_rebuild
    assert report.events_checked >= report.acknowledged + 6
