"""The PostgreSQL engine (psycopg 3): for a service that many processes read and write.

The store's parts write SQL once, with ``?`` placeholders; :class:`PostgresDatabase`
rewrites them to psycopg's ``%s`` (and a literal ``%`` to ``%%``) once per statement text.
Connections run in autocommit between explicit transactions, as SQLite's do, so a read
sees every commit before it. Each write transaction also counts itself in
``data_version`` (one row), which is what the web app's kept views are checked against.

A read-only store sets ``default_transaction_read_only``: the server refuses any write.
The web app's store is *pooled* (``psycopg_pool``): every statement borrows a connection
for as long as it runs and returns its rows whole, so one store serves every thread.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

from paperscope.errors import StoreError
from paperscope.store.db import Dialect
from paperscope.store.errors import store_error

__all__ = ["PostgresDatabase", "redact"]



def redact(url: str) -> str:
    """The URL without its password: what error messages and logs name."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = (parts.username or "") + ":***"
    return urlunsplit(parts._replace(netloc=f"{user}@{netloc[-1]}"))


_SQL_CACHE: dict[str, str] = {}


def to_psycopg(sql: str) -> str:
    """``?`` → ``%s``, ``%`` → ``%%`` (no statement of ours has a ``?`` inside a string)."""
    out = _SQL_CACHE.get(sql)
    if out is None:
        out = sql.replace("%", "%%").replace("?", "%s")
        if len(_SQL_CACHE) < 10_000:
            _SQL_CACHE[sql] = out
    return out


def _clean(params: Sequence[Any]) -> Sequence[Any]:
    """PostgreSQL's text cannot hold NUL (SQLite's can): it is dropped from text values, as
    nothing paperscope reads means anything by it."""
    for value in params:
        if type(value) is str and "\x00" in value:
            return tuple(v.replace("\x00", "") if type(v) is str else v for v in params)
    return params


class _Rows:
    """A result read whole (what a pooled store returns: its connection is back in the pool)."""

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self._next = 0
        self.rowcount = rowcount

    def fetchone(self) -> Any:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def fetchall(self) -> list[Any]:
        rows, self._next = self._rows[self._next:], len(self._rows)
        return rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


def _register_vector(conn: psycopg.Connection[Any]) -> None:
    """pgvector's adapters on a connection, where the database has the extension (a new
    database gets it with its first migration: the store registers again then)."""
    from pgvector.psycopg import register_vector

    with suppress(psycopg.ProgrammingError):  # "vector type not found in the database"
        register_vector(conn)


def _connect_args(read_only: bool) -> dict[str, Any]:
    # hnsw.ef_search: candidates an HNSW scan keeps (pgvector's default 40 gives less recall
    # than the usearch index's 128, benchmarks/ann.py). jit off: compiling a plan costs tens
    # of milliseconds, which a page's short queries never earn back (a full-text search that
    # matched many papers crossed jit_above_cost and took 100+ ms more).
    options = "-c hnsw.ef_search=128 -c jit=off" + (" -c default_transaction_read_only=on" if read_only else "")
    return {"autocommit": True, "options": options, "connect_timeout": 10}


class PostgresDatabase:
    """A :class:`~paperscope.store.db.Database` on a PostgreSQL server."""

    dialect: Dialect = "postgresql"

    def __init__(self, url: str, *, read_only: bool = False, pool_size: int = 0) -> None:
        self.url = url
        self.location = redact(url)
        self.read_only = read_only
        self.counts_writes = False  # set once the schema (and its data_version row) is there
        self._pool: Any = None
        self._held = threading.local()  # the pooled connection a transaction holds
        try:
            if pool_size:
                from psycopg_pool import ConnectionPool

                self._pool = ConnectionPool(url, min_size=1, max_size=pool_size, open=True,
                                            kwargs=_connect_args(read_only), timeout=30,
                                            configure=_register_vector)
                self._pool.wait(timeout=30)
                self.conn: psycopg.Connection[Any] | None = None
            else:
                self.conn = psycopg.connect(url, **_connect_args(read_only))
        except Exception as exc:  # psycopg_pool raises its own PoolTimeout for a dead server
            raise store_error(exc, self.location) from exc

    # --- statements ---------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Any:
        conn = self._connection()
        params = _clean(params) if params else None  # type: ignore[assignment]
        if conn is not None:
            return conn.execute(to_psycopg(sql), params)
        with self._pool.connection() as pooled:
            cur = pooled.execute(to_psycopg(sql), params)
            rows = cur.fetchall() if cur.description is not None else []
            return _Rows(rows, cur.rowcount)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> None:
        rows = [_clean(row) for row in rows]
        if not rows:
            return
        conn = self._connection()
        if conn is None:
            with self._pool.connection() as pooled:
                pooled.cursor().executemany(to_psycopg(sql), rows)
            return
        conn.cursor().executemany(to_psycopg(sql), rows)

    def prepare(self) -> None:
        """Once the schema is there: send and read pgvector's ``vector`` in its binary form
        (numpy arrays), an eighth of the time of its text form."""
        self.counts_writes = not self.read_only
        if self._pool is None:
            assert self.conn is not None
            _register_vector(self.conn)

    @property
    def pooled(self) -> bool:
        return self._pool is not None

    def _connection(self) -> psycopg.Connection[Any] | None:
        held = getattr(self._held, "conn", None)
        return held if held is not None else self.conn

    @contextmanager
    def transaction(self) -> Iterator[PostgresDatabase]:
        """One transaction; a writing one also moves the data version, as it commits."""
        if self._pool is None:
            assert self.conn is not None
            with self.conn.transaction():
                yield self
                if self.counts_writes:
                    self.conn.execute("UPDATE data_version SET n = n + 1 WHERE id = 1")
            return
        with self._pool.connection() as conn:
            self._held.conn = conn
            try:
                with conn.transaction():
                    yield self
                    if self.counts_writes:
                        conn.execute("UPDATE data_version SET n = n + 1 WHERE id = 1")
            finally:
                self._held.conn = None

    # --- what callers need from the engine --------------------------------------------------
    def data_version(self) -> int:
        """Moves with every committed write transaction (any process)."""
        row = self.execute("SELECT n FROM data_version WHERE id = 1").fetchone()
        return int(row[0]) if row else 0

    def artifact_root(self) -> Path | None:
        """Where files built from this database live (the nearest-neighbour index):
        ``$PAPERSCOPE_ARTIFACTS`` if set, else a folder per database in the user's cache."""
        base = os.environ.get("PAPERSCOPE_ARTIFACTS")
        root = Path(base) if base else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "paperscope"
        parts = urlsplit(self.url)
        name = (parts.path.lstrip("/") or "postgres").replace("/", "_")
        where = hashlib.blake2b(f"{parts.hostname}:{parts.port}:{parts.query}".encode(), digest_size=4).hexdigest()
        return root / f"{name}-{where}.ann"

    def set_cache_kib(self, kib: int) -> None:
        """The server sizes its own caches: nothing to set per connection."""

    def table_columns(self, table: str) -> list[str]:
        """A table's columns in order, less generated ones (which are computed, not copied)."""
        return [name for (name,) in self.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = ? AND is_generated = 'NEVER' ORDER BY ordinal_position", (table,))]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        elif self.conn is not None:
            self.conn.close()

    def __repr__(self) -> str:
        return f"PostgresDatabase({self.location!r})"


def check_url(url: str) -> None:
    """A PostgreSQL URL paperscope can use names a database."""
    parts = urlsplit(url)
    if not parts.path.strip("/") and "dbname=" not in parts.query:
        raise StoreError("the URL names no database (postgresql://user@host/DATABASE)", redact(url))
