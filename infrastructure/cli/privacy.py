"""The `lotse erase` and `lotse retention` commands: erase one client's personal data, or every client's whose
retention period has run out."""

import argparse
import sys
from datetime import date
from uuid import UUID

from application.errors import CaseNotFound
from application.ports import ALL_AGENCIES
from application.retention import RETENTION_SUBJECT, retention_cutoff
from infrastructure.bootstrap import Lotse


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


def run(lotse: Lotse, args: argparse.Namespace) -> int:
    """Runs `lotse erase` or `lotse retention apply`; answers the exit status."""
    if args.command == "erase":
        return _erase(lotse, args.case_id, args.by)
    return _retention(lotse, args.closed_before, args.dry_run)


def _erase(lotse: Lotse, case_id: UUID, by: str) -> int:
    try:
        # The operator acts for every agency.
        recorded = lotse.cases.erase_personal_data(case_id, by, agency=ALL_AGENCIES)
    except CaseNotFound as error:
        print(f"lotse: {error}", file=sys.stderr)
        return 1
    if recorded.replayed:
        print(f"{case_id}: personal data were already erased (case version {recorded.case.version})")
    else:
        lotse.key_vault.compact()
        print(
            f"{case_id}: personal data erased: the client's key is destroyed, personal_data_erased recorded"
            f" as version {recorded.case.version} at log position {recorded.position}"
        )
    return 0


def _retention(lotse: Lotse, closed_before: date | None, dry_run: bool) -> int:
    if closed_before is None:
        years = lotse.settings.retention_years
        closed_before = retention_cutoff(lotse.cases.today(), years)
        print(
            f"retention: {years} years after the end of the year of the exit"
            f" (LOTSE_RETENTION_YEARS): cases closed before {closed_before}"
        )
    # The candidates come from the participants view: bring it up to the log's head first.
    lotse.projections.runner.catch_up()
    outcomes = lotse.retention.apply(closed_before, dry_run=dry_run, recorded_by=RETENTION_SUBJECT)
    for outcome in outcomes:
        done = "would erase" if dry_run else "erased"
        print(f"{done} {outcome.case_id} (agency {outcome.agency}, closed on {outcome.closed_on})")
    if outcomes and not dry_run:
        lotse.key_vault.compact()
    verb = "would be erased (dry run: nothing changed)" if dry_run else "erased"
    print(f"retention: {len(outcomes)} case(s) closed before {closed_before} {verb}")
    return 0
