"""Bearer tokens: a signed, expiring statement of subject, role and agency (HMAC-SHA256).

The signing key comes from LOTSE_TOKEN_SECRET, else from a key file generated into the data directory. A token also
carries the subject's token generation in the staff directory when it was issued (`gen`): deactivating, changing
the role of or revoking the subject raises the generation there, which ends every token issued before
(infrastructure/auth/authenticator.py). Release 0.1's tokens carry none and count as generation 0.
"""

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
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
    gen: int = 0  # the subject's token generation in the staff directory (0.1's tokens have none)


@dataclass(frozen=True)
class TokenClaims:
    """What a verified token states: who, since when, and of which of the subject's token generations."""

    principal: Principal
    issued_at: int  # seconds since the epoch
    generation: int


MIN_SECRET_LENGTH = 32
MAX_VALIDITY = timedelta(days=366)
# Tokens issued by another host of the installation whose clock runs a little ahead are still accepted.
CLOCK_SKEW = timedelta(seconds=60)


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

    def issue(self, principal: Principal, now: datetime, valid_for: timedelta, generation: int = 0) -> str:
        check_claims(principal)
        if not timedelta(0) < valid_for <= MAX_VALIDITY:
            raise InvalidClaims(f"a token is valid for more than 0 and at most {MAX_VALIDITY.days} days")
        if generation < 0:
            raise InvalidClaims("the token generation is 0 or more")
        claims = _Claims(
            sub=principal.subject,
            role=principal.role,
            agency=principal.agency,
            iat=int(now.timestamp()),
            exp=int((now + valid_for).timestamp()),
            gen=generation,
        )
        payload = _b64(msgspec.json.encode(claims))
        return f"{PREFIX}.{payload}.{self._sign(payload)}"

    def verify(self, token: str, now: datetime) -> Principal:
        return self.claims(token, now).principal

    def claims(self, token: str, now: datetime) -> TokenClaims:
        """The claims of a token signed with this key, unexpired, and sane; else InvalidToken naming why."""
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
        # Signed by us, so issued by us; still, a claim no issuer would write is refused rather than trusted.
        if claims.iat > (now + CLOCK_SKEW).timestamp():
            raise InvalidToken("token issued in the future")
        if not 0 < claims.exp - claims.iat <= MAX_VALIDITY.total_seconds():
            raise InvalidToken(f"token valid for no time or more than {MAX_VALIDITY.days} days")
        if claims.gen < 0:
            raise InvalidToken("negative token generation")
        try:
            principal = Principal(subject=claims.sub, role=role_named(claims.role), agency=claims.agency)
            check_claims(principal)
        except (ValueError, InvalidClaims) as error:
            raise InvalidToken(f"impossible claims: {error}") from None
        return TokenClaims(principal=principal, issued_at=claims.iat, generation=claims.gen)

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())


def check_claims(principal: Principal) -> None:
    """Raises InvalidClaims unless a token may name this subject, role and agency."""
    if not NAME.fullmatch(principal.subject):
        raise InvalidClaims("the subject is 1–64 letters, digits or ._@- (starting with a letter or digit)")
    if principal.agency != ALL_AGENCIES and not NAME.fullmatch(principal.agency):
        raise InvalidClaims("the agency is '*' or 1–64 letters, digits or ._@- (starting with a letter or digit)")
    if principal.role not in ROLES:
        raise InvalidClaims(f"unknown role '{principal.role}' (one of {', '.join(ROLES)})")
    if principal.agency == ALL_AGENCIES and principal.role not in ("auditor", "analyst"):
        raise InvalidClaims("only an auditor or analyst token may cover all agencies ('*')")
