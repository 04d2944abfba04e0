"""Settings, read once from the environment by the entry point and passed down; never read at import time."""

import ipaddress
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class SettingsError(ValueError):
    """A setting has a value Lotse cannot use."""


def _cores() -> int:
    """The cores this process may use: those it may run on, fewer where a CPU quota (a container's, cgroup v2) allows
    fewer. A replay in more processes than that only takes turns."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text(encoding="ascii").split()
        return max(1, min(cores, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):  # no cgroup v2, or "max": no quota
        return cores


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None
    owner_database_url: str | None = field(default=None, repr=False)  # `lotse migrate` connects as the owner
    read_database_url: str | None = field(default=None, repr=False)  # a streaming replica the views are read from
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
    auth_failures_per_minute: int = 10  # failed authentications per client address and API process, then 429
    trusted_proxies: tuple[str, ...] = ()  # addresses or networks whose X-Forwarded-For/-Proto are believed
    max_header_bytes: int = 32 * 1024  # a request's line and headers (`lotse serve`); beyond: 431
    header_timeout_seconds: int = 10  # to send a request's line and headers, and a keep-alive connection's idle time
    max_connections: int = 512  # open connections per API process (`lotse serve`); beyond: 503
    audit_signing_key: Path | None = None  # PEM file of the checkpoint key; None: generated into data_dir
    master_key: str | None = field(default=None, repr=False)  # wraps the clients' data keys; None: data_dir file
    retention_years: int = 5  # personal data are kept this many years after the end of the year of the exit
    workers: int = 1  # API processes of `lotse serve` (more than one on PostgreSQL only)
    # Processes a replay of the whole log (an as-of answer) runs in, the asking one included; 1: in that one alone.
    replay_processes: int = _cores()
    # Answers read from the views say when these lag far behind the log (application/freshness.py).
    views_far_behind_events: int = 5000
    views_far_behind_seconds: int = 60

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if environ is None else environ
        settings = cls(
            database_url=env.get("LOTSE_DATABASE_URL") or None,
            owner_database_url=env.get("LOTSE_OWNER_DATABASE_URL") or None,
            read_database_url=env.get("LOTSE_READ_DATABASE_URL") or None,
            data_dir=Path(env.get("LOTSE_DATA_DIR") or "var"),
            timezone=env.get("LOTSE_TIMEZONE") or "Europe/Berlin",
            snapshot_interval=_positive_int(env, "LOTSE_SNAPSHOT_INTERVAL", 50),
            aggregate_cache_size=_positive_int(env, "LOTSE_CASE_CACHE_SIZE", 5000),
            pool_size=_positive_int(env, "LOTSE_DB_POOL_SIZE", 8),
            token_secret=env.get("LOTSE_TOKEN_SECRET") or None,
            max_body_bytes=_positive_int(env, "LOTSE_MAX_BODY_BYTES", 64 * 1024),
            projections=_projections(env),
            projection_batch_size=_positive_int(env, "LOTSE_PROJECTION_BATCH_SIZE", 500),
            rate_limit_per_minute=_positive_int(env, "LOTSE_RATE_LIMIT_PER_MINUTE", 1200),
            auth_failures_per_minute=_positive_int(env, "LOTSE_AUTH_FAILURES_PER_MINUTE", 10),
            trusted_proxies=_addresses(env, "LOTSE_TRUSTED_PROXIES"),
            max_header_bytes=_positive_int(env, "LOTSE_MAX_HEADER_BYTES", 32 * 1024),
            header_timeout_seconds=_positive_int(env, "LOTSE_HEADER_TIMEOUT_SECONDS", 10),
            max_connections=_positive_int(env, "LOTSE_MAX_CONNECTIONS", 512),
            audit_signing_key=Path(env["LOTSE_AUDIT_SIGNING_KEY"]) if env.get("LOTSE_AUDIT_SIGNING_KEY") else None,
            master_key=env.get("LOTSE_MASTER_KEY") or None,
            retention_years=_positive_int(env, "LOTSE_RETENTION_YEARS", 5),
            workers=_positive_int(env, "LOTSE_WORKERS", 1),
            replay_processes=_positive_int(env, "LOTSE_REPLAY_PROCESSES", cls.replay_processes),
            views_far_behind_events=_positive_int(env, "LOTSE_VIEWS_FAR_BEHIND_EVENTS", 5000),
            views_far_behind_seconds=_positive_int(env, "LOTSE_VIEWS_FAR_BEHIND_SECONDS", 60),
        )
        settings.zone()
        _check_read_database(settings)
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


def _check_read_database(settings: Settings) -> None:
    """A read replica is a copy of the PostgreSQL primary: PostgreSQL both, and the same schema, or reads miss."""
    read = settings.read_database_url
    if read is None:
        return
    if not settings.uses_postgres:
        raise SettingsError("LOTSE_READ_DATABASE_URL: a read replica needs LOTSE_DATABASE_URL on PostgreSQL")
    if not read.startswith(("postgresql://", "postgres://")):
        raise SettingsError("LOTSE_READ_DATABASE_URL: expected postgresql://user:password@host:port/database")
    primary_schema = parse_qs(urlparse(settings.database_url or "").query).get("schema")
    if parse_qs(urlparse(read).query).get("schema") != primary_schema:
        raise SettingsError(
            "LOTSE_READ_DATABASE_URL: the replica's schema must be LOTSE_DATABASE_URL's"
            f" ({(primary_schema or ['public'])[0]}): the views are read where the primary writes them"
        )


def _projections(env: Mapping[str, str]) -> str:
    default = "worker" if (env.get("LOTSE_DATABASE_URL") or "").startswith("postgres") else "inline"
    mode = env.get("LOTSE_PROJECTIONS") or default
    if mode not in ("inline", "worker"):
        raise SettingsError(f"LOTSE_PROJECTIONS: expected inline or worker, got '{mode}'")
    return mode


def _addresses(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    entries = tuple(entry.strip() for entry in (env.get(name) or "").split(",") if entry.strip())
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise SettingsError(
                f"{name}: '{entry}' is not an IP address or network (e.g. 10.0.0.5, 10.0.0.0/24)"
            ) from None
    return entries


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
