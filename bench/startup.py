"""Start-up of both installs users make: `breach --help`, `list --json` and `status --json` against `import typer`.

Two virtual environments, each with its own `python -c "import typer"` as the yardstick:
- editable: the README's first command, `pip install -e .`, run in a fresh copy of this checkout
  (no `__pycache__` carried over);
- wheel: `pip install` of a wheel built from that copy (what `pip install .` and `pipx install .` give).

The data folder holds 200 open incidents (--incidents), each assessed (the user-database-stolen
drill's answers) and scoped to BE, FR, NL, US-CA, US-TX and US-NY, so each has eight obligations;
it is written once through the Python API (of the editable install) with BREACH_NOW set. Every command runs as a whole
process through the installed `breach` script, its output read through a pipe as a script would.
Runs are interleaved (one of each command of each install per round, after a warm-up round); a
command's ratio is the median over the rounds of its time divided by the same round's `import typer`.
The exit status is 1 when any ratio is over --limit (1.5); the human `status` table is printed
beside them for comparison, not checked.

The timed runs set PYTHONDONTWRITEBYTECODE=1: each command runs on the bytecode its install left,
never on a cache an earlier run of this script wrote.

The environments live in --work (default: a folder under the system's temporary directory) and are
reused, dependencies and all; breach itself is reinstalled from the checkout on every run.

Run: .venv/bin/python bench/startup.py [--runs 15] [--incidents 200] [--limit 1.5] [--work DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-11-28T14:05:00+01:00"
SCOPE = ["BE=1200", "FR=300", "NL=250", "US-CA=800", "US-TX=600", "US-NY=300"]
BASELINE = "import typer"
COMMANDS = {"breach --help": ["--help"], "breach list --json": ["list", "--json"],
            "breach status --json": ["status", "--json"], "breach status": ["status"]}
#: Printed for comparison, not held to --limit: the table parses the profile and formats every row.
UNCHECKED = {"breach status"}
#: Not part of a fresh clone: copying them would hide what an install leaves out.
NOT_COPIED = shutil.ignore_patterns(".git", ".venv", "__pycache__", "*.pyc", "*.egg-info", "build", "dist",
                                    ".pytest_cache", ".ruff_cache", "*.db", "*.db-wal", "*.db-shm")


def populate(home: Path, count: int) -> int:
    """Open, assess and scope `count` incidents through the Python API; returns obligations per incident."""
    os.environ["BREACH_NOW"] = NOW
    import breach
    from breach.adapters.resources import shipped
    from breach.adapters.yamlfiles import load_yaml
    from breach.core.yamlio import plain

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


def run(cmd: list[str | Path], **kwargs) -> None:
    """Run a set-up step; on failure print what it said and stop."""
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(map(str, cmd))}\n{done.stdout}{done.stderr}")


def install(work: Path, tmp: Path) -> dict[str, Path]:
    """Both installs from a fresh copy of the checkout; returns each venv's bin folder."""
    src = tmp / "breach"
    shutil.copytree(ROOT, src, ignore=NOT_COPIED)
    bins = {}
    for kind in ("editable", "wheel"):
        venv = work / kind
        if not (venv / "bin" / "python").exists():
            print(f"creating {venv} (once; later runs reuse it)", file=sys.stderr)
            run([sys.executable, "-m", "venv", "--clear", venv])
        bins[kind] = venv / "bin"
    print("installing: pip install -e (editable) and a wheel", file=sys.stderr)
    run([bins["editable"] / "pip", "install", "-q", "-e", "."], cwd=src)  # the README's first command
    run([bins["wheel"] / "pip", "wheel", "-q", "--no-deps", "-w", tmp / "dist", src])
    wheel = next((tmp / "dist").glob("breach-*.whl"))
    run([bins["wheel"] / "pip", "install", "-q", wheel])  # the dependencies, the first time
    run([bins["wheel"] / "pip", "install", "-q", "--force-reinstall", "--no-deps", wheel])
    return bins


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdin=subprocess.DEVNULL, capture_output=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr.decode(errors='replace')}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15, help="timed rounds (default 15)")
    parser.add_argument("--incidents", type=int, default=200, help="assessed and scoped incidents (default 200)")
    parser.add_argument("--limit", type=float, default=1.5, help="highest ratio to import typer (default 1.5)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "breach-bench-startup",
                        help="where the two virtual environments are kept")
    parser.add_argument("--populate", type=Path, help=argparse.SUPPRESS)  # run inside the editable venv
    args = parser.parse_args()
    if args.populate:
        print(populate(args.populate, args.incidents))
        return
    args.work.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        bins = install(args.work.resolve(), tmp)
        home = tmp / "incidents"
        made = subprocess.run([bins["editable"] / "python", __file__, "--populate", home, "--incidents",
                               str(args.incidents)], capture_output=True, text=True, check=True)
        per = int(made.stdout.split()[-1])
        env = {k: v for k, v in os.environ.items() if not k.startswith("BREACH_")}
        env.update(BREACH_HOME=str(home), BREACH_NOW=NOW, PYTHONDONTWRITEBYTECODE="1")
        commands = {}
        for kind, bin_ in bins.items():
            commands[(kind, BASELINE)] = [str(bin_ / "python"), "-c", BASELINE]
            for label, argv in COMMANDS.items():
                commands[(kind, label)] = [str(bin_ / "breach"), *argv]
        for cmd in commands.values():  # warm the page cache; a failing command stops here
            timed(cmd, env)
        samples: dict[tuple[str, str], list[float]] = {key: [] for key in commands}
        for _ in range(args.runs):
            for key, cmd in commands.items():
                samples[key].append(timed(cmd, env))
    print(f"{args.incidents} open incidents, each assessed and scoped ({per} obligations each); "
          f"{args.runs} interleaved rounds; ratio = median over rounds of command / '{BASELINE}'")
    print(f"{'install':<10}{'command':<24}{'median ms':>10}{'ratio':>8}")
    over = []
    for kind in bins:
        base = samples[(kind, BASELINE)]
        print(f"{kind:<10}{'python -c ' + repr(BASELINE):<24}{statistics.median(base) * 1000:>10.1f}{1:>8.2f}")
        for label in COMMANDS:
            values = samples[(kind, label)]
            ratio = statistics.median(v / b for v, b in zip(values, base, strict=True))
            checked = label not in UNCHECKED
            flag = "  OVER" if checked and ratio > args.limit else "" if checked else "  (not checked)"
            print(f"{kind:<10}{label:<24}{statistics.median(values) * 1000:>10.1f}{ratio:>8.2f}{flag}")
            if checked and ratio > args.limit:
                over.append(f"{kind} {label}")
    if over:
        print(f"over {args.limit}: {', '.join(over)}", file=sys.stderr)
        sys.exit(1)
    print(f"all within {args.limit}x import typer")


if __name__ == "__main__":
    main()
