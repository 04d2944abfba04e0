"""`python -m bench.performance --mode quick`, as the README gives it: it runs to the end and prints every row."""

import re

import pytest

from tests.e2e.benchmarks import run_benchmark, table_of

ROWS = [
    r"record a step over HTTP, 1 client\(s\)",
    r"record a step over HTTP, 8 client\(s\)",
    r"record a step over HTTP, 32 client\(s\)",
    r"CPU per step at 32 clients: API processes / PostgreSQL / worker",
    r"API processes' CPU per step at 32 clients: event loops / handler and pool threads",
    r"replay a 200-event case: state, with snapshots",
    r"replay a 200-event case: state, without snapshots",
    r"replay a 200-event case: history",
    r"rebuild all projections from [\d,]+ events",
    r"GET /caseload at [\d,]+ cases / [\d,]+ events",
    r"GET /deadlines at",
    r"GET /statistics/esf at",
    r"GET /statistics/funnel at",
    r"GET /deadlines\?limit=100, first page \(a lead\) at [\d,]+ cases",
    r"GET /deadlines\?limit=100&cursor=…, a page halfway \(a lead\) at",
    r"GET /deadlines\?limit=100, her own \(a counsellor\) at",
    r"GET /caseload\?limit=100 \(a lead\) at",
    r"GET /caseload\?limit=100, every agency \(a funder's auditor\) at",
    r"statistics as_of_position over the full log",
    r"peak resident memory: (each of the as-of answer's \d+ replay process\(es\)|the as-of answer's replay processes)",
    r"peak resident memory: server",
    r"peak resident memory: worker",
    r"stored bytes per event",
    r"stored bytes per case",
    r"projected for [\d,]+ events",
    r"GET /offers\?limit=50, first page \(a counsellor\) at [\d,]+ offers",
    r"GET /offers\?occupation=kaufmann einzelhandel&kind=exam_preparation&limit=50 \(a counsellor\) at [\d,]+ offers",
]


@pytest.mark.postgres
def test_the_quick_benchmark_prints_every_row_with_a_same_run_baseline(postgres_server: str) -> None:
    result = run_benchmark("bench.performance", "--mode", "quick", "--database-url", postgres_server)

    table = table_of(result)
    assert len(table) == 1 + len(ROWS)
    for pattern, line in zip(ROWS, table[1:], strict=True):
        assert re.match(rf"\| {pattern}", line), line
    # Every throughput and latency row is set against this run's baseline (the split by thread has none).
    for line in [*table[1:5], *table[6:20], *table[-2:]]:
        assert re.search(r"\| [\d.]+× \|", line), line
    # Where the 32 clients' steps spent the CPU: each part measured (PostgreSQL runs on this machine), and their sum.
    api, postgres, worker, in_all = map(float, re.findall(r"([\d.]+)", table[4].split("|")[2]))
    assert min(api, postgres, worker) > 0
    assert in_all == pytest.approx(api + postgres + worker, abs=0.011)
    # The API processes' part split by thread: the same processes over nearly the same time (the CPU row's end is read
    # once the worker has caught up, while the API idles).
    loop_user, loop_system, other_user, other_system, loop_switches, other_switches = map(
        float, re.findall(r"([\d.]+)", table[5].split("|")[2])
    )
    assert min(loop_user, other_user, loop_switches, other_switches) > 0
    assert loop_user + loop_system + other_user + other_system == pytest.approx(api, rel=0.25, abs=0.05)
    assert re.findall(r"(\d+) not 201\)", result.stderr) == ["0", "0", "0"]  # no write refused under load
