"""Embeddings and scores in the store: what to (re)compute, and the results.

Both are derived data, recomputed only where their inputs changed: an embedding when the
paper's text or the model changes (``text_hash``, ``model``), a score when what it read
changes (``inputs``: a hash the scoring stage computes, model version included).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

from paperscope.store import vectors
from paperscope.store.db import Database, any_of
from paperscope.store.records import Score, ScoreValue

# numpy is imported where vectors are read or written, not with the store: every
# command opens the store, and most (ingest, paper, stats) never touch a vector.
if TYPE_CHECKING:
    import numpy as np

__all__ = ["PaperText", "ScoreRow", "ScoreStore"]


@dataclass(slots=True)
class PaperText:
    """What scoring reads of a paper."""

    paper_id: int
    title: str
    abstract: str | None
    category: str | None     # primary category, else the short code ("CV" for CVPR papers)
    date: str | None         # first-version date, else the year as "YYYY"


@dataclass(slots=True)
class ScoreRow:
    paper_id: int
    value: float | None
    label: str | None
    explanation: dict[str, Any]
    inputs: str


class ScoreStore:
    """The embeddings and paper_scores tables, inside the caller's connection."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def paper_texts(self, window: int = 5_000) -> Iterator[PaperText]:
        """Every paper's text, by id, read ``window`` ids at a time: any corpus streams, on
        either backend, while the caller writes between windows."""
        (last,) = self.db.execute("SELECT max(id) FROM papers").fetchone()
        for low in range(0, (last or -1) + 1, window):
            for pid, title, abstract, primary, code, first_date, year in self.db.execute(
                "SELECT id, title, abstract, primary_category, category_code, first_date, year"
                " FROM papers WHERE id >= ? AND id < ? ORDER BY id", (low, low + window)
            ).fetchall():
                yield PaperText(pid, title, abstract, primary or code,
                                first_date or (f"{year:04d}" if year else None))

    def embedded_hashes(self, model: str) -> dict[int, str]:
        return dict(self.db.execute(
            "SELECT paper_id, text_hash FROM embeddings WHERE model = ?", (model,)
        ))

    def write_embeddings(self, model: str, rows: Sequence[tuple[int, str, np.ndarray]]) -> None:
        self.db.executemany(
            "INSERT INTO embeddings (paper_id, model, text_hash, dim, vector)"
            " VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (paper_id, model) DO UPDATE SET text_hash = excluded.text_hash,"
            " dim = excluded.dim, vector = excluded.vector",
            [(pid, model, h, int(v.shape[0]), vectors.encode(self.db, v)) for pid, h, v in rows],
        )

    def embedding_dim(self, model: str) -> int | None:
        row = self.db.execute("SELECT dim FROM embeddings WHERE model = ? LIMIT 1", (model,)).fetchone()
        return int(row[0]) if row else None

    def ensure_vector_index(self, model: str, dim: int) -> bool:
        """Build the engine's own nearest-neighbour index of a model's vectors if it keeps
        one (PostgreSQL: pgvector HNSW) and it is missing; True if built now."""
        return vectors.ensure_index(self.db, model, dim)

    def vector_index(self, model: str) -> Any:
        """The engine's own nearest-neighbour index of a model's vectors (PostgreSQL), with
        ``search``/``vector``/``len`` as paperscope.ann.AnnIndex; None where the engine
        keeps none (SQLite: the usearch file is the index)."""
        return vectors.open_index(self.db, model)

    def embeddings(self, model: str) -> tuple[list[int], np.ndarray]:
        """Every stored vector of a model: (paper ids, n × dim matrix), by paper id."""
        return vectors.read_all(self.db, model)

    def embedding_windows(self, model: str, window: int = 20_000) -> Iterator[tuple[list[int], np.ndarray]]:
        """The stored vectors of a model a window of paper ids at a time: (paper ids, matrix)."""
        return vectors.read_windows(self.db, model, window)

    def score_inputs(self, kind: str) -> dict[int, str]:
        return dict(self.db.execute(
            "SELECT paper_id, inputs FROM paper_scores WHERE kind = ?", (kind,)
        ))

    def scored(self, kind: str) -> tuple[set[int], set[str]]:
        """The papers that have a score of this kind, and the models that computed them."""
        papers: set[int] = set()
        models: set[str] = set()
        for pid, model in self.db.execute(
            "SELECT paper_id, model FROM paper_scores WHERE kind = ?", (kind,)
        ):
            papers.add(pid)
            models.add(model)
        return papers, models

    def write_scores(self, kind: str, model: str, rows: Iterable[ScoreRow]) -> None:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        self.db.executemany(
            "INSERT INTO paper_scores (paper_id, kind, value, label, explanation, model,"
            " inputs, computed) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (paper_id, kind) DO UPDATE"
            " SET value = excluded.value, label = excluded.label, explanation = excluded.explanation,"
            " model = excluded.model, inputs = excluded.inputs, computed = excluded.computed",
            [(r.paper_id, kind, r.value, r.label, orjson.dumps(r.explanation).decode(), model,
              r.inputs, now) for r in rows],
        )

    def scores(self, paper_ids: Sequence[int]) -> dict[int, dict[str, Score]]:
        """paper id → kind → {value, label, explanation, model, computed}."""
        out: dict[int, dict[str, Score]] = {}
        ids = sorted(set(paper_ids))
        for start in range(0, len(ids), 500):
            in_ids, chunk = any_of(self.db, ids[start : start + 500])
            for pid, kind, value, label, explanation, model, computed in self.db.execute(
                "SELECT paper_id, kind, value, label, explanation, model, computed FROM paper_scores"
                f" WHERE paper_id {in_ids}",
                chunk,
            ):
                out.setdefault(pid, {})[kind] = {
                    "value": value, "label": label, "explanation": orjson.loads(explanation),
                    "model": model, "computed": computed,
                }
        return out

    def values(self, paper_ids: Sequence[int]) -> dict[int, dict[str, ScoreValue]]:
        """paper id → kind → {value, label}: what lists show, without the explanations."""
        out: dict[int, dict[str, ScoreValue]] = {}
        ids = sorted(set(paper_ids))
        for start in range(0, len(ids), 500):
            in_ids, chunk = any_of(self.db, ids[start : start + 500])
            for pid, kind, value, label in self.db.execute(
                f"SELECT paper_id, kind, value, label FROM paper_scores WHERE paper_id {in_ids}",
                chunk,
            ):
                out.setdefault(pid, {})[kind] = {"value": value, "label": label}
        return out

    def top_scored(
        self, kind: str, since: str | None, limit: int, category: str | None = None
    ) -> list[tuple[int, float]]:
        """The papers with the highest score of a kind, first published on or after ``since``."""
        sql = (
            "SELECT s.paper_id, s.value FROM paper_scores s JOIN papers p ON p.id = s.paper_id"
            " WHERE s.kind = ? AND s.value IS NOT NULL"
        )
        args: list[Any] = [kind]
        if category:
            sql += " AND p.primary_category = ?"
            args.append(category)
        if since:
            sql += " AND p.sort_date >= ?"
            args.append(since)
        sql += " ORDER BY s.value DESC, s.paper_id LIMIT ?"
        args.append(limit)
        return [(pid, value) for pid, value in self.db.execute(sql, args)]
