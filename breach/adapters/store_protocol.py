"""What the services need of an incident log: the store's protocol.

`SqlStore` (SQLite in a data folder, PostgreSQL for a team) implements it, and so does the
in-memory store the tests use (tests/fake_store.py); the services and the Session name only
this type. It is the append-only, hash-chained timeline with its incident ledger and
witnesses, the drafts, the Slack outbox and its state, the organization profile a team
pushed, and the read models kept up to date on write. tests/test_store_contract.py holds
every implementation to the same behaviour.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from breach.adapters.chain_guard import Walked
    from breach.core.models import Event


class IncidentLog(Protocol):
    """One incident log, as the services use it. Writes are transactions; nested ones join the outer one."""

    #: The data folder this log belongs to (drafts are rendered under it).
    home: Path
    #: What the log is kept in, for people: "sqlite", "postgresql" (or "memory" in the tests).
    backend: str
    #: True when several machines share the log (the organization profile is then read from it).
    shared: bool
    #: The witness key (BREACH_CHAIN_KEY), or None: then the chains' heads are witnessed without an HMAC.
    chain_key: bytes | None

    @property
    def where(self) -> str:
        """Where the log is, for messages (a path, or a URL without its password)."""
        ...

    def transaction(self) -> AbstractContextManager[Any]:
        """All or nothing: what is written inside is kept only if the block ends without an error."""
        ...

    def close(self) -> None: ...

    # --- incidents and their timelines ----------------------------------------------------

    def create_incident(self, *, year: int, at: datetime, author: str, data: dict[str, Any]) -> Event:
        """The next id (`BR-<year>-<n>`, never one used before), its `opened` event and its ledger entry."""
        ...

    def append_event(self, incident_id: str, *, kind: str, at: datetime, author: str,
                     data: dict[str, Any] | None = None, even_if_broken: bool = False) -> Event:
        """Append one event to the incident's chain; ChainError when the chain is broken (unless even_if_broken)."""
        ...

    def events(self, incident_id: str, *, after: int = 0) -> list[Event]: ...

    def event_rows(self, incident_id: str, *, after: int = 0) -> list[dict[str, Any]]: ...

    def incident_row(self, incident_id: str) -> dict[str, Any]:
        """{id, seq, status, head_hash, event_count}; NotFoundError for an unknown id."""
        ...

    def incident_rows(self, *, include_closed: bool = True) -> list[dict[str, Any]]: ...

    def take_touched(self) -> set[str]:
        """Incidents appended to since the last call (for the projections)."""
        ...

    # --- integrity -------------------------------------------------------------------------

    def verify_chain(self, incident_id: str) -> str:
        """ChainError naming the first bad event; else what the witness check was ("hmac", "no key")."""
        ...

    def verify_ledger(self) -> list[tuple[str, str]]:
        """(incident id or "ledger", problem) for every break in the incident ledger."""
        ...

    # --- drafts ------------------------------------------------------------------------------

    def next_draft_version(self, incident_id: str, kind: str, lang: str) -> int: ...

    def insert_draft(self, row: dict[str, Any]) -> None: ...

    def draft_rows(self, incident_id: str) -> list[dict[str, Any]]: ...

    # --- the Slack outbox and its state -----------------------------------------------------

    def enqueue(self, *, key: str, incident_id: str | None, op: str, payload: dict[str, Any],
                created_at: datetime, statutory: bool = False) -> bool:
        """Queue a message once per idempotency key; False if the key is already queued."""
        ...

    def outbox_rows(self, *, state: str | None = None) -> list[dict[str, Any]]: ...

    def update_outbox(self, key: str, fields: dict[str, Any]) -> None: ...

    def claim_outbox(self) -> AbstractContextManager[bool]:
        """Hold the outbox for one flush; yields False when another flush holds it."""
        ...

    def get_state(self, key: str) -> str | None: ...

    def set_state(self, key: str, value: str | None) -> None: ...

    # --- the organization profile a team pushed -----------------------------------------------

    def push_org(self, *, text: str, sha256: str, at: datetime, by: str,
                 files: dict[str, str] | None = None) -> tuple[int, bool]: ...

    def org_profile(self) -> dict[str, Any] | None: ...

    def org_files(self, version: int) -> dict[str, str]: ...

    # --- the read models --------------------------------------------------------------------

    def projection(self, incident_id: str) -> dict[str, Any] | None: ...

    def projections(self) -> dict[str, dict[str, Any]]: ...

    def projection_heads(self, *, include_closed: bool = True) -> list[tuple[str, int, int | None, str | None]]:
        ...

    def save_projection(self, incident_id: str, *, event_count: int, deps: str, data: Any,
                        rows: list[tuple[str, str, float | None, str]] = ...) -> None: ...

    def projected_org_zone(self) -> str | None: ...

    def projected_incidents_json(self, *, include_closed: bool) -> list[str]: ...

    def projected_obligations(self, *, incident_id: str | None, pending_only: bool) -> list[tuple[str, str, Any]]:
        """(JSON body, state, due epoch) of open incidents' obligations, in `breach status` order."""
        ...

    # What `breach verify` reads and writes (breach/services/integrity.py).
    def walk_chains(self, incident_id: str | None = None) -> dict[str, Walked]:
        """Each incident's chain walked once: its count, kinds and head."""
        ...

    def ledger_rows(self) -> list[dict[str, Any]]:
        """The incident ledger: each incident's id and the hash it was opened with."""
        ...

    def table_rows(self, table: str) -> list[dict[str, Any]]:
        """Every row of one table (the witnesses, for verify)."""
        ...

    def key_record(self) -> dict[str, Any] | None:
        """The recorded witness key (its fingerprint and who adopted it), or None."""
        ...

    def check_chain(self, row: dict[str, Any], walked: Walked, *, opened_hash: str | None,
                    witness: dict[str, Any] | None, key_record: Any = ...) -> str:
        """What verify says of one incident's chain: a WITNESS key; a ChainError when it does not hold."""
        ...
