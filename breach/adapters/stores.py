"""Which incident log a command uses: a team's PostgreSQL when a URL is given, else the data folder's breach.db.

The configuration's database URL (`BREACH_DATABASE_URL`, or `breach --database-url URL`,
resolved once into breach.adapters.config.Config) selects PostgreSQL. The PostgreSQL
adapter, and psycopg with it, is imported only then,
so a single responder's `breach status` never pays for it. The URL's password is never
printed: `mask_url` is what every message shows.
"""

from __future__ import annotations

from pathlib import Path

from breach.adapters.config import Config
from breach.adapters.dburl import check_url
from breach.adapters.store_sql import SqlStore
from breach.adapters.store_sqlite import Store


def open_store(home: Path, *, create: bool = False, write: bool = True, url: str | None = None,
               config: Config | None = None) -> SqlStore:
    """Open the incident log: PostgreSQL at `url` (default: the configuration's URL), else home/breach.db.

    `config`: the entry's (breach.adapters.config); default, resolved from the environment now.
    """
    config = config or Config.from_env()
    url = url or config.database_url
    if url:
        check_url(url)
        from breach.adapters.store_postgres import PgStore  # psycopg only when a team database is used

        return PgStore.open(url, home, create=create, write=write, config=config)
    return Store.open(home, create=create, write=write, config=config)


def open_sqlite(home: Path, *, write: bool = True, config: Config | None = None) -> Store:
    """The data folder's own breach.db, whatever the configuration's URL says (the source of `breach db copy`)."""
    return Store.open(home, write=write, config=config)
