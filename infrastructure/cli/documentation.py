"""What `lotse --help` and each command's `--help` tell: every option's default, and the settings (environment
variables, read by infrastructure/settings.py) that change what the command does, with their defaults."""

import argparse
import dataclasses
import textwrap

from infrastructure.settings import Settings

# Each setting: the Settings attribute it sets, and what it does. Defaults are Settings' own, or told here when unset.
SETTINGS: dict[str, tuple[str, str]] = {
    "LOTSE_DATABASE_URL": ("database_url", "postgresql://user:password@host:port/db[?schema=name]: PostgreSQL"),
    "LOTSE_OWNER_DATABASE_URL": ("owner_database_url", "PostgreSQL: the role owning the schema, for `lotse migrate`"),
    "LOTSE_READ_DATABASE_URL": ("read_database_url", "PostgreSQL: a streaming replica the views are read from"),
    "LOTSE_DATA_DIR": ("data_dir", "the SQLite file and the generated keys (token, audit and master key)"),
    "LOTSE_MASTER_KEY": ("master_key", "64 hex digits or base64: wraps every client's data key"),
    "LOTSE_TIMEZONE": ("timezone", "the service's calendar: what today and the future are"),
    "LOTSE_TOKEN_SECRET": ("token_secret", "the key that signs bearer tokens"),
    "LOTSE_DB_POOL_SIZE": ("pool_size", "database connections, and so request threads"),
    "LOTSE_SNAPSHOT_INTERVAL": ("snapshot_interval", "a snapshot of a case every N events"),
    "LOTSE_CASE_CACHE_SIZE": ("aggregate_cache_size", "cases kept in memory"),
    "LOTSE_MAX_BODY_BYTES": ("max_body_bytes", "larger request bodies are refused (413)"),
    "LOTSE_PROJECTIONS": ("projections", "inline: the API process keeps the views; worker: `lotse worker` does"),
    "LOTSE_PROJECTION_BATCH_SIZE": ("projection_batch_size", "events per view transaction"),
    "LOTSE_RATE_LIMIT_PER_MINUTE": ("rate_limit_per_minute", "requests per token and API process, then 429"),
    "LOTSE_AUDIT_SIGNING_KEY": ("audit_signing_key", "PEM file of the key that signs audit checkpoints"),
    "LOTSE_RETENTION_YEARS": ("retention_years", "personal data are kept this many years after the exit's year"),
    "LOTSE_AUTH_FAILURES_PER_MINUTE": (
        "auth_failures_per_minute",
        "failed authentications per client address, then 429",
    ),
    "LOTSE_TRUSTED_PROXIES": ("trusted_proxies", "reverse proxies whose X-Forwarded-For/-Proto are believed"),
    "LOTSE_MAX_HEADER_BYTES": ("max_header_bytes", "a request's line and headers; beyond: 431"),
    "LOTSE_HEADER_TIMEOUT_SECONDS": ("header_timeout_seconds", "to send a request's head; a keep-alive's idle time"),
    "LOTSE_MAX_CONNECTIONS": ("max_connections", "open connections per API process; beyond: 503"),
    "LOTSE_WORKERS": ("workers", "API processes of `lotse serve` (more than one on PostgreSQL only)"),
    "LOTSE_REPLAY_PROCESSES": ("replay_processes", "processes a replay of the whole log runs in, this one included"),
    "LOTSE_VIEWS_FAR_BEHIND_EVENTS": ("views_far_behind_events", "views this many events behind are said to lag"),
    "LOTSE_VIEWS_FAR_BEHIND_SECONDS": ("views_far_behind_seconds", "or this many seconds behind the log"),
}
DEFAULT_TEXTS = {
    "database_url": "unset: SQLite, LOTSE_DATA_DIR/lotse.sqlite3",
    "owner_database_url": "unset: LOTSE_DATABASE_URL",
    "read_database_url": "unset: LOTSE_DATABASE_URL",
    "master_key": "unset: LOTSE_DATA_DIR/master.key",
    "token_secret": "unset: LOTSE_DATA_DIR/token-signing.key",
    "audit_signing_key": "unset: LOTSE_DATA_DIR/audit-signing.pem",
    "projections": "inline on SQLite, worker on PostgreSQL",
    "trusted_proxies": "unset: none",
    "replay_processes": "the cores it may use",
}

# Every command opens the store: where it is, and the key that opens personal data (checked at every start).
STORE = ("LOTSE_DATABASE_URL", "LOTSE_DATA_DIR", "LOTSE_MASTER_KEY")
VIEWS = (*STORE, "LOTSE_PROJECTION_BATCH_SIZE")
AUDIT = (*STORE, "LOTSE_AUDIT_SIGNING_KEY")
COMMAND_SETTINGS: dict[str, tuple[str, ...]] = {
    "migrate": ("LOTSE_DATABASE_URL", "LOTSE_OWNER_DATABASE_URL", "LOTSE_DATA_DIR"),
    "serve": tuple(name for name in SETTINGS if name not in ("LOTSE_OWNER_DATABASE_URL", "LOTSE_RETENTION_YEARS")),
    "token issue": (*STORE, "LOTSE_TOKEN_SECRET"),
    "token revoke": STORE,
    "offers import": (*STORE, "LOTSE_TIMEZONE"),
    "staff deactivate": STORE,
    "demo": (*STORE, "LOTSE_TIMEZONE", "LOTSE_SNAPSHOT_INTERVAL"),
    "worker": (*VIEWS, "LOTSE_TIMEZONE"),
    "projections status": VIEWS,
    "projections rebuild": VIEWS,
    "audit verify": AUDIT,
    "audit checkpoint": AUDIT,
    "audit checkpoints": AUDIT,
    "audit export-public-key": AUDIT,
    "audit restrict-role": ("LOTSE_DATABASE_URL", "LOTSE_DATA_DIR"),
    "erase": STORE,
    "retention apply": (*STORE, "LOTSE_RETENTION_YEARS", "LOTSE_TIMEZONE"),
}


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the settings' table as written, and shows each option's default unless its help already tells it."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        shown = action.default not in (None, False, [], argparse.SUPPRESS) and "default" not in text
        return f"{text} (default: %(default)s)" if shown and action.option_strings else text


def describe(parser: argparse.ArgumentParser) -> None:
    """Adds the settings to `lotse --help` and, for every command, the options' defaults and its settings."""
    parser.formatter_class = HelpFormatter
    parser.epilog = "settings (environment variables), [default]:\n" + settings_table(list(SETTINGS))
    for path, command in commands(parser):
        command.formatter_class = HelpFormatter
        if path in COMMAND_SETTINGS:
            command.epilog = "settings that affect it, [default] (all: lotse --help):\n"
            command.epilog += settings_table(list(COMMAND_SETTINGS[path]))


def commands(parser: argparse.ArgumentParser, prefix: str = "") -> list[tuple[str, argparse.ArgumentParser]]:
    """Every command and subcommand under `parser` with its path (`audit verify`), each described by its help."""
    found = []
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {choice.dest: choice.help for choice in action._choices_actions}
        for name, command in action.choices.items():
            command.description = command.description or helps.get(name)
            path = f"{prefix}{name}"
            below = commands(command, f"{path} ")
            found += below or [(path, command)]
    return found


def settings_table(names: list[str]) -> str:
    defaults = {field.name: field.default for field in dataclasses.fields(Settings)}
    lines = []
    for name in names:
        attribute, meaning = SETTINGS[name]
        default = DEFAULT_TEXTS.get(attribute) or ("unset" if defaults[attribute] is None else str(defaults[attribute]))
        lines += textwrap.wrap(
            f"{name} [{default}]: {meaning}",
            width=110,
            initial_indent="  ",
            subsequent_indent="      ",
            break_on_hyphens=False,
        )
    return "\n".join(lines)
