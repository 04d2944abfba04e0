"""An API process checks a token on its event loop when the staff directory's answer is cached, and hands it to a
thread only when the directory must be asked: the same verdicts either way, with no lookup on the quick path."""

from datetime import UTC, datetime, timedelta

import pytest

from application.ports import Principal
from infrastructure.auth.authenticator import CACHE_SECONDS, Authenticator
from infrastructure.auth.staff import StaffEntry
from infrastructure.auth.tokens import InvalidToken, TokenCodec

NOW = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
AYSE = Principal(subject="ayse", role="counsellor", agency="koeln")


class CountingDirectory:
    def __init__(self, entry: StaffEntry | None) -> None:
        self.entry_now = entry
        self.lookups = 0

    def entry(self, agency: str, subject: str) -> StaffEntry | None:
        self.lookups += 1
        return self.entry_now


class Clock:
    def __init__(self) -> None:
        self.seconds = 100.0

    def __call__(self) -> float:
        return self.seconds


def authenticator(directory: CountingDirectory, clock: Clock) -> tuple[Authenticator, TokenCodec]:
    codec = TokenCodec(b"k" * 32)
    return Authenticator(codec, directory, lambda: NOW, monotonic=clock), codec


def test_a_token_is_checked_without_asking_while_its_subjects_entry_is_cached() -> None:
    directory, clock = CountingDirectory(StaffEntry("counsellor", True, 0)), Clock()
    check, codec = authenticator(directory, clock)
    token = codec.issue(AYSE, NOW, timedelta(hours=8))

    assert check.authenticate_without_asking(token) is None  # nothing cached yet: the directory must be asked
    assert directory.lookups == 0
    assert check.authenticate(token) == AYSE
    assert directory.lookups == 1
    for _ in range(3):
        assert check.authenticate_without_asking(token) == AYSE
    assert directory.lookups == 1

    clock.seconds += CACHE_SECONDS  # the cached answer has expired: ask again, in a thread
    assert check.authenticate_without_asking(token) is None
    assert directory.lookups == 1


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (None, "the subject is not in the agency's staff directory"),
        (StaffEntry("counsellor", False, 0), "the subject was deactivated"),
        (StaffEntry("lead", True, 0), "the subject's role is now lead"),
        (StaffEntry("counsellor", True, 1), "the token was revoked"),
    ],
)
def test_a_cached_refusal_is_the_same_refusal_without_asking(entry: StaffEntry | None, reason: str) -> None:
    directory, clock = CountingDirectory(entry), Clock()
    check, codec = authenticator(directory, clock)
    token = codec.issue(AYSE, NOW, timedelta(hours=8))

    with pytest.raises(InvalidToken, match=reason):
        check.authenticate(token)
    with pytest.raises(InvalidToken, match=reason):
        check.authenticate_without_asking(token)
    assert directory.lookups == 1


def test_a_forged_or_expired_token_is_refused_without_asking() -> None:
    directory, clock = CountingDirectory(StaffEntry("counsellor", True, 0)), Clock()
    check, codec = authenticator(directory, clock)
    token = codec.issue(AYSE, NOW, timedelta(hours=8))
    check.authenticate(token)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    expired = codec.issue(AYSE, NOW - timedelta(days=2), timedelta(hours=1))

    with pytest.raises(InvalidToken, match="bad signature"):
        check.authenticate_without_asking(forged)
    with pytest.raises(InvalidToken, match="token expired"):
        check.authenticate_without_asking(expired)
    assert directory.lookups == 1
