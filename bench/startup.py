"""Time `breach --help` and `breach list --json` against bare `python -c "import typer"`.

Run: .venv/bin/python bench/startup.py [--runs 10]
Prints the median wall time of each and its ratio to importing typer alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time


def timed(cmd: list[str], env: dict[str, str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = os.path.join(tmp, "incidents")
        env = {**os.environ, "BREACH_HOME": home, "BREACH_NOW": "2026-11-28T14:05:00+01:00"}
        py = sys.executable
        subprocess.run([py, "-m", "breach", "init"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([py, "-m", "breach", "open", "--title", "bench"], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = timed([py, "-c", "import typer"], env, args.runs)
        rows = [("python -c 'import typer'", base)]
        for label, cmd in (("breach --help", ["--help"]), ("breach list --json", ["list", "--json"])):
            rows.append((label, timed([py, "-m", "breach", *cmd], env, args.runs)))
    print(f"{'command':<28}{'median ms':>10}{'ratio':>8}")
    for label, seconds in rows:
        print(f"{label:<28}{seconds * 1000:>10.1f}{seconds / base:>8.2f}")


if __name__ == "__main__":
    main()
