"""An API process keeps what it built before serving out of the cyclic garbage collector's full collections.

Each check runs in an interpreter of its own, as `lotse serve` starts one: freezing is process-wide, and the test
process must keep collecting as usual.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SERVING = """
import gc, json, sys
from pathlib import Path
from infrastructure.cli import serving
from infrastructure.settings import Settings
def tell(app):
    print(json.dumps({"frozen": gc.get_freeze_count(), "tracked": len(gc.get_objects()), "app": type(app).__name__}))
if sys.argv[1] == "one":
    with serving.api_processes(Settings(data_dir=Path(sys.argv[2])), 1) as (app, options):
        tell(app)
else:
    tell(serving.api_process())
"""


def run_serving(env: dict[str, str], *arguments: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", SERVING, *arguments], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def assert_mostly_frozen(answer: dict[str, object]) -> None:
    assert answer["app"] == "Litestar"
    frozen, tracked = answer["frozen"], answer["tracked"]
    assert isinstance(frozen, int)
    assert isinstance(tracked, int)
    # What a full collection would still walk is what was made after the app was built: next to nothing here.
    assert frozen > 20_000  # about 90,000 on Python 3.11 with Litestar 2.25
    assert tracked < frozen / 10


def test_the_one_api_process_serves_with_its_start_up_objects_frozen(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("LOTSE_")}
    assert_mostly_frozen(run_serving(env, "one", str(tmp_path / "data")))


@pytest.mark.postgres
def test_each_of_several_api_processes_serves_with_its_start_up_objects_frozen(
    postgres_schema_url: str, tmp_path: Path
) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("LOTSE_")}
    env |= {"LOTSE_DATABASE_URL": postgres_schema_url, "LOTSE_DATA_DIR": str(tmp_path / "data")}
    assert_mostly_frozen(run_serving(env, "many"))
