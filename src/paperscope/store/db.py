"""A database connection as the store's parts see it, whichever engine is behind it.

Every part of the store (papers, researchers, scores, search, …) is written once against
:class:`Database`: SQL with ``?`` placeholders in the subset SQLite and PostgreSQL both
accept (``ON CONFLICT … DO NOTHING/UPDATE``, ``IS DISTINCT FROM``, ``RETURNING``,
``CASE`` sums). The SQLite database hands its own connection's ``execute`` through; the
PostgreSQL one rewrites the placeholders for psycopg. Where the engines truly differ —
full-text search, vectors, bulk loading, locks — a part asks ``db.dialect`` and uses a
module of that engine's own (``fulltext_*.py``, ``vectors.py``, ``postgres.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Literal, Protocol

__all__ = ["Cursor", "Database", "Dialect", "any_of", "marks"]

Dialect = Literal["sqlite", "postgresql"]


class Cursor(Protocol):
    """What a query returns: rows as tuples."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Database(Protocol):
    """One connection to a paperscope database."""

    dialect: Dialect
    location: str  # what error messages name: a file path, or a URL without its password
    read_only: bool

    def execute(self, sql: str, params: Sequence[Any] = (), /) -> Cursor: ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]], /) -> Any: ...

    def transaction(self) -> AbstractContextManager[Database]:
        """One write transaction: everything in it lands or nothing does. Not nested."""
        ...

    def close(self) -> None: ...


def marks(items: Sequence[Any]) -> str:
    """``?, ?, ?``: one placeholder per item, for ``IN (…)``."""
    return ", ".join("?" * len(items))


def any_of(db: Database, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """What follows a column to match any of ``values``, and the parameters it takes:
    ``IN (?, ?, ?)`` and the values on SQLite; ``= ANY(?)`` and one array on PostgreSQL,
    whose statement text then stays the same for any number of values, so the server
    plans it once per connection (psycopg prepares a statement it sees again)."""
    if db.dialect == "postgresql":
        return "= ANY(?)", [list(values)]
    return f"IN ({marks(values)})", list(values)
