"""Settings and token keys: refused when they would be unsafe, generated once when absent."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from application.ports import Principal
from infrastructure.auth.tokens import KEY_FILE, InvalidClaims, InvalidToken, TokenCodec, signing_key
from infrastructure.eventstore.environment import event_store_env
from infrastructure.settings import Settings, SettingsError

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
AYSE = Principal(subject="ayse", role="counsellor", agency="koeln")


def test_a_short_token_secret_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="LOTSE_TOKEN_SECRET"):
        signing_key(Settings(data_dir=tmp_path, token_secret="short"))


def test_a_generated_key_is_kept_private_and_reused(tmp_path: Path) -> None:
    first = signing_key(Settings(data_dir=tmp_path))
    again = signing_key(Settings(data_dir=tmp_path))

    assert first == again
    assert len(first) >= 32
    assert (tmp_path / KEY_FILE).stat().st_mode & 0o777 == 0o600
    assert [path.name for path in tmp_path.iterdir()] == [KEY_FILE]


def test_an_emptied_key_file_is_refused_not_used(tmp_path: Path) -> None:
    (tmp_path / KEY_FILE).write_text("")
    with pytest.raises(SettingsError):
        signing_key(Settings(data_dir=tmp_path))


def test_tokens_verify_only_with_their_key_and_until_they_expire(tmp_path: Path) -> None:
    codec = TokenCodec(signing_key(Settings(data_dir=tmp_path)))
    token = codec.issue(AYSE, NOW, timedelta(days=1))

    assert codec.verify(token, NOW + timedelta(hours=23)) == AYSE
    with pytest.raises(InvalidToken):
        codec.verify(token, NOW + timedelta(days=1))
    with pytest.raises(InvalidToken):
        TokenCodec(b"x" * 64).verify(token, NOW)


@pytest.mark.parametrize(
    "principal",
    [
        Principal(subject="", role="counsellor", agency="koeln"),
        Principal(subject="ayse", role="janitor", agency="koeln"),
        Principal(subject="ayse", role="counsellor", agency="*"),
        Principal(subject="a b", role="lead", agency="koeln"),
    ],
)
def test_tokens_are_not_issued_for_impossible_claims(tmp_path: Path, principal: Principal) -> None:
    with pytest.raises(InvalidClaims):
        TokenCodec(b"k" * 64).issue(principal, NOW, timedelta(days=1))


def test_database_url_options_that_would_be_ignored_are_refused(tmp_path: Path) -> None:
    url = "postgresql://lotse@db:5432/lotse?sslmode=require"
    with pytest.raises(SettingsError, match="sslmode"):
        event_store_env(Settings(database_url=url, data_dir=tmp_path))
    schema = event_store_env(Settings(database_url="postgresql://lotse@db/lotse?schema=one", data_dir=tmp_path))
    assert schema["POSTGRES_SCHEMA"] == "one"
