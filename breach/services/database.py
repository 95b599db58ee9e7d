"""The incident log itself: upgrade its schema, copy a data folder's log into a team's PostgreSQL,
and share the organization profile with every machine (`breach org push`).

The chain is verified before a copy is written and again in the copy, so a log that was
tampered with is never moved, and a copy that does not verify is reported.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any, TypedDict

from breach.adapters.config import Config
from breach.adapters.dburl import mask_url
from breach.adapters.profile import load_org
from breach.adapters.store_protocol import IncidentLog
from breach.adapters.store_sql import SqlStore
from breach.adapters.stores import open_sqlite, open_store
from breach.errors import ChainError, InputError, StoreError
from breach.services.session import FILE_NAME, Session, resolve_home


class Upgraded(TypedDict):
    """`breach db upgrade`: where the log is, its backend, its schema version and the migrations applied."""

    database: str
    backend: str
    schema: int
    applied: list[Any]


#: `breach db copy`: what was copied from the data folder to the team database, counted ("from" is a keyword).
Copied = TypedDict("Copied", {"from": str, "to": str, "incidents": int, "events": int, "drafts": int,
                              "outbox": int})


class OrgPushed(TypedDict):
    """`breach org push`: the profile version stored in the shared log, its hash and the files pushed with it."""

    version: int
    sha256: str
    changed: bool
    source: str
    files: list[str]
    database: str


class OrgInfo(TypedDict, total=False):
    """`breach org info`: which organization profile decides here (the pushed version or the local file)."""

    source: str
    version: int | None
    sha256: str | None
    pushed_at: str
    pushed_by: str
    name: str | None
    local_differs: bool


def upgrade(home: Path | None, *, config: Config | None = None) -> Upgraded:
    """Create or migrate the log's schema (the team database, else the data folder's breach.db); idempotent."""
    path = resolve_home(home, config)
    store = open_store(path, create=True, config=config)
    try:
        applied = list(store.applied) or store.migrate()
        return {"database": store.where, "backend": store.backend, "schema": store.schema_version(),
                "applied": applied}
    finally:
        store.close()


def verify_log(store: IncidentLog) -> int:
    """Every chain and the incident ledger; raises ChainError naming the first problem; returns the events."""
    problems = store.verify_ledger()
    if problems:
        raise ChainError(problems[0][1])
    events = 0
    for row in store.incident_rows(include_closed=True):
        store.verify_chain(row["id"])
        events += row["event_count"]
    return events


def copy_log(home: Path | None, *, to: str, config: Config | None = None) -> Copied:
    """Copy the data folder's SQLite log into the (empty) PostgreSQL database at `to`, verified before and after.

    Drafts' file paths are stored relative to the data folder in the copy, so each machine
    renders them in its own folder.
    """
    path = resolve_home(home, config)
    source = open_sqlite(path, write=False, config=config)
    try:
        try:
            events = verify_log(source)
        except ChainError as exc:
            raise ChainError(f"the log in {source.where} does not verify, so it was not copied: {exc}") from None
        tables = {t: source.table_rows(t) for t in SqlStore.RECORD_TABLES}
    finally:
        source.close()
    for row in tables["drafts"]:
        if row.get("path"):
            row["path"] = _relative(path, row["path"])
    target = open_store(path, url=to, create=True, config=config)
    try:
        if not target.is_empty():
            raise InputError(f"{mask_url(to)} already holds incidents: copy into an empty database "
                             "(a new one, see docs/team.md)")
        with target.transaction():
            for table in SqlStore.RECORD_TABLES:
                rows = [r for r in tables[table] if not (table == "meta" and r["key"] == "schema")]
                target.load_rows(table, rows)
        try:
            copied = verify_log(target)
        except ChainError as exc:
            raise ChainError(f"the copy in {target.where} does not verify: {exc}") from None
        if copied != events:
            raise ChainError(f"the copy in {target.where} has {copied} events, the source {events}")
        return {"from": str(path), "to": target.where, "incidents": len(tables["incidents"]), "events": events,
                "drafts": len(tables["drafts"]), "outbox": len(tables["outbox"])}
    finally:
        target.close()


def _relative(home: Path, value: str) -> str:
    try:
        return str(Path(value).relative_to(home))
    except ValueError:
        try:
            return str(Path(value).resolve().relative_to(home.resolve()))
        except ValueError:
            return value


def push_org(session: Session, *, now: datetime) -> OrgPushed:
    """Store the data folder's organization.yaml as the next version of the team's profile."""
    if not session.store.shared:
        raise InputError("`breach org push` shares organization.yaml with a team's database: set "
                         "BREACH_DATABASE_URL (docs/team.md); a single data folder reads its own file directly")
    source = session.home / FILE_NAME
    load_org(source)  # validated before anyone decides with it
    try:
        text = source.read_text(encoding="utf-8")
    except OSError as exc:
        raise StoreError(f"cannot read {source}: {exc.strerror}") from None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    files = own_files(session.home)
    version, changed = session.store.push_org(text=text, sha256=digest, at=now, by=session.author, files=files)
    return {"version": version, "sha256": digest, "changed": changed, "source": str(source),
            "files": sorted(files), "database": session.store.where}


#: The organization's own files that travel with its profile (they win over the shipped ones, file by file),
#: and its customer list (a processor's customers, GDPR Art. 33(2): every machine scopes the same list).
OWN_FILES = ("templates/**/*.j2", "templates/i18n/*.yaml", "playbooks/*.yaml", "playbooks/drills/*.yaml",
             "customers.csv", "customers.yaml")


def own_files(home: Path) -> dict[str, str]:
    """The data folder's own templates and playbooks, validated as the shipped ones are: relative path -> text."""
    from breach.adapters.playbooks import validate_file

    found: dict[str, str] = {}
    for pattern in OWN_FILES:
        for path in sorted(home.glob(pattern)):
            relative = path.relative_to(home).as_posix()
            if relative.startswith("playbooks/") and not relative.startswith("playbooks/drills/"):
                problems = validate_file(path)
                if problems:
                    raise InputError(f"{path} is not a valid playbook, nothing was pushed:\n"
                                     + "\n".join(str(p) for p in problems))
            if relative.startswith("customers."):
                _check_customers(path)
            try:
                found[relative] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"cannot push {path}: {exc}") from None
    return found


def _check_customers(path: Path) -> None:
    """A customer list is validated before it is shared: a bad row stops the push, naming its line."""
    from breach.adapters.customers_file import read_customers

    try:
        read_customers(path)
    except InputError as exc:
        raise InputError(f"{exc}\nnothing was pushed") from None


def org_info(session: Session) -> OrgInfo:
    """Which organization profile decides here: the version pushed to the team's database, or the local file."""
    pushed = session.pushed_org()
    local = session.home / FILE_NAME
    local_sha = hashlib.sha256(local.read_bytes()).hexdigest() if local.exists() else None
    if pushed:
        return {"source": "database", "version": pushed["version"], "sha256": pushed["sha256"],
                "pushed_at": pushed["pushed_at"], "pushed_by": pushed["pushed_by"], "name": session.org.name,
                "local_differs": local_sha is not None and local_sha != pushed["sha256"]}
    return {"source": str(local), "version": None, "sha256": local_sha, "name": session.org.name,
            "local_differs": False}
