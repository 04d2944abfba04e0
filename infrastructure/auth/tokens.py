"""Bearer tokens: a signed, expiring statement of subject, role and agency (HMAC-SHA256).

The signing key comes from LOTSE_TOKEN_SECRET, else from a key file generated into the data directory.
"""

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

import msgspec

from application.ports import ALL_AGENCIES, ROLES, Principal, role_named
from infrastructure.secret_files import write_secret_once
from infrastructure.settings import Settings, SettingsError

PREFIX = "lotse1"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
KEY_FILE = "token-signing.key"


class InvalidToken(Exception):
    """The token is malformed, forged or expired."""


class InvalidClaims(ValueError):
    """A token cannot be issued with these claims."""


class _Claims(msgspec.Struct, frozen=True):
    sub: str
    role: str
    agency: str
    iat: int
    exp: int


MIN_SECRET_LENGTH = 32


def signing_key(settings: Settings) -> bytes:
    """The key that signs tokens: LOTSE_TOKEN_SECRET, else a key file generated once into the data directory."""
    if settings.token_secret is not None:
        if len(settings.token_secret) < MIN_SECRET_LENGTH:
            raise SettingsError(f"LOTSE_TOKEN_SECRET: at least {MIN_SECRET_LENGTH} characters are needed")
        return settings.token_secret.encode()
    path = settings.data_dir / KEY_FILE
    write_secret_once(path, secrets.token_hex(32).encode())
    key = path.read_text().strip()
    if len(key) < MIN_SECRET_LENGTH:
        raise SettingsError(f"{path}: the token signing key is missing or too short")
    return key.encode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenCodec:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def issue(self, principal: Principal, now: datetime, valid_for: timedelta) -> str:
        if not NAME.match(principal.subject):
            raise InvalidClaims("the subject is 1–64 letters, digits or ._@- (starting with a letter or digit)")
        if principal.agency != ALL_AGENCIES and not NAME.match(principal.agency):
            raise InvalidClaims("the agency is '*' or 1–64 letters, digits or ._@- (starting with a letter or digit)")
        if principal.role not in ROLES:
            raise InvalidClaims(f"unknown role '{principal.role}' (one of {', '.join(ROLES)})")
        if principal.agency == ALL_AGENCIES and principal.role not in ("auditor", "analyst"):
            raise InvalidClaims("only an auditor or analyst token may cover all agencies ('*')")
        claims = _Claims(
            sub=principal.subject,
            role=principal.role,
            agency=principal.agency,
            iat=int(now.timestamp()),
            exp=int((now + valid_for).timestamp()),
        )
        payload = _b64(msgspec.json.encode(claims))
        return f"{PREFIX}.{payload}.{self._sign(payload)}"

    def verify(self, token: str, now: datetime) -> Principal:
        if not token.isascii():
            raise InvalidToken("malformed token")
        prefix, _, rest = token.partition(".")
        payload, _, signature = rest.partition(".")
        if prefix != PREFIX or not payload or not signature:
            raise InvalidToken("malformed token")
        if not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            raise InvalidToken("bad signature")
        try:
            claims = msgspec.json.decode(_unb64(payload), type=_Claims)
        except (ValueError, msgspec.ValidationError):
            raise InvalidToken("malformed token") from None
        if claims.exp <= now.timestamp():
            raise InvalidToken("token expired")
        try:
            role = role_named(claims.role)
        except ValueError:
            raise InvalidToken("unknown role") from None
        return Principal(subject=claims.sub, role=role, agency=claims.agency)

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())
