"""Database errors as the one-line errors people read (paperscope.errors.StoreError)."""

from __future__ import annotations

import errno
import sqlite3

import psycopg

from paperscope.errors import StoreError

__all__ = ["is_engine_error", "is_store_failure", "store_error"]

# SQLite's messages → what they mean for the person running paperscope.
_MEANINGS = (
    ("file is not a database", "not a SQLite database"),
    ("malformed", "the database file is damaged (malformed); restore a copy or rebuild it"),
    ("disk is full", "the disk is full; what was committed before is kept"),
    ("unable to open database file", "cannot open the database file (missing folder or no permission)"),
    ("readonly database", "the database is read-only here (file or folder permissions)"),
    ("database is locked", "the database is busy: another process held its write lock too long"),
    ("disk i/o error", "the disk failed to read or write the database"),
)

# PostgreSQL's error classes (SQLSTATE's first two characters) that are the server or the
# setup failing rather than paperscope's own SQL being wrong.
_PG_CLASSES = {
    "08": "cannot reach the PostgreSQL server",
    "28": "the PostgreSQL server refused the login",
    "3D": "no such database on the PostgreSQL server",
    "42501": "permission denied on the PostgreSQL server",
    "53": "the PostgreSQL server is out of resources (disk, memory or connections)",
    "57": "the PostgreSQL server is shutting down or cancelled the query",
    "58": "the PostgreSQL server had an I/O error",
    "25006": "the database is read-only here",
    "40001": "a concurrent write conflicted; run the command again",
    "40P01": "a deadlock with another writer; run the command again",
    "55P03": "the database is busy: a lock could not be taken",
}


# The disk's errors, as the SQLite message that means the same.
_OS_ERRORS = {errno.ENOSPC: "disk is full", errno.EDQUOT: "disk is full", errno.EIO: "disk i/o error",
              errno.EROFS: "readonly database"}


def _pg_meaning(exc: BaseException) -> str | None:
    if isinstance(exc, psycopg.OperationalError) and not getattr(exc, "sqlstate", None):
        return "cannot reach the PostgreSQL server"  # no connection: no SQLSTATE either
    if not isinstance(exc, psycopg.Error) or not exc.sqlstate:
        return "cannot reach the PostgreSQL server" if type(exc).__name__ == "PoolTimeout" else None
    state = exc.sqlstate
    return _PG_CLASSES.get(state) or _PG_CLASSES.get(state[:2])


def is_engine_error(exc: BaseException) -> bool:
    """Whether an exception comes from a database engine (any of its errors)."""
    return isinstance(exc, sqlite3.Error | psycopg.Error) or type(exc).__name__ == "PoolTimeout"


def is_store_failure(exc: BaseException) -> bool:
    """Whether an exception is the database (or the disk or server under it) failing, rather
    than a bug (a query naming a column that is not there is paperscope's fault, not the disk's)."""
    if isinstance(exc, sqlite3.DatabaseError):
        text = str(exc).lower()
        return any(needle in text for needle, _ in _MEANINGS)
    if _pg_meaning(exc) is not None:
        return True
    return isinstance(exc, OSError) and exc.errno in _OS_ERRORS


def store_error(exc: BaseException, where: str) -> StoreError:
    """The StoreError a person reads for a database failure at ``where``."""
    meaning = _pg_meaning(exc)
    if meaning is not None:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return StoreError(f"{meaning}: {first}", where)
    if isinstance(exc, OSError) and exc.errno in _OS_ERRORS:
        text, where = _OS_ERRORS[exc.errno], exc.filename or where
    else:
        text = str(exc).lower()
    for needle, meaning in _MEANINGS:
        if needle in text:
            return StoreError(meaning, where)
    return StoreError(f"database error: {exc}", where)
