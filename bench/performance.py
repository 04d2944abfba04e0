"""Lotse against raw PostgreSQL, side by side in one run: `python -m bench.performance [--mode quick|full]`.

Prints a table: each row is what Lotse achieved, what plain psycopg achieved on the same server in the same run,
their ratio, and the target (issue 19's where it set one, else issue 8's). Everything happens in a schema of its
own, dropped at the end.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import msgspec
import psycopg

from application.cases import CaseService
from bench.api_threads import SplitWork, ThreadsDuring
from bench.bulk_load import Loaded, load_caseload
from bench.cpu_time import CpuDuring, CpuUsed, cores
from bench.http_load import NewDescendantsPeak, peak_memory_mb, percentile, read_latencies
from bench.load_and_faults import OPENING
from bench.lotse_process import LOTSE, LotseServer
from bench.paging import case_page_rows, load_catalogue, offer_page_rows, vacuum_views
from bench.raw_postgres import commit_rate, copy_rate, median_seconds, query_latencies, select_case_seconds
from bench.storage import LAND_EVENTS, footprint, vacuum_analyze
from bench.table import DEFAULT_URL, Row, render, say, scratch_schema
from bench.wrk_load import wrk_step_rate
from domain import steps
from infrastructure.bootstrap import Lotse, bootstrap
from infrastructure.projections.case_views import CASELOAD, DEADLINES
from infrastructure.projections.runner import REBUILD_BATCH
from infrastructure.projections.statistics_views import FUNNEL_SPANS, INDICATOR_DAYS
from infrastructure.settings import Settings


@dataclass(frozen=True)
class Sizes:
    write_seconds: float
    rebuild_cases: int  # the first load, rebuilt from position 0
    total_cases: int  # the scale at which reads, the as-of recompute and memory are measured
    offers: int  # the catalogue's size for its pages
    reads: int


MODES = {
    "quick": Sizes(write_seconds=3, rebuild_cases=1_500, total_cases=3_000, offers=1_000, reads=40),
    "full": Sizes(write_seconds=15, rebuild_cases=50_000, total_cases=100_000, offers=10_000, reads=300),
}
SEED = 2026


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.performance", description=__doc__)
    parser.add_argument("--mode", choices=sorted(MODES), default="quick")
    parser.add_argument("--workers", type=int, default=2, help="API processes of the server under write load")
    parser.add_argument("--database-url", default=os.environ.get("LOTSE_BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args(argv)
    sizes = MODES[args.mode]
    rows: list[Row] = []
    with scratch_schema(args.database_url) as (url, schema), tempfile.TemporaryDirectory() as directory:
        settings = Settings(database_url=url, data_dir=Path(directory) / "data")
        say(f"PostgreSQL {_server_facts(args.database_url)}; mode {args.mode}; schema {schema}")
        rows += _writes(settings, args.database_url, schema, sizes, Path(directory), args.workers)
        rows += _replay(settings, args.database_url, schema)
        rows += _rebuild_reads_and_memory(settings, args.database_url, schema, sizes, Path(directory))
        rows += _storage(args.database_url, schema)
        rows += _offer_pages(settings, args.database_url, schema, sizes, Path(directory))
    print(render(rows, args.mode))
    return 0


def _writes(settings: Settings, raw_url: str, schema: str, sizes: Sizes, directory: Path, workers: int) -> list[Row]:
    """Steps over HTTP from wrk against raw commits; the 32-client row is set against one raw connection."""
    rows = []
    server = LotseServer(settings, directory / "serve-writes.log", projections="worker", workers=workers)
    server.start()
    try:
        token = server.token("ayse", "counsellor")
        one_connection = commit_rate(raw_url, schema, 1, sizes.write_seconds)
        with _worker(settings, directory) as worker:
            assert server.process is not None
            for clients in (1, 8, 32):
                raw = one_connection if clients == 1 else commit_rate(raw_url, schema, clients, sizes.write_seconds)
                cpu = CpuDuring(server.process.pid, worker.pid, settle=lambda: _views_reach_head(raw_url, schema))
                threads = ThreadsDuring(server.process.pid)
                during = _all_of(cpu, threads) if clients == 32 else cpu
                lotse = wrk_step_rate(server, token, clients, sizes.write_seconds, during=during)
                say(
                    f"writes, {clients} clients, {workers} API process(es): Lotse {lotse.steps_per_second:.0f}/s "
                    f"(p50 {lotse.p50_ms:.1f} ms, p99 {lotse.p99_ms:.1f} ms; {lotse.not_created} not 201), "
                    f"raw {raw:.0f}/s from {clients} connection(s), {one_connection:.0f}/s from one"
                )
                measurement = f"record a step over HTTP, {clients} client(s), {workers} API process(es)"
                rate = f"{lotse.steps_per_second:,.0f} steps/s (p99 {lotse.p99_ms:.0f} ms)"
                if clients == 32:  # issue 19's measure: against what one connection commits
                    ceiling = f"{one_connection:,.0f} commits/s (1 connection; {raw:,.0f} from 32)"
                    ratio, target = lotse.steps_per_second / one_connection, "≥ 0.5× (aim 1.0×)"
                else:
                    ceiling, ratio, target = f"{raw:,.0f} commits/s", lotse.steps_per_second / raw, ""
                rows.append(Row(measurement, rate, ceiling, f"{ratio:.2f}×", target))
                if clients == 32:
                    assert cpu.used is not None
                    rows.append(_cpu_per_step(cpu.used, lotse.requests, one_connection))
                    assert threads.split is not None
                    rows.append(_threads_per_step(threads.split, lotse.requests))
    finally:
        server.stop()
    return rows


@contextmanager
def _all_of(*managers: AbstractContextManager[object]) -> Iterator[None]:
    with ExitStack() as stack:
        for manager in managers:
            stack.enter_context(manager)
        yield


def _threads_per_step(split: SplitWork, steps: int) -> Row:
    """The API processes' CPU per step split between their event loops and their other threads (handlers, pool), with
    the context switches that hand each step from thread to thread."""
    loops, others = split.main_threads, split.other_threads
    per_step = [loops.user, loops.system, others.user, others.system]
    loop_user, loop_system, other_user, other_system = (seconds / steps * 1000 for seconds in per_step)
    switches = [(work.waits + work.preemptions) / steps for work in (loops, others)]
    say(
        f"API per step at 32 clients: event loops {loop_user:.2f} + {loop_system:.2f} ms, other threads "
        f"{other_user:.2f} + {other_system:.2f} ms (user + system); context switches {switches[0]:.1f} / "
        f"{switches[1]:.1f} (of which waiting {loops.waits / steps:.1f} / {others.waits / steps:.1f})"
    )
    return Row(
        "API processes' CPU per step at 32 clients: event loops / handler and pool threads (user + system)",
        f"{loop_user:.2f} + {loop_system:.2f} / {other_user:.2f} + {other_system:.2f} ms; "
        f"{switches[0]:.1f} / {switches[1]:.1f} context switches",
        "",
        "",
        "",
    )


def _views_reach_head(raw_url: str, schema: str, timeout: float = 120) -> None:
    """Waits until the worker has projected every event of the log (as it is now) into every view."""
    head, deadline = read_head(raw_url, schema), time.monotonic() + timeout
    with psycopg.connect(raw_url, autocommit=True) as connection:
        while time.monotonic() < deadline:
            row = connection.execute(f'SELECT min(position) FROM "{schema}".lotse_tracking').fetchone()
            if row is not None and row[0] is not None and row[0] >= head:
                return
            time.sleep(0.05)
    raise RuntimeError(f"the worker did not reach position {head} within {timeout:.0f} s")


def _cpu_per_step(used: CpuUsed, steps: int, one_connection: float) -> Row:
    """Where the 32 clients' steps spent the machine's CPU (the worker's projecting of them included), against what a
    step may cost at 0.5× the one-connection commit rate when the API, PostgreSQL and the worker share this machine's
    cores."""
    if steps == 0:
        raise RuntimeError("wrk recorded no step: no CPU per step to tell")
    parts = [used.api, used.postgres, used.worker]
    if used.postgres is None:
        spent = f"{used.api / steps * 1000:.2f} / – / {used.worker / steps * 1000:.2f} ms (PostgreSQL elsewhere)"
    else:
        spent = " / ".join(f"{seconds / steps * 1000:.2f}" for seconds in parts if seconds is not None) + " ms"
    in_all = sum(seconds for seconds in parts if seconds is not None) / steps
    budget = cores() / (0.5 * one_connection)
    say(f"CPU per step at 32 clients: API, PostgreSQL, worker {spent}; at 0.5x each may cost {budget * 1000:.2f} ms")
    return Row(
        "CPU per step at 32 clients: API processes / PostgreSQL / worker",
        f"{spent} ({in_all * 1000:.2f} in all)",
        f"{budget * 1000:.2f} ms ({cores()} cores at 0.5× the 1-connection rate)",
        f"{in_all / budget:.2f}×",
        "",
    )


def _replay(settings: Settings, raw_url: str, schema: str) -> list[Row]:
    lotse = bootstrap(settings)
    service = lotse.cases
    try:
        case_id = _case_of_200_events(service)
        service.repository.cache = None  # every read replays: no answer from memory
        raw = select_case_seconds(raw_url, schema, str(case_id), repeat=50)
        replayed = service.case_as_of(case_id, AFTER_EVERY_EVENT, personal_data=True)
        assert replayed == service.get_case(case_id, personal_data=True), "the replay is not the case"
        measured = {
            "state, with snapshots": median_seconds(lambda: service.get_case(case_id, personal_data=True), 50),
            # The case as of an instant after its last event: replayed from its events alone, as `?as_of=` reads it.
            "state, without snapshots": median_seconds(
                lambda: service.case_as_of(case_id, AFTER_EVERY_EVENT, personal_data=True), 50
            ),
            "history": median_seconds(lambda: service.history(case_id, personal_data=True), 50),
        }
    finally:
        lotse.close()
    say(
        f"replay of 200 events: raw SELECT {raw * 1000:.2f} ms, "
        + ", ".join(f"{k} {v * 1000:.2f} ms" for k, v in measured.items())
    )
    return [
        Row(f"replay a 200-event case: {what}", f"{seconds * 1000:.2f} ms", f"{raw * 1000:.2f} ms (SELECT)",
            f"{seconds / raw:.2f}×", "≤ 2×")
        for what, seconds in measured.items()
    ]  # fmt: skip


AFTER_EVERY_EVENT = datetime(2100, 1, 1, tzinfo=UTC)


def _case_of_200_events(service: CaseService) -> uuid.UUID:
    first_contact = date.today() - timedelta(days=400)
    opening = msgspec.convert({**OPENING, "first_contact_on": first_contact.isoformat()}, steps.OpenCase)
    case = service.open_case("koeln", opening, "ayse").case
    for day in range(199):
        session = steps.CounsellingSessionHeld(
            date=first_contact + timedelta(days=day), minutes=45, topics=("Beratung",)
        )
        service.record_step(case.id, session, "ayse", agency="koeln")
    return case.id


def _rebuild_reads_and_memory(
    settings: Settings, raw_url: str, schema: str, sizes: Sizes, directory: Path
) -> list[Row]:
    lotse = bootstrap(settings)
    try:
        first = _load(lotse, sizes.rebuild_cases, SEED)
        # A rebuild reads a log that has been there a while: autovacuum has set its rows' hint bits and statistics.
        # Freshly loaded, the first read of every row also writes its page again (the COPY after it would not).
        vacuum_analyze(raw_url, schema)
        projections = lotse.projections
        projections.runner.reset(list(projections.runner.views))
        started = time.perf_counter()
        rebuilt = projections.runner.catch_up(batch_size=REBUILD_BATCH)  # as `lotse projections rebuild` does
        rebuild_seconds = time.perf_counter() - started
        head = projections.runner.head()
        copied, copy_seconds = copy_rate(raw_url, schema, up_to=head)
        say(f"rebuild: {rebuilt} events in {rebuild_seconds:.1f} s; raw COPY {copied} rows in {copy_seconds:.2f} s")
        second = _load(lotse, sizes.total_cases - sizes.rebuild_cases, SEED + 1)
    finally:
        lotse.close()
    rebuild_rate, copy_rate_ = rebuilt / rebuild_seconds, copied / copy_seconds
    rows = [
        Row(f"rebuild all projections from {rebuilt:,} events", f"{rebuild_rate:,.0f} events/s",
            f"{copy_rate_:,.0f} rows/s (COPY)", f"{rebuild_rate / copy_rate_:.2f}×", "≥ 50,000 events/s"),
    ]  # fmt: skip
    cases, events = first.cases + second.cases, first.events + second.events
    worker_peak = _worker_catches_up(settings, directory)
    server = LotseServer(settings, directory / "serve-reads.log", projections="worker")
    server.start()
    try:
        vacuum_views(raw_url, schema)  # as autovacuum would have by now; this machine's server runs without it
        scale = f"{cases:,} cases / {events:,} events"
        rows += _reads(server, raw_url, schema, sizes, scale)
        rows += case_page_rows(server, raw_url, schema, sizes.reads, scale, whole_list=False)
        rows += _as_of(server, raw_url, schema)
        assert server.process is not None
        server_peak = peak_memory_mb(server.process.pid)
    finally:
        server.stop()
    rows.append(Row("peak resident memory: server", f"{server_peak:.0f} MB", "", "", "≤ 300 MB"))
    rows.append(Row("peak resident memory: worker", f"{worker_peak:.0f} MB", "", "", "≤ 300 MB"))
    return rows


def _storage(raw_url: str, schema: str) -> list[Row]:
    stored = footprint(raw_url, schema)
    per_event, raw = stored.bytes_per_event, stored.raw_bytes_per_row
    say(
        f"stored: {stored.events:,} events, {stored.cases:,} cases; log {stored.log_bytes / 1e6:.0f} MB, "
        f"views and the rest {stored.other_bytes / 1e6:.0f} MB; raw row {raw:.0f} B"
    )
    land = stored.projected_bytes(LAND_EVENTS) / 1e9
    return [
        Row("stored bytes per event (log, chain, case index, idempotency keys)", f"{per_event:,.0f} B",
            f"{raw:,.0f} B (raw row)", f"{per_event / raw:.2f}×", ""),
        Row("stored bytes per case (everything)", f"{stored.bytes_per_case:,.0f} B", "", "", ""),
        Row(f"projected for {LAND_EVENTS:,} events (a Land, ten years)", f"{land:,.0f} GB", "", "", ""),
    ]  # fmt: skip


def _offer_pages(settings: Settings, raw_url: str, schema: str, sizes: Sizes, directory: Path) -> list[Row]:
    """The catalogue's pages, over offers imported last: they count in no row measured before (events, bytes, the
    as-of recompute, the worker)."""
    lotse = bootstrap(settings)
    try:
        load_catalogue(lotse, sizes.offers)
    finally:
        lotse.close()
    _worker_catches_up(settings, directory)
    vacuum_views(raw_url, schema)
    server = LotseServer(settings, directory / "serve-offers.log", projections="worker")
    server.start()
    try:
        return offer_page_rows(server, raw_url, schema, sizes.reads, sizes.offers)
    finally:
        server.stop()


def _load(lotse: Lotse, cases: int, seed: int) -> Loaded:
    loaded = load_caseload(
        lotse,
        cases,
        seed,
        progress=lambda done: say(f"  loaded {done.cases:,} cases, {done.events:,} events", end="\r"),
    )
    say(f"loaded {loaded.cases:,} cases with {loaded.events:,} events in {loaded.seconds:.1f} s" + " " * 20)
    return loaded


@contextmanager
def _worker(settings: Settings, directory: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`lotse worker` as the PostgreSQL deployment runs it: a process of its own beside the server."""
    env = {**os.environ, "LOTSE_DATA_DIR": str(settings.data_dir), "LOTSE_DATABASE_URL": str(settings.database_url)}
    with (directory / "worker.log").open("ab") as log:
        worker = subprocess.Popen([*LOTSE, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield worker
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def _worker_catches_up(settings: Settings, directory: Path) -> float:
    """Runs `lotse worker` until the views reach the log's head; answers its peak resident memory."""
    lotse = bootstrap(settings)
    try:
        runner = lotse.projections.runner
        head = runner.head()
        started = time.perf_counter()
        with _worker(settings, directory) as worker:
            while min(runner.positions().values()) < head:
                if worker.poll() is not None:
                    raise RuntimeError(f"lotse worker stopped; see {directory / 'worker.log'}")
                time.sleep(0.2)
            peak = peak_memory_mb(worker.pid)
        say(f"worker caught up to {head:,} in {time.perf_counter() - started:.1f} s, peak {peak:.0f} MB")
        return peak
    finally:
        lotse.close()


# Each baseline selects the view rows that the endpoint's answer is made from.
READS = {
    "GET /caseload": ("lead", "/caseload", f"SELECT * FROM {{s}}.{CASELOAD} WHERE agency = %s"),
    "GET /deadlines": ("lead", "/deadlines", f"SELECT * FROM {{s}}.{DEADLINES} WHERE agency = %s"),
    "GET /statistics/esf": (
        "auditor",
        "/statistics/esf?from=2024-01-01&to=2026-12-31",
        f"SELECT * FROM {{s}}.{INDICATOR_DAYS} WHERE agency = %s AND basis = 'entry'",
    ),
    "GET /statistics/funnel": (
        "auditor",
        "/statistics/funnel",
        f"SELECT * FROM {{s}}.{FUNNEL_SPANS} WHERE agency = %s",
    ),
}


def _reads(server: LotseServer, raw_url: str, schema: str, sizes: Sizes, scale: str) -> list[Row]:
    rows = []
    # Analysts read published reports, not the live figures (API.md 0.2): an auditor reads those.
    tokens = {"lead": server.token("petra", "lead"), "auditor": server.token("otto", "auditor")}
    for name, (role, path, raw_query) in READS.items():
        lotse = read_latencies(server, tokens[role], path, sizes.reads)
        raw = query_latencies(raw_url, raw_query.format(s=f'"{schema}"'), ("koeln",), sizes.reads)
        p50, p95, p99 = (percentile(lotse, share) * 1000 for share in (0.5, 0.95, 0.99))
        raw95 = percentile(raw, 0.95) * 1000
        say(f"{name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms; raw SELECT p95 {raw95:.1f} ms")
        rows.append(
            Row(f"{name} at {scale}: p50 / p95 / p99", f"{p50:.1f} / {p95:.1f} / {p99:.1f} ms",
                f"{raw95:.1f} ms p95 (SELECT of the view rows)", f"{p95 / raw95:.1f}×", "p95 ≤ 50 ms")
        )  # fmt: skip
    return rows


def _as_of(server: LotseServer, raw_url: str, schema: str) -> list[Row]:
    token = server.token("otto", "auditor")
    head = int(read_head(raw_url, schema))
    path = f"/statistics/esf?from=2024-01-01&to=2026-12-31&as_of_position={head}"
    assert server.process is not None
    started = time.perf_counter()
    with NewDescendantsPeak(server.process.pid) as replay_processes:
        read_latencies(server, token, path, repeat=0)  # one request (the warm-up is the measurement)
    seconds = time.perf_counter() - started
    copied, copy_seconds = copy_rate(raw_url, schema, up_to=head)
    say(f"as-of recompute over {head:,} events: {seconds:.1f} s; raw COPY of {copied:,} rows {copy_seconds:.2f} s")
    return [
        Row(f"statistics as_of_position over the full log ({head:,} events)", f"{seconds:.1f} s",
            f"{copy_seconds:.2f} s (COPY)", f"{seconds / copy_seconds:.0f}×", "≤ 10 s at 2 M events"),
        Row(f"peak resident memory: each of the as-of answer's {len(replay_processes.seen)} replay process(es)",
            f"{replay_processes.peak_mb:.0f} MB", "", "", "≤ 300 MB") if replay_processes.seen else
        Row("peak resident memory: the as-of answer's replay processes", "none (the server replayed alone)",
            "", "", ""),
    ]  # fmt: skip


def read_head(raw_url: str, schema: str) -> int:
    with psycopg.connect(raw_url) as connection:
        row = connection.execute(f'SELECT max(notification_id) FROM "{schema}".lotse_events').fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _server_facts(url: str) -> str:
    with psycopg.connect(url) as connection:

        def show(setting: str) -> str:
            row = connection.execute(f"SHOW {setting}").fetchone()
            return str(row[0]) if row else "?"

        return f"{show('server_version')} (fsync {show('fsync')}, synchronous_commit {show('synchronous_commit')})"


if __name__ == "__main__":
    sys.exit(main())
