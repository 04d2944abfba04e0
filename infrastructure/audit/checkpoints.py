"""Signed checkpoints: the chain's head at a position, signed with the Ed25519 checkpoint key, small enough for an
auditor to keep outside the operator's reach; and that key."""

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from infrastructure.audit.chain import AuditError
from infrastructure.secret_files import write_secret_once
from infrastructure.settings import Settings, SettingsError

CHECKPOINT_TABLE = "lotse_checkpoints"
CHECKPOINT_TAG = "lotse-checkpoint-v1"
KEY_FILE = "audit-signing.pem"
Position = Annotated[int, msgspec.Meta(ge=0)]
Hex64 = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}\Z")]
Hex128 = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{128}\Z")]
Instant = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\Z")]


# Checkpoints


class Checkpoint(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The chain's head at a position, signed: `signature` is Ed25519 over `message()` by `public_key` (raw, hex)."""

    position: Position
    head: Hex64
    signed_at: Instant
    public_key: Hex64
    signature: Hex128

    def message(self) -> bytes:
        return checkpoint_message(self.position, self.head, self.signed_at)

    def is_signed_by(self, key: Ed25519PublicKey) -> bool:
        if self.public_key != public_key_hex(key):
            return False
        try:
            key.verify(bytes.fromhex(self.signature), self.message())
        except InvalidSignature:
            return False
        return True


def checkpoint_message(position: int, head: str, signed_at: str) -> bytes:
    """What a checkpoint's signature covers: four lines of ASCII, each ending in a newline."""
    return f"{CHECKPOINT_TAG}\n{position}\n{head}\n{signed_at}\n".encode()


def sign_checkpoint(key: Ed25519PrivateKey, position: int, head: str, signed_at: datetime) -> Checkpoint:
    instant = signed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = key.sign(checkpoint_message(position, head, instant))
    return Checkpoint(
        position=position,
        head=head,
        signed_at=instant,
        public_key=public_key_hex(key.public_key()),
        signature=signature.hex(),
    )


def encode_checkpoints(checkpoints: Checkpoint | Sequence[Checkpoint]) -> str:
    """One checkpoint as a JSON object, several as a JSON array."""
    value = checkpoints if isinstance(checkpoints, Checkpoint) else list(checkpoints)
    return msgspec.json.format(msgspec.json.encode(value).decode(), indent=2)


def decode_checkpoints(document: bytes | str) -> list[Checkpoint]:
    """Reads what `encode_checkpoints` wrote: one checkpoint or an array of them."""
    try:
        decoded = msgspec.json.decode(document, type=Checkpoint | list[Checkpoint])
    except msgspec.DecodeError as error:  # ValidationError is a DecodeError
        raise AuditError(f"not a Lotse checkpoint: {error}") from None
    return [decoded] if isinstance(decoded, Checkpoint) else decoded


# Keys


def public_key_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def public_key_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from PEM (as `lotse audit export-public-key` prints it)."""
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        raise AuditError("not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise AuditError("not an Ed25519 public key")
    return key


def audit_signing_key(settings: Settings) -> Ed25519PrivateKey:
    """The checkpoint key: LOTSE_AUDIT_SIGNING_KEY (a PEM file), else one generated into the data directory."""
    path = settings.audit_signing_key
    if path is None:
        path = settings.data_dir / KEY_FILE
        _generate_key_file(path)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise SettingsError(
            f"LOTSE_AUDIT_SIGNING_KEY: cannot read an unencrypted PEM key from {path}: {error}"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SettingsError(f"LOTSE_AUDIT_SIGNING_KEY: {path} is not an Ed25519 key")
    return key


def _generate_key_file(path: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    write_secret_once(path, pem)
