"""`python -m bench.paging --mode quick`, as the README gives it: it runs to the end and prints every row."""

import re

import pytest

from tests.e2e.benchmarks import run_benchmark, table_of

ROWS = [
    r"GET /deadlines\?limit=100, first page \(a lead\) at [\d,]+ cases",
    r"GET /deadlines\?limit=100&cursor=…, a page halfway \(a lead\) at",
    r"GET /deadlines\?limit=100, her own \(a counsellor\) at",
    r"GET /caseload\?limit=100 \(a lead\) at",
    r"GET /caseload\?limit=100, every agency \(a funder's auditor\) at",
    r"GET /deadlines, the whole list as 0.1 answered \(a lead\) at",
    r"GET /offers\?limit=50, first page \(a counsellor\) at [\d,]+ offers",
    r"GET /offers\?occupation=kaufmann einzelhandel&kind=exam_preparation&limit=50 \(a counsellor\) at [\d,]+ offers",
]


@pytest.mark.postgres
def test_the_quick_paging_benchmark_prints_every_row_with_a_same_run_baseline(postgres_server: str) -> None:
    table = table_of(run_benchmark("bench.paging", "--mode", "quick", "--database-url", postgres_server))

    assert len(table) == 1 + len(ROWS)
    for pattern, line in zip(ROWS, table[1:], strict=True):
        assert re.match(rf"\| {pattern}", line), line
        assert re.search(r"\| [\d.]+ / [\d.]+ / [\d.]+ ms \| [\d.]+ ms p95 \(.+\) \| [\d.]+× \| p95 ≤ 50 ms \|$", line)
