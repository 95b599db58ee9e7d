"""Which incident log a command uses: a team's PostgreSQL when a URL is given, else the data folder's breach.db.

`BREACH_DATABASE_URL` (or `breach --database-url URL`, which sets it for the process)
selects PostgreSQL. The PostgreSQL adapter, and psycopg with it, is imported only then,
so a single responder's `breach status` never pays for it. The URL's password is never
printed: `mask_url` is what every message shows.
"""

from __future__ import annotations

from pathlib import Path

from breach.adapters.dburl import check_url, database_url
from breach.adapters.store_sql import SqlStore
from breach.adapters.store_sqlite import Store


def open_store(home: Path, *, create: bool = False, write: bool = True, url: str | None = None) -> SqlStore:
    """Open the incident log: PostgreSQL at `url` (default: $BREACH_DATABASE_URL), else home/breach.db."""
    url = url or database_url()
    if url:
        check_url(url)
        from breach.adapters.store_postgres import PgStore  # psycopg only when a team database is used

        return PgStore.open(url, home, create=create, write=write)
    return Store.open(home, create=create, write=write)


def open_sqlite(home: Path, *, write: bool = True) -> Store:
    """The data folder's own breach.db, whatever the environment says (the source of `breach db copy`)."""
    return Store.open(home, write=write)
