"""`python -m bench.cores`, as the README gives it (short rounds): each set of cores gets its rows, measured against
one connection's commits on the same cores, and the comparison of the sets closes the table."""

import os
import re
import subprocess
import sys

import pytest

from tests.conftest import in_ci
from tests.e2e.benchmarks import run_benchmark, table_of
from tests.throwaway_postgres import PostgresUnavailable, ThrowawayPostgres


def _require_postgres_binaries() -> None:
    """The command starts clusters of its own (initdb, pg_ctl), as the tests that restart PostgreSQL do."""
    try:
        ThrowawayPostgres().close()
    except PostgresUnavailable as error:
        if in_ci():
            pytest.fail(f"PostgreSQL's binaries are required in CI: {error}")
        pytest.skip(str(error))


@pytest.mark.postgres
def test_the_cores_benchmark_prints_a_row_per_round_and_set_of_cores() -> None:
    _require_postgres_binaries()
    usable = sorted(os.sched_getaffinity(0))
    if len(usable) < 2:
        pytest.skip(f"one core to compare two with: this process may use {usable} only")
    first, second = usable[:2]
    one, two = f"1 core ({first})", f"2 cores ({first},{second})"
    arguments = ["--cores", str(first), f"{first},{second}", "--rounds", "2", "--seconds", "2"]
    table = table_of(run_benchmark("bench.cores", *arguments))

    assert len(table) == 6, table
    rows = table[1:]
    for line, cores in zip(rows[:4], [one, one, two, two], strict=True):
        assert re.fullmatch(
            rf"\| record a step over HTTP, 32 clients, 2 API processes, {re.escape(cores)}"
            r" \| [\d,]+ steps/s \(p99 \d+ ms\) \| [\d,]+ commits/s \(1 connection\)"
            r" \| [\d.]+× \| ≥ 0\.5× \(aim 1\.0×\) \|",
            line,
        ), line
    assert all(not re.search(r"\| 0 steps/s", line) for line in rows[:4]), rows
    assert re.fullmatch(
        rf"\| steps/s at 32 clients, median of the rounds: {re.escape(two)} against {re.escape(one)} \| [\d,]+ against"
        r" [\d,]+ steps/s \|  \| [\d.]+× \|  \|",
        rows[4],
    ), rows[4]


def test_the_cores_benchmark_refuses_cores_it_may_not_use() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bench.cores", "--cores", "0,4096"], capture_output=True, text=True, check=False
    )

    assert result.returncode != 0
    assert "--cores: 0,4096 names cores this process may not use" in result.stderr
