"""Schema migrations, recorded in the database they were applied to.

Each migration is a numbered ``NNNN_name.sql`` file in this package, applied once, in
order, each in its own transaction, and recorded in ``schema_migrations``. The same files
and table carry over to PostgreSQL.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    """The migrations shipped with this version of paperscope, oldest first."""
    found = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        if entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            found.append(Migration(int(number), rest.removesuffix(".sql"), entry.read_text("utf-8")))
    return sorted(found, key=lambda m: m.version)


def apply_migrations(conn: sqlite3.Connection) -> list[Migration]:
    """Apply every migration not yet recorded in the database; return those applied."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
    applied = []
    for migration in available_migrations():
        if migration.version in done:
            continue
        # executescript() would commit on its own; run statement by statement instead so
        # that the migration and its record land in one transaction.
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _statements(migration.sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, datetime.now(UTC).isoformat(timespec="seconds")),
            )
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:  # SQLite ends some failed transactions itself (a full disk)
                conn.execute("ROLLBACK")
            raise
        applied.append(migration)
    return applied


def _statements(sql: str) -> list[str]:
    """Split a migration file into statements (no statement in ours contains ';' in a string)."""
    lines = [line.split("--", 1)[0] for line in sql.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
