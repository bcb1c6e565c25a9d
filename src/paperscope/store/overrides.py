"""Manual corrections kept in a table of their own (``researcher_overrides``,
``work_overrides``): appended in order, never edited, and applied again by every rebuild."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

import orjson

from paperscope.store.db import Database

__all__ = ["Override", "add_override", "read_overrides"]

Override = tuple[int, str, dict[str, Any]]  # (id, action, payload)
Table = Literal["researcher_overrides", "work_overrides"]


def add_override(db: Database, table: Table, action: str, payload: dict[str, Any]) -> int:
    """Append one correction (inside the caller's transaction); its id."""
    row = db.execute(
        f"INSERT INTO {table} (action, payload, created) VALUES (?, ?, ?) RETURNING id",
        (action, orjson.dumps(payload).decode(), datetime.now(UTC).isoformat(timespec="seconds")),
    ).fetchone()
    return int(row[0])


def read_overrides(db: Database, table: Table) -> list[Override]:
    """Every correction, in the order they were made (the order rebuilds apply them)."""
    return [(oid, action, orjson.loads(payload))
            for oid, action, payload in db.execute(f"SELECT id, action, payload FROM {table} ORDER BY id")]
