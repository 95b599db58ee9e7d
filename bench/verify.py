"""`breach verify` at a million events: build the store fast, then time the command (median of --runs).

The store is made by `breach init`, then its rows are written directly (executemany), each event
hashed as the store hashes it (breach.adapters.store_sql.event_hash), each incident entered in the
ledger and witnessed, so that `breach verify` finds it intact. --incidents spreads the events over
that many incidents (1: one long incident log). Each run is a whole `breach verify --json` process;
it prints the events verified, the median seconds and events/s, and exits 1 when verify failed or
the median is over --limit seconds (3).

Run: .venv/bin/python bench/verify.py [--events 1000000] [--incidents 1] [--runs 3] [--limit 3] [--home DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from breach.adapters.store_sql import GENESIS, LEDGER, canonical, event_hash, ledger_hash

NOW = "2026-11-28T14:05:00+01:00"
AT = "2026-11-28T13:05:00Z"


def build(home: Path, *, events: int, incidents: int) -> None:
    env = {**os.environ, "BREACH_NOW": NOW, "BREACH_HOME": str(home)}
    env.pop("BREACH_CHAIN_KEY", None)
    subprocess.run([sys.executable, "-m", "breach", "init", "--home", str(home)], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    conn = sqlite3.connect(home / "breach.db")
    per = [events // incidents + (1 if i < events % incidents else 0) for i in range(incidents)]
    ledger_prev, rows, ledger, heads = GENESIS, [], [], []
    for n, count in enumerate(per, start=1):
        iid = f"BR-2026-{n:04d}"
        prev = GENESIS
        for seq in range(1, count + 1):
            kind, data = ("opened", {"title": f"Incident {n}", "role": "controller", "aware_at": AT}) if seq == 1 \
                else ("note", {"text": f"step {seq} of the response"})
            digest = event_hash(incident_id=iid, seq=seq, kind=kind, at=AT, at_offset="+01:00", author="bench",
                                data=data, prev_hash=prev)
            rows.append((iid, seq, kind, AT, "+01:00", "bench", canonical(data).decode(), prev, digest))
            if seq == 1:
                opened = digest
            prev = digest
        entry = ledger_hash(seq=n, incident_id=iid, opened_hash=opened, prev_hash=ledger_prev, at=AT, with_at=True)
        ledger.append((n, iid, opened, AT, ledger_prev, entry))
        heads.append((iid, n, count, prev))
        ledger_prev = entry
    with conn:
        conn.executemany("INSERT INTO incidents(id, seq, status, head_hash, event_count) VALUES(?, ?, 'open', ?, ?)",
                         [(iid, n, head, count) for iid, n, count, head in heads])
        conn.executemany("INSERT INTO events(incident_id, seq, kind, at, at_offset, author, data, prev_hash, hash) "
                         "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        conn.executemany("INSERT INTO incident_ledger(seq, incident_id, opened_hash, at, prev_hash, hash) "
                         "VALUES(?, ?, ?, ?, ?, ?)", ledger)
        conn.executemany("INSERT INTO chain_witness(scope, count, head, hmac) VALUES(?, ?, ?, NULL)",
                         [(iid, count, head) for iid, _, count, head in heads] + [(LEDGER, len(ledger), ledger_prev)])
        conn.execute("INSERT INTO meta(key, value) VALUES('last_incident_seq', ?)", [str(len(ledger))])
    conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--incidents", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limit", type=float, default=3.0)
    parser.add_argument("--home", type=Path, default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="breach-verify-")) if args.home is None else args.home
    home = work / "incidents"
    try:
        started = time.perf_counter()
        build(home, events=args.events, incidents=args.incidents)
        took = time.perf_counter() - started
        print(f"built {args.events:,} events in {args.incidents:,} incident(s) in {took:.1f} s")
        env = {**os.environ, "BREACH_NOW": NOW}
        env.pop("BREACH_CHAIN_KEY", None)
        times = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "breach", "verify", "--json", "--home", str(home)],
                                  capture_output=True, text=True, env=env)
            times.append(time.perf_counter() - t0)
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
        verified = sum(r["events"] or 0 for r in json.loads(done.stdout))
        median = statistics.median(times)
        print(f"{verified:,} events verified: median {median:.2f} s of {args.runs} runs "
              f"({verified / median:,.0f} events/s; runs: {', '.join(f'{t:.2f}' for t in times)})")
        return 0 if median <= args.limit and verified == args.events else 1
    finally:
        if args.home is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
