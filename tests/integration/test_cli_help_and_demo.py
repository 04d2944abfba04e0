"""The `lotse` command tells what it does: `--help` of it and of every command gives the defaults and the settings
that affect them. `lotse demo` loads synthetic clients only into an empty store, unless told `--force`."""

import dataclasses
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from infrastructure.cli.documentation import COMMAND_SETTINGS, SETTINGS
from infrastructure.cli.main import main
from infrastructure.settings import Settings

SETTINGS_SOURCE = Path(__file__).resolve().parents[2] / "infrastructure" / "settings.py"

Lotse = Callable[..., tuple[int, str, str]]


@pytest.fixture
def lotse(settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Lotse:
    """Runs `lotse …` in-process on the test's backend, as an operator would; answers (status, stdout, stderr)."""
    monkeypatch.setenv("LOTSE_DATA_DIR", str(settings.data_dir))
    if settings.database_url is not None:
        monkeypatch.setenv("LOTSE_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("LOTSE_DATABASE_URL", raising=False)
    monkeypatch.delenv("LOTSE_MASTER_KEY", raising=False)

    def run(*arguments: str) -> tuple[int, str, str]:
        capsys.readouterr()
        status = main(list(arguments))
        printed = capsys.readouterr()
        return status, printed.out, printed.err

    return run


def help_of(capsys: pytest.CaptureFixture[str], *command: str) -> str:
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    return capsys.readouterr().out


def command_paths(capsys: pytest.CaptureFixture[str], *command: str) -> list[tuple[str, ...]]:
    """Every command a user can run, found as the user finds them: in the `{a,b,…}` lists of the help."""
    listed = re.search(r"^positional arguments:\n  \{([^}]+)\}", help_of(capsys, *command), re.MULTILINE)
    if listed is None:
        return [command]
    return [path for name in listed.group(1).split(",") for path in command_paths(capsys, *command, name)]


def test_lotse_help_names_every_setting_with_its_default(capsys: pytest.CaptureFixture[str]) -> None:
    printed = " ".join(help_of(capsys).split())
    read = set(re.findall(r'"(LOTSE_[A-Z_]+)"', SETTINGS_SOURCE.read_text()))

    assert read == set(SETTINGS), "every setting infrastructure/settings.py reads is documented, and no other"
    for name in read:
        assert name in printed
    assert "LOTSE_DB_POOL_SIZE [8]" in printed
    assert "LOTSE_TIMEZONE [Europe/Berlin]" in printed
    assert "LOTSE_MASTER_KEY [unset: LOTSE_DATA_DIR/master.key]" in printed


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_each_documented_setting_sets_what_its_help_says(name: str) -> None:
    attribute = SETTINGS[name][0]
    default = {field.name: field.default for field in dataclasses.fields(Settings)}[attribute]
    given = {
        "LOTSE_PROJECTIONS": "worker",
        "LOTSE_TIMEZONE": "UTC",
        "LOTSE_TRUSTED_PROXIES": "10.0.0.0/24",
        "LOTSE_READ_DATABASE_URL": "postgresql://replica/lotse",
    }
    value = given.get(name, "7" if isinstance(default, int) else "x")
    read = {"LOTSE_TRUSTED_PROXIES": "('10.0.0.0/24',)"}.get(name, value)  # a list of networks
    needs = {"LOTSE_READ_DATABASE_URL": {"LOTSE_DATABASE_URL": "postgresql://primary/lotse"}}  # a replica's primary

    settings = Settings.from_environ({**needs.get(name, {}), name: value})

    assert str(getattr(settings, attribute)) == read
    assert str(getattr(Settings.from_environ({}), attribute)) != value


def test_every_command_tells_its_defaults_and_settings(capsys: pytest.CaptureFixture[str]) -> None:
    paths = command_paths(capsys)
    assert {("serve",), ("demo",), ("token", "issue"), ("audit", "verify"), ("retention", "apply")} <= set(paths)

    for path in paths:
        name = " ".join(path)
        assert name in COMMAND_SETTINGS, f"infrastructure/cli/documentation.py: which settings affect `lotse {name}`?"
        printed = help_of(capsys, *path)
        assert "settings that affect it" in printed, name
        for setting in COMMAND_SETTINGS[name]:
            assert setting in printed, (name, setting)
        usage, _, _ = printed.partition("settings that affect it")
        assert usage.split("\n\n")[1].strip(), f"`lotse {name} --help` says what the command does"


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        (("serve",), ["address to listen on (default: 127.0.0.1)", "port to listen on (default: 8000)"]),
        (("demo",), ["(default: 300)", "(default: 2026)", "--force"]),
        (("token", "issue"), ["(default 30, at most 366)"]),
        (("retention", "apply"), ["default: LOTSE_RETENTION_YEARS"]),
    ],
)
def test_option_defaults_are_shown(
    capsys: pytest.CaptureFixture[str], command: tuple[str, ...], shown: list[str]
) -> None:
    printed = " ".join(help_of(capsys, *command).split())

    for text in shown:
        assert text in printed


def test_demo_loads_into_an_empty_store(lotse: Lotse) -> None:
    status, out, _ = lotse("demo", "--cases", "3")

    assert status == 0
    assert out.startswith("loaded 3 cases with ")


def test_demo_on_a_store_with_events_says_so_and_loads_nothing(lotse: Lotse) -> None:
    assert lotse("demo", "--cases", "2")[0] == 0
    before = lotse("projections", "status")[1]

    status, out, err = lotse("demo", "--cases", "2")

    assert status == 1
    assert out == ""
    assert "the store is not empty" in err
    assert "nothing loaded" in err
    assert "--force" in err
    assert lotse("projections", "status")[1] == before


def test_demo_with_force_loads_into_a_store_with_events(lotse: Lotse) -> None:
    assert lotse("demo", "--cases", "2")[0] == 0
    head_before = _head(lotse("projections", "status")[1])

    status, out, _ = lotse("demo", "--cases", "2", "--seed", "7", "--force")

    assert status == 0
    assert out.startswith("loaded 2 cases with ")
    assert _head(lotse("projections", "status")[1]) > head_before


def _head(status_table: str) -> int:
    """The log head of `lotse projections status`."""
    first_view = status_table.splitlines()[1].split()
    return int(first_view[2])
