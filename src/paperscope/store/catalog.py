"""What a database's schema holds, read from the engine's own catalog: its tables, their
primary keys, the tables each references, and (PostgreSQL) its vector columns. Used by
``paperscope copy`` (store/copy.py) to order and page through every table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from paperscope.errors import StoreError
from paperscope.store.store import Store

__all__ = ["fk_order", "quoted", "schema"]


def quoted(name: str) -> str:
    """A quoted identifier (the same in both engines)."""
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unexpected identifier {name!r}")
    return f'"{name}"'


def _sqlite_schema(db: Any) -> tuple[list[str], dict[str, list[str]], dict[str, set[str]], dict[str, set[str]]]:
    rows = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall()
    virtual = [name for name, sql in rows if (sql or "").upper().startswith("CREATE VIRTUAL TABLE")]
    # The tables an FTS5 table keeps its index in ("shadow" tables) are the engine's own.
    shadow = {f"{v}_{suffix}" for v in virtual for suffix in ("data", "idx", "content", "docsize", "config")}
    tables = [name for name, _ in rows if not name.startswith("sqlite_") and name not in shadow]
    keys: dict[str, list[str]] = {}
    parents: dict[str, set[str]] = {}
    for table in tables:
        info = db.execute(f"PRAGMA table_info({quoted(table)})").fetchall()
        keys[table] = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
        parents[table] = {r[2] for r in db.execute(f"PRAGMA foreign_key_list({quoted(table)})")}
    return tables, keys, parents, {}


def _postgres_schema(db: Any) -> tuple[list[str], dict[str, list[str]], dict[str, set[str]], dict[str, set[str]]]:
    tables = [t for (t,) in db.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        " AND table_type = 'BASE TABLE' ORDER BY table_name")]
    keys: dict[str, list[str]] = {t: [] for t in tables}
    for table, column in db.execute(
        "SELECT c.relname, a.attname FROM pg_index i"
        " JOIN pg_class c ON c.oid = i.indrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
        " WHERE i.indisprimary AND n.nspname = current_schema()"
        " ORDER BY c.relname, array_position(i.indkey::int2[], a.attnum)"
    ):
        keys.setdefault(table, []).append(column)
    parents: dict[str, set[str]] = {t: set() for t in tables}
    for child, parent in db.execute(
        "SELECT c.relname, p.relname FROM pg_constraint k"
        " JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid"
        " JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE k.contype = 'f' AND n.nspname = current_schema()"
    ):
        parents.setdefault(child, set()).add(parent)
    vector_columns: dict[str, set[str]] = {}
    for table, column in db.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND udt_name = 'vector'"
    ):
        vector_columns.setdefault(table, set()).add(column)
    return tables, keys, parents, vector_columns


def schema(store: Store) -> tuple[list[str], dict[str, list[str]], dict[str, set[str]], dict[str, set[str]]]:
    return (_sqlite_schema if store.backend == "sqlite" else _postgres_schema)(store.db)


def fk_order(tables: Sequence[str], parents: dict[str, set[str]]) -> list[str]:
    """Tables with every table they reference before them (ties by name)."""
    wanted = set(tables)
    todo = {t: {p for p in parents.get(t, ()) if p in wanted and p != t} for t in tables}
    order: list[str] = []
    while todo:
        ready = sorted(t for t, ps in todo.items() if not ps)
        if not ready:
            raise StoreError(f"the tables {', '.join(sorted(todo))} reference each other in a cycle:"
                             " copy cannot order them")
        for t in ready:
            order.append(t)
            del todo[t]
        for ps in todo.values():
            ps.difference_update(ready)
    return order
