"""The incident log's schema, written once: every table of every version, and the steps between versions.

Both adapters build and migrate their database from here (store_sqlite: a data folder's
breach.db; store_postgres: a team's database); neither holds DDL of its own. Each table and
column names the version it came in (`since`) and, if it is gone, the version that removed it
(`until`). The schema of version N is what was there at N; the migration to N is the difference
from N-1 (tables created, columns added, indexes, columns dropped), plus the data moves named in
MIGRATIONS. Adding a column is one `Column(..., since=N)` here and one MIGRATIONS entry. A
read model (projection, projected_obligations) that changes is made anew, empty, and rebuilt
from the events on the next read.

A `Dialect` renders the few things the two databases spell differently: the id that numbers
itself, the floating-point type, byte-order text, and how a unique key over several columns is
kept (SQLite: a named unique index, as release 1 made it; PostgreSQL: a table constraint).
"""

from __future__ import annotations

from typing import NamedTuple

# The column types, as this module names them; each dialect spells them its own way.
TEXT = "text"
INTEGER = "integer"
REAL = "real"
#: An integer primary key that numbers new rows itself.
ID = "id"


class Column(NamedTuple):
    name: str
    type: str = TEXT
    not_null: bool = False
    #: An SQL literal.
    default: str | None = None
    primary_key: bool = False
    unique: bool = False
    #: "table(column)"
    references: str | None = None
    #: Sorted by bytes whatever the server's locale (`breach status` order is the same on both databases).
    bytewise: bool = False
    since: int = 1
    until: int | None = None

    def at(self, version: int) -> bool:
        return self.since <= version and (self.until is None or version < self.until)


class Index(NamedTuple):
    name: str
    columns: tuple[str, ...]
    since: int = 1


class Table(NamedTuple):
    name: str
    columns: tuple[Column, ...]
    #: A primary key over several columns.
    primary_key: tuple[str, ...] = ()
    #: Unique keys over one or more columns (see the module docstring for how each database keeps them).
    unique: tuple[tuple[str, ...], ...] = ()
    indexes: tuple[Index, ...] = ()
    since: int = 1
    until: int | None = None
    #: A read model, rebuilt from the events when it is empty: a step that changes it makes it anew.
    read_model: bool = False

    def at(self, version: int) -> bool:
        return self.since <= version and (self.until is None or version < self.until)

    def columns_at(self, version: int) -> list[Column]:
        return [c for c in self.columns if c.at(version)]

    def changes_at(self, version: int) -> bool:
        """True when the step to `version` adds or drops a column or an index of this table."""
        return any(c.since == version or c.until == version for c in self.columns) or \
            any(i.since == version for i in self.indexes)


class Migration(NamedTuple):
    description: str
    #: SQL run after the new tables and columns exist and before any column is dropped (both databases).
    sql: tuple[str, ...] = ()
    #: The name of a SqlStore method that moves data in Python (e.g. recomputes hashes), run before `sql`.
    step: str | None = None


def _c(name: str, type: str = TEXT, **kw: object) -> Column:  # noqa: A002 - the SQL word
    return Column(name, type, **kw)  # type: ignore[arg-type]


#: Every table of every version, in the order they are created (a table after those it references).
TABLES: tuple[Table, ...] = (
    Table("meta", (_c("key", primary_key=True), _c("value"))),
    Table("schema_migrations", (_c("version", INTEGER, primary_key=True), _c("description", not_null=True),
                                _c("applied_at", not_null=True)), since=2),
    # The incident row is an index over the chain: what `list` and the chain's head need. Everything
    # else about an incident is the fold of its events (breach.core.state); release 1 kept more here.
    Table("incidents", (
        _c("id", primary_key=True), _c("seq", INTEGER),
        _c("title", not_null=True, until=2), _c("role", not_null=True, until=2),
        _c("status", not_null=True),
        _c("aware_at", not_null=True, until=2), _c("aware_at_offset", until=2),
        _c("occurred_at", until=2), _c("occurred_at_offset", until=2),
        _c("detected_at", until=2), _c("detected_at_offset", until=2),
        _c("opened_at", not_null=True, until=2), _c("opened_at_offset", until=2),
        _c("closed_at", until=2), _c("closed_at_offset", until=2),
        _c("awareness_note", until=2), _c("summary", until=2), _c("public", INTEGER, until=2),
        _c("head_hash"), _c("event_count", INTEGER),
    )),
    Table("events", (
        _c("id", ID), _c("incident_id", references="incidents(id)"), _c("seq", INTEGER), _c("kind"), _c("at"),
        _c("at_offset"), _c("author"), _c("data"), _c("prev_hash"), _c("hash"),
    ), unique=(("incident_id", "seq"),)),
    Table("drafts", (
        _c("id", ID), _c("incident_id", references="incidents(id)"), _c("kind"), _c("lang"),
        _c("version", INTEGER), _c("format"), _c("text"), _c("sha256"), _c("template"), _c("created_at"),
        _c("path"), _c("missing"),
    ), unique=(("incident_id", "kind", "lang", "version"),)),
    Table("outbox", (
        _c("id", ID), _c("key"), _c("incident_id"), _c("op"), _c("payload"), _c("state"), _c("attempts", INTEGER),
        _c("last_error"), _c("created_at"), _c("sent_at"), _c("result"), _c("statutory", INTEGER),
        _c("next_attempt_at", since=3),
    ), unique=(("key",),)),
    Table("slack_state", (_c("key", primary_key=True), _c("value"))),
    # The read models: rebuilt from the events whenever they are empty.
    Table("projection", (
        _c("incident_id", primary_key=True, references="incidents(id)"), _c("event_count", INTEGER, not_null=True),
        _c("deps", not_null=True), _c("data", not_null=True), _c("incident_json", not_null=True, since=3),
    ), since=2, read_model=True),
    Table("projected_obligations", (
        _c("incident_id", not_null=True, references="incidents(id)"), _c("obligation", not_null=True),
        _c("state", not_null=True), _c("due_ts", REAL), _c("body", not_null=True),
        _c("is_open", INTEGER, not_null=True, default="1", since=5),
        _c("sort_key", not_null=True, bytewise=True, since=4),
    ), primary_key=("incident_id", "obligation"),
        # `breach status` order: what applies first, dated by due time, then "without undue delay".
        indexes=(Index("projected_obligations_order", ("sort_key",), since=4),), since=3, read_model=True),
    Table("incident_ledger", (
        _c("seq", INTEGER, primary_key=True), _c("incident_id", not_null=True, unique=True),
        _c("opened_hash", not_null=True), _c("at"), _c("prev_hash", not_null=True), _c("hash", not_null=True),
    ), since=3),
    Table("chain_witness", (
        _c("scope", primary_key=True), _c("count", INTEGER, not_null=True), _c("head", not_null=True), _c("hmac"),
    ), since=3),
    Table("org_profiles", (
        _c("version", INTEGER, primary_key=True), _c("text", not_null=True), _c("sha256", not_null=True),
        _c("pushed_at", not_null=True), _c("pushed_by", not_null=True),
    ), since=4),
    Table("org_files", (
        _c("version", INTEGER, not_null=True), _c("path", not_null=True), _c("text", not_null=True),
        _c("sha256", not_null=True),
    ), primary_key=("version", "path"), since=6),
)

#: version -> what the step to it does, beyond the tables and columns above (version 1 is the first).
MIGRATIONS: dict[int, Migration] = {
    2: Migration("incident row is an index; state is the fold of events; projection table"),
    # Incidents that already exist enter the ledger in their order, trusted as they are now
    # (run `breach verify` before upgrading to know they were intact).
    3: Migration("incident ledger, chain witnesses (HMAC), Slack retry times", step="backfill_ledger"),
    4: Migration("organization profile versions (breach org push)"),
    5: Migration("projected obligations say whether their incident is open"),
    6: Migration("the organization's own templates and playbooks in the database (breach org push)"),
}

SCHEMA_VERSION = max(MIGRATIONS)


def tables_at(version: int) -> list[Table]:
    return [t for t in TABLES if t.at(version)]


class Dialect(NamedTuple):
    """How one database spells what this module names."""

    name: str
    types: dict[str, str]
    bytewise: str = ""
    #: True: a unique key over columns is a named index (SQLite, as release 1 made it); False: a constraint.
    unique_as_index: bool = False
    #: True: a read model that gains a column without a default is dropped and made anew (SQLite); False:
    #: altered once empty (PostgreSQL, where a new table would lose the grants given, e.g. to an auditor).
    remakes_tables: bool = False

    def column(self, column: Column) -> str:
        parts = [column.name, self.types[column.type]]
        if column.bytewise and self.bytewise:
            parts.append(self.bytewise)
        if column.not_null:
            parts.append("NOT NULL")
        if column.default is not None:
            parts.append(f"DEFAULT {column.default}")
        if column.primary_key:
            parts.append("PRIMARY KEY")
        if column.unique:
            parts.append("UNIQUE")
        if column.references:
            parts.append(f"REFERENCES {column.references}")
        return " ".join(parts)

    def create_table(self, table: Table, version: int) -> list[str]:
        body = [self.column(c) for c in table.columns_at(version)]
        if table.primary_key:
            body.append(f"PRIMARY KEY ({', '.join(table.primary_key)})")
        statements = []
        for key in table.unique:
            if self.unique_as_index:
                statements.append(f"CREATE UNIQUE INDEX idx_{table.name}_{'_'.join(key)} "
                                  f"ON {table.name}({', '.join(key)})")
            else:
                body.append(f"UNIQUE ({', '.join(key)})")
        statements.insert(0, f"CREATE TABLE {table.name} ({', '.join(body)})")
        statements += [self.create_index(table, index) for index in table.indexes if index.since <= version]
        return statements

    def create_index(self, table: Table, index: Index) -> str:
        return f"CREATE INDEX {index.name} ON {table.name}({', '.join(index.columns)})"

    def create(self, version: int = SCHEMA_VERSION) -> list[str]:
        """The DDL of a new, empty database at `version`."""
        return [s for table in tables_at(version) for s in self.create_table(table, version)]

    def migrate(self, version: int) -> tuple[list[str], list[str]]:
        """The DDL from version-1 to `version`: (before the data moves, after them).

        When a read model changes, every read model is emptied first (all are rebuilt from the
        events on the next read), so a column without a default can be added to it; SQLite, which
        adds no such column even to an empty table, makes that one anew.
        """
        before: list[str] = []
        after: list[str] = []
        kept = [t for t in TABLES if t.at(version - 1) and t.at(version)]
        rebuild = any(t.read_model and t.changes_at(version) for t in kept)
        for table in TABLES:
            if table.since == version:
                before += self.create_table(table, version)
            elif table in kept:
                if rebuild and table.read_model:
                    before.append(f"DELETE FROM {table.name}")
                    if self.remakes_tables and any(c.since == version and c.not_null and c.default is None
                                                   for c in table.columns):
                        before += [f"DROP TABLE {table.name}", *self.create_table(table, version)]
                        continue
                before += [f"ALTER TABLE {table.name} ADD COLUMN {self.column(c)}"
                           for c in table.columns if c.since == version]
                before += [self.create_index(table, i) for i in table.indexes if i.since == version]
                after += [f"ALTER TABLE {table.name} DROP COLUMN {c.name}" for c in table.columns if c.until == version]
            elif table.until == version:
                after.append(f"DROP TABLE {table.name}")
        return before, after


SQLITE = Dialect("sqlite", {TEXT: "TEXT", INTEGER: "INTEGER", REAL: "REAL", ID: "INTEGER PRIMARY KEY"},
                 unique_as_index=True, remakes_tables=True)
POSTGRES = Dialect("postgresql", {TEXT: "TEXT", INTEGER: "INTEGER", REAL: "DOUBLE PRECISION",
                                  ID: "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
                   bytewise='COLLATE "C"')
