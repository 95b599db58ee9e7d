"""Time `breach drill` on every shipped scenario at the default speed.

Run: .venv/bin/python bench/drill.py [--speed 5400]
Prints each scenario's simulated span, the real wall time and whether it finished
within a minute (the drill's promise: a 72-hour drill takes about a minute).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--speed", type=float, default=5400.0)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from breach.services.drill import load_scenario

    print(f"{'scenario':<28}{'simulated h':>12}{'wall s':>9}{'exit':>6}  under 60 s")
    for path in sorted((ROOT / "playbooks" / "drills").glob("*.yaml")):
        span = max(float(s.get("at_h", 0)) for s in load_scenario(path)["timeline"])
        with tempfile.TemporaryDirectory() as tmp:
            start = time.perf_counter()
            result = subprocess.run([sys.executable, "-m", "breach", "drill", str(path), "--speed", str(args.speed),
                                     "--home", str(Path(tmp) / "d")], capture_output=True, text=True)
            wall = time.perf_counter() - start
        print(f"{path.stem:<28}{span:>12g}{wall:>9.1f}{result.returncode:>6}  {'yes' if wall < 60 else 'NO'}")


if __name__ == "__main__":
    main()
