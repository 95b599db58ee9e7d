"""What a database's catalog says about its tables: columns, keys, indexes, foreign keys, as each backend sees them.

Used to compare the schema this release builds with the one recorded from the release before
(tests/data/schema-catalog.json), on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from typing import Any


def sqlite_catalog(path: Any) -> dict[str, Any]:
    """Per table: columns (name, type, not null, default, pk position), indexes and foreign keys."""
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        out: dict[str, Any] = {}
        for table in tables:
            columns = [[r[1], r[2], r[3], r[4], r[5]] for r in conn.execute(f"PRAGMA table_info('{table}')")]
            indexes = []
            for _, name, unique, origin, partial in conn.execute(f"PRAGMA index_list('{table}')"):
                cols = [r[2] for r in conn.execute(f"PRAGMA index_info('{name}')")]
                indexes.append([name, unique, origin, partial, cols])
            keys = [[r[3], r[2], r[4]] for r in conn.execute(f"PRAGMA foreign_key_list('{table}')")]
            out[table] = {"columns": columns, "indexes": sorted(indexes), "foreign_keys": sorted(keys)}
        return out


def postgres_catalog(url: str) -> dict[str, Any]:
    """Per table: columns (name, type, nullable, default, identity, collation), indexes, constraints."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "ORDER BY table_name")]
        out: dict[str, Any] = {}
        for table in tables:
            columns = [list(r) for r in conn.execute(
                "SELECT column_name, data_type, is_nullable, column_default, is_identity, identity_generation, "
                "collation_name FROM information_schema.columns WHERE table_schema = current_schema() "
                "AND table_name = %s ORDER BY ordinal_position", [table])]
            indexes = sorted([list(r) for r in conn.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s",
                [table])])
            constraints = sorted([list(r) for r in conn.execute(
                "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass", [table])])
            out[table] = {"columns": columns, "indexes": indexes, "constraints": constraints}
        return out
