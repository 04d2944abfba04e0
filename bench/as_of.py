"""The as-of recompute at a chosen size, against a raw COPY of the same log in the same run.

`python -m bench.as_of [--cases N] [--processes N] [--runs N]` loads N synthetic cases (bench/bulk_load.py, seed 7;
the default 76,000 hold about 2,000,000 events, issue 19's size), runs VACUUM ANALYZE on the log as autovacuum would,
and answers the ESF+ figures as of the log's head, as `GET /statistics/esf?as_of_position=<head>` does, without the
HTTP around it: replayed in `--processes` parts (default: what `LOTSE_REPLAY_PROCESSES` defaults to, the cores).
Baseline: a raw COPY of the log's rows. Everything happens in a schema of its own, dropped at the end; the table has
the format of bench/performance.py's.
"""

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.bulk_load import load_caseload
from bench.raw_postgres import copy_rate
from bench.storage import vacuum_analyze
from bench.table import DEFAULT_URL, Row, render, say, scratch_schema
from infrastructure.bootstrap import bootstrap
from infrastructure.settings import Settings

SEED = 7
TARGET = "≤ 10 s at 2 M events"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.as_of", description=__doc__)
    parser.add_argument("--cases", type=int, default=76_000)
    parser.add_argument("--processes", type=int, default=None, help="replay processes (default: the cores)")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--database-url", default=os.environ.get("LOTSE_BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args(argv)
    with scratch_schema(args.database_url) as (url, schema), tempfile.TemporaryDirectory() as directory:
        processes = {} if args.processes is None else {"replay_processes": args.processes}
        settings = Settings(database_url=url, data_dir=Path(directory) / "data", **processes)
        lotse = bootstrap(settings)
        try:
            loaded = load_caseload(lotse, args.cases, SEED, lambda done: say(f"  loaded {done.cases:,}", end="\r"))
            say(f"loaded {loaded.cases:,} cases with {loaded.events:,} events in {loaded.seconds:.1f} s" + " " * 20)
            vacuum_analyze(args.database_url, schema)
            head = lotse.projections.runner.head()
            rows = []
            for run in range(1, args.runs + 1):
                started = time.perf_counter()
                lotse.projections.reporting.esf(None, date(2024, 1, 1), date(2026, 12, 31), "entry", head)
                seconds = time.perf_counter() - started
                copied, copy_seconds = copy_rate(args.database_url, schema, up_to=head)
                say(f"as of {head:,}: {seconds:.2f} s; raw COPY of {copied:,} rows {copy_seconds:.2f} s")
                # Up to HOLD_ALL_UP_TO a replay runs in the asking process alone (application/reporting.py).
                parts = settings.replay_processes if head > lotse.projections.reporting.hold_all_up_to else 1
                measurement = (
                    f"statistics as_of_position over the full log ({head:,} events, {loaded.cases:,} cases,"
                    f" {parts} process(es) replaying), run {run}"
                )
                rows.append(
                    Row(measurement, f"{seconds:.2f} s", f"{copy_seconds:.2f} s (COPY)",
                        f"{seconds / copy_seconds:.1f}×", TARGET)
                )  # fmt: skip
        finally:
            lotse.close()
    print(render(rows, f"{args.cases:,} cases"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
