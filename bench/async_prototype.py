"""Lotse's step route against a prototype that records the step on the event loop (bench/async_steps.py): what an
asynchronous write path would buy at 32 clients.

`python -m bench.async_prototype [--rounds N] [--seconds S]` serves one scratch schema with Lotse (`lotse serve
--workers 2`) and with the prototype's server (`python -m bench.async_steps`, two API processes as well), beside one
`lotse worker`, and loads in turns, with wrk's 32 clients recording counselling sessions (bench/wrk_load.py): Lotse's
route, the prototype's work done in handler threads, and the prototype on the event loop, a round each. Per round:
steps/s, the API processes' CPU per step (and the part of it in threads other than the event loops, with their
context switches per step), and one connection's single-row commits measured just before, the baseline of issue 19's
0.5×.
"""

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

import httpx

from bench.api_threads import ThreadsDuring
from bench.async_steps import API_PROCESSES, IN_THREADS_PATH, PATH
from bench.cpu_time import CpuDuring
from bench.lotse_process import LOTSE, LotseServer
from bench.performance import _all_of, _views_reach_head, _worker
from bench.raw_postgres import commit_rate
from bench.table import DEFAULT_URL, Row, render, say, scratch_schema
from bench.wrk_load import STEPS_PATH, wrk_step_rate
from infrastructure.settings import Settings

CLIENTS = 32
SERVERS: dict[str, tuple[str, ...]] = {
    "lotse": (*LOTSE, "serve"),
    "prototype": (sys.executable, "-m", "bench.async_steps"),
}
LOTSE_ROUTE = "Lotse (handler threads)"
# Each variant: the server it is posted to, and where a case's steps go there.
VARIANTS = {
    LOTSE_ROUTE: ("lotse", STEPS_PATH),
    "prototype's work in handler threads": ("prototype", IN_THREADS_PATH),
    "prototype on the event loop": ("prototype", PATH),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.async_prototype", description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--database-url", default=os.environ.get("LOTSE_BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args(argv)
    rows: list[Row] = []
    rates: dict[str, list[float]] = {name: [] for name in VARIANTS}
    with scratch_schema(args.database_url) as (url, schema), tempfile.TemporaryDirectory() as directory:
        settings = Settings(database_url=url, data_dir=Path(directory) / "data")
        servers = {
            name: LotseServer(settings, Path(directory) / f"serve-{name}.log", "worker", API_PROCESSES, command)
            for name, command in SERVERS.items()
        }
        try:
            for server in servers.values():
                server.start()
            token = servers["lotse"].token("ayse", "counsellor")
            with _worker(settings, Path(directory)) as worker:
                for round_number in range(1, args.rounds + 1):
                    for name, (served_by, steps_path) in VARIANTS.items():
                        server = servers[served_by]
                        one_connection = commit_rate(args.database_url, schema, 1, args.seconds / 2)
                        assert server.process is not None
                        settle = lambda: _views_reach_head(args.database_url, schema)  # noqa: E731
                        cpu = CpuDuring(server.process.pid, worker.pid, settle=settle)
                        threads = ThreadsDuring(server.process.pid)
                        steps = wrk_step_rate(server, token, CLIENTS, args.seconds, _all_of(cpu, threads), steps_path)
                        if steps.not_created or steps.requests == 0:
                            raise RuntimeError(f"{name}: {steps.not_created} steps not recorded (not 201, no answer)")
                        rates[name].append(steps.steps_per_second / one_connection)
                        rows.append(_row(name, round_number, steps.steps_per_second, steps.p99_ms, steps.requests,
                                         cpu, threads, one_connection))  # fmt: skip
            rows.append(_chain_verified(servers["lotse"]))
        finally:
            for server in servers.values():
                server.stop()
    medians = {name: statistics.median(ratios) for name, ratios in rates.items()}
    lotse = medians.pop(LOTSE_ROUTE)
    for name, median in medians.items():
        rows.append(
            Row(f"median ratio of the rounds: {name} against Lotse", f"{median:.2f}× against {lotse:.2f}×", "",
                f"{median / lotse:.2f}×", "")
        )  # fmt: skip
    print(render(rows, f"{args.rounds} round(s) of {args.seconds:g} s each"))
    return 0


def _chain_verified(server: LotseServer) -> Row:
    """The hash chain over every step the variants recorded, recomputed by `GET /audit/verify`: the prototype's steps
    are links of the log's chain like Lotse's, or the figures compare unlike work."""
    auditor = server.token("ines", "auditor")
    answer = httpx.get(f"{server.base}/audit/verify", headers={"Authorization": f"Bearer {auditor}"}, timeout=600)
    answer.raise_for_status()
    report = answer.json()
    if not report["ok"]:
        raise RuntimeError(f"the event log's hash chain does not verify: {report}")
    say(f"hash chain verified over {report['events_checked']:,} events")
    return Row("the event log's hash chain over every step recorded here (GET /audit/verify)",
               f"verified: {report['events_checked']:,} events", "", "", "")  # fmt: skip


def _row(
    name: str,
    round_number: int,
    rate: float,
    p99_ms: float,
    steps: int,
    cpu: CpuDuring,
    threads: ThreadsDuring,
    one_connection: float,
) -> Row:
    assert cpu.used is not None
    assert threads.split is not None
    others = threads.split.other_threads
    api_ms, others_ms = cpu.used.api / steps * 1000, (others.user + others.system) / steps * 1000
    switches = (others.waits + others.preemptions) / steps
    say(f"{name}, round {round_number}: {rate:.0f} steps/s, API {api_ms:.2f} ms a step, one connection "
        f"{one_connection:.0f} commits/s")  # fmt: skip
    return Row(
        f"record a step over HTTP, {CLIENTS} clients, {API_PROCESSES} API processes: {name}, round {round_number}",
        f"{rate:,.0f} steps/s (p99 {p99_ms:.0f} ms); API CPU {api_ms:.2f} ms a step, {others_ms:.2f} ms of it and"
        f" {switches:.1f} context switches outside the event loops",
        f"{one_connection:,.0f} commits/s (1 connection)",
        f"{rate / one_connection:.2f}×",
        "≥ 0.5× (aim 1.0×)",
    )


if __name__ == "__main__":
    sys.exit(main())
