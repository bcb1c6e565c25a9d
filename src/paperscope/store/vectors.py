"""Embedding vectors in each engine: SQLite keeps float32 bytes, PostgreSQL a pgvector
``vector`` (float32 too, so both give the same scores).

Nearest-neighbour indexes (docs/storage.md says which serves what, and why):
- the usearch file (``paperscope.ann``) beside the database, or in ``$PAPERSCOPE_ARTIFACTS``
  for PostgreSQL: novelty's date-limited queries on both backends (150k queries answered
  in-process in seconds), and search / similar papers wherever this host has the file;
- on PostgreSQL, a pgvector HNSW index per model (``ensure_index``, ``PgVectorIndex``):
  similar papers and semantic search for a web worker on a host without the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from paperscope.store.db import Database

if TYPE_CHECKING:
    import numpy as np

__all__ = ["PgVectorIndex", "column", "decode", "encode", "ensure_index", "open_index", "read_all"]


def encode(db: Database, vector: np.ndarray) -> Any:
    """A vector as the engine binds it: float32 bytes (SQLite); the array itself, which the
    PostgreSQL connection sends in pgvector's binary form (PostgresDatabase registers it)."""
    import numpy as np

    v = np.ascontiguousarray(vector, dtype=np.float32)
    return v.tobytes() if db.dialect == "sqlite" else v


def column(db: Database, name: str = "vector") -> str:
    """What to select to read a vector column as bytes (PostgreSQL: pgvector's binary form,
    a 4-byte header then big-endian float32s; see ``decode``)."""
    return name if db.dialect == "sqlite" else f"vector_send({name})"


def decode(db: Database, value: bytes) -> np.ndarray:
    """The float32 array of a vector read through ``column``."""
    import numpy as np

    if db.dialect == "sqlite":
        return np.frombuffer(value, dtype=np.float32)
    return np.frombuffer(value, dtype=">f4", offset=4).astype(np.float32)


def read_all(db: Database, model: str) -> tuple[list[int], np.ndarray]:
    """Every stored vector of a model: (paper ids, n × dim matrix), by paper id."""
    import numpy as np

    windows = list(read_windows(db, model))
    if not windows:
        return [], np.zeros((0, 0), dtype=np.float32)
    return [pid for ids, _ in windows for pid in ids], np.concatenate([v for _, v in windows])


def read_windows(db: Database, model: str, window: int = 20_000) -> Iterator[tuple[list[int], np.ndarray]]:
    """The stored vectors of a model, ``window`` paper ids at a time: (paper ids, matrix)."""
    (last,) = db.execute("SELECT max(paper_id) FROM embeddings WHERE model = ?", (model,)).fetchone()
    for low in range(0, (last or -1) + 1, window):
        rows = db.execute(
            f"SELECT paper_id, dim, {column(db)} FROM embeddings WHERE model = ? AND paper_id >= ? AND paper_id < ?"
            " ORDER BY paper_id", (model, low, low + window),
        ).fetchall()
        if rows:
            yield [pid for pid, _, _ in rows], _matrix(db, [value for _, _, value in rows], rows[0][1])


def _matrix(db: Database, values: list[Any], dim: int) -> np.ndarray:
    import numpy as np

    if db.dialect == "sqlite":
        return np.frombuffer(b"".join(values), dtype=np.float32).reshape(len(values), dim)
    # vector_send's form: per row a 4-byte header (dim, unused), then dim big-endian float32s.
    rows = np.frombuffer(b"".join(bytes(c) for c in values), dtype=np.uint8).reshape(len(values), 4 + 4 * dim)
    return np.ascontiguousarray(rows[:, 4:]).view(">f4").astype(np.float32)


# --- PostgreSQL: a pgvector HNSW index per embedding model --------------------------------


def _index_name(model: str) -> str:
    import hashlib

    return "embeddings_hnsw_" + hashlib.blake2b(model.encode(), digest_size=6).hexdigest()


def _literal(text: str) -> str:
    """A SQL string literal (the planner proves a partial index's predicate only from one)."""
    return "'" + text.replace("'", "''") + "'"


def ensure_index(db: Database, model: str, dim: int) -> bool:
    """PostgreSQL: make sure the model's vectors have their HNSW index (halfvec, cosine);
    True if it was built now. pgvector keeps it current as rows are written. SQLite: no-op
    (its nearest-neighbour index is the usearch file, paperscope.ann)."""
    if db.dialect != "postgresql" or dim <= 0:
        return False
    name = _index_name(model)
    if db.execute("SELECT 1 FROM pg_indexes WHERE indexname = ?", (name,)).fetchone():
        return False
    db.execute(
        f"CREATE INDEX IF NOT EXISTS {name} ON embeddings USING hnsw"
        f" ((vector::halfvec({int(dim)})) halfvec_cosine_ops) WITH (m = 16, ef_construction = 128)"
        f" WHERE model = {_literal(model)}"
    )
    return True


class PgVectorIndex:
    """One model's vectors searched through their pgvector HNSW index: what the web app's
    similar papers and semantic search use on PostgreSQL, from any process on any host.
    Similarities are computed on the float32 vectors; the index orders by halfvec."""

    def __init__(self, db: Database, model: str, dim: int) -> None:
        self.db = db
        self.embedder = model
        self.ndim = dim
        self._model = _literal(model)

    def __len__(self) -> int:
        return int(self.db.execute(
            f"SELECT count(*) FROM embeddings WHERE model = {self._model}"
        ).fetchone()[0])

    def vector(self, paper_id: int) -> np.ndarray | None:
        row = self.db.execute(
            f"SELECT {column(self.db)} FROM embeddings WHERE model = {self._model} AND paper_id = ?",
            (int(paper_id),),
        ).fetchone()
        return None if row is None else decode(self.db, bytes(row[0]))

    def search(self, queries: np.ndarray, k: int = 10, *, before: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """The k most similar papers to each query: (ids, cosines), best first, padded with
        id −1 / cosine −inf (as paperscope.ann.AnnIndex.search)."""
        import numpy as np

        if before is not None:
            raise ValueError("date-limited queries go to the usearch index (paperscope.ann)")
        queries = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        sims = np.full((len(queries), k), -np.inf, dtype=np.float32)
        d = int(self.ndim)
        for q, vector in enumerate(queries):
            text = encode(self.db, vector)
            rows = self.db.execute(
                f"SELECT paper_id, 1 - (vector <=> CAST(? AS vector)) FROM embeddings"
                f" WHERE model = {self._model}"
                f" ORDER BY vector::halfvec({d}) <=> CAST(? AS halfvec({d})) LIMIT ?",
                (text, text, k),
            ).fetchall()
            for i, (pid, sim) in enumerate(rows):
                ids[q, i], sims[q, i] = pid, sim
        return ids, sims


def open_index(db: Database, model: str) -> PgVectorIndex | None:
    """The engine's own vector index of a model, where it has one (PostgreSQL, once
    ``ensure_index`` built it); None on SQLite, whose index is a file (paperscope.ann)."""
    if db.dialect != "postgresql":
        return None
    if not db.execute("SELECT 1 FROM pg_indexes WHERE indexname = ?", (_index_name(model),)).fetchone():
        return None
    row = db.execute(f"SELECT dim FROM embeddings WHERE model = {_literal(model)} LIMIT 1").fetchone()
    return None if row is None else PgVectorIndex(db, model, int(row[0]))
