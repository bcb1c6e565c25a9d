"""Bulk loading on PostgreSQL: ``COPY … FROM STDIN (FORMAT BINARY)``.

The paper writer decides which records are new papers (store/papers.py); their rows
(papers, identifiers, versions, authorships, provenance) go in by COPY rather than one
INSERT each. It runs inside the caller's transaction: a killed process leaves nothing of
the batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from paperscope.store.db import Database

__all__ = ["copy_rows"]

_TYPES: dict[tuple[str, str], list[str]] = {}


def _types(db: Any, table: str, columns: Sequence[str]) -> list[str]:
    """The PostgreSQL types of some columns (what binary COPY needs), read once per process."""
    key = (table, ",".join(columns))
    if key not in _TYPES:
        found = dict(db.execute(
            "SELECT a.attname, format_type(a.atttypid, NULL) FROM pg_attribute a"
            " WHERE a.attrelid = CAST(? AS regclass) AND a.attnum > 0 AND NOT a.attisdropped",
            (table,),
        ))
        _TYPES[key] = [found[c] for c in columns]
    return _TYPES[key]


def _clean(row: Sequence[Any]) -> Sequence[Any]:
    """PostgreSQL's text cannot hold NUL: dropped, as the statement path does."""
    for value in row:
        if type(value) is str and "\x00" in value:
            return tuple(v.replace("\x00", "") if type(v) is str else v for v in row)
    return row


def copy_rows(db: Database, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY rows into a table (binary); returns how many."""
    rows = list(rows)
    if not rows:
        return 0
    conn = db._connection()  # type: ignore[attr-defined]  # the PostgreSQL database's own
    types = _types(db, table, columns)
    with conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(_clean(row))
    return len(rows)
