"""Recording a step at 32 clients against one connection's commits, on one core and then on more: what cores buy.

`python -m bench.cores [--cores 0 0,1] [--rounds N] [--seconds S]` runs, for each set of cores, a PostgreSQL cluster
of its own (tests/throwaway_postgres.py: initdb, its own port, removed at the end) that writes as this machine's shared
server does (fsync and full-page writes on, autovacuum off, 128 MB of shared buffers), `lotse serve` with two API
processes, `lotse worker` and wrk, all started from this process once it is pinned to those cores
(`sched_setaffinity`, which every process it starts inherits). Each round measures one connection's single-row commits
(the baseline of issue 19's 0.5×) and then wrk's 32 clients recording counselling sessions, on the same cores.

A step costs CPU (about 1.5 ms in all on this machine, bench/performance.py's row "CPU per step"); one connection's
commit costs a wait for the disk. So the first grows with the cores and the second does not, which this command
measures rather than assumes.
"""

import argparse
import os
import statistics
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bench.http_load import descendants
from bench.lotse_process import LotseServer
from bench.performance import _views_reach_head, _worker
from bench.raw_postgres import commit_rate
from bench.table import Row, render, say, scratch_schema
from bench.wrk_load import wrk_step_rate
from infrastructure.settings import Settings
from tests.throwaway_postgres import ThrowawayPostgres

CLIENTS = 32
API_PROCESSES = 2
# As the shared server on this project's machines is set (SHOW fsync, … there); the test clusters' speed settings
# (fsync off) would make one connection's commits several times faster than any real server's.
AS_THE_SHARED_SERVER = {
    "fsync": "on",
    "full_page_writes": "on",
    "autovacuum": "off",
    "shared_buffers": "128MB",
    "wal_level": "replica",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cores", description=__doc__)
    parser.add_argument("--cores", nargs="+", default=["0", "0,1"], help="sets of cores, each as 0,1,…")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args(argv)
    core_sets = [_parse_cores(text) for text in args.cores]
    rows: list[Row] = []
    medians: dict[str, float] = {}
    for cores in core_sets:
        rates = []
        for one_connection, steps, p99 in _rounds(cores, args.rounds, args.seconds):
            rates.append(steps)
            rows.append(
                Row(f"record a step over HTTP, {CLIENTS} clients, {API_PROCESSES} API processes, {_named(cores)}",
                    f"{steps:,.0f} steps/s (p99 {p99:.0f} ms)", f"{one_connection:,.0f} commits/s (1 connection)",
                    f"{steps / one_connection:.2f}×", "≥ 0.5× (aim 1.0×)")
            )  # fmt: skip
        medians[_named(cores)] = statistics.median(rates)
    first = _named(core_sets[0])
    for named, median in list(medians.items())[1:]:
        rows.append(
            Row(f"steps/s at {CLIENTS} clients, median of the rounds: {named} against {first}",
                f"{median:,.0f} against {medians[first]:,.0f} steps/s", "", f"{median / medians[first]:.2f}×", "")
        )  # fmt: skip
    print(render(rows, f"{args.rounds} round(s) of {args.seconds:g} s per set of cores"))
    return 0


def _rounds(cores: set[int], rounds: int, seconds: float) -> Iterator[tuple[float, float, float]]:
    """Per round: one connection's commits/s, steps/s at 32 clients and their p99 in ms, everything on `cores`."""
    with pinned_to(cores), ThrowawayPostgres(settings=AS_THE_SHARED_SERVER) as cluster:
        raw_url = cluster.url("postgres")
        with scratch_schema(raw_url) as (url, schema), tempfile.TemporaryDirectory() as directory:
            settings = Settings(database_url=url, data_dir=Path(directory) / "data")
            server = LotseServer(settings, Path(directory) / "serve.log", projections="worker", workers=API_PROCESSES)
            try:
                server.start()
                token = server.token("ayse", "counsellor")
                with _worker(settings, Path(directory)) as worker:
                    assert server.process is not None
                    _check_pinned(cores, {server.process.pid, worker.pid, cluster.postmaster_pid()})
                    for round_number in range(1, rounds + 1):
                        _views_reach_head(raw_url, schema)  # the worker done with the last round's steps
                        one_connection = commit_rate(raw_url, schema, 1, seconds)
                        steps = wrk_step_rate(server, token, CLIENTS, seconds)
                        if steps.not_created:
                            raise RuntimeError(f"{steps.not_created} steps were not recorded (not 201, or no answer)")
                        say(
                            f"{_named(cores)}, round {round_number}: one connection {one_connection:.0f} commits/s, "
                            f"{CLIENTS} clients {steps.steps_per_second:.0f} steps/s (p99 {steps.p99_ms:.0f} ms)"
                        )
                        yield one_connection, steps.steps_per_second, steps.p99_ms
            finally:
                server.stop()


@contextmanager
def pinned_to(cores: set[int]) -> Iterator[None]:
    """This thread, and every thread and process it starts meanwhile, on `cores` only."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, cores)
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def _check_pinned(cores: set[int], parents: set[int]) -> None:
    """Every process of the measurement (the parents, and what they started: API processes, PostgreSQL's backends) may
    run on `cores` alone, as they inherited this process's affinity."""
    for pid in parents.union(*(descendants(parent) for parent in parents)):
        try:
            allowed = os.sched_getaffinity(pid)
        except ProcessLookupError:  # ended meanwhile
            continue
        if allowed != cores:
            raise RuntimeError(f"process {pid} runs on {sorted(allowed)}, not on {sorted(cores)}")


def _parse_cores(text: str) -> set[int]:
    available = os.sched_getaffinity(0)
    try:
        cores = {int(part) for part in text.split(",")}
    except ValueError:
        raise SystemExit(f"--cores: '{text}' is not a list of core numbers such as 0,1") from None
    if not cores <= available:
        raise SystemExit(f"--cores: {text} names cores this process may not use (it may use {sorted(available)})")
    return cores


def _named(cores: Sequence[int] | set[int]) -> str:
    numbers = sorted(cores)
    return f"{len(numbers)} core{'s' if len(numbers) > 1 else ''} ({','.join(map(str, numbers))})"


if __name__ == "__main__":
    sys.exit(main())
