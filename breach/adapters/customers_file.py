"""Reading a processor's customer list (`customers.csv` or `customers.yaml`) from a file.

The CSV is read with the discipline of the subjects CSV (breach.adapters.subjects_csv): every
row comes out once, as its fields or as the reason it cannot be read, with its line; a quote
left open at a line end rejects that row alone. The core (breach.core.customers) then refuses
the whole list when any row is bad, naming each line: no customer is silently skipped.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from breach.adapters.subjects_csv import open_subjects, read_rows
from breach.adapters.yamlfiles import load_yaml
from breach.core.customers import Customer, check_header, parse_mappings, parse_rows
from breach.errors import InputError

NAMES = ("customers.csv", "customers.yaml", "customers.yml")


def find_in(home: Path) -> Path | None:
    """The data folder's customer list, if it has one."""
    return next((home / n for n in NAMES if (home / n).is_file()), None)


def read_customers(path: Path) -> list[Customer]:
    """Every customer of the list, or InputError naming each bad line."""
    if not path.is_file():
        raise InputError(f"no customer list at {path}")
    if path.suffix.lower() in (".yaml", ".yml"):
        return parse_mappings(load_yaml(path), str(path))
    with open_subjects(path) as fh:
        first = fh.readline(65_537)
    try:
        header = next(csv.reader([first]), [])
    except csv.Error as err:
        raise InputError(f"{path}:1: unreadable header row ({err})") from None
    if not header:
        raise InputError(f"{path} is empty: it needs the header id,name,lang,email,window_hours,window_from,workspaces")
    columns = check_header(header, str(path))
    with open_subjects(path) as fh:
        return parse_rows(columns, read_rows(fh, is_row=lambda _fields: False), str(path))


# --- one message per customer, streamed, resumable ------------------------------------------

RUN_FILE = "run.json"
MANIFEST = "manifest.jsonl"
#: `breach customers notify --format mbox`: every message in this one file, in the manifest's order.
MBOX = "customers.mbox"


def eml(*, sender: str, to: list[str], subject: str, plain: str, html: str, date: str, msgid: str,
         boundary: str) -> bytes:
    """A multipart/alternative e-mail, byte for byte the same for the same input (fixed boundary, date)."""
    from email.generator import BytesGenerator
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText
    from email.policy import SMTP
    from io import BytesIO

    msg = MIMEMultipart("alternative", boundary=boundary)
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg["Date"] = date
    msg["Message-ID"] = msgid
    msg.attach(MIMEText(plain, "plain", "utf-8"))
    msg.attach(MIMEText(html, "html", "utf-8"))
    out = BytesIO()
    generator: BytesGenerator[Any] = BytesGenerator(out, policy=SMTP)  # SMTP's type names EmailMessage
    generator.flatten(msg)
    return out.getvalue()


def read_run(out_dir: Path) -> dict | None:
    """The fixed facts of the run already in `out_dir` (its run.json), if there is one."""
    import json

    run_file = out_dir / RUN_FILE
    if not run_file.is_file():
        return None
    try:
        kept = json.loads(run_file.read_text(encoding="utf-8"))
    except ValueError:
        raise InputError(f"{run_file} is not JSON: write the run to another folder") from None
    return kept if isinstance(kept, dict) else None


def start_run(out_dir: Path, identity: dict) -> tuple[dict, set[str]]:
    """The run's fixed facts (a resume keeps those of the first start) and the customers already written."""
    import json

    out_dir.mkdir(parents=True, exist_ok=True)
    run_file = out_dir / RUN_FILE
    if run_file.is_file():
        kept = json.loads(run_file.read_text(encoding="utf-8"))
        if kept.get("incident") != identity.get("incident"):
            raise InputError(f"{out_dir} holds a run for {kept.get('incident')}, not {identity.get('incident')}")
        if kept.get("format", "eml") != identity.get("format", "eml"):
            raise InputError(f"{out_dir} holds a run written as {kept.get('format', 'eml')}: resume it with "
                             f"--format {kept.get('format', 'eml')}, or write to another folder")
        identity = kept
    else:
        run_file.write_text(json.dumps(identity, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    done: set[str] = set()
    manifest = out_dir / MANIFEST
    if manifest.is_file():
        for line in manifest.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                break  # a line cut by a kill: that customer is written again
            if _on_disk(out_dir, entry):
                done.add(entry["customer"])
    _cut_mbox_tail(out_dir, identity)
    return identity, done


def _on_disk(out_dir: Path, entry: dict) -> bool:
    """A message on record is done when its file holds it (an mbox: up to the entry's end)."""
    path = out_dir / entry["file"]
    if "end" in entry:
        return path.is_file() and path.stat().st_size >= int(entry["end"])
    return path.is_file()


def _cut_mbox_tail(out_dir: Path, identity: dict) -> None:
    """A kill between writing a message to the mbox and its manifest line leaves a tail no entry
    names: cut it, so the resumed run appends the very bytes an uninterrupted run would."""
    import json

    if identity.get("format") != "mbox":
        return
    mbox = out_dir / MBOX
    end = 0
    manifest = out_dir / MANIFEST
    if manifest.is_file():
        for line in manifest.read_text(encoding="utf-8").splitlines():
            try:
                end = max(end, int(json.loads(line).get("end", 0)))
            except (ValueError, AttributeError):
                break
    if mbox.is_file() and mbox.stat().st_size > end:
        with open(mbox, "r+b") as fh:
            fh.truncate(end)


def mbox_entry(sender: str, when: str, data: bytes) -> bytes:
    """One message as an mbox record (mboxrd): its `From ` line, LF line ends, `>From ` quoting, a blank line."""
    import re
    from email.utils import parsedate_to_datetime

    stamp = parsedate_to_datetime(when).strftime("%a %b %d %H:%M:%S %Y")
    body = re.sub(rb"(?m)^(>*From )", rb">\1", data.replace(b"\r\n", b"\n"))
    return f"From {sender} {stamp}\n".encode() + body.rstrip(b"\n") + b"\n\n"


def append_mbox(out_dir: Path, data: bytes, entry: dict) -> None:
    """Append one record to the run's mbox, flushed to disk, then its manifest line with where it ends."""
    import json
    import os

    path = out_dir / MBOX
    with open(path, "ab") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
        end = fh.tell()
    with open(out_dir / MANIFEST, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({**entry, "file": MBOX, "end": end}, ensure_ascii=False) + "\n")


def write_message(out_dir: Path, name: str, data: bytes, entry: dict) -> None:
    """Write one message atomically, then its manifest line (a kill leaves no half message on record)."""
    import json
    import os

    tmp = out_dir / f".{name}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, out_dir / name)
    with open(out_dir / MANIFEST, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


def read_manifest(run_dir: Path) -> list[dict]:
    """The run's entries (customer, obligation, file, written_at and, when the mailer filled it, sent_at)."""
    import json

    manifest = run_dir / MANIFEST
    if not manifest.is_file():
        raise InputError(f"{run_dir} is not a `breach customers notify` run (no {MANIFEST})")
    out = []
    for n, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except ValueError:
            raise InputError(f"{manifest}:{n}: not a JSON line") from None
    return out
