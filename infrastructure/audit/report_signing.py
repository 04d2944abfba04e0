"""Signing published reports with the audit key (the key that signs the log's checkpoints)."""

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from infrastructure.audit.checkpoints import public_key_hex


class AuditKeySigner:
    """Ed25519 signatures in hex; `verify` checks one under the public key a report names."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key

    def sign(self, message: bytes) -> str:
        return self._key.sign(message).hex()

    def public_key(self) -> str:
        return public_key_hex(self._key.public_key())

    def verify(self, message: bytes, signature: str, public_key: str) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key)).verify(bytes.fromhex(signature), message)
        except (InvalidSignature, ValueError):
            return False
        return True
