"""`lotse` as an operator runs it, a real process: the help names the settings; demo refuses a store with events."""

import os
import subprocess
import sys
from pathlib import Path

LOTSE = [sys.executable, "-m", "infrastructure.cli.main"]


def run(*arguments: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("LOTSE_")}
    env["LOTSE_DATA_DIR"] = str(data_dir)
    return subprocess.run([*LOTSE, *arguments], env=env, capture_output=True, text=True, timeout=120, check=False)


def test_help_names_the_settings_and_the_options_defaults(tmp_path: Path) -> None:
    general = run("--help", data_dir=tmp_path)
    serve = run("serve", "--help", data_dir=tmp_path)

    assert general.returncode == serve.returncode == 0
    assert "LOTSE_DATABASE_URL [unset: SQLite, LOTSE_DATA_DIR/lotse.sqlite3]" in general.stdout
    assert "(default: 8000)" in serve.stdout
    assert "LOTSE_DB_POOL_SIZE [8]" in serve.stdout
    assert not (tmp_path / "lotse.sqlite3").exists(), "asking for help opens no store"


def test_demo_loads_once_then_refuses_unless_forced(tmp_path: Path) -> None:
    first = run("demo", "--cases", "2", data_dir=tmp_path)
    again = run("demo", "--cases", "2", data_dir=tmp_path)
    forced = run("demo", "--cases", "2", "--force", data_dir=tmp_path)

    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("loaded 2 cases")
    assert again.returncode == 1
    assert again.stdout == ""
    assert "lotse demo: the store is not empty" in again.stderr
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.startswith("loaded 2 cases")
