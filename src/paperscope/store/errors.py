"""Database errors as the one-line errors people read (paperscope.errors.StoreError)."""

from __future__ import annotations

import errno
import sqlite3

from paperscope.errors import StoreError

__all__ = ["is_store_failure", "store_error"]

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


# The disk's errors, as the SQLite message that means the same.
_OS_ERRORS = {errno.ENOSPC: "disk is full", errno.EDQUOT: "disk is full", errno.EIO: "disk i/o error",
              errno.EROFS: "readonly database"}


def is_store_failure(exc: BaseException) -> bool:
    """Whether an exception is the database (or the disk under it) failing, rather than a
    bug (a query naming a column that is not there is paperscope's fault, not the disk's)."""
    if isinstance(exc, sqlite3.DatabaseError):
        text = str(exc).lower()
        return any(needle in text for needle, _ in _MEANINGS)
    return isinstance(exc, OSError) and exc.errno in _OS_ERRORS


def store_error(exc: BaseException, where: str) -> StoreError:
    """The StoreError a person reads for a database failure at ``where``."""
    if isinstance(exc, OSError) and exc.errno in _OS_ERRORS:
        text, where = _OS_ERRORS[exc.errno], exc.filename or where
    else:
        text = str(exc).lower()
    for needle, meaning in _MEANINGS:
        if needle in text:
            return StoreError(meaning, where)
    return StoreError(f"database error: {exc}", where)
