"""Which letters went out, per (kind, language, version), from the `letters` events. Pure.

GDPR Art. 34(1) is met by telling each person; Cal. Civ. Code 1798.82 by the "Notice of Data
Breach" form. Each `breach letters` run records what it wrote; a resumed run (same output
folder) records the whole run's counts again, so it replaces the run it finishes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: The obligation a letter kind meets.
LETTERS_FOR = {"gdpr-art34-subjects": "subject-letter", "us-ca-residents": "us-ca-letter"}
#: Letters chosen by the person's jurisdiction instead of their language (`by_lang` counts them under the code).
REGIONAL = {"US-CA": "us-ca-letter"}


def run_rows(run: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One run's letters: [{"kind", "lang", "version", "count"}]; derived from `by_lang` for older runs."""
    if run.get("sent") is not None:
        return [dict(r) for r in run["sent"]]
    versions = run.get("template_versions") or {}
    rows = []
    for key, count in (run.get("by_lang") or {}).items():
        kind = REGIONAL.get(key, "subject-letter")
        rows.append({"kind": kind, "lang": "en" if key in REGIONAL else key, "version": versions.get(key),
                     "count": int(count)})
    return rows


def letters_sent(runs: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every (kind, lang, version) written, with its count and the obligation it serves, in a stable order."""
    kept: list[tuple[Any, list[dict[str, Any]]]] = []
    for run in runs:
        rows = run_rows(run)
        where = run.get("out_dir")
        earlier = next((i for i in range(len(kept) - 1, -1, -1) if kept[i][0] == where), None)
        if run.get("resumed") and earlier is not None:
            kept[earlier] = (where, rows)  # the resumed run's counts are the whole run's
        else:
            kept.append((where, rows))
    totals: dict[tuple[str, str, Any, str], int] = {}
    for _, rows in kept:
        for r in rows:
            key = (r["kind"], r["lang"], r["version"], str(r.get("state") or ""))
            totals[key] = totals.get(key, 0) + int(r["count"])
    out = []
    for (kind, lang, version, state), count in sorted(totals.items(), key=lambda kv: (kv[0][0], kv[0][1],
                                                                                      kv[0][2] or 0, kv[0][3])):
        row: dict[str, Any] = {"obligation": serves(kind, state), "kind": kind, "lang": lang, "version": version,
                               "count": count}
        if state:
            row["state"] = state
        out.append(row)
    return out


def serves(kind: str, state: str = "") -> str | None:
    """The obligation a letter meets: a shared US letter the duty to the residents of the state it went to
    (US-TX: `us-tx-residents`), any other kind its own (LETTERS_FOR)."""
    if state.upper().startswith("US-"):
        return f"us-{state[3:].lower()}-residents"
    return next((obligation for obligation, k in LETTERS_FOR.items() if k == kind), None)


def for_obligation(rows: Iterable[Mapping[str, Any]], obligation: str) -> list[dict[str, Any]]:
    """The rows of `letters_sent` that serve one obligation (`gdpr-art34-subjects:...` variants included)."""
    base = obligation.partition(":")[0]
    return [{k: r[k] for k in ("kind", "lang", "version", "count", "state") if k in r} for r in rows
            if r["obligation"] == base]


def describe(rows: Iterable[Mapping[str, Any]]) -> str:
    """'subject-letter en v2: 1,400; subject-letter fr v1: 5,600'."""
    return "; ".join(f"{r['kind']} {r['lang']} v{r['version']}{f' ({s})' if (s := r.get('state')) else ''}: "
                     f"{r['count']:,}" for r in rows)
