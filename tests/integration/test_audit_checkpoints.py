"""Signed checkpoints: the chain's head at a position, signed with the service's Ed25519 key; kept apart, they
catch what the chain alone cannot (a log rewritten together with its chain), and one signed with another key is
rejected. Also the `lotse audit` commands that sign, export and verify them."""

import json
import os
import stat
from collections.abc import Callable
from datetime import date
from pathlib import Path

import msgspec
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from application.cases import CaseService
from infrastructure.audit.chain import AuditError
from infrastructure.audit.checkpoints import (
    KEY_FILE,
    audit_signing_key,
    decode_checkpoints,
    encode_checkpoints,
    public_key_hex,
    public_key_pem,
    sign_checkpoint,
)
from infrastructure.audit.trail import AuditTrail
from infrastructure.cli.main import main
from infrastructure.settings import Settings, SettingsError
from tests.integration.conftest import AGENCY, COUNSELLOR, START, LotseFactory, open_case_command, session
from tests.raw_log import RawLog

Lotse = Callable[..., tuple[int, str]]


@pytest.fixture
def audit(service: CaseService, make_lotse: LotseFactory) -> AuditTrail:
    return make_lotse(clock=lambda: START).audit  # beside `service`, on its database, signing at START


def record(service: CaseService, steps: int = 3) -> None:
    case = service.open_case(AGENCY, open_case_command(), COUNSELLOR)
    for day in range(steps):
        service.record_step(case.case.id, session(date(2026, 1, 6 + day)), COUNSELLOR, agency=AGENCY)


def test_a_checkpoint_signs_the_head_at_the_last_position_and_is_stored(
    service: CaseService, audit: AuditTrail, settings: Settings
) -> None:
    record(service)
    last = RawLog(settings).positions()[-1]

    checkpoint = audit.checkpoint()

    assert checkpoint.position == last
    assert checkpoint.head == audit.chain_head_at(last)
    assert checkpoint.signed_at == "2026-06-01T08:00:00Z"
    assert checkpoint.public_key == public_key_hex(audit.public_key)
    assert checkpoint.is_signed_by(audit.public_key)
    assert audit.checkpoints() == [checkpoint]
    assert decode_checkpoints(encode_checkpoints(checkpoint)) == [checkpoint]
    assert decode_checkpoints(encode_checkpoints(audit.checkpoints())) == [checkpoint]
    result = audit.verify()
    assert result.ok, result
    assert result.checkpoints_checked == 1


def test_an_empty_log_can_be_checkpointed_at_position_zero(audit: AuditTrail) -> None:
    checkpoint = audit.checkpoint()

    assert (checkpoint.position, checkpoint.head) == (0, "0" * 64)
    assert audit.verify().ok


def test_checkpoints_keep_verifying_as_the_log_grows(service: CaseService, audit: AuditTrail) -> None:
    record(service, steps=1)
    first = audit.checkpoint()
    record(service, steps=2)
    second = audit.checkpoint()

    result = audit.verify()

    assert second.position > first.position
    assert result.ok, result
    assert result.checkpoints_checked == 2


def test_a_checkpoint_signed_with_another_key_is_rejected(service: CaseService, audit: AuditTrail) -> None:
    record(service)
    genuine = audit.checkpoint()
    other = sign_checkpoint(Ed25519PrivateKey.generate(), genuine.position, genuine.head, START)

    result = audit.verify([other])

    assert not result.ok
    assert result.first_bad_position is None  # every event is fine; the checkpoint is not ours
    assert result.checkpoints_checked == 1
    assert result.problem == f"the checkpoint at position {genuine.position} is not signed by the trusted key"


def test_a_checkpoint_altered_after_signing_is_rejected(service: CaseService, audit: AuditTrail) -> None:
    record(service)
    genuine = audit.checkpoint()
    record(service, steps=1)

    moved = msgspec.structs.replace(genuine, position=genuine.position + 1, head=audit.chain_head_at(10**6))

    assert not moved.is_signed_by(audit.public_key)
    assert not audit.verify([moved]).ok
    assert audit.verify([genuine]).ok


def test_a_log_rewritten_with_its_chain_is_caught_by_a_checkpoint_kept_elsewhere(
    service: CaseService, audit: AuditTrail, settings: Settings
) -> None:
    record(service, steps=4)
    kept_by_the_auditor = audit.checkpoint()
    record(service, steps=2)
    raw = RawLog(settings)
    target = raw.positions()[2]

    raw.flip_byte(target)
    raw.rewrite_chain()
    raw.delete_checkpoints()

    assert audit.verify().ok  # the chain alone agrees with itself again ...
    result = audit.verify([kept_by_the_auditor])  # ... but not with what was signed, and its locator names the event
    assert not result.ok
    assert result.first_bad_position == target
    assert result.problem is not None
    assert f"checkpoint at position {kept_by_the_auditor.position}" in result.problem
    assert "(changed)" in result.problem
    assert (result.position, result.events_checked) == (raw.positions()[1], 2)
    assert result.head == audit.chain_head_at(raw.positions()[1])


def test_a_stored_checkpoint_catches_a_rewrite_that_left_it_in_place(
    service: CaseService, audit: AuditTrail, settings: Settings
) -> None:
    record(service, steps=4)
    checkpoint = audit.checkpoint()
    raw = RawLog(settings)

    deleted = raw.positions()[1]
    raw.delete(deleted)
    raw.rewrite_chain()

    result = audit.verify()
    assert result.first_bad_position == deleted
    assert result.problem is not None
    assert "(removed)" in result.problem
    assert f"checkpoint at position {checkpoint.position}" in result.problem


def test_a_log_cut_short_before_a_checkpoint_is_caught(
    service: CaseService, audit: AuditTrail, settings: Settings
) -> None:
    record(service, steps=3)
    checkpoint = audit.checkpoint()
    raw = RawLog(settings)

    raw.delete(checkpoint.position)
    raw.delete_links(after=checkpoint.position - 1)

    result = audit.verify()
    assert not result.ok
    assert result.first_bad_position == checkpoint.position
    assert result.problem is not None
    assert "beyond the log's end" in result.problem


def test_a_tampered_log_is_not_signed(service: CaseService, audit: AuditTrail, settings: Settings) -> None:
    record(service)
    raw = RawLog(settings)
    raw.flip_byte(raw.positions()[1])

    with pytest.raises(AuditError, match="does not verify"):
        audit.checkpoint()
    assert audit.checkpoints() == []


def test_a_checkpoint_file_is_plain_json_and_strict() -> None:
    checkpoint = sign_checkpoint(Ed25519PrivateKey.generate(), 12, "ab" * 32, START)

    document = json.loads(encode_checkpoints(checkpoint))

    assert set(document) == {"position", "head", "signed_at", "public_key", "signature"}
    assert document["position"] == 12
    for broken in ({**document, "head": "AB" * 32}, {**document, "extra": 1}, {"position": 12}):
        with pytest.raises(AuditError, match="not a Lotse checkpoint"):
            decode_checkpoints(json.dumps(broken))
    with pytest.raises(AuditError):
        decode_checkpoints("not json")


# Keys


def test_the_key_is_generated_into_the_data_directory_once_and_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")

    first, second = audit_signing_key(settings), audit_signing_key(settings)

    path = tmp_path / "data" / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert public_key_hex(first.public_key()) == public_key_hex(second.public_key())


def test_the_key_comes_from_lotse_audit_signing_key_when_set(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "audit.pem"
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    settings = Settings.from_environ({"LOTSE_DATA_DIR": str(tmp_path / "data"), "LOTSE_AUDIT_SIGNING_KEY": str(path)})

    assert public_key_hex(audit_signing_key(settings).public_key()) == public_key_hex(key.public_key())
    assert not (tmp_path / "data" / KEY_FILE).exists()


def test_an_unusable_key_file_is_a_settings_error(tmp_path: Path) -> None:
    path = tmp_path / "not-a-key.pem"
    path.write_text("hello")

    with pytest.raises(SettingsError, match="LOTSE_AUDIT_SIGNING_KEY"):
        audit_signing_key(Settings(data_dir=tmp_path, audit_signing_key=path))
    with pytest.raises(SettingsError, match="LOTSE_AUDIT_SIGNING_KEY"):
        audit_signing_key(Settings(data_dir=tmp_path, audit_signing_key=tmp_path / "missing.pem"))


# The `lotse audit` commands


@pytest.fixture
def lotse(settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Lotse:
    """Runs `lotse …` in-process against the test's backend; answers (exit status, stdout)."""
    monkeypatch.setenv("LOTSE_DATA_DIR", str(settings.data_dir))
    if settings.database_url is not None:
        monkeypatch.setenv("LOTSE_DATABASE_URL", settings.database_url)
    else:
        monkeypatch.delenv("LOTSE_DATABASE_URL", raising=False)
    monkeypatch.delenv("LOTSE_AUDIT_SIGNING_KEY", raising=False)

    def run(*arguments: str) -> tuple[int, str]:
        capsys.readouterr()
        status = main(list(arguments))
        return status, capsys.readouterr().out

    return run


def test_the_commands_sign_export_and_verify(
    service: CaseService, settings: Settings, lotse: Lotse, tmp_path: Path
) -> None:
    record(service)
    kept = tmp_path / "kept.json"
    public = tmp_path / "lotse-audit.pub.pem"

    status, printed = lotse("audit", "checkpoint", "--out", str(kept))
    assert status == 0
    checkpoint = decode_checkpoints(printed)[0]
    assert decode_checkpoints(kept.read_bytes()) == [checkpoint]

    status, printed = lotse("audit", "export-public-key", "--out", str(public))
    assert status == 0
    assert printed.startswith("-----BEGIN PUBLIC KEY-----")
    assert public.read_text() == printed
    assert public_key_pem(audit_signing_key(settings).public_key()) == printed

    status, printed = lotse("audit", "checkpoints")
    assert (status, decode_checkpoints(printed)) == (0, [checkpoint])

    status, printed = lotse("audit", "verify", "--checkpoint", str(kept), "--public-key", str(public))
    report = json.loads(printed)
    assert status == 0, report
    assert report["ok"] is True
    assert report["events_checked"] == 4
    assert report["head"] == checkpoint.head
    assert report["first_bad_position"] is None
    assert report["checkpoints_checked"] == 2  # the stored one and the file


def test_verify_fails_with_status_1_on_a_tampered_log(service: CaseService, settings: Settings, lotse: Lotse) -> None:
    record(service)
    raw = RawLog(settings)
    target = raw.positions()[2]
    raw.flip_byte(target)

    status, printed = lotse("audit", "verify")

    assert status == 1
    assert json.loads(printed)["first_bad_position"] == target
    assert lotse("audit", "checkpoint")[0] == 1


def test_verify_rejects_a_checkpoint_file_signed_with_another_key(
    service: CaseService, audit: AuditTrail, lotse: Lotse, tmp_path: Path
) -> None:
    record(service)
    genuine = audit.checkpoint()
    other_key = Ed25519PrivateKey.generate()
    forged, other_public = tmp_path / "forged.json", tmp_path / "other.pub.pem"
    forged.write_text(encode_checkpoints(sign_checkpoint(other_key, genuine.position, genuine.head, START)))
    other_public.write_text(public_key_pem(other_key.public_key()))

    status, printed = lotse("audit", "verify", "--checkpoint", str(forged))
    assert status == 1
    assert "not signed by the trusted key" in json.loads(printed)["problem"]

    # Trusting the other key instead, the service's own stored checkpoint is the one rejected.
    status, printed = lotse("audit", "verify", "--checkpoint", str(forged), "--public-key", str(other_public))
    assert status == 1
    assert json.loads(printed)["checkpoints_checked"] == 1


@pytest.mark.parametrize("role", ["not a role", "lotse_no_such_role"])
def test_restrict_role_refuses_what_it_cannot_do(lotse: Lotse, role: str) -> None:
    # On SQLite there are no roles at all; on PostgreSQL a name that is no plain name, or no role.
    status, printed = lotse("audit", "restrict-role", role)

    assert (status, printed) == (1, "")


def test_a_missing_checkpoint_file_is_an_error_not_a_crash(lotse: Lotse, tmp_path: Path) -> None:
    status, _ = lotse("audit", "verify", "--checkpoint", str(tmp_path / "nowhere.json"))

    assert status == 1


def test_the_key_file_is_not_world_readable_after_the_commands(settings: Settings, lotse: Lotse) -> None:
    lotse("audit", "export-public-key")

    mode = os.stat(settings.data_dir / KEY_FILE).st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_verify_with_the_auditors_checkpoint_names_the_altered_event_after_the_owner_resigned_the_tail(
    service: CaseService, settings: Settings, lotse: Lotse, tmp_path: Path
) -> None:
    """The owner disables the triggers, changes one event in the middle, recomputes every link from there on and
    re-signs the stored checkpoints with the service's own key: only the checkpoint the auditor kept disagrees, and
    its locator names the changed event, not the checkpoint's position."""
    record(service, steps=6)
    kept, public = tmp_path / "kept.json", tmp_path / "lotse-audit.pub.pem"
    assert lotse("audit", "checkpoint", "--out", str(kept))[0] == 0
    assert lotse("audit", "export-public-key", "--out", str(public))[0] == 0
    record(service, steps=3)
    raw = RawLog(settings, as_owner=True)
    target = raw.positions()[3]
    signed = decode_checkpoints(kept.read_bytes())[0]
    assert target < signed.position

    raw.flip_byte(target)
    raw.resign_tail(target)
    key = audit_signing_key(settings)
    tail = raw.links()[-1]
    raw.replace_checkpoints([sign_checkpoint(key, tail[0], tail[1], START)])

    status, printed = lotse("audit", "verify")
    assert (status, json.loads(printed)["ok"]) == (0, True)  # the log, its chain and its stored checkpoint agree
    status, printed = lotse("audit", "verify", "--checkpoint", str(kept), "--public-key", str(public))
    report = json.loads(printed)
    assert status == 1
    assert report["first_bad_position"] == target
    assert report["position"] == raw.positions()[2]
    assert report["events_checked"] == 3
    assert (
        f"the event at position {target} is not the one the checkpoint at position {signed.position}"
        in (report["problem"])
    )
