"""A benchmark command run as the README gives it, for the tests that it runs to its end and prints its table."""

import subprocess
import sys


def run_benchmark(module: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """`python -m <module> <arguments>`, which must end well within ten minutes."""
    result = subprocess.run(
        [sys.executable, "-m", module, *arguments], capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def table_of(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The printed table's lines, its header first."""
    return [line for line in result.stdout.splitlines() if line.startswith("| ")]
