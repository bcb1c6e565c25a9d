"""The store: the only code that talks SQL. SQLite now; PostgreSQL follows behind the same API."""

from __future__ import annotations

import os
from pathlib import Path

from paperscope.errors import StoreError
from paperscope.store.errors import is_store_failure, store_error
from paperscope.store.sqlite import SqliteStore

__all__ = ["SqliteStore", "StoreError", "default_db_path", "is_store_failure", "open_store", "store_error"]


def default_db_path() -> str:
    """``$PAPERSCOPE_DB`` if set, else ``./paperscope.db``."""
    return os.environ.get("PAPERSCOPE_DB") or "paperscope.db"


def open_store(location: str | Path, *, read_only: bool = False) -> SqliteStore:
    """Open the database at a path or URL.

    Writable (the default), it is created and migrated if needed, with the folders above
    it. Read-only, nothing is created, migrated or refreshed: a missing database, or one
    this version cannot read without migrating it, is a StoreError naming the path.
    """
    text = str(location)
    if text.startswith(("postgres://", "postgresql://")):
        raise StoreError("the PostgreSQL backend is not available yet; use a SQLite file path", text)
    if text.startswith("sqlite:///"):
        text = text.removeprefix("sqlite:///")
    if not read_only and text not in ("", ":memory:"):
        try:
            Path(text).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the database's folder: {exc.strerror or exc}", text) from exc
    return SqliteStore(text, read_only=read_only)
