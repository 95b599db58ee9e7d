"""Time `breach --help`, `breach list --json` and `breach status --json` against bare `python -c "import typer"`.

The data folder holds 200 open incidents, each assessed (the user-database-stolen
drill's answers) and scoped to BE, FR, NL, US-CA, US-TX and US-NY, so each has five or more
obligations. Runs are interleaved (one of each command per round) and the median of
each is printed with its ratio to importing typer alone; the target is 1.5 or less.

Bytecode is compiled first (as `pip install` of a wheel does) and
PYTHONDONTWRITEBYTECODE is dropped, so every command is measured with its .pyc files.

Run: .venv/bin/python bench/startup.py [--runs 15] [--incidents 200]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

NOW = "2026-11-28T14:05:00+01:00"
SCOPE = ["BE=1200", "FR=300", "NL=250", "US-CA=800", "US-TX=600", "US-NY=300"]


def populate(home: Path, count: int) -> int:
    """Open, assess and scope `count` incidents through the Python API; returns obligations per incident."""
    os.environ["BREACH_NOW"] = NOW
    import breach
    from breach.core.resources import shipped
    from breach.core.yamlio import load_yaml, plain

    answers = plain(load_yaml(shipped("playbooks") / "drills" / "user-database-stolen.yaml")["answers"])
    breach.init_home(home)
    now = breach.now()
    with breach.open_session(home, author="bench") as s:
        for n in range(count):
            incident = breach.open_incident(s, title=f"bench {n}", now=now)
            breach.assess(s, incident.id, answers, now=now)
            breach.set_scope(s, incident.id, SCOPE, now=now)
        per = len(breach.incident_obligations(s, incident.id, now=now))
    return per


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--incidents", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "incidents"
        per = populate(home, args.incidents)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(BREACH_HOME=str(home), BREACH_NOW=NOW)
        py = sys.executable
        import breach

        subprocess.run([py, "-m", "compileall", "-q", str(Path(breach.__file__).parent)], env=env, check=True)
        commands = {
            "python -c 'import typer'": [py, "-c", "import typer"],
            "breach --help": [py, "-m", "breach", "--help"],
            "breach list --json": [py, "-m", "breach", "list", "--json"],
            "breach status --json": [py, "-m", "breach", "status", "--json"],
            "breach status (human)": [py, "-m", "breach", "status"],
        }
        for cmd in commands.values():  # warm the page cache and the projections
            subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples: dict[str, list[float]] = {label: [] for label in commands}
        for _ in range(args.runs):
            for label, cmd in commands.items():
                start = time.perf_counter()
                subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                samples[label].append(time.perf_counter() - start)
    base = statistics.median(samples["python -c 'import typer'"])
    print(f"{args.incidents} open incidents, each assessed and scoped ({per} obligations each); "
          f"median of {args.runs} interleaved runs")
    print(f"{'command':<28}{'median ms':>10}{'ratio':>8}")
    for label, values in samples.items():
        median = statistics.median(values)
        print(f"{label:<28}{median * 1000:>10.1f}{median / base:>8.2f}")


if __name__ == "__main__":
    main()
