"""Settings, read once from the environment by the entry point and passed down; never read at import time."""

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class SettingsError(ValueError):
    """A setting has a value Lotse cannot use."""


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    owner_database_url: str | None = field(default=None, repr=False)  # `lotse migrate` connects as the owner
    data_dir: Path = Path("var")
    timezone: str = "Europe/Berlin"
    snapshot_interval: int = 50
    aggregate_cache_size: int = 5000
    pool_size: int = 8
    token_secret: str | None = field(default=None, repr=False)
    max_body_bytes: int = 64 * 1024
    projections: str = "inline"  # inline: followed inside the API process; worker: by `lotse worker`
    projection_poll_seconds: float = 0.5
    projection_batch_size: int = 500
    rate_limit_per_minute: int = 1200  # requests per token and API process
    audit_signing_key: Path | None = None  # PEM file of the checkpoint key; None: generated into data_dir
    master_key: str | None = field(default=None, repr=False)  # wraps the clients' data keys; None: data_dir file
    retention_years: int = 5  # personal data are kept this many years after the end of the year of the exit
    # Answers read from the views say when these lag far behind the log (application/freshness.py).
    views_far_behind_events: int = 5000
    views_far_behind_seconds: int = 60

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        settings = cls(
            database_url=env.get("LOTSE_DATABASE_URL") or None,
            owner_database_url=env.get("LOTSE_OWNER_DATABASE_URL") or None,
            data_dir=Path(env.get("LOTSE_DATA_DIR") or "var"),
            timezone=env.get("LOTSE_TIMEZONE") or "Europe/Berlin",
            snapshot_interval=_positive_int(env, "LOTSE_SNAPSHOT_INTERVAL", 50),
            aggregate_cache_size=_positive_int(env, "LOTSE_CASE_CACHE_SIZE", 5000),
            pool_size=_positive_int(env, "LOTSE_DB_POOL_SIZE", 8),
            token_secret=env.get("LOTSE_TOKEN_SECRET") or None,
            max_body_bytes=_positive_int(env, "LOTSE_MAX_BODY_BYTES", 64 * 1024),
            projections=_projections(env),
            rate_limit_per_minute=_positive_int(env, "LOTSE_RATE_LIMIT_PER_MINUTE", 1200),
            audit_signing_key=Path(env["LOTSE_AUDIT_SIGNING_KEY"]) if env.get("LOTSE_AUDIT_SIGNING_KEY") else None,
            master_key=env.get("LOTSE_MASTER_KEY") or None,
            retention_years=_positive_int(env, "LOTSE_RETENTION_YEARS", 5),
            views_far_behind_events=_positive_int(env, "LOTSE_VIEWS_FAR_BEHIND_EVENTS", 5000),
            views_far_behind_seconds=_positive_int(env, "LOTSE_VIEWS_FAR_BEHIND_SECONDS", 60),
        )
        settings.zone()
        return settings

    @property
    def uses_postgres(self) -> bool:
        return self.database_url is not None and self.database_url.startswith(("postgresql://", "postgres://"))

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "lotse.sqlite3"

    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"LOTSE_TIMEZONE: unknown time zone '{self.timezone}'") from None


def _projections(env: Mapping[str, str]) -> str:
    default = "worker" if (env.get("LOTSE_DATABASE_URL") or "").startswith("postgres") else "inline"
    mode = env.get("LOTSE_PROJECTIONS") or default
    if mode not in ("inline", "worker"):
        raise SettingsError(f"LOTSE_PROJECTIONS: expected inline or worker, got '{mode}'")
    return mode


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}: expected a positive integer, got '{raw}'") from None
    if value < 1:
        raise SettingsError(f"{name}: expected a positive integer, got '{raw}'")
    return value
