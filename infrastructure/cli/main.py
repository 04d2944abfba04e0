"""The `lotse` command: serve the API, issue tokens, manage staff, load a demo caseload, erase personal data."""

import argparse
import sys
from collections.abc import Sequence
from datetime import timedelta

from application.errors import KeyStoreError
from application.policy import COUNSELLING
from application.ports import ALL_AGENCIES, ROLES, Principal, Role, role_named
from infrastructure.auth.tokens import InvalidClaims
from infrastructure.bootstrap import Lotse, bootstrap
from infrastructure.cli import audit as audit_cli
from infrastructure.cli import privacy as privacy_cli
from infrastructure.eventstore.migrations import LATEST, migrate_installation
from infrastructure.eventstore.runtime_role import RuntimeRoleError, describe
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
    serve = commands.add_parser("serve", help="serve the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)

    token = commands.add_parser("token", help="bearer tokens").add_subparsers(dest="action", required=True)
    issue = token.add_parser("issue", help="print a new bearer token (and register counsellors and leads as staff)")
    issue.add_argument("--subject", required=True)
    issue.add_argument("--role", required=True, choices=ROLES)
    issue.add_argument("--agency", required=True)
    issue.add_argument("--days", type=int, default=30, help=f"validity in days (default 30, at most {MAX_DAYS})")

    staff = commands.add_parser("staff", help="the staff directory").add_subparsers(dest="action", required=True)
    deactivate = staff.add_parser("deactivate", help="a counsellor who left: no case can be assigned to her")
    deactivate.add_argument("--subject", required=True)
    deactivate.add_argument("--agency", required=True)

    demo = commands.add_parser("demo", help="load a realistic synthetic caseload")
    demo.add_argument("--cases", type=int, default=300)
    demo.add_argument("--seed", type=int, default=2026)

    commands.add_parser("worker", help="follow the event log and keep the projection views up to date")
    projections = commands.add_parser("projections", help="the projection views").add_subparsers(
        dest="action", required=True
    )
    projections.add_parser("status", help="each view's position, the log head and the lag")
    rebuild = projections.add_parser("rebuild", help="rebuild views from position 0")
    rebuild.add_argument("names", nargs="*", help="views to rebuild (default: all)")
    audit_cli.add_commands(commands)
    privacy_cli.add_commands(commands)

    args = parser.parse_args(argv)
    try:
        settings = Settings.from_environ()
        return _run(args, settings)
    except (SettingsError, InvalidClaims, KeyStoreError, SchemaMismatch) as error:
        print(f"lotse: {error}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "serve":
        return _serve(settings, args.host, args.port)
    if args.command == "migrate":
        return _migrate(settings, args.runtime_role)
    lotse = bootstrap(settings)
    try:
        return _command(lotse, args)
    finally:
        lotse.close()


def _command(lotse: Lotse, args: argparse.Namespace) -> int:  # noqa: PLR0911 - one branch per command
    if args.command == "token":
        return _issue_token(lotse, args.subject, role_named(args.role), args.agency, args.days)
    if args.command == "staff":
        known = lotse.staff.deactivate(args.agency, args.subject)
        print(f"{args.subject}@{args.agency}: {'deactivated' if known else 'not in the staff directory'}")
        return 0 if known else 1
    if args.command == "worker":
        from infrastructure.cli.projections import run_worker  # noqa: PLC0415

        return run_worker(lotse)
    if args.command == "audit":
        return audit_cli.run(lotse, args)
    if args.command in ("erase", "retention"):
        return privacy_cli.run(lotse, args)
    if args.command == "projections":
        from infrastructure.cli.projections import rebuild, status  # noqa: PLC0415

        return status(lotse) if args.action == "status" else rebuild(lotse, args.names)
    return _demo(lotse, args.cases, args.seed)


def _serve(settings: Settings, host: str, port: int) -> int:
    import uvicorn  # noqa: PLC0415 - only the server needs it

    from api.app import create_app  # noqa: PLC0415

    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", proxy_headers=True)
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
        for line in describe(run.grants):
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
    token = lotse.tokens.issue(principal, lotse.clock(), timedelta(days=days))
    if role in COUNSELLING and agency != ALL_AGENCIES:
        lotse.staff.register(agency, subject, role)
    print(token)
    return 0


def _demo(lotse: Lotse, cases: int, seed: int) -> int:
    from application.synthetic import load_demo  # noqa: PLC0415

    print(load_demo(lotse.cases, lotse.staff, cases=cases, seed=seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
