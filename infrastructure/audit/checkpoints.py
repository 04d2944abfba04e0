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
from infrastructure.audit.locator import ENCODED_LENGTH
from infrastructure.secret_files import write_secret_once
from infrastructure.settings import Settings, SettingsError

CHECKPOINT_TABLE = "lotse_checkpoints"
CHECKPOINT_TAG = "lotse-checkpoint-v1"
EXTENSION_TAG = "lotse-checkpoint-extension-v1"
KEY_FILE = "audit-signing.pem"
Position = Annotated[int, msgspec.Meta(ge=0)]
Hex64 = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}\Z")]
Hex128 = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{128}\Z")]
LocatorHex = Annotated[str, msgspec.Meta(pattern=rf"^[0-9a-f]{{{ENCODED_LENGTH}}}\Z")]
Instant = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\Z")]


# Checkpoints


class Checkpoint(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """The chain's head at a position, signed: `signature` is Ed25519 over `message()` by `public_key` (raw, hex).

    Since schema migration 3 a checkpoint carries more, signed apart so that `signature` stays what it always was:
    `locator`, the events' locator at `position` (infrastructure/audit/locator.py), which names the events that
    differ from what was signed; `access_position` and `access_head`, the read-access log's last entry and its chain's
    head then; and `extension_signature`, Ed25519 over `extension_message()`. A checkpoint without them (signed before)
    stays valid.
    """

    position: Position
    head: Hex64
    signed_at: Instant
    public_key: Hex64
    signature: Hex128
    locator: LocatorHex | None = None
    access_position: Position | None = None
    access_head: Hex64 | None = None
    extension_signature: Hex128 | None = None

    def message(self) -> bytes:
        return checkpoint_message(self.position, self.head, self.signed_at)

    def extension_message(self) -> bytes:
        return extension_message(self.position, self.head, self.signed_at, self.extension())

    def extension(self) -> "Extension | None":
        if self.locator is None and self.access_position is None and self.access_head is None:
            return None
        return Extension(locator=self.locator, access_position=self.access_position, access_head=self.access_head)

    def is_signed_by(self, key: Ed25519PublicKey) -> bool:
        if self.public_key != public_key_hex(key):
            return False
        extension = self.extension()
        try:
            key.verify(bytes.fromhex(self.signature), self.message())
            if extension is not None or self.extension_signature is not None:
                key.verify(bytes.fromhex(self.extension_signature or ""), self.extension_message())
        except InvalidSignature:
            return False
        return True


class Extension(msgspec.Struct, frozen=True):
    """What a checkpoint signs beside its head (see Checkpoint)."""

    locator: str | None = None
    access_position: int | None = None
    access_head: str | None = None


def checkpoint_message(position: int, head: str, signed_at: str) -> bytes:
    """What a checkpoint's signature covers: four lines of ASCII, each ending in a newline."""
    return f"{CHECKPOINT_TAG}\n{position}\n{head}\n{signed_at}\n".encode()


def extension_message(position: int, head: str, signed_at: str, extension: Extension | None) -> bytes:
    """What the extension signature covers: seven lines of ASCII (an absent value is an empty line)."""
    signed = extension or Extension()
    access_position = "" if signed.access_position is None else str(signed.access_position)
    lines = [EXTENSION_TAG, str(position), head, signed_at, signed.locator or ""]
    lines += [access_position, signed.access_head or ""]
    return "".join(f"{line}\n" for line in lines).encode()


def sign_checkpoint(
    key: Ed25519PrivateKey, position: int, head: str, signed_at: datetime, extension: Extension | None = None
) -> Checkpoint:
    instant = signed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = key.sign(checkpoint_message(position, head, instant))
    extension_signature = None
    if extension is not None:
        extension_signature = key.sign(extension_message(position, head, instant, extension)).hex()
    return Checkpoint(
        position=position,
        head=head,
        signed_at=instant,
        public_key=public_key_hex(key.public_key()),
        signature=signature.hex(),
        locator=extension.locator if extension else None,
        access_position=extension.access_position if extension else None,
        access_head=extension.access_head if extension else None,
        extension_signature=extension_signature,
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
