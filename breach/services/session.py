"""An open data folder: its store, its organization profile, who acts, and a notifier.

Services take a Session and return plain data. A Session is a context manager: when
a block that wrote something ends without an error, its notifier (the Slack outbox,
breach.slack.notifier) sends what the block's transactions queued, so a Python
caller gets the same behaviour as the CLI.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypedDict

from breach.adapters.config import Config, default_author  # noqa: F401 - default_author: cli/report uses it
from breach.adapters.store_protocol import IncidentLog
from breach.adapters.stores import open_store
from breach.errors import InputError, NotFoundError, StoreError

if TYPE_CHECKING:
    from breach.core.profile import Profile
    from breach.core.state import IncidentState

FILE_NAME = "organization.yaml"


class PushedProfile(TypedDict):
    """An organization profile pushed to a shared log (`breach org push`), as the store keeps it."""

    version: int
    text: str
    sha256: str
    pushed_at: str
    pushed_by: str


class HomeInitialized(TypedDict):
    """What `breach init --json` prints: the data folder, its database and its organization profile."""

    home: str
    database: str
    organization: str
    created_profile: bool
    name: str | None


class Notifier(Protocol):
    """What a service tells about a state change; the outbox implements it."""

    def changed(self, session: Session, incident_id: str, what: str, *, now: datetime) -> None: ...

    def clock_moved(self, session: Session, incident_id: str, *, now: datetime) -> None: ...

    def after_commit(self, session: Session) -> list[str]: ...


def resolve_home(home: Path | None, config: Config | None = None) -> Path:
    """--home, else the configuration's (BREACH_HOME, else ./incidents)."""
    if home is not None:
        return Path(home)
    return (config or Config.from_env()).home


#: Every event names a person; a record "by unknown" is worth nothing in front of a regulator.
NO_AUTHOR = ("who acts is not known: give --as NAME (or set BREACH_USER=NAME); every event on the timeline "
             "names the person who recorded it")


@dataclass
class Session:
    """An open data folder. `org` is read on first use, so commands that need no profile start fast."""

    home: Path
    store: IncidentLog
    author: str = ""
    #: Where and when this session runs (breach.adapters.config), resolved once at the entry.
    config: Config = field(default_factory=Config)
    notifiers: list[Notifier] = field(default_factory=list)
    write: bool = True
    warnings: list[str] = field(default_factory=list)
    #: The Slack outbox was flushed in this session (`breach slack flush`, `remind`): the end of the
    #: command need not try again (breach.slack.flush.flush_after_command).
    slack_flushed: bool = False
    _org: Profile | None = field(default=None, repr=False)
    _pushed: PushedProfile | None = field(default=None, repr=False)
    _no_pushed: bool = field(default=False, repr=False)
    _states: dict[str, IncidentState] = field(default_factory=dict, repr=False)

    # --- the organization profile -------------------------------------------------

    @property
    def org_path(self) -> Path:
        return self.home / FILE_NAME

    def pushed_org(self) -> PushedProfile | None:
        """A shared log's organization profile (`breach org push`): every machine decides with it."""
        if not self.store.shared or self._no_pushed:
            return None
        if self._pushed is None:
            row = self.store.org_profile()
            if not row:
                self._no_pushed = True  # looked once: none pushed
                return None
            self._pushed = {"version": row["version"], "text": row["text"], "sha256": row["sha256"],
                            "pushed_at": row["pushed_at"], "pushed_by": row["pushed_by"]}
        return self._pushed

    def resource_home(self) -> Path:
        """Where the organization's own `templates/` and `playbooks/` are looked for (before the shipped ones).

        On a shared log with a pushed profile, every machine uses the files pushed with it (written
        once per version under `.team/` in the data folder, renditions of the database); else the
        data folder itself.
        """
        pushed = self.pushed_org()
        if not pushed:
            return self.home
        folder = self.home / ".team" / f"v{pushed['version']}"
        done = folder / ".complete"
        if not done.exists():
            from breach.adapters.files import write_private

            for relative, text in self.store.org_files(pushed["version"]).items():
                write_private(folder / relative, text)
            write_private(done, "")
        return folder

    @property
    def org(self) -> Profile:
        """The organization profile, typed and loaded once: the version pushed to a shared log, else the data
        folder's file."""
        if self._org is None:
            from breach.adapters.profile import load_profile
            from breach.core.organization import load_org_text

            pushed = self.pushed_org()
            if pushed:
                source = f"the organization profile v{pushed['version']} in the database"
                self._org = load_org_text(pushed["text"], source=source)
            else:
                self._org = load_profile(self.org_path)
        return self._org

    def profile_fingerprint(self) -> str:
        """What the projections depend on of the profile: its stored sha256 when pushed, else the
        file's length and CRC-32 (change detection for a cache; reads load no OpenSSL)."""
        pushed = self.pushed_org()
        if pushed:
            return str(pushed["sha256"])
        try:
            data = self.org_path.read_bytes()
        except OSError as exc:
            raise StoreError(f"cannot read {self.org_path}: {exc.strerror}") from None
        return f"{len(data)}:{zlib.crc32(data):08x}"

    def rendition(self, path: str | Path) -> Path:
        """Where this machine keeps a file rendered from the log: its path relative to the data folder.

        Earlier releases stored where the file was written (absolute, or relative to where breach
        ran): such a draft, `<incident>/drafts/<file>`, is now found in this data folder.
        """
        p = Path(path)
        if len(p.parts) > 3 and p.parts[-2] == "drafts":
            p = Path(*p.parts[-3:])
        return self.home / p

    def relative(self, path: Path) -> str:
        """How a rendition's path is stored: relative to the data folder, so any machine's folder works."""
        try:
            return str(Path(path).absolute().relative_to(self.home.absolute()))
        except ValueError:
            return str(path)

    @property
    def org_zone(self) -> str:
        return self.org.timezone

    @property
    def zone(self) -> str:
        """The responder's zone: BREACH_TZ, else the organization's."""
        return self.config.zone_or(self.org_zone)

    def now(self) -> datetime:
        """The session's now (BREACH_NOW when set, else the wall clock): services are handed this."""
        return self.config.now()

    # --- state ------------------------------------------------------------------------

    def state(self, incident_id: str) -> IncidentState:
        """The fold of an incident's events, computed once per command (again only after a write)."""
        from breach.core.state import fold  # here: `list` and `status` read projections, no fold

        iid = normalize_id(incident_id)
        count = self.store.incident_row(iid)["event_count"]
        cached = self._states.get(iid)
        if cached is not None and cached.event_count == count:
            return cached
        try:
            if cached is not None and cached.event_count < count:  # only the events appended since
                cached = fold(self.store.events(iid, after=cached.event_count), start=cached)
            else:
                cached = fold(self.store.events(iid))
        except ValueError:
            raise NotFoundError(f"{iid} has no `opened` event: run `breach verify {iid}`") from None
        self._states[iid] = cached
        return cached

    # --- telling others -----------------------------------------------------------------

    def changed(self, incident_id: str, what: str, *, now: datetime) -> None:
        """Inside the transaction of a state change: queue what the notifier sends about it."""
        for notifier in self.notifiers:
            notifier.changed(self, incident_id, what, now=now)

    def clock_moved(self, incident_id: str, *, now: datetime) -> None:
        for notifier in self.notifiers:
            notifier.clock_moved(self, incident_id, now=now)

    def warn(self, line: str) -> None:
        self.warnings.append(line)

    # --- lifetime -------------------------------------------------------------------------

    def finish(self) -> list[str]:
        """After the command's transactions committed: send what they queued; lines to show."""
        lines = list(self.warnings)
        self.warnings.clear()
        if self.write:
            for notifier in self.notifiers:
                lines += notifier.after_commit(self)
        return lines

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        try:
            if exc_type is None:
                self.finish()
        finally:
            self.close()


def normalize_id(incident_id: str) -> str:
    return incident_id.strip().upper()


def open_session(home: Path | None = None, *, write: bool = True, author: str | None = None,
                 notifiers: list[Notifier] | None = None, config: Config | None = None) -> Session:
    """Open a data folder made by `breach init`; breach.api.open_session adds the projections and outbox.

    `config`: the entry's configuration (default: resolved from the environment now); `home` and
    `author`, when given, win over it.
    """
    config = (config or Config.from_env()).with_options(home=home, author=author)
    path = config.home
    if not path.exists():
        raise StoreError(f"no data folder at {path}: run `breach init --home {path}` first")
    who = config.author
    if write and not who:
        raise InputError(NO_AUTHOR)
    if not (path / FILE_NAME).exists() and not _has_pushed_org(path, config):
        raise StoreError(f"no {FILE_NAME} in {path}: run `breach init --home {path}`")
    store = open_store(path, create=write, write=write, config=config)
    return Session(home=path, store=store, author=who or "", config=config, notifiers=list(notifiers or []),
                   write=write)


def _has_pushed_org(path: Path, config: Config) -> bool:
    """A data folder without organization.yaml works with a shared log that holds a pushed profile."""
    try:
        store = open_store(path, write=False, config=config)
    except StoreError:
        return False
    try:
        return bool(store.shared and store.org_profile())
    finally:
        store.close()


def init_home(home: Path | None, *, org_file: Path | None = None,
              config: Config | None = None) -> HomeInitialized:
    """Create the data folder, its database (0600) and, if absent, organization.yaml."""
    from breach.adapters.profile import load_profile, sample_profile

    config = config or Config.from_env()
    path = resolve_home(home, config)
    source = Path(org_file) if org_file else sample_profile()
    org = load_profile(source)  # validate before copying anything
    target = path / FILE_NAME
    if org_file and target.exists():
        raise InputError(f"{target} already exists ({load_profile(target).name}); it was not replaced: "
                         "edit it, or init another data folder")
    store = open_store(path, create=True, config=config)
    where = store.where
    store.close()
    created_profile = False
    if target.exists():
        org = load_profile(target)
    else:
        from breach.adapters.files import write_private

        write_private(target, source.read_bytes())  # 0600 whatever the umask
        created_profile = True
    return {"home": str(path), "database": where, "organization": str(target),
            "created_profile": created_profile, "name": org.name}
