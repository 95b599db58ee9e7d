#!/usr/bin/env python3
"""Verify a breach export's event chain with the standard library only.

Usage: python3 verify_chain.py timeline.json   (exit 0 if intact, 1 naming the first bad event)

Each event's hash is SHA-256 over the canonical JSON (sorted keys, separators "," and
":", UTF-8, non-ASCII kept) of {incident, seq, kind, at, at_offset, author, data,
prev_hash}, where `at` is the UTC time and `at_offset` the offset it was entered with;
the first event's prev_hash is 64 zeros, and each later one is the previous event's hash.
"""

import hashlib
import json
import sys
from datetime import UTC, datetime


def main(path: str) -> int:
    with open(path, encoding="utf-8") as fh:
        events = json.load(fh)
    prev = "0" * 64
    for i, e in enumerate(events, start=1):
        at = datetime.fromisoformat(e["at"])
        at_utc = at.astimezone(UTC).isoformat(timespec="seconds")
        minutes = int(at.utcoffset().total_seconds() // 60)
        offset = f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
        body = {"incident": e["incident"], "seq": e["seq"], "kind": e["kind"], "at": at_utc,
                "at_offset": offset, "author": e["author"], "data": e["data"], "prev_hash": e["prev_hash"]}
        digest = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":"),
                                           ensure_ascii=False).encode("utf-8")).hexdigest()
        if e["seq"] != i or e["prev_hash"] != prev or digest != e["hash"]:
            print(f"BROKEN at event #{e['seq']} ({e['kind']})")
            return 1
        prev = e["hash"]
    print(f"OK: {len(events)} events, head {prev}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("Error: give the timeline to check: python3 verify_chain.py timeline.json", file=sys.stderr)
        sys.exit(1)
    try:
        sys.exit(main(sys.argv[1]))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        print(f"Error: {sys.argv[1]} cannot be checked ({type(exc).__name__}: {exc})", file=sys.stderr)
        sys.exit(1)
