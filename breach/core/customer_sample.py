"""A made-up customer list for drills: the same seed always gives the same customers.

Pure. `breach drill playbooks/drills/platform-breach.yaml` writes it as the data folder's
customers.csv (the header of breach.core.customers.COLUMNS) before `scope --customers all`;
the windows and languages cycle through the ones given, shuffled by the seed, and a share of
the contracts count their window from detection instead of awareness (GDPR Art. 33(2) and
each data processing agreement).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Sequence

from breach.core.customers import COLUMNS, Customer

#: Made-up brand names (the drill's customers are fictitious).
WORDS = ("Alder", "Beacon", "Cobalt", "Delta", "Ember", "Fjord", "Granite", "Harbor", "Iris", "Juniper", "Kestrel",
         "Lumen", "Maple", "Nova", "Orchid", "Pioneer", "Quartz", "Raven", "Sable", "Tundra")
KINDS = ("Retail", "Telecom", "Travel", "Bank", "Energy", "Insurance", "Foods", "Mobility")


def generate(n: int, *, seed: int, languages: Sequence[str] = ("en", "fr", "nl", "de"),
             windows: Sequence[int] = (24, 36, 48, 72), detected_share: float = 0.0) -> list[Customer]:
    """`n` customers c0001..; each language and window equally often (shuffled by `seed`); about
    `detected_share` of them with the window counted from detection."""
    if n < 1 or not languages or not windows or not 0 <= detected_share <= 1:
        raise ValueError("a sample needs n >= 1, languages, windows and a detected share from 0 to 1")
    rng = random.Random(seed)
    langs = [languages[i % len(languages)] for i in range(n)]
    hours = [windows[i % len(windows)] for i in range(n)]
    rng.shuffle(langs)
    rng.shuffle(hours)
    detected = set(rng.sample(range(n), round(n * detected_share)))
    width = max(4, len(str(n)))
    out = []
    for i in range(n):
        cid = f"c{i + 1:0{width}d}"
        name = f"{rng.choice(WORDS)} {rng.choice(KINDS)} {i + 1}"
        domain = f"brand{i + 1}.example"
        out.append(Customer(id=cid, name=name, lang=langs[i], emails=(f"privacy@{domain}", f"dpo@{domain}"),
                            window_hours=hours[i], window_from="detected" if i in detected else "aware",
                            workspaces=tuple(f"ws-{cid}-{k}" for k in range(1 + rng.randrange(3))),
                            end_users=rng.randrange(50, 20_000)))
    return out


def to_csv(customers: Iterable[Customer]) -> str:
    """The list as customers.csv reads it (breach.adapters.customers_file)."""
    lines: list[str] = []
    writer = csv.writer(_Lines(lines), lineterminator="\n")
    writer.writerow([*COLUMNS, "end_users"])
    for c in customers:
        writer.writerow([c.id, c.name, c.lang, ";".join(c.emails), c.window_hours, c.window_from,
                         ";".join(c.workspaces), "" if c.end_users is None else c.end_users])
    return "".join(lines)


class _Lines:
    """What csv.writer writes to: the rows kept as text (no file, no io)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def write(self, text: str) -> int:
        self.lines.append(text)
        return len(text)
