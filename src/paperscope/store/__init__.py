"""The store: the only code that talks SQL. SQLite now; PostgreSQL follows behind the same API."""

from __future__ import annotations

import os
from pathlib import Path

from paperscope.store.sqlite import SqliteStore

__all__ = ["SqliteStore", "default_db_path", "open_store"]


def default_db_path() -> str:
    """``$PAPERSCOPE_DB`` if set, else ``./paperscope.db``."""
    return os.environ.get("PAPERSCOPE_DB") or "paperscope.db"


def open_store(location: str | Path) -> SqliteStore:
    """Open (creating and migrating if needed) the database at a path or URL."""
    text = str(location)
    if text.startswith(("postgres://", "postgresql://")):
        raise NotImplementedError(
            f"{text}: the PostgreSQL backend is not available yet; use a SQLite file path"
        )
    if text.startswith("sqlite:///"):
        text = text.removeprefix("sqlite:///")
    Path(text).parent.mkdir(parents=True, exist_ok=True)
    return SqliteStore(text)
