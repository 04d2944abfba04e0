"""`python -m bench.matching --mode quick`, as the README gives it: it runs to the end on both backends and prints
every row, each latency set against the raw SQL baseline of the same run."""

import re

import pytest

from tests.e2e.benchmarks import run_benchmark, table_of

ROWS = [
    r"import offers \(files of 1,000 rows\)",
    r"project the offers into the catalogue view",
    r"match a case at [\d,]+ offers \(\d+ fit\): p50",
    r"match a case at [\d,]+ offers \(\d+ fit\): p95",
    r"search the catalogue at [\d,]+ offers \(occupation, kind\): p50",
    r"search the catalogue at [\d,]+ offers \(occupation, kind\): p95",
]


def run(*arguments: str) -> list[str]:
    result = run_benchmark("bench.matching", "--mode", "quick", *arguments)
    assert re.search(r"of 2,000 offers fit", result.stderr), result.stderr[-3000:]
    return table_of(result)


def check(table: list[str]) -> None:
    assert len(table) == 1 + len(ROWS)
    for pattern, line in zip(ROWS, table[1:], strict=True):
        assert re.match(rf"\| {pattern}", line), line
    for line in (table[1], *table[3:]):  # every rate and latency is set against the raw baseline of this run
        assert re.search(r"\| [\d.]+× \|", line), line


def test_the_quick_matching_benchmark_on_sqlite() -> None:
    check(run("--backend", "sqlite"))


@pytest.mark.postgres
def test_the_quick_matching_benchmark_on_postgresql(postgres_server: str) -> None:
    check(run("--backend", "postgres", "--database-url", postgres_server))
