"""The `lotse` command: serve the API, issue tokens, manage staff, load a demo caseload, erase personal data."""

import argparse
import sys
from collections.abc import Sequence
from datetime import timedelta

from application.errors import KeyStoreError
from application.ports import ROLES, Principal, Role, role_named
from infrastructure.auth.tokens import InvalidClaims, check_claims
from infrastructure.bootstrap import Lotse, bootstrap
from infrastructure.cli import audit as audit_cli
from infrastructure.cli import offers as offers_cli
from infrastructure.cli import privacy as privacy_cli
from infrastructure.cli.documentation import describe
from infrastructure.eventstore.migrations import LATEST, migrate_installation
from infrastructure.eventstore.runtime_role import RuntimeRoleError
from infrastructure.eventstore.runtime_role import describe as describe_grants
from infrastructure.eventstore.sql import SchemaMismatch
from infrastructure.settings import Settings, SettingsError

MAX_DAYS = 366


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lotse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    migrate = commands.add_parser(
        "migrate",
        help="bring the database's schema to this release (PostgreSQL: as its owner, LOTSE_OWNER_DATABASE_URL, else"
        " LOTSE_DATABASE_URL; SQLite migrates by itself at start)",
    )
    migrate.add_argument(
        "--runtime-role",
        help="PostgreSQL: the role the server and worker connect as, granted exactly what they need (default: the"
        " role of LOTSE_DATABASE_URL when LOTSE_OWNER_DATABASE_URL names another)",
    )
    serve = commands.add_parser(
        "serve",
        help="serve the HTTP API",
        description="Serve the HTTP API. Bounds on what a client may hold: LOTSE_MAX_HEADER_BYTES (a request's line"
        " and headers, default 32768; beyond: 431), LOTSE_HEADER_TIMEOUT_SECONDS (to send them, and a keep-alive"
        " connection's idle time, default 10), LOTSE_MAX_CONNECTIONS (per process, default 512; beyond: 503),"
        " LOTSE_AUTH_FAILURES_PER_MINUTE (failed authentications per client address, default 10; beyond: 429)."
        " LOTSE_TRUSTED_PROXIES names the reverse proxies (addresses or networks, comma-separated) whose"
        " X-Forwarded-For and X-Forwarded-Proto are believed; default none.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on")
    serve.add_argument(
        "--workers",
        type=int,
        default=None,
        help="API processes on one socket (default LOTSE_WORKERS, else 1; more than one on PostgreSQL only)",
    )

    token = commands.add_parser("token", help="bearer tokens").add_subparsers(dest="action", required=True)
    issue = token.add_parser(
        "issue",
        help="print a new bearer token, registering the subject as active staff in that role (a deactivated person"
        " is reactivated, her earlier tokens stay ended)",
    )
    issue.add_argument("--subject", required=True, help="who the token names (the staff member's name)")
    issue.add_argument("--role", required=True, choices=ROLES, help="what the token may do (API.md's roles)")
    issue.add_argument("--agency", required=True, help="the agency the token acts for; * for a funder's")
    issue.add_argument("--days", type=int, default=30, help=f"validity in days (default 30, at most {MAX_DAYS})")
    revoke = token.add_parser(
        "revoke", help="end every token of the subject issued so far (within seconds); tokens issued later work"
    )
    revoke.add_argument("--subject", required=True)
    revoke.add_argument("--agency", help="only her tokens for this agency (default: every agency she is staff at)")

    staff = commands.add_parser("staff", help="the staff directory").add_subparsers(dest="action", required=True)
    deactivate = staff.add_parser(
        "deactivate",
        help="someone who left (any role): her tokens stop working within seconds, no case can be assigned to her",
    )
    deactivate.add_argument("--subject", required=True, help="the staff member's name")
    deactivate.add_argument("--agency", required=True, help="her agency")

    demo = commands.add_parser("demo", help="load a realistic synthetic caseload (into an empty store only)")
    demo.add_argument("--cases", type=int, default=300, help="how many clients' journeys")
    demo.add_argument("--seed", type=int, default=2026, help="the same seed loads the same journeys")
    demo.add_argument("--force", action="store_true", help="load even into a store that already holds events")

    commands.add_parser("worker", help="follow the event log and keep the projection views up to date")
    projections = commands.add_parser("projections", help="the projection views").add_subparsers(
        dest="action", required=True
    )
    projections.add_parser("status", help="each view's position, the log head and the lag")
    rebuild = projections.add_parser("rebuild", help="rebuild views from position 0")
    rebuild.add_argument("names", nargs="*", help="views to rebuild (default: all)")
    audit_cli.add_commands(commands)
    privacy_cli.add_commands(commands)
    offers_cli.add_commands(commands)
    describe(parser)

    args = parser.parse_args(argv)
    try:
        settings = Settings.from_environ()
        return _run(args, settings)
    except (SettingsError, InvalidClaims, KeyStoreError, SchemaMismatch) as error:
        print(f"lotse: {error}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        return _serve(settings, args.host, args.port, settings.workers if args.workers is None else args.workers)
    if args.command == "migrate":
        return _migrate(settings, args.runtime_role)
    lotse = bootstrap(settings)
    try:
        return _command(lotse, args)
    finally:
        lotse.close()


def _command(lotse: Lotse, args: argparse.Namespace) -> int:  # noqa: PLR0911 - one branch per command
    if args.command == "token" and args.action == "revoke":
        return _revoke_tokens(lotse, args.subject, args.agency)
    if args.command == "token":
        return _issue_token(lotse, args.subject, role_named(args.role), args.agency, args.days)
    if args.command == "staff":
        known = lotse.staff.deactivate(args.agency, args.subject, lotse.clock())
        print(f"{args.subject}@{args.agency}: {'deactivated' if known else 'not in the staff directory'}")
        return 0 if known else 1
    if args.command == "worker":
        from infrastructure.cli.projections import run_worker  # noqa: PLC0415

        return run_worker(lotse)
    if args.command == "audit":
        return audit_cli.run(lotse, args)
    if args.command in ("erase", "retention"):
        return privacy_cli.run(lotse, args)
    if args.command == "offers":
        return offers_cli.run(lotse, args)
    if args.command == "projections":
        from infrastructure.cli.projections import rebuild, status  # noqa: PLC0415

        return status(lotse) if args.action == "status" else rebuild(lotse, args.names)
    return _demo(lotse, args.cases, args.seed, force=args.force)


def _serve(settings: Settings, host: str, port: int, workers: int) -> int:
    import uvicorn  # noqa: PLC0415 - only the server needs it

    from api.addresses import start_up_message  # noqa: PLC0415
    from api.server import uvicorn_options  # noqa: PLC0415
    from infrastructure.cli.serving import api_processes  # noqa: PLC0415

    with api_processes(settings, workers) as (app, processes):
        print(start_up_message(host, port), file=sys.stderr, flush=True)
        uvicorn.run(app, host=host, port=port, log_level="info", **uvicorn_options(settings), **processes)
    return 0


def _migrate(settings: Settings, runtime_role: str | None) -> int:
    try:
        run = migrate_installation(settings, runtime_role)
    except RuntimeRoleError as error:
        print(f"lotse: {error}", file=sys.stderr)
        return 1
    for migration in run.applied:
        print(f"applied migration {migration.version}: {migration.name}")
    print(f"the schema is at migration {LATEST}" + ("" if run.applied else " already: nothing to do"))
    if run.grants is not None:
        for line in describe_grants(run.grants):
            print(line)
    elif settings.uses_postgres:
        print(
            "no runtime role: the server and worker connect as the owner of their tables and could rewrite the logs"
            " (set LOTSE_OWNER_DATABASE_URL for `lotse migrate` and a role of its own in LOTSE_DATABASE_URL)"
        )
    return 0


def _issue_token(lotse: Lotse, subject: str, role: Role, agency: str, days: int) -> int:
    if not 1 <= days <= MAX_DAYS:
        raise InvalidClaims(f"--days must be between 1 and {MAX_DAYS}")
    principal = Principal(subject=subject, role=role, agency=agency)
    check_claims(principal)
    now = lotse.clock()
    known = lotse.staff.entry(agency, subject)
    generation = lotse.staff.register(agency, subject, role, now)
    if known is not None and not known.active:
        print(f"{subject}@{agency} was deactivated: active again; her earlier tokens stay ended", file=sys.stderr)
    elif known is not None and known.role != role:
        print(f"{subject}@{agency} was {known.role}, is now {role}: her earlier tokens are ended", file=sys.stderr)
    print(lotse.tokens.issue(principal, now, timedelta(days=days), generation))
    return 0


def _revoke_tokens(lotse: Lotse, subject: str, agency: str | None) -> int:
    agencies = lotse.staff.revoke(subject, agency, lotse.clock())
    for each in agencies:
        print(f"{subject}@{each}: every token issued so far is revoked")
    if not agencies:
        print(f"{subject}{'@' + agency if agency else ''}: not in the staff directory")
    return 0 if agencies else 1


def _demo(lotse: Lotse, cases: int, seed: int, *, force: bool) -> int:
    from application.demo_catalogue import load_demo_catalogue  # noqa: PLC0415
    from application.synthetic import load_demo  # noqa: PLC0415
    from application.synthetic_desk import load_demo_desk  # noqa: PLC0415

    # Synthetic clients among real ones would count in the funder's figures: only an empty store takes them unasked.
    held = lotse.projections.runner.head()
    if held and not force:
        print(
            f"lotse demo: the store is not empty ({held} events); nothing loaded (--force loads anyway)",
            file=sys.stderr,
        )
        return 1
    print(load_demo(lotse.cases, lotse.staff, cases=cases, seed=seed))
    print(load_demo_desk(lotse.desk, lotse.cases, seed=seed))
    print(load_demo_catalogue(lotse.registers, lotse.cases.today(), seed=seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
