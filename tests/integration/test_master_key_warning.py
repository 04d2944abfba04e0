"""A PostgreSQL installation whose master key is the generated file in the data directory is warned at start: a copy
of that directory and a database dump together read every client's personal data (issue: privacy hardening)."""

import logging
from pathlib import Path

import pytest

from infrastructure.bootstrap import bootstrap
from infrastructure.settings import Settings

KEY = "ab" * 32


@pytest.mark.postgres
def test_a_master_key_file_in_the_data_directory_is_warned_about_on_postgres(
    postgres_schema_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="lotse"):
        bootstrap(Settings(database_url=postgres_schema_url, data_dir=tmp_path / "data")).close()

    warnings = [record.getMessage() for record in caplog.records if "master key" in record.getMessage()]
    assert len(warnings) == 1
    assert str(tmp_path / "data" / "master.key") in warnings[0]
    assert "LOTSE_MASTER_KEY" in warnings[0]


@pytest.mark.postgres
def test_a_master_key_given_from_outside_is_not_warned_about(
    postgres_schema_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="lotse"):
        bootstrap(Settings(database_url=postgres_schema_url, data_dir=tmp_path / "data", master_key=KEY)).close()

    assert not [record for record in caplog.records if "master key" in record.getMessage()]


def test_the_embedded_default_keeps_its_key_file_without_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="lotse"):
        bootstrap(Settings(data_dir=tmp_path / "data")).close()

    assert not [record for record in caplog.records if "master key" in record.getMessage()]
