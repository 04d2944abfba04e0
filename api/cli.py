"""The `lotse` command: serve the API, issue tokens, manage staff, load a demo caseload, erase personal data."""

import argparse
import sys
from collections.abc import Sequence
from datetime import timedelta

from application.errors import KeyStoreError
from application.ports import ALL_AGENCIES, ROLES, Principal
from infrastructure import audit_cli, privacy_cli
from infrastructure.bootstrap import build_case_service, utc_now
from infrastructure.settings import Settings, SettingsError
from infrastructure.tokens import InvalidClaims, TokenCodec, signing_key

MAX_DAYS = 366


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lotse", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

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
    except (SettingsError, InvalidClaims, KeyStoreError) as error:
        print(f"lotse: {error}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace, settings: Settings) -> int:  # noqa: PLR0911 - one branch per command
    if args.command == "serve":
        return _serve(settings, args.host, args.port)
    if args.command == "token":
        return _issue_token(settings, args.subject, args.role, args.agency, args.days)
    if args.command == "staff":
        service = build_case_service(settings)
        try:
            known = service.ports.staff.deactivate(args.agency, args.subject)
        finally:
            service.close()
        print(f"{args.subject}@{args.agency}: {'deactivated' if known else 'not in the staff directory'}")
        return 0 if known else 1
    if args.command == "worker":
        return _worker(settings)
    if args.command == "audit":
        return audit_cli.run(settings, args)
    if args.command in ("erase", "retention"):
        return privacy_cli.run(settings, args)
    if args.command == "projections":
        return _projections(settings, args.action, getattr(args, "names", []))
    return _demo(settings, args.cases, args.seed)


def _serve(settings: Settings, host: str, port: int) -> int:
    import uvicorn  # noqa: PLC0415 - only the server needs it

    from api.app import create_app  # noqa: PLC0415

    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", proxy_headers=True)
    return 0


def _issue_token(settings: Settings, subject: str, role: str, agency: str, days: int) -> int:
    if not 1 <= days <= MAX_DAYS:
        raise InvalidClaims(f"--days must be between 1 and {MAX_DAYS}")
    principal = Principal(subject=subject, role=role, agency=agency)
    token = TokenCodec(signing_key(settings)).issue(principal, utc_now(), timedelta(days=days))
    if role in ("counsellor", "lead") and agency != ALL_AGENCIES:
        service = build_case_service(settings)
        try:
            service.ports.staff.register(agency, subject, role)
        finally:
            service.close()
    print(token)
    return 0


def _worker(settings: Settings) -> int:
    from infrastructure.projections_cli import run_worker  # noqa: PLC0415

    return run_worker(settings)


def _projections(settings: Settings, action: str, names: list[str]) -> int:
    from infrastructure.projections_cli import rebuild, status  # noqa: PLC0415

    return status(settings) if action == "status" else rebuild(settings, names)


def _demo(settings: Settings, cases: int, seed: int) -> int:
    from application.synthetic import load_demo  # noqa: PLC0415

    service = build_case_service(settings)
    try:
        summary = load_demo(service, cases=cases, seed=seed)
    finally:
        service.close()
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
