"""Embedding vectors in each engine: SQLite keeps float32 bytes, PostgreSQL a pgvector
``vector`` (float32 too, so both give the same scores).

Which nearest-neighbour index serves novelty, semantic search and similar papers is
decided in ``paperscope.ann``: the usearch file beside the database on either backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from paperscope.store.db import Database

if TYPE_CHECKING:
    import numpy as np

__all__ = ["encode", "parameter", "read_all"]


def parameter(db: Database) -> str:
    """The placeholder a vector is bound to."""
    return "?" if db.dialect == "sqlite" else "?::vector"


def encode(db: Database, vector: np.ndarray) -> Any:
    import numpy as np

    v = np.ascontiguousarray(vector, dtype=np.float32)
    if db.dialect == "sqlite":
        return v.tobytes()
    from pgvector import Vector

    return Vector(v).to_text()


def read_all(db: Database, model: str) -> tuple[list[int], np.ndarray]:
    """Every stored vector of a model: (paper ids, n × dim matrix), by paper id."""
    import numpy as np

    ids: list[int] = []
    chunks: list[Any] = []
    dim = 0
    column = "vector" if db.dialect == "sqlite" else "vector::text"
    for pid, d, value in db.execute(
        f"SELECT paper_id, dim, {column} FROM embeddings WHERE model = ? ORDER BY paper_id", (model,)  # noqa: S608
    ):
        ids.append(pid)
        chunks.append(value)
        dim = d
    if not ids:
        return [], np.zeros((0, 0), dtype=np.float32)
    if db.dialect == "sqlite":
        return ids, np.frombuffer(b"".join(chunks), dtype=np.float32).reshape(len(ids), dim)
    from pgvector import Vector

    matrix = np.stack([Vector.from_text(text).to_numpy() for text in chunks]).astype(np.float32, copy=False)
    return ids, matrix.reshape(len(ids), dim)
