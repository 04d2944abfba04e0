"""Pages of GET /deadlines, GET /caseload and GET /offers at scale, against raw PostgreSQL in the same run.

`python -m bench.paging [--mode quick|full]` loads a synthetic caseload (bench/bulk_load.py: 3,000 cases in quick
mode, 100,000 in full) and a catalogue (bench/matching.py's offers through the import: 1,000 and 10,000), brings the
views to the log's head and times requests to a real `lotse serve` (projections by a worker, as in compose.yaml) from
one client: p50 / p95 / p99 over `reads` requests after a warm-up. Each baseline is what plain psycopg takes on the
same server for the same information: the page's SELECT and the COUNT of the matching rows (for a caseload page the
counts it is made of), on one connection. Everything happens in a schema of its own, dropped at the end; the table
has the format of bench/performance.py's, which measures the same pages (`case_page_rows`, `offer_page_rows`) on its
own full load.
"""

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import psycopg

from bench.bulk_load import load_caseload
from bench.http_load import percentile, read_latencies
from bench.lotse_process import LotseServer
from bench.matching import AGENCY as CATALOGUE_AGENCY
from bench.matching import import_offer_rows, offer_rows
from bench.table import DEFAULT_URL, Row, render, say, scratch_schema
from infrastructure.bootstrap import Lotse, bootstrap
from infrastructure.projections.case_views import CASELOAD, DEADLINES
from infrastructure.projections.offer_views import OFFER_WORDS, OFFERS
from infrastructure.settings import Settings


@dataclass(frozen=True)
class Sizes:
    cases: int
    offers: int
    reads: int


MODES = {
    "quick": Sizes(cases=3_000, offers=1_000, reads=40),
    "full": Sizes(cases=100_000, offers=10_000, reads=300),
}
SEED = 2026
TARGET = "p95 ≤ 50 ms"
AGENCY = "koeln"  # the bigger of the demo's two agencies: about 60 % of the cases


@dataclass(frozen=True)
class Read:
    """One request measured, and the raw statements that produce what it answers."""

    name: str
    role: str
    subject: str
    agency: str
    path: str
    raw: Sequence[tuple[str, tuple[object, ...]]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.paging", description=__doc__)
    parser.add_argument("--mode", choices=sorted(MODES), default="quick")
    parser.add_argument("--database-url", default=os.environ.get("LOTSE_BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args(argv)
    sizes = MODES[args.mode]
    with scratch_schema(args.database_url) as (url, schema), tempfile.TemporaryDirectory() as directory:
        settings = Settings(database_url=url, data_dir=Path(directory) / "data")
        scale = _load(settings, sizes.cases, sizes.offers)
        vacuum_views(args.database_url, schema)
        server = LotseServer(settings, Path(directory) / "serve.log", projections="worker")
        server.start()
        try:
            rows = case_page_rows(server, args.database_url, schema, sizes.reads, scale)
            rows += offer_page_rows(server, args.database_url, schema, sizes.reads, sizes.offers)
        finally:
            server.stop()
    print(render(rows, args.mode))
    return 0


def _load(settings: Settings, cases: int, offers: int) -> str:
    lotse = bootstrap(settings)
    try:
        loaded = load_caseload(
            lotse, cases, SEED, progress=lambda done: say(f"  loaded {done.cases:,} cases", end="\r")
        )
        say(f"loaded {loaded.cases:,} cases with {loaded.events:,} events in {loaded.seconds:.1f} s" + " " * 20)
        load_catalogue(lotse, offers)
        # The loader writes no name index; a server would index every case by name at its start (as after an
        # upgrade from 0.1), longer than a start is given here.
        lotse.cases.index_unindexed_names()
        caught_up = lotse.projections.runner.catch_up()
        say(f"views caught up over {caught_up:,} events")
        return f"{loaded.cases:,} cases"
    finally:
        lotse.close()


def load_catalogue(lotse: Lotse, offers: int) -> None:
    """Imports `offers` generated offers of the catalogue's agency (bench/matching.py's, through the import)."""
    started = time.perf_counter()
    import_offer_rows(lotse, offer_rows(lotse.cases.today(), offers))
    say(f"imported {offers:,} offers in {time.perf_counter() - started:.1f} s")


def vacuum_views(raw_url: str, schema: str) -> None:
    """Vacuums the views and gives the planner their statistics, as autovacuum does on its own long before a desk
    holds this many cases (a bulk load outruns it; a server may run without it, as this machine's does). A plan made
    without statistics may sort a whole agency's deadlines for one page; without a vacuum, no page of a view is
    marked all-visible, and a count read from an index alone visits every row's page too (a caseload page of every
    agency at 100,000 cases: p95 71 ms before the vacuum, 40 ms after it, in one run)."""
    with psycopg.connect(raw_url, autocommit=True) as connection:
        row = connection.execute("SHOW autovacuum").fetchone()
        for table in (CASELOAD, DEADLINES, OFFERS, OFFER_WORDS):
            connection.execute(f'VACUUM ANALYZE "{schema}".{table}')
    say(f"vacuumed and analyzed the views (autovacuum {row[0] if row else '?'} on this server)")


def case_page_rows(
    server: LotseServer, raw_url: str, schema: str, reads: int, scale: str, *, whole_list: bool = True
) -> list[Row]:
    """The pages of deadlines and caseloads, on a caseload loaded and projected, the views vacuumed; `whole_list`:
    also the deadlines without `limit`, as 0.1 answered them."""
    return [_measure(server, raw_url, read, reads, scale) for read in _reads(server, schema, whole_list)]


def offer_page_rows(server: LotseServer, raw_url: str, schema: str, reads: int, offers: int) -> list[Row]:
    """The catalogue's pages, on `offers` offers imported (`load_catalogue`) and projected, the views vacuumed."""
    return [_measure(server, raw_url, read, reads, f"{offers:,} offers") for read in _offer_reads(schema)]


def _offer_reads(schema: str) -> list[Read]:
    """A counsellor's first page of the agency's catalogue, and a search by occupation and kind: each the COUNT of
    every page (`total`) and the page's SELECT, as offer_views.py states them on PostgreSQL."""
    offers, words = f'"{schema}".{OFFERS}', f'"{schema}".{OFFER_WORDS}'
    active = "agency = %s AND status = 'active'"
    in_order = "ORDER BY starts_on, offer_id LIMIT 50"
    search = (
        f"{active} AND kind = %s"
        f" AND offer_id IN (SELECT offer_id FROM {words} WHERE agency = %s AND word LIKE %s)"
        f" AND offer_id IN (SELECT offer_id FROM {words} WHERE agency = %s AND word LIKE %s)"
    )
    searched = (CATALOGUE_AGENCY, "exam_preparation", CATALOGUE_AGENCY, "kaufmann%", CATALOGUE_AGENCY, "einzelhandel%")
    return [
        Read("GET /offers?limit=50, first page (a counsellor)", "counsellor", "ayse", CATALOGUE_AGENCY,
             "/offers?limit=50", [
                 (f"SELECT COUNT(*) FROM {offers} WHERE {active}", (CATALOGUE_AGENCY,)),
                 (f"SELECT document FROM {offers} WHERE {active} {in_order}", (CATALOGUE_AGENCY,)),
             ]),
        Read("GET /offers?occupation=kaufmann einzelhandel&kind=exam_preparation&limit=50 (a counsellor)",
             "counsellor", "ayse", CATALOGUE_AGENCY,
             "/offers?occupation=kaufmann%20einzelhandel&kind=exam_preparation&limit=50", [
                 (f"SELECT COUNT(*) FROM {offers} WHERE {search}", searched),
                 (f"SELECT document FROM {offers} WHERE {search} {in_order}", searched),
             ]),
    ]  # fmt: skip


def _reads(server: LotseServer, schema: str, whole_list: bool) -> list[Read]:
    deadlines, caseload = f'"{schema}".{DEADLINES}', f'"{schema}".{CASELOAD}'
    in_order = "ORDER BY due, case_id, kind, ref LIMIT 101"
    today = date.today().isoformat()
    middle = _middle_cursor(server)
    # Each page request reads one row beyond the page, to know whether another follows; so does its baseline.
    page_of_agency = [
        (f"SELECT case_id, counsellor, kind, ref, due FROM {deadlines} WHERE agency = %s {in_order}", (AGENCY,)),
        (f"SELECT COUNT(*) FROM {deadlines} WHERE agency = %s", (AGENCY,)),
    ]
    after = "AND (due, case_id, kind, ref) > (%s, %s, %s, %s)"
    middle_page = [
        (
            f"SELECT case_id, counsellor, kind, ref, due FROM {deadlines} WHERE agency = %s {after} {in_order}",
            (AGENCY, *middle.key),
        ),
        page_of_agency[1],
    ]
    own = "agency = %s AND counsellor = %s"
    own_page = [
        (f"SELECT case_id, counsellor, kind, ref, due FROM {deadlines} WHERE {own} {in_order}", (AGENCY, "ayse")),
        (f"SELECT COUNT(*) FROM {deadlines} WHERE {own}", (AGENCY, "ayse")),
    ]
    caseload_counts = [
        (
            f"SELECT counsellor, stage, COUNT(*) FROM {caseload} WHERE agency = %s AND status = 'open'"
            " GROUP BY counsellor, stage",
            (AGENCY,),
        ),
        (
            f"SELECT counsellor, COUNT(*) FROM {deadlines} WHERE agency = %s AND due < %s GROUP BY counsellor",
            (AGENCY, today),
        ),
    ]
    # Every agency's: a row per agency and counsellor (a name is a person only within her agency).
    every_agency = [
        (sql.replace("agency = %s AND ", "").replace("counsellor", "agency, counsellor"), params[1:])
        for sql, params in caseload_counts
    ]
    pages = [
        Read("GET /deadlines?limit=100, first page (a lead)", "lead", "petra", AGENCY,
             "/deadlines?limit=100", page_of_agency),
        Read("GET /deadlines?limit=100&cursor=…, a page halfway (a lead)", "lead", "petra", AGENCY,
             f"/deadlines?limit=100&cursor={middle.cursor}", middle_page),
        Read("GET /deadlines?limit=100, her own (a counsellor)", "counsellor", "ayse", AGENCY,
             "/deadlines?limit=100", own_page),
        Read("GET /caseload?limit=100 (a lead)", "lead", "petra", AGENCY, "/caseload?limit=100", caseload_counts),
        Read("GET /caseload?limit=100, every agency (a funder's auditor)", "auditor", "fritz", "*",
             "/caseload?limit=100", every_agency),
    ]  # fmt: skip
    whole = f"SELECT case_id, counsellor, kind, ref, due FROM {deadlines} WHERE agency = %s"
    if not whole_list:
        return pages
    return [*pages, Read("GET /deadlines, the whole list as 0.1 answered (a lead)", "lead", "petra", AGENCY,
                         "/deadlines", [(whole, (AGENCY,))])]  # fmt: skip


@dataclass(frozen=True)
class Middle:
    cursor: str
    key: tuple[str, str, str, str]  # the item the cursor follows: (due, case_id, kind, ref)


def _middle_cursor(server: LotseServer) -> Middle:
    """The cursor a client holds halfway through the agency's deadlines, walking pages of 100, and its item."""
    token = server.token("petra", "lead", AGENCY)
    with httpx.Client(base_url=server.base, headers={"Authorization": f"Bearer {token}"}, timeout=600) as client:
        page = client.get("/deadlines", params={"limit": 100}).raise_for_status().json()
        seen, half = len(page["items"]), page["total"] // 2
        while seen < half:
            page = client.get("/deadlines", params={"limit": 100, "cursor": page["next_cursor"]}).json()
            seen += len(page["items"])
    if page["next_cursor"] is None:
        raise RuntimeError(f"too few deadlines at {AGENCY} for a page halfway: {page['total']}")
    last = page["items"][-1]
    return Middle(page["next_cursor"], (last["due"], last["case_id"], last["kind"], last["ref"]))


def _measure(server: LotseServer, raw_url: str, read: Read, reads: int, scale: str) -> Row:
    token = server.token(read.subject, read.role, read.agency)
    lotse = read_latencies(server, token, read.path, reads)
    raw = _raw_latencies(raw_url, read.raw, reads)
    p50, p95, p99 = (percentile(lotse, share) * 1000 for share in (0.5, 0.95, 0.99))
    raw95 = percentile(raw, 0.95) * 1000
    say(f"{read.name}: p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms; raw p95 {raw95:.1f} ms")
    statements = "SELECT" if len(read.raw) == 1 else " + ".join(_verb(sql) for sql, _ in read.raw)
    return Row(f"{read.name} at {scale}: p50 / p95 / p99", f"{p50:.1f} / {p95:.1f} / {p99:.1f} ms",
               f"{raw95:.1f} ms p95 ({statements})", f"{p95 / raw95:.1f}×", TARGET)  # fmt: skip


def _verb(sql: str) -> str:
    return "COUNT" if sql.startswith("SELECT COUNT") else "GROUP BY" if "GROUP BY" in sql else "SELECT"


def _raw_latencies(url: str, statements: Sequence[tuple[str, tuple[object, ...]]], reads: int) -> list[float]:
    """Seconds per run of all the statements, one after the other on one connection, after one warm-up run."""
    with psycopg.connect(url, autocommit=True) as connection:

        def run() -> None:
            for sql, params in statements:
                connection.execute(sql, params).fetchall()

        run()
        latencies = []
        for _ in range(reads):
            started = time.perf_counter()
            run()
            latencies.append(time.perf_counter() - started)
        return latencies


if __name__ == "__main__":
    sys.exit(main())
