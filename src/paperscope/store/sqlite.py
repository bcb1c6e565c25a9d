"""The SQLite engine: one file in WAL mode, for a laptop (the default backend).

Only this module and the few engine-specific ones beside it (``fulltext_sqlite.py``,
``errors.py``) import ``sqlite3``.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from paperscope.errors import StoreError
from paperscope.store.db import Dialect
from paperscope.store.errors import store_error

__all__ = ["SqliteDatabase"]


def _none(_: None) -> None:
    return None


# Have sqlite3 bind None straight to NULL (as it does anyway, but slowly): for a parameter
# that is not a str, int, float or bytes, sqlite3 looks for an adapter and then for
# ``__conform__`` on the value's type; for None that ends in an AttributeError built and
# dropped, a quarter of a microsecond per NULL (some 6% of a bulk ingest's writing). An
# adapter registered for NoneType is found first and binds what was bound before.
sqlite3.register_adapter(type(None), _none)

# A writing connection's settings.
_WRITING = (
    # 8 KiB pages rather than 4: a commit writes every changed page to the WAL as a frame of
    # its own, and half as many frames make a bulk ingest's commits twice as fast. Takes
    # effect only when the database is created (before WAL mode is set).
    "PRAGMA page_size=8192",
    "PRAGMA journal_mode=WAL",
    # NORMAL is durable against a killed process (WAL); only power loss can drop the last
    # commits, never corrupt the file.
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA cache_size=-65536",
    # Checkpoint the WAL every ~40 MB (5,000 pages) rather than 8 MB: bulk ingest rewrites
    # the same index pages many times between checkpoints.
    "PRAGMA wal_autocheckpoint=5000",
)
# A reading connection's: it cannot write, and the first read shows "not a database".
_READING = (
    "PRAGMA query_only=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA cache_size=-65536",
    "SELECT count(*) FROM sqlite_master",
)


def _connect(path: str, read_only: bool) -> sqlite3.Connection:
    if read_only:
        if not Path(path).is_file():
            raise StoreError("no database there" if not Path(path).exists() else "not a database file", path)
        # mode=ro: nothing is created, migrated, checkpointed or deleted by this connection.
        conn = sqlite3.connect(f"file:{quote(os.path.abspath(path))}?mode=ro", uri=True,
                               isolation_level=None, check_same_thread=False)
    else:
        if path not in ("", ":memory:"):
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the database's folder: {exc.strerror or exc}", path) from exc
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        for statement in _READING if read_only else _WRITING:
            conn.execute(statement).fetchall()
    except BaseException:
        conn.close()
        raise
    return conn


class SqliteDatabase:
    """A :class:`~paperscope.store.db.Database` on one SQLite file (autocommit between
    explicit ``BEGIN IMMEDIATE`` transactions)."""

    dialect: Dialect = "sqlite"

    def __init__(self, path: str, *, read_only: bool = False) -> None:
        self.location = path
        self.read_only = read_only
        self.counts_writes = False  # SQLite counts commits itself (PRAGMA data_version)
        try:
            self.conn = _connect(path, read_only)
        except sqlite3.Error as exc:
            raise store_error(exc, path) from exc
        # The connection's own methods, not wrappers: bulk ingest calls them per batch.
        self.execute = self.conn.execute
        self.executemany = self.conn.executemany

    @contextmanager
    def transaction(self) -> Iterator[SqliteDatabase]:
        """``BEGIN IMMEDIATE`` … ``COMMIT``; rolled back on any exception. SQLite ends some
        failed transactions itself (a full disk): those are not rolled back a second time,
        which would raise over the error that matters."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def prepare(self) -> None:
        """Nothing to set up once the schema is there (PostgreSQL registers vector types)."""

    def data_version(self) -> int:
        """Changes whenever another connection (any process) commits a write."""
        return int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def artifact_root(self) -> Path | None:
        """``<file>.ann`` beside the database; None for an in-memory one."""
        if self.location in ("", ":memory:"):
            return None
        return Path(f"{self.location}.ann")

    def set_cache_kib(self, kib: int) -> None:
        self.conn.execute(f"PRAGMA cache_size = -{int(kib)}")

    def table_columns(self, table: str) -> list[str]:
        """A table's columns in order, less generated ones (which are computed, not copied)."""
        return [row[1] for row in self.conn.execute(f"PRAGMA table_xinfo({table})") if row[6] == 0]

    def close(self) -> None:
        self.conn.close()

    def __repr__(self) -> str:
        return f"SqliteDatabase({self.location!r})"

