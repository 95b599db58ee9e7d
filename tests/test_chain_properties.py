"""Property tests for the chain: whatever is appended verifies; any single-row edit is named."""

from __future__ import annotations

import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from breach.adapters.store_sqlite import Store
from breach.services.integrity import verify
from breach.services.session import Session

T0 = datetime(2026, 11, 28, 13, 5, tzinfo=UTC)
KINDS = ("note", "action", "evidence", "decision")
texts = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)
events = st.lists(st.tuples(st.sampled_from(KINDS), texts), max_size=8)
incidents = st.lists(events, min_size=1, max_size=3)


def build(home: Path, plan: list[list[tuple[str, str]]]) -> Store:
    store = Store.open(home, create=True)
    for n, later in enumerate(plan):
        opened = store.create_incident(year=2026, at=T0, author="tester", data={"title": f"Incident {n}",
                                                                                "role": "controller"})
        for i, (kind, text) in enumerate(later, start=1):
            store.append_event(opened.incident_id, kind=kind, at=T0 + timedelta(minutes=i), author="tester",
                               data={"text": text})
    return store


def results(home: Path, store: Store) -> list[dict]:
    return verify(Session(home=home, store=store, write=False))


@settings(max_examples=60, deadline=None)
@given(plan=incidents)
def test_appended_sequences_verify(plan) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        store = build(home, plan)
        try:
            found = results(home, store)
            assert [r["ok"] for r in found] == [True] * len(plan), found
            assert store.verify_ledger() == []
        finally:
            store.close()


EDITS = {
    "events": ("kind", "at", "at_offset", "author", "data", "prev_hash", "hash", "seq", "incident_id", "DELETE"),
    "incidents": ("status", "head_hash", "event_count", "seq", "DELETE"),
    "incident_ledger": ("incident_id", "opened_hash", "prev_hash", "hash", "seq", "DELETE"),
    "chain_witness": ("count", "head", "DELETE"),
}
values = st.one_of(st.integers(-3, 50), texts, st.sampled_from(["closed", "open", "0" * 64, "{}", '{"text":"x"}',
                                                                "BR-2026-0001", "+01:00", ""]))


@settings(max_examples=100, deadline=None)
@given(plan=incidents, table=st.sampled_from(sorted(EDITS)), data=st.data())
def test_a_single_row_edit_is_named_never_an_exception(plan, table, data) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        store = build(home, plan)
        try:
            key = "rowid"
            rowids = [r[0] for r in store.conn.execute(f"SELECT {key} FROM {table}")]
            assume(rowids)
            rowid = data.draw(st.sampled_from(rowids))
            column = data.draw(st.sampled_from(EDITS[table]))
            store.conn.execute("PRAGMA foreign_keys = OFF")  # sqlite3's default: what a hostile user has
            if column == "DELETE":
                store.conn.execute(f"DELETE FROM {table} WHERE rowid = ?", [rowid])
            else:
                old = store.conn.execute(f"SELECT {column} FROM {table} WHERE rowid = ?", [rowid]).fetchone()[0]
                new = data.draw(values)
                assume(new != old and str(new) != str(old))
                try:
                    store.conn.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", [new, rowid])
                except sqlite3.IntegrityError:
                    assume(False)
            found = results(home, store)
            assert any(not r["ok"] and r["problem"] for r in found), (table, column, found)
        finally:
            store.close()
