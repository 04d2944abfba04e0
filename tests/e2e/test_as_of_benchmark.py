"""`python -m bench.as_of`, as the README gives it (at a small size): it runs to the end and prints a row per run with
its same-run baseline."""

import re

import pytest

from tests.e2e.benchmarks import run_benchmark, table_of


@pytest.mark.postgres
def test_the_as_of_benchmark_prints_each_run_against_a_raw_copy(postgres_server: str) -> None:
    table = table_of(run_benchmark("bench.as_of", "--cases", "200", "--runs", "2", "--database-url", postgres_server))

    assert len(table) == 3
    for run, line in enumerate(table[1:], start=1):
        assert re.fullmatch(
            r"\| statistics as_of_position over the full log \([\d,]+ events, 200 cases, 1 process\(es\) replaying\),"
            rf" run {run} \| [\d.]+ s \| [\d.]+ s \(COPY\) \| [\d.]+× \| ≤ 10 s at 2 M events \|",
            line,
        ), line
