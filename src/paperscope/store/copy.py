"""Copying a whole paperscope database to another, across engines (``paperscope copy``).

SQLite → PostgreSQL is how a deployment moves up when it outgrows a laptop; PostgreSQL →
SQLite takes a service's data home again; a copy within one engine works too. What is
copied is every table of the source's schema but the derived and engine-specific ones
(:data:`NOT_COPIED`): the full-text tables, which the two engines build differently, are
rebuilt at the end by the destination's own search refresh; the nearest-neighbour index
is a file beside a database, not in it, and ``paperscope score`` builds one for the
destination.

How it goes:

- **Order**: tables in foreign-key order (parents first), read from the schema itself, so
  a table added by a later migration is copied without anyone listing it here.
- **Streaming**: each table is read in primary-key order, a page at a time, by keyset
  pagination (``WHERE (pk) > (last) ORDER BY pk LIMIT n``), and each page is written in
  one transaction of the destination (``INSERT … ON CONFLICT DO NOTHING``): memory stays
  bounded whatever the size. The source is read inside one read-only snapshot.
- **Values**: TEXT, INTEGER and REAL are the same on both engines; an embedding is float32
  bytes in SQLite and a pgvector ``vector`` in PostgreSQL, converted on the way.
- **Resumable**: run again after it was killed, a copy skips the tables already complete
  (their counts and end rows checked) and continues a partial one after the destination's
  largest key. A destination that holds anything else is refused before anything is written.
- **Identity columns** (PostgreSQL destination) continue after the copied ids.
- **Verified**: per table, the row count and a checksum of its logical content (rows in
  key order, each value in a canonical form) are computed on both sides by streaming; a
  difference is a StoreError naming the table and the first key that differs.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import Any

from paperscope.errors import PaperscopeError, StoreError
from paperscope.store import vectors
from paperscope.store.catalog import fk_order, quoted, schema
from paperscope.store.errors import is_engine_error, store_error
from paperscope.store.store import Store

__all__ = ["NOT_COPIED", "CopySummary", "TableCopy", "TablePlan", "copy_database", "plan_tables",
           "same_database", "table_checksum", "verify"]

# Tables that are derived, engine-specific or the database's own bookkeeping: never copied.
NOT_COPIED = frozenset({
    "search_papers", "search_researchers",  # full text: FTS5 in SQLite, tsvector/trigrams in PostgreSQL
    "search_papers_indexed", "search_state",  # the refresh's bookkeeping: rebuilt by dst.search.refresh()
    "stage_locks",  # who runs a stage on *this* database now
    "data_version",  # PostgreSQL's write counter
    "schema_migrations",  # each database records its own
    "artifacts",  # files beside the database (the ANN index): not copied, `score` builds them
})

OnTable = Callable[["TableCopy"], None]
OnRows = Callable[[str, int], None]


@dataclass(frozen=True, slots=True)
class TablePlan:
    """One table to copy: its columns (less generated ones), its primary key, and which
    columns hold vectors."""

    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    vector_columns: frozenset[str] = frozenset()

    @property
    def key_positions(self) -> tuple[int, ...]:
        return tuple(self.columns.index(k) for k in self.key)


@dataclass(slots=True)
class TableCopy:
    """What the copy did to one table."""

    name: str
    rows: int = 0           # rows the table holds in the source (and, once done, the destination)
    already: int = 0        # rows the destination held before this run (an interrupted copy's)
    copied: int = 0         # rows written by this run
    seconds: float = 0.0
    checksum: str = ""      # of the table's logical content, the same on both sides once verified
    verified: bool = False

    @property
    def rate(self) -> float:
        return self.copied / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        if self.rows == 0:
            return f"{self.name}: empty"
        if self.copied == 0 and self.already:
            return f"{self.name}: {self.rows:,} rows already copied"
        resumed = f" (resumed after {self.already:,})" if self.already else ""
        return (f"{self.name}: {self.copied:,} rows{resumed} in {self.seconds:.1f} s"
                f" ({self.rate:,.0f} rows/s)")

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.name, "rows": self.rows, "already": self.already, "copied": self.copied,
                "seconds": round(self.seconds, 3), "rows_per_second": round(self.rate, 1),
                "checksum": self.checksum, "verified": self.verified}


@dataclass(slots=True)
class CopySummary:
    """What one copy did: per table, then the whole."""

    source: str = ""
    destination: str = ""
    tables: list[TableCopy] = field(default_factory=list)
    sequences: dict[str, int] = field(default_factory=dict)  # identity column → where it continues after
    search: str = ""        # the destination's search refresh, as its line
    embedding_models: list[str] = field(default_factory=list)
    copy_seconds: float = 0.0
    verify_seconds: float = 0.0
    seconds: float = 0.0
    verified: bool = False

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    @property
    def copied(self) -> int:
        return sum(t.copied for t in self.tables)

    @property
    def rate(self) -> float:
        return self.copied / self.copy_seconds if self.copy_seconds > 0 else 0.0

    def line(self) -> str:
        already = self.rows - self.copied
        resumed = f" ({already:,} were already there)" if already else ""
        checked = (f"verified: counts and checksums of {len(self.tables)} tables match" if self.verified
                   else "not verified")
        return (f"copy: {self.copied:,} rows{resumed} of {len(self.tables)} tables in {self.seconds:.1f} s"
                f" ({self.rate:,.0f} rows/s copying, {self.verify_seconds:.1f} s verifying); {checked}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source, "destination": self.destination,
            "rows": self.rows, "copied": self.copied, "seconds": round(self.seconds, 3),
            "copy_seconds": round(self.copy_seconds, 3), "verify_seconds": round(self.verify_seconds, 3),
            "rows_per_second": round(self.rate, 1), "verified": self.verified,
            "tables": [t.as_dict() for t in self.tables], "sequences": self.sequences,
            "search": self.search, "embedding_models": self.embedding_models,
        }


def plan_tables(src: Store, dst: Store | None = None) -> list[TablePlan]:
    """The tables to copy, parents first, as the source's schema has them (and, given a
    destination, checked against its schema: the same tables, columns and keys)."""
    tables, keys, parents, vec = schema(src)
    copied = [t for t in tables if t not in NOT_COPIED]
    dst_schema = schema(dst) if dst is not None else None
    if dst_schema is not None:
        dst_tables = [t for t in dst_schema[0] if t not in NOT_COPIED]
        if set(dst_tables) != set(copied):
            differ = sorted(set(dst_tables) ^ set(copied))
            raise StoreError(f"the two databases' schemas differ (tables {', '.join(differ)})",
                             f"{src.location} → {dst.location}")  # type: ignore[union-attr]
    plans = []
    for table in fk_order(copied, parents):
        columns = tuple(src.db.table_columns(table))
        key = tuple(keys.get(table) or ())
        if not key:
            raise StoreError(f"table {table} has no primary key: copy cannot page through it", src.location)
        vector_columns = set(vec.get(table, ()))
        if dst_schema is not None and dst is not None:
            dst_columns = tuple(dst.db.table_columns(table))
            if dst_columns != columns or tuple(dst_schema[1].get(table) or ()) != key:
                raise StoreError(f"table {table} differs between the two databases' schemas",
                                 f"{src.location} → {dst.location}")
            vector_columns |= set(dst_schema[3].get(table, ()))
        plans.append(TablePlan(table, columns, key, frozenset(vector_columns)))
    return plans


# --- reading and writing rows ----------------------------------------------------------------
class _Side:
    """One database's rows of one table, in key order, each value in the canonical form the
    copy compares and writes: TEXT/INTEGER/REAL as the driver gives them, a vector as its
    float32 bytes."""

    def __init__(self, store: Store, plan: TablePlan) -> None:
        self.store = store
        self.db = store.db
        self.plan = plan
        pg = store.backend == "postgresql"
        self.vector_at = [i for i, c in enumerate(plan.columns) if c in plan.vector_columns]
        self._pg_vectors = pg and bool(self.vector_at)
        select = ", ".join(f"{quoted(c)}::text" if pg and c in plan.vector_columns else quoted(c) for c in plan.columns)
        self.table = quoted(plan.name)
        self.key_sql = ", ".join(quoted(k) for k in plan.key)
        self.key_tuple = f"({self.key_sql})" if len(plan.key) > 1 else self.key_sql
        self.key_marks = "(" + ", ".join("?" * len(plan.key)) + ")" if len(plan.key) > 1 else "?"
        self.select = f"SELECT {select} FROM {self.table}"
        self.desc = ", ".join(f"{quoted(k)} DESC" for k in plan.key)
        self.key_at = plan.key_positions

    def _canonical(self, rows: list[Any]) -> list[tuple[Any, ...]]:
        if not self.vector_at:
            return [tuple(r) for r in rows]
        import numpy as np

        out = []
        for row in rows:
            values = list(row)
            for i in self.vector_at:
                v = values[i]
                if v is None:
                    continue
                if isinstance(v, str):  # pgvector's text form
                    from pgvector import Vector

                    values[i] = np.asarray(Vector.from_text(v).to_numpy(), dtype=np.float32).tobytes()
                elif not isinstance(v, bytes):
                    values[i] = np.ascontiguousarray(v, dtype=np.float32).tobytes()
            out.append(tuple(values))
        return out

    def key_of(self, row: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(row[i] for i in self.key_at)

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """A query's rows; an engine's error is a StoreError naming this database."""
        with _failing_as(self.store):
            return list(self.db.execute(sql, params).fetchall())

    def count(self) -> int:
        return int(self._rows(f"SELECT count(*) FROM {self.table}")[0][0])

    def count_upto(self, key: Sequence[Any]) -> int:
        return int(self._rows(
            f"SELECT count(*) FROM {self.table} WHERE {self.key_tuple} <= {self.key_marks}", list(key)
        )[0][0])

    def page(self, after: Sequence[Any] | None, limit: int) -> list[tuple[Any, ...]]:
        """The next ``limit`` rows after the key ``after`` (from the start if None)."""
        if after is None:
            rows = self._rows(f"{self.select} ORDER BY {self.key_sql} LIMIT ?", (limit,))
        else:
            rows = self._rows(
                f"{self.select} WHERE {self.key_tuple} > {self.key_marks} ORDER BY {self.key_sql} LIMIT ?",
                [*after, limit],
            )
        return self._canonical(rows)

    def at(self, key: Sequence[Any]) -> tuple[Any, ...] | None:
        rows = self._rows(f"{self.select} WHERE {self.key_tuple} = {self.key_marks}", list(key))
        return self._canonical(rows)[0] if rows else None

    def last(self) -> tuple[Any, ...] | None:
        rows = self._rows(f"{self.select} ORDER BY {self.desc} LIMIT 1")
        return self._canonical(rows)[0] if rows else None

    def first(self) -> tuple[Any, ...] | None:
        rows = self.page(None, 1)
        return rows[0] if rows else None

    def stream(self, batch: int) -> Iterator[tuple[Any, ...]]:
        after = None
        while True:
            rows = self.page(after, batch)
            yield from rows
            if len(rows) < batch:
                return
            after = self.key_of(rows[-1])

    # writing
    def insert_sql(self) -> str:
        marks = ", ".join("?" * len(self.plan.columns))
        columns = ", ".join(quoted(c) for c in self.plan.columns)
        return f"INSERT INTO {self.table} ({columns}) VALUES ({marks}) ON CONFLICT DO NOTHING"

    def encode(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Canonical rows as this engine binds them (vectors: bytes in SQLite, pgvector text)."""
        if not self.vector_at or self.store.backend == "sqlite":
            return rows
        import numpy as np

        out = []
        for row in rows:
            values = list(row)
            for i in self.vector_at:
                if values[i] is not None:
                    values[i] = vectors.encode(self.db, np.frombuffer(values[i], dtype=np.float32))
            out.append(tuple(values))
        return out


def _canonical_bytes(row: tuple[Any, ...]) -> bytes:
    """One row as the checksum reads it: ints as ints, floats by repr, text quoted (so NULL
    and '' differ), bytes (vectors: their float32 bytes) as bytes; ``repr`` of the tuple
    is all of that."""
    return repr(row).encode("utf-8", "surrogatepass") + b"\n"


def table_checksum(store: Store, plan: TablePlan, batch: int = 5000) -> tuple[int, str]:
    """(rows, checksum) of one table's logical content, read by streaming."""
    side = _Side(store, plan)
    digest = hashlib.blake2b(digest_size=16)
    n = 0
    for row in side.stream(batch):
        digest.update(_canonical_bytes(row))
        n += 1
    return n, digest.hexdigest()


# --- errors --------------------------------------------------------------------------------
@contextmanager
def _failing_as(store: Store) -> Iterator[None]:
    """An engine's error inside the block is a StoreError naming this store's database."""
    try:
        yield
    except PaperscopeError:
        raise
    except Exception as exc:
        if is_engine_error(exc):
            raise store_error(exc, store.location) from exc
        raise


@contextmanager
def _snapshot(store: Store) -> Iterator[None]:
    """Read the source in one read transaction: the copy and its verification see one state
    of it, whatever writes other processes commit meanwhile."""
    db = store.db
    if store.backend == "postgresql" and getattr(db, "conn", None) is None:
        yield  # a pooled store: each statement on its own (not how copy opens one)
        return
    begin = "BEGIN" if store.backend == "sqlite" else "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
    with _failing_as(store):
        db.execute(begin)
    try:
        yield
    finally:
        with suppress(Exception):  # the error that ended the copy, if any, matters more
            db.execute("ROLLBACK")  # nothing was written: ending the read is all


# --- the copy ---------------------------------------------------------------------------------
def same_database(a: str | Path, b: str | Path) -> bool:
    """Whether two locations (paths or URLs) name the same database."""
    from paperscope.store import is_postgres_url

    sa, sb = str(a), str(b)
    if is_postgres_url(sa) or is_postgres_url(sb):
        from urllib.parse import urlsplit

        pa, pb = urlsplit(sa), urlsplit(sb)
        return (is_postgres_url(sa) and is_postgres_url(sb) and pa.path == pb.path
                and (pa.hostname, pa.port, pa.query) == (pb.hostname, pb.port, pb.query))
    sa, sb = sa.removeprefix("sqlite:///"), sb.removeprefix("sqlite:///")
    if sa in ("", ":memory:") or sb in ("", ":memory:"):
        return False
    return os.path.realpath(sa) == os.path.realpath(sb)


def _check_schema_versions(src: Store, dst: Store) -> None:
    """Both at one schema version: the one this paperscope ships (a database at an older
    one is migrated first; one at a newer one needs a newer paperscope)."""
    from paperscope.store.migrations import available_migrations

    versions = {"source": (src, src.schema_version()), "destination": (dst, dst.schema_version())}
    if versions["source"][1] == versions["destination"][1]:
        return
    for side, (store, version) in versions.items():
        shipped = available_migrations(store.db.dialect)[-1].version
        other = versions["destination" if side == "source" else "source"][1]
        if version > shipped:
            raise StoreError(f"the {side} is at schema version {version}, newer than this paperscope"
                             f" knows ({shipped}; the other database is at {other}): upgrade paperscope",
                             store.location)
    for side, (store, version) in versions.items():
        other = versions["destination" if side == "source" else "source"][1]
        if version < other:
            flag = "SRC" if side == "source" else "DST"
            raise StoreError(f"the {side} is at schema version {version}, the other database at {other}:"
                             f" migrate the {side} first (`paperscope --db {flag} migrate`)", store.location)


def _differs(table: str, dst: Store, why: str) -> StoreError:
    return StoreError(f"the destination already holds data that is not a copy of the source"
                      f" (table {table}: {why}); copy into an empty database", dst.location)


def _resume_point(src: _Side, dst: _Side, src_rows: int) -> tuple[int, tuple[Any, ...] | None]:
    """How many rows of the table the destination holds and the key to continue after
    (None: from the start); a StoreError if what it holds is not the source's first rows.

    Cheap: counts, the first and last rows the destination holds compared with the
    source's rows of the same keys, and the source's count up to that last key."""
    table = src.plan.name
    have = dst.count()
    if have == 0:
        return 0, None
    if have > src_rows:
        raise _differs(table, dst.store, f"{have:,} rows, the source has {src_rows:,}")
    first, last = dst.first(), dst.last()
    assert first is not None and last is not None
    for row in (first, last):
        key = dst.key_of(row)
        theirs = src.at(key)
        if theirs is None:
            raise _differs(table, dst.store, f"key {_show(key)} is not in the source")
        if theirs != row:
            raise _differs(table, dst.store, f"the row of key {_show(key)} differs")
    last_key = dst.key_of(last)
    if src.count_upto(last_key) != have:
        raise _differs(table, dst.store, f"its {have:,} rows are not the source's first {have:,}")
    return have, (None if have == src_rows else last_key)


def _show(key: Sequence[Any]) -> str:
    text = ", ".join(repr(k) for k in key)
    return text if len(text) <= 80 else text[:79] + "…"


def copy_database(
    src: Store,
    dst: Store,
    *,
    batch: int = 5000,
    on_table: OnTable | None = None,
    on_rows: OnRows | None = None,
    check: bool = True,
) -> CopySummary:
    """Copy every table of ``src`` into ``dst`` (see the module's docstring), rebuild the
    destination's search indexes, continue its identity columns, and verify the copy
    (unless ``check`` is False). ``on_table`` is called as each table completes,
    ``on_rows(table, n)`` after each batch is committed. Re-run after an interruption, it
    continues where the last run stopped."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    if dst.read_only:
        raise StoreError("the destination is open read-only", dst.location)
    if same_database(src.url, dst.url):
        raise StoreError("the source and the destination are the same database", dst.location)
    started = time.perf_counter()
    summary = CopySummary(source=src.location, destination=dst.location)
    with _failing_as(src):
        _check_schema_versions(src, dst)
    with _failing_as(dst), _snapshot(src):
        with _failing_as(src):
            plans = plan_tables(src, dst)
        sides = [(_Side(src, p), _Side(dst, p)) for p in plans]
        # Check every table before writing anything: an unrelated destination is refused whole.
        starts = []
        for s, d in sides:
            src_rows = s.count()
            starts.append((src_rows, *_resume_point(s, d, src_rows)))
        copy_started = time.perf_counter()
        for (s, d), (src_rows, have, after) in zip(sides, starts, strict=True):
            done = TableCopy(s.plan.name, rows=src_rows, already=have)
            if have < src_rows:
                _copy_table(s, d, after, batch, done, on_rows)
            summary.tables.append(done)
            if on_table:
                on_table(done)
        summary.copy_seconds = time.perf_counter() - copy_started
        if dst.backend == "postgresql":
            summary.sequences = _continue_identities(dst)
        summary.search = dst.search.refresh().line()
        summary.embedding_models = [m for (m,) in dst.db.execute(
            "SELECT DISTINCT model FROM embeddings ORDER BY model")]
        if check:
            verify_started = time.perf_counter()
            verify(src, dst, plans, batch=batch, tables=summary.tables)
            summary.verify_seconds = time.perf_counter() - verify_started
            summary.verified = True
    summary.seconds = time.perf_counter() - started
    return summary


def _copy_table(s: _Side, d: _Side, after: tuple[Any, ...] | None, batch: int, done: TableCopy,
                on_rows: OnRows | None) -> None:
    started = time.perf_counter()
    sql = d.insert_sql()
    while True:
        rows = s.page(after, batch)
        if not rows:
            break
        try:
            with d.store.transaction():
                d.db.executemany(sql, d.encode(rows))
        except PaperscopeError:
            raise
        except Exception as exc:
            if not is_engine_error(exc):
                raise
            failure = store_error(exc, d.store.location)
            raise StoreError(f"copying table {s.plan.name} (rows after key {_show(after or ())}):"
                             f" {failure.what}", d.store.location) from exc
        done.copied += len(rows)
        done.seconds = time.perf_counter() - started
        if on_rows:
            on_rows(s.plan.name, len(rows))
        if len(rows) < batch:
            break
        after = s.key_of(rows[-1])
    done.seconds = time.perf_counter() - started


def _continue_identities(dst: Store) -> dict[str, int]:
    """PostgreSQL: make each identity column's sequence continue after the largest id
    copied (rows copied with their ids leave the sequence where it was)."""
    out: dict[str, int] = {}
    for table, column in dst.db.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name"
    ).fetchall():
        if table in NOT_COPIED:
            continue
        (top,) = dst.db.execute(f"SELECT max({quoted(column)}) FROM {quoted(table)}").fetchone()
        if top is None:
            continue
        with dst.transaction():
            dst.db.execute("SELECT setval(pg_get_serial_sequence(?, ?), ?)", (table, column, int(top)))
        out[f"{table}.{column}"] = int(top)
    return out


def verify(
    src: Store,
    dst: Store,
    plans: Sequence[TablePlan] | None = None,
    *,
    batch: int = 5000,
    tables: list[TableCopy] | None = None,
) -> list[TableCopy]:
    """Compare every copied table's rows and checksum on both sides, streaming both in key
    order side by side; a StoreError names the first table that differs (and the first key
    where it does). Returns (or fills in ``tables``) each table's figures."""
    plans = list(plans) if plans is not None else plan_tables(src, dst)
    by_name = {t.name: t for t in tables or ()}
    out = []
    for plan in plans:
        s, d = _Side(src, plan), _Side(dst, plan)
        hs, hd = hashlib.blake2b(digest_size=16), hashlib.blake2b(digest_size=16)
        ns = nd = 0
        first_difference: tuple[Any, ...] | None = None
        for a, b in zip_longest(s.stream(batch), d.stream(batch)):
            if a is not None:
                hs.update(_canonical_bytes(a))
                ns += 1
            if b is not None:
                hd.update(_canonical_bytes(b))
                nd += 1
            if first_difference is None and a != b:
                keys = [side.key_of(row) for side, row in ((s, a), (d, b)) if row is not None]
                first_difference = min(keys)
        result = by_name.get(plan.name) or TableCopy(plan.name, rows=ns)
        result.checksum = hs.hexdigest()
        if ns != nd or hs.digest() != hd.digest():
            where = f"; first at key {_show(first_difference)}" if first_difference is not None else ""
            raise StoreError(
                f"verification failed: table {plan.name} differs ({ns:,} rows and checksum"
                f" {hs.hexdigest()[:12]} in the source, {nd:,} rows and checksum {hd.hexdigest()[:12]}"
                f" in the destination{where})", dst.location)
        result.verified = True
        out.append(result)
    return out
