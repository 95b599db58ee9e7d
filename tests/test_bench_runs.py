"""The benchmarks still run (on a few items, nothing timed): a bench that no longer works hides the figures
its claims rest on (bench/customers.py broke once when the customer notices began to need approval)."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO


def test_the_customers_bench_runs_each_step() -> None:
    done = subprocess.run([sys.executable, str(REPO / "bench" / "customers.py"), "--customers", "8"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    steps = [line.split(":")[0] for line in done.stdout.splitlines()]
    assert steps == ["scope --customers all", "status", "customers notify"]
    assert all(line.endswith("for 8 customers") for line in done.stdout.splitlines())
