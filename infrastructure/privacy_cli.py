"""The `lotse erase` and `lotse retention` commands: erase one client's personal data, or every client's whose
retention period has run out."""

import argparse
import sys
from datetime import date
from uuid import UUID

from application.errors import CaseNotFound
from application.retention import RETENTION_SUBJECT, retention_cutoff
from infrastructure.bootstrap import (
    build_case_service,
    build_log_digest,
    build_projections,
    build_retention,
    key_vault_of,
)
from infrastructure.settings import Settings


def add_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Adds `lotse erase …` and `lotse retention …` to the `lotse` command's parser."""
    erase = commands.add_parser(
        "erase", help="erase a client's personal data (GDPR Art. 17): destroy the key, record personal_data_erased"
    )
    erase.add_argument("case_id", type=UUID, metavar="CASE_ID")
    erase.add_argument("--by", default="operator", help="who the erasure event names as its author (default operator)")
    retention = commands.add_parser("retention", help="erase personal data once the retention period has run out")
    actions = retention.add_subparsers(dest="action", required=True)
    apply = actions.add_parser("apply", help="erase the personal data of every case closed before a day")
    apply.add_argument(
        "--closed-before",
        type=date.fromisoformat,
        metavar="DATE",
        help="erase cases whose final exit is before this day (default: LOTSE_RETENTION_YEARS after the end of the"
        " exit's year have passed)",
    )
    apply.add_argument("--dry-run", action="store_true", help="only print what would be erased")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Runs `lotse erase` or `lotse retention apply`; answers the exit status."""
    if args.command == "erase":
        return _erase(settings, args.case_id, args.by)
    return _retention(settings, args.closed_before, args.dry_run)


def _erase(settings: Settings, case_id: UUID, by: str) -> int:
    service = build_case_service(settings)
    try:
        try:
            recorded = service.erase_personal_data(case_id, by)
        except CaseNotFound as error:
            print(f"lotse: {error}", file=sys.stderr)
            return 1
        if recorded.replayed:
            print(f"{case_id}: personal data were already erased (case version {recorded.case.version})")
        else:
            key_vault_of(service).compact()
            print(
                f"{case_id}: personal data erased: the client's key is destroyed, personal_data_erased recorded"
                f" as version {recorded.case.version} at log position {recorded.position}"
            )
    finally:
        service.close()
    return 0


def _retention(settings: Settings, closed_before: date | None, dry_run: bool) -> int:
    service = build_case_service(settings)
    try:
        if closed_before is None:
            closed_before = retention_cutoff(service.today(), settings.retention_years)
            print(
                f"retention: {settings.retention_years} years after the end of the year of the exit"
                f" (LOTSE_RETENTION_YEARS): cases closed before {closed_before}"
            )
        # The candidates come from the participants view: bring it up to the log's head first.
        build_projections(service, build_log_digest(service), settings.projection_batch_size).runner.catch_up()
        outcomes = build_retention(service).apply(closed_before, dry_run=dry_run, recorded_by=RETENTION_SUBJECT)
        for outcome in outcomes:
            done = "would erase" if dry_run else "erased"
            print(f"{done} {outcome.case_id} (agency {outcome.agency}, closed on {outcome.closed_on})")
        if outcomes and not dry_run:
            key_vault_of(service).compact()
        verb = "would be erased (dry run: nothing changed)" if dry_run else "erased"
        print(f"retention: {len(outcomes)} case(s) closed before {closed_before} {verb}")
    finally:
        service.close()
    return 0
