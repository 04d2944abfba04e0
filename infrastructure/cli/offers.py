"""The `lotse offers import` command: load a provider's CSV list into an agency's course catalogue, all or nothing."""

import argparse
import sys
from pathlib import Path

from application.errors import ConcurrentUpdate
from application.offer_import import ImportReport, import_offers
from infrastructure.bootstrap import Lotse
from infrastructure.offer_csv import read_offers


def add_commands(commands: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Adds `lotse offers import …` to the `lotse` command's parser."""
    offers = commands.add_parser("offers", help="the course catalogue").add_subparsers(dest="action", required=True)
    load = offers.add_parser(
        "import",
        help="load a provider's list of offers (CSV, one offer a row; see README): all rows or, if any is bad, none",
    )
    load.add_argument("file", type=Path, metavar="FILE.csv")
    load.add_argument("--agency", required=True, help="the agency whose catalogue lists the offers")
    load.add_argument("--by", help="who the events name as their author (default import:<file name>)")
    load.add_argument("--dry-run", action="store_true", help="check the file and say what it would do; record nothing")


def run(lotse: Lotse, args: argparse.Namespace) -> int:
    """Runs `lotse offers import`; answers the exit status (0 loaded, 1 refused, 2 unreadable file)."""
    path: Path = args.file
    try:
        data = path.read_bytes()
    except OSError as error:
        print(f"lotse: {path}: {error.strerror or error}", file=sys.stderr)
        return 2
    sheet = read_offers(data)
    try:
        report = (
            ImportReport(rows=len(sheet.rows), errors=sheet.errors)
            if sheet.errors
            else import_offers(
                lotse.registers, args.agency, sheet.rows, args.by or f"import:{path.name}", dry_run=args.dry_run
            )
        )
    except ConcurrentUpdate:
        print(f"{path.name}: nothing loaded: its offers changed meanwhile; run the import again", file=sys.stderr)
        return 1
    if report.errors:
        for bad_row in report.errors:
            print(f"{path.name}: {bad_row}", file=sys.stderr)
        bad = len({bad_row.line for bad_row in report.errors})
        print(f"{path.name}: nothing loaded: {bad} bad row(s) of {report.rows}", file=sys.stderr)
        return 1
    for line, offer_id in report.withdrawn:
        print(f"{path.name}: line {line}: offer {offer_id} was withdrawn; left as it is")
    verb = "would load" if args.dry_run else "loaded"
    print(
        f"{path.name}: {verb} {report.rows} row(s) into {args.agency}'s catalogue: {len(report.created)} new,"
        f" {len(report.changed)} changed, {len(report.unchanged)} unchanged, {len(report.withdrawn)} withdrawn"
        + (f" (log position {report.position})" if report.position is not None else "")
    )
    return 0
