"""Every token is checked against the staff directory (API.md 0.2 "Authentication and roles"), on both backends.

The operator acts through `lotse` (token issue, token revoke, staff deactivate), as she would; the tokens it prints
are checked by the authenticator an API process uses, with a cache whose clock the test moves.
"""

import io
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from application.ports import Principal, StaffMember
from infrastructure.auth.authenticator import CACHE_SECONDS, Authenticator
from infrastructure.auth.staff import STAFF_TABLE
from infrastructure.auth.tokens import InvalidToken
from infrastructure.bootstrap import Lotse, bootstrap
from infrastructure.cli import main as cli
from infrastructure.settings import Settings

KOELN = "koeln"


class Monotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def lotse(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lotse]:
    for name in ("LOTSE_DATABASE_URL", "LOTSE_DATA_DIR", "LOTSE_TOKEN_SECRET"):
        monkeypatch.delenv(name, raising=False)
    if settings.database_url is not None:
        monkeypatch.setenv("LOTSE_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("LOTSE_DATA_DIR", str(settings.data_dir))
    built = bootstrap(settings)
    yield built
    built.close()


@pytest.fixture
def monotonic() -> Monotonic:
    return Monotonic()


@pytest.fixture
def authenticate(lotse: Lotse, monotonic: Monotonic) -> Callable[[str], Principal]:
    """An API process's check of a token; its directory cache's clock stands still unless the test moves it."""
    return Authenticator(lotse.tokens, lotse.staff, lambda: datetime.now(UTC), monotonic=monotonic).authenticate


def lotse_command(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        status = cli.main(list(args))
    return status, out.getvalue(), err.getvalue()


def issue(subject: str, role: str, agency: str = KOELN) -> str:
    status, out, err = lotse_command("token", "issue", "--subject", subject, "--role", role, "--agency", agency)
    assert status == 0, err
    return out.strip()


def refused(authenticate: Callable[[str], Principal], token: str) -> str:
    with pytest.raises(InvalidToken) as error:
        authenticate(token)
    return str(error.value)


def test_a_demoted_lead_keeps_no_lead_rights(lotse: Lotse, authenticate: Callable[[str], Principal]) -> None:
    as_lead = issue("petra", "lead")
    assert authenticate(as_lead).role == "lead"

    as_counsellor = issue("petra", "counsellor")
    authenticate_later = Authenticator(lotse.tokens, lotse.staff, lambda: datetime.now(UTC)).authenticate

    assert "role" in refused(authenticate_later, as_lead)
    assert authenticate_later(as_counsellor) == Principal("petra", "counsellor", KOELN)
    issue("petra", "lead")  # promoted again: the token of her first time as lead does not come back
    assert "revoked" in refused(
        Authenticator(lotse.tokens, lotse.staff, lambda: datetime.now(UTC)).authenticate, as_lead
    )


def test_a_new_token_for_someone_deactivated_does_not_revive_her_old_ones(lotse: Lotse) -> None:
    old = issue("ayse", "counsellor")
    status, out, _ = lotse_command("staff", "deactivate", "--subject", "ayse", "--agency", KOELN)
    assert (status, out.strip()) == (0, "ayse@koeln: deactivated")
    authenticate = Authenticator(lotse.tokens, lotse.staff, lambda: datetime.now(UTC)).authenticate
    assert "deactivated" in refused(authenticate, old)

    status, new, err = lotse_command("token", "issue", "--subject", "ayse", "--role", "counsellor", "--agency", KOELN)

    assert status == 0
    assert "active again" in err  # issuing reactivates her, and says so
    authenticate = Authenticator(lotse.tokens, lotse.staff, lambda: datetime.now(UTC)).authenticate
    assert authenticate(new.strip()) == Principal("ayse", "counsellor", KOELN)
    assert "revoked" in refused(authenticate, old)
    assert lotse.staff.is_active_counsellor(KOELN, "ayse")


@pytest.mark.parametrize(
    ("role", "agency"), [("auditor", KOELN), ("analyst", KOELN), ("auditor", "*"), ("analyst", "*")]
)
def test_auditors_and_analysts_are_staff_and_can_be_deactivated(lotse: Lotse, role: str, agency: str) -> None:
    token = issue("otto", role, agency)
    authenticate = Authenticator(lotse.tokens, lotse.staff, lambda: datetime.now(UTC)).authenticate
    assert authenticate(token) == Principal("otto", role, agency)  # type: ignore[arg-type]

    status, out, _ = lotse_command("staff", "deactivate", "--subject", "otto", "--agency", agency)

    assert (status, out.strip()) == (0, f"otto@{agency}: deactivated")
    assert "deactivated" in refused(
        Authenticator(lotse.tokens, lotse.staff, lambda: datetime.now(UTC)).authenticate, token
    )


def test_revoking_ends_every_token_issued_so_far_and_none_issued_later(lotse: Lotse) -> None:
    phone, laptop = issue("ayse", "counsellor"), issue("ayse", "counsellor")
    elsewhere = issue("ayse", "auditor", "bonn")
    colleague = issue("ben", "counsellor")

    status, out, _ = lotse_command("token", "revoke", "--subject", "ayse")

    assert status == 0
    assert out.splitlines() == [
        "ayse@bonn: every token issued so far is revoked",
        "ayse@koeln: every token issued so far is revoked",
    ]
    authenticate = Authenticator(lotse.tokens, lotse.staff, lambda: datetime.now(UTC)).authenticate
    for token in (phone, laptop, elsewhere):
        assert "revoked" in refused(authenticate, token)
    assert authenticate(colleague).subject == "ben"
    assert authenticate(issue("ayse", "counsellor")) == Principal("ayse", "counsellor", KOELN)
    assert lotse.staff.is_active_counsellor(KOELN, "ayse")  # revoking her tokens is not deactivating her


def test_revoking_for_one_agency_leaves_her_tokens_of_another(lotse: Lotse) -> None:
    koeln, bonn = issue("ayse", "counsellor"), issue("ayse", "counsellor", "bonn")

    assert lotse_command("token", "revoke", "--subject", "ayse", "--agency", "bonn")[0] == 0

    authenticate = Authenticator(lotse.tokens, lotse.staff, lambda: datetime.now(UTC)).authenticate
    assert authenticate(koeln).agency == KOELN
    assert "revoked" in refused(authenticate, bonn)


def test_revoking_or_deactivating_someone_unknown_says_so(lotse: Lotse) -> None:
    status, out, _ = lotse_command("token", "revoke", "--subject", "nobody")
    assert (status, out.strip()) == (1, "nobody: not in the staff directory")
    status, out, _ = lotse_command("staff", "deactivate", "--subject", "nobody", "--agency", KOELN)
    assert (status, out.strip()) == (1, "nobody@koeln: not in the staff directory")


def test_a_token_of_someone_not_in_the_directory_is_refused(
    lotse: Lotse, authenticate: Callable[[str], Principal]
) -> None:
    for role, agency in (("counsellor", KOELN), ("auditor", KOELN), ("analyst", "*")):
        token = lotse.tokens.issue(Principal("mallory", role, agency), datetime.now(UTC), timedelta(hours=1))  # type: ignore[arg-type]
        assert "not in the agency's staff directory" in refused(authenticate, token)


def test_a_token_for_another_agency_than_hers_is_refused(
    lotse: Lotse, authenticate: Callable[[str], Principal]
) -> None:
    issue("ayse", "counsellor")
    token = lotse.tokens.issue(Principal("ayse", "counsellor", "bonn"), datetime.now(UTC), timedelta(hours=1))
    assert "not in the agency's staff directory" in refused(authenticate, token)


def test_a_change_in_the_directory_counts_within_the_cache_time(
    lotse: Lotse, authenticate: Callable[[str], Principal], monotonic: Monotonic
) -> None:
    token = issue("ayse", "counsellor")
    assert authenticate(token).subject == "ayse"

    lotse_command("token", "revoke", "--subject", "ayse")

    monotonic.now += CACHE_SECONDS - 0.1
    assert authenticate(token).subject == "ayse"  # still the directory's answer of a moment ago
    monotonic.now += 0.2
    assert "revoked" in refused(authenticate, token)
    assert CACHE_SECONDS <= 5


def test_the_directory_lists_an_agencys_staff_by_name_with_their_role_and_whether_they_left(lotse: Lotse) -> None:
    """What a lead reads as `GET /staff`: the same on both backends, ordered by code point (not by collation: on
    PostgreSQL the names are given a German collation here, which would put "ben" before "Zeynep")."""
    if lotse.settings.uses_postgres:
        lotse.database.execute(
            f'ALTER TABLE {lotse.database.table(STAFF_TABLE)} ALTER COLUMN subject TYPE TEXT COLLATE "de-x-icu"'
        )
    for subject, role in (("zoe", "counsellor"), ("Ayse", "counsellor"), ("ben", "lead"), ("Zeynep", "auditor")):
        issue(subject, role)
    issue("carla", "counsellor", "bonn")
    issue("zoe", "lead")  # promoted: her latest token's role
    assert lotse_command("staff", "deactivate", "--subject", "ben", "--agency", KOELN)[0] == 0

    assert lotse.staff.members(KOELN) == [
        StaffMember("Ayse", "counsellor", active=True),
        StaffMember("Zeynep", "auditor", active=True),
        StaffMember("ben", "lead", active=False),
        StaffMember("zoe", "lead", active=True),
    ]
    assert lotse.staff.members("bonn") == [StaffMember("carla", "counsellor", active=True)]
    assert lotse.staff.members("hamm") == []
