"""Schema migrations, recorded in the database they were applied to.

Each migration is a numbered ``NNNN_name.sql`` file in ``migrations/<dialect>/``, applied
once, in order, each in its own transaction, and recorded in ``schema_migrations``. The
two dialects have the same numbers and build the same tables and columns; they differ in
types, in full-text search and vectors, and in how SQLite rebuilt what it cannot alter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from paperscope.store.db import Database, Dialect

# Two processes that open a new PostgreSQL database at once must not both migrate it.
_MIGRATION_LOCK = 7_346_201


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations(dialect: Dialect = "sqlite") -> list[Migration]:
    """The migrations shipped with this version of paperscope, oldest first."""
    found = []
    for entry in resources.files(__package__).joinpath("migrations", dialect).iterdir():
        if entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            found.append(Migration(int(number), rest.removesuffix(".sql"), entry.read_text("utf-8")))
    return sorted(found, key=lambda m: m.version)


def applied_versions(db: Database) -> set[int] | None:
    """The versions recorded in the database; None if it has no schema_migrations table."""
    if db.dialect == "sqlite":
        exists = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations'").fetchone()
    else:
        exists = db.execute("SELECT to_regclass('schema_migrations')").fetchone()[0]
    if not exists:
        return None
    return {int(v) for (v,) in db.execute("SELECT version FROM schema_migrations")}


def missing_migrations(db: Database) -> list[int] | None:
    """The shipped migrations the database lacks; None if it is not a paperscope database."""
    have = applied_versions(db)
    if have is None:
        return None
    return [m.version for m in available_migrations(db.dialect) if m.version not in have]


def apply_migrations(db: Database) -> list[Migration]:
    """Apply every migration not yet recorded in the database; return those applied."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    have = applied_versions(db) or set()
    applied = []
    for migration in available_migrations(db.dialect):
        if migration.version in have:
            continue
        with db.transaction():
            if db.dialect == "postgresql":
                db.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
            done = db.execute(
                "SELECT 1 FROM schema_migrations WHERE version = ?", (migration.version,)
            ).fetchone()
            if done:
                continue
            for statement in _statements(migration.sql):
                db.execute(statement)
            db.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, datetime.now(UTC).isoformat(timespec="seconds")),
            )
        applied.append(migration)
    return applied


def _statements(sql: str) -> list[str]:
    """Split a migration file into statements (no statement in ours contains ';' in a string)."""
    lines = [line.split("--", 1)[0] for line in sql.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
