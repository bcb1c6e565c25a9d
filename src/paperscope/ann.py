"""A persisted approximate-nearest-neighbour index of paper vectors (usearch HNSW).

It answers "the k papers most similar to this vector", optionally "… published strictly
before date D", exactly enough: recall@10 ≥ 0.95 against brute force (docs/embeddings.md,
benchmarks/ann.py). Keys are paper ids, so papers are added and removed incrementally.

Date-limited queries. HNSW cannot restrict its walk to earlier papers, so a query asks the
graph for more candidates than it needs — ``k`` over the fraction of the corpus that is
earlier, times ``OVERSAMPLE`` — and keeps the earlier ones. A query with few earlier papers
(≤ ``EXACT_BELOW``) is answered by brute force over them, which is then cheap, and so is one
that comes back with fewer than ``k`` earlier candidates: a date-limited answer is never
short of papers that exist.

Why usearch: of the three libraries measured on 150k real vectors (benchmarks/ann.py), all
reached recall@10 ≥ 0.95; hnswlib answered fastest but ships only as source (a C++ compiler
at install time), faiss-cpu is a 30 MB wheel; usearch (recall 0.954) has small wheels for
every platform and is actively maintained.

On disk, one folder per embedder beside the database, holding one folder per generation
(``g000001``…): ``graph.usearch`` (the HNSW graph, memory-mapped when served), ``meta.npz``
(paper ids, dates, text hashes) and ``meta.json`` (format, embedder). A generation is
written whole into a temporary folder, renamed into place, and only then published in the
database (``store.artifacts``); readers open the published generation, whose files no one
rewrites: a server that has the graph memory-mapped never sees it change under it, and a
process killed while saving leaves the previous generation published and whole.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import threading
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from paperscope.novelty import DateLike, IndexFileError, _days, _topk_prefix, _unit_rows

if TYPE_CHECKING:
    from paperscope.store import Store

__all__ = [
    "EXACT_BELOW",
    "OVERSAMPLE",
    "AnnIndex",
    "IndexFileError",
    "index_dir",
    "load_published",
    "open_index",
    "open_shared",
    "publish",
    "published_dir",
]

EXACT_BELOW = 20_000  # a date-limited query with this few earlier papers is answered exactly
OVERSAMPLE = 2.0
CONNECTIVITY = 16  # M of HNSW, as measured in benchmarks/ann.py
EXPANSION_ADD = 128
EXPANSION_SEARCH = 128  # ef: at 64, 150k vectors gave recall@10 0.954; 128 trades speed for margin
PARALLEL_FROM = 20_000
# The vectors are kept as float16: with the graph, 1,244 bytes a paper against float32's
# 2,139 (256 dims), with recall@10 0.973 against 0.975 on 150k real vectors, and faster to
# build and to ask (benchmarks/ann.py). Similarities come back good to about 3 decimals.
DTYPE = "f16"
FORMAT = "paperscope-ann/1"


def index_dir(root: str | Path, embedder: str) -> Path:
    """The folder of one embedder's index generations under a store's artifact root."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in embedder)
    return Path(root) / safe


def _artifact(embedder: str) -> str:
    return f"ann/{embedder}"


def _generation_dir(base: Path, generation: int) -> Path:
    return base / f"g{generation:06d}"


def published_dir(store: Store, embedder: str) -> Path | None:
    """The folder of the published index of one embedder's vectors, or None if there is none
    (an in-memory store, or no index published yet)."""
    root = store.artifact_root()
    generation = store.artifacts.current(_artifact(embedder))
    if root is None or generation is None:
        return None
    return _generation_dir(index_dir(root, embedder), generation)


def open_index(store: Store, embedder: str) -> Any:
    """The index that answers undated "most similar papers" queries for a store: the
    published usearch generation where this host has its files (memory-mapped, shared per
    process: no round trip to the database), else the engine's own where it keeps one
    (PostgreSQL's pgvector HNSW: a web worker on a host without the files); None if
    there is neither."""
    published = open_shared(published_dir(store, embedder))
    if published is not None:
        return published
    return store.scores.vector_index(embedder)


def load_published(store: Store, embedder: str) -> AnnIndex | None:
    """The published index of one embedder's vectors, loaded whole; None if there is none
    or it cannot be read."""
    where = published_dir(store, embedder)
    if where is None:
        return None
    try:
        return AnnIndex.load(where)
    except IndexFileError:
        return None


def publish(store: Store, index: AnnIndex) -> Path:
    """Save ``index`` as the next generation and publish it; return its folder.

    Generations older than the one it replaces are removed (the one replaced is kept: a
    reader that read its number a moment ago may still be opening it), and so is whatever
    a killed save left behind.
    """
    root = store.artifact_root()
    if root is None:
        raise ValueError("an in-memory store keeps no index files")
    base = index_dir(root, index.embedder)
    name = _artifact(index.embedder)
    previous = store.artifacts.current(name)
    generation = (previous or 0) + 1
    target = _generation_dir(base, generation)
    index.save(target)
    store.artifacts.publish(name, generation)
    keep = {target.name} | ({_generation_dir(base, previous).name} if previous else set())
    for entry in base.iterdir():
        if entry.name not in keep:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink(missing_ok=True)
    return target


class AnnIndex:
    """Paper vectors of one embedder in an HNSW graph, with each paper's date and text hash."""

    def __init__(self, ndim: int, embedder: str = "", *, graph: Any = None) -> None:
        from usearch.index import Index

        self.ndim = ndim
        self.embedder = embedder
        self.graph: Any = graph if graph is not None else Index(
            ndim=ndim, metric="ip", dtype=DTYPE, connectivity=CONNECTIVITY,
            expansion_add=EXPANSION_ADD, expansion_search=EXPANSION_SEARCH,
        )
        self.days: dict[int, np.datetime64] = {}
        self.hashes: dict[int, str] = {}
        self._dated: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # see _by_day

    def __len__(self) -> int:
        return len(self.days)

    @property
    def dtype(self) -> str:
        """How the graph stores its vectors: "f16" (``DTYPE``), or "f32" in an index saved
        before float16 (``score`` rebuilds such an index once)."""
        return str(self.graph.dtype.name).lower()

    # --- building ------------------------------------------------------------------------

    def add(
        self, ids: Sequence[int] | np.ndarray, dates: Sequence[DateLike] | np.ndarray, vectors: np.ndarray,
        hashes: Sequence[str] | None = None, *, threads: int | None = None,
    ) -> None:
        """Add papers (replacing any already there under the same id). ``threads``: by default
        one below ``PARALLEL_FROM`` papers (a graph built by one thread is the same every run,
        and a small one built concurrently came out measurably worse), else all cores."""
        ids = np.asarray(ids, dtype=np.uint64)
        days = _days(dates)
        vectors = _unit_rows(vectors)
        if not len(ids) == len(days) == len(vectors):
            raise ValueError(f"{len(ids)} ids, {len(days)} dates, {len(vectors)} vectors")
        if len(ids) and vectors.shape[1] != self.ndim:
            raise ValueError(f"vectors have {vectors.shape[1]} dims, the index {self.ndim}")
        present = [int(i) for i in ids if int(i) in self.days]
        if present:
            self.remove(present)
        if threads is None:
            threads = 1 if len(ids) < PARALLEL_FROM else 0
        if len(ids):
            self.graph.add(ids, vectors, threads=threads)
        for i, (pid, day) in enumerate(zip(ids.tolist(), days, strict=True)):
            self.days[pid] = day
            self.hashes[pid] = hashes[i] if hashes is not None else ""
        self._dated = None

    def remove(self, ids: Sequence[int]) -> None:
        ids = [int(i) for i in ids if int(i) in self.days]
        if ids:
            self.graph.remove(np.asarray(ids, dtype=np.uint64))
        for pid in ids:
            del self.days[pid]
            del self.hashes[pid]
        self._dated = None

    def sync(
        self, ids: Sequence[int], dates: Sequence[DateLike], vectors: np.ndarray, hashes: Sequence[str],
    ) -> tuple[int, int]:
        """Make the index hold exactly these papers: add new or changed ones (by text hash or
        date), remove the rest. Returns (added, removed)."""
        days = _days(dates)
        wanted = {int(pid): i for i, pid in enumerate(ids)}
        gone = [pid for pid in self.days if pid not in wanted]
        todo = [i for pid, i in wanted.items()
                if self.hashes.get(pid) != hashes[i] or self.days.get(pid) != days[i]]
        self.remove(gone)
        if todo:
            self.add([ids[i] for i in todo], days[todo], vectors[todo], [hashes[i] for i in todo])
        return len(todo), len(gone)

    # --- searching -----------------------------------------------------------------------

    def vector(self, paper_id: int) -> np.ndarray | None:
        """The stored vector of a paper, or None if it is not indexed."""
        if int(paper_id) not in self.days:
            return None
        return self.vectors([paper_id])[0]

    def search(
        self, queries: np.ndarray, k: int = 10, *, before: DateLike | Sequence[DateLike] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The k most similar papers to each query vector: (ids, cosines), best first, padded
        with id −1 / cosine −inf. With ``before`` (one date, or one per query) only papers
        dated strictly earlier count."""
        queries = _unit_rows(np.atleast_2d(queries))
        n_queries = len(queries)
        out_ids = np.full((n_queries, k), -1, dtype=np.int64)
        out_sims = np.full((n_queries, k), -np.inf, dtype=np.float32)
        if not len(self) or not n_queries:
            return out_ids, out_sims
        if before is None:
            found = self._graph_search(queries, k)
            for q, (keys, sims) in enumerate(found):
                out_ids[q, : len(keys)], out_sims[q, : len(keys)] = keys, sims
            return out_ids, out_sims

        dated_ids, dated_days = self._by_day()
        if isinstance(before, str | np.datetime64 | dt.date):
            limit_days = np.full(n_queries, _days([before])[0])
        else:
            limit_days = _days(before)
        limits = np.searchsorted(dated_days, limit_days, side="left")
        exact = limits <= EXACT_BELOW
        # The graph: ask for enough candidates that k of them are probably earlier.
        want = np.minimum(len(self), np.ceil(k * OVERSAMPLE * len(self) / np.maximum(limits, 1))).astype(int) + k
        day_of = self._day_lookup()
        for count in np.unique(want[~exact]):
            rows = np.flatnonzero(~exact & (want == count))
            for row, (keys, sims) in zip(rows, self._graph_search(queries[rows], int(count)), strict=True):
                keep = day_of[keys] < limit_days[row]
                keys, sims = keys[keep][:k], sims[keep][:k]
                if len(keys) < min(k, limits[row]):
                    exact[row] = True  # short of earlier candidates: brute force below
                    continue
                out_ids[row, : len(keys)], out_sims[row, : len(keys)] = keys, sims
        rows = np.flatnonzero(exact & (limits > 0))
        if len(rows):
            order = rows[np.argsort(limits[rows], kind="stable")]
            vectors = self.vectors(dated_ids[: int(limits[order].max())])
            top, sims = _topk_prefix(queries[order], vectors, limits[order], k)
            out_ids[order] = np.where(top >= 0, dated_ids[np.maximum(top, 0)], -1)
            out_sims[order] = sims
        return out_ids, out_sims

    def _graph_search(self, queries: np.ndarray, count: int) -> list[tuple[np.ndarray, np.ndarray]]:
        matches = self.graph.search(queries, count)  # one query: Matches; several: BatchMatches
        keys = np.atleast_2d(matches.keys).astype(np.int64)
        # "ip" distance = 1 − cos; float16 vectors can put it a little past ±1. A query that
        # found fewer than ``count`` has undefined padding past its count, never read below.
        with np.errstate(invalid="ignore"):
            sims = np.clip(1.0 - np.atleast_2d(matches.distances), -1.0, 1.0).astype(np.float32)
        counts = np.atleast_1d(getattr(matches, "counts", len(matches.keys)))
        return [(keys[q, : counts[q]], sims[q, : counts[q]]) for q in range(len(queries))]

    def _by_day(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, days) sorted by day."""
        return self._dates()[:2]

    def _day_lookup(self) -> np.ndarray:
        """Each indexed paper's date, indexed by paper id (ids are small dense integers)."""
        return self._dates()[2]

    def _dates(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._dated is None:
            ids = np.fromiter(self.days, dtype=np.int64, count=len(self.days))
            days = np.array(list(self.days.values()), dtype="datetime64[D]")
            order = np.argsort(days, kind="stable")
            lookup = np.full(int(ids.max()) + 1, np.datetime64("9999-12-31"), dtype="datetime64[D]")
            lookup[ids] = days
            self._dated = ids[order], days[order], lookup
        return self._dated

    def vectors(self, ids: np.ndarray | Sequence[int]) -> np.ndarray:
        """The stored vectors of these indexed papers, one row each."""
        ids = np.asarray(ids, dtype=np.uint64)
        found = np.asarray(self.graph.get(ids), dtype=np.float32).reshape(len(ids), self.ndim)
        norms = np.linalg.norm(found, axis=1, keepdims=True)  # unit again after float16's rounding
        return np.ascontiguousarray(found / np.where(norms > 0, norms, 1.0))

    # --- persistence ---------------------------------------------------------------------

    def save(self, directory: str | Path) -> None:
        """Write the index to ``directory`` whole or not at all: into a temporary folder
        beside it, synced, then renamed into place (replacing a folder there)."""
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        partial = directory.parent / f".{directory.name}.partial-{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        self.graph.save(str(partial / "graph.usearch"))
        ids = np.fromiter(self.days, dtype=np.int64, count=len(self.days))
        with open(partial / "meta.npz", "wb") as out:
            days = np.array([self.days[i] for i in ids.tolist()], "datetime64[D]").astype(np.int64)
            np.savez(out, ids=ids, days=days, hashes=np.array([self.hashes[i] for i in ids.tolist()], dtype=str))
        (partial / "meta.json").write_text(json.dumps({"format": FORMAT, "embedder": self.embedder, "ndim": self.ndim}))
        for name in ("graph.usearch", "meta.npz", "meta.json"):
            _sync(partial / name)
        if directory.exists():
            shutil.rmtree(directory)
        os.rename(partial, directory)
        _sync(directory.parent)

    @classmethod
    def load(cls, directory: str | Path, *, view: bool = False) -> AnnIndex:
        """The index saved in ``directory`` (``view``: memory-map the graph, read-only);
        IndexFileError naming the file when it is missing or damaged."""
        from usearch.index import Index

        directory = Path(directory)
        if not (directory / "meta.json").is_file():
            raise IndexFileError(f"{directory}: no nearest-neighbour index there (build it with `paperscope score`)")
        try:
            meta = json.loads((directory / "meta.json").read_text())
            if meta.get("format") != FORMAT:
                raise ValueError(f"format {meta.get('format')!r}, expected {FORMAT!r}")
            graph: Any = Index.restore(str(directory / "graph.usearch"), view=view)
            if graph is None:
                raise ValueError("graph.usearch is not a usearch index")
            graph.expansion_search = EXPANSION_SEARCH  # a search setting: not saved with the graph
            with open(directory / "meta.npz", "rb") as raw, np.load(raw, allow_pickle=False) as saved:
                ids, days, hashes = saved["ids"], saved["days"].astype("datetime64[D]"), saved["hashes"]
        except (OSError, ValueError, KeyError, RuntimeError, zipfile.BadZipFile, EOFError) as exc:
            raise IndexFileError(f"{directory}: not a readable nearest-neighbour index ({exc})") from exc
        if not len(ids) == len(days) == len(hashes) == len(graph):
            raise IndexFileError(f"{directory}: {len(graph)} vectors but {len(ids)} papers listed; rebuild it")
        index = cls(int(meta["ndim"]), meta.get("embedder", ""), graph=graph)
        index.days = dict(zip(ids.tolist(), days, strict=True))
        index.hashes = dict(zip(ids.tolist(), hashes.tolist(), strict=True))
        return index


def _sync(path: Path) -> None:
    """fsync a file or folder: its bytes (or its entries) are on disk before a rename
    that points readers at them."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# One memory-mapped index per embedder folder and process: (generation folder, index).
_shared: dict[Path, tuple[Path, AnnIndex]] = {}
_shared_lock = threading.Lock()


def open_shared(directory: str | Path | None) -> AnnIndex | None:
    """The index saved in ``directory`` (a published generation's folder), memory-mapped and
    loaded once per process; None when there is no readable index there. Search and the web
    app's similar papers share it; a newer generation replaces the one held."""
    if directory is None:
        return None
    directory = Path(directory)
    with _shared_lock:
        held = _shared.get(directory.parent)
        if held is not None and held[0] == directory:
            return held[1]
        try:
            index = AnnIndex.load(directory, view=True)
        except IndexFileError:
            return None
        _shared[directory.parent] = (directory, index)
        return index


def recall_at(found: np.ndarray, truth: np.ndarray) -> float:
    """Share of the true neighbours (ids ≥ 0) that were found."""
    hits = total = 0
    for row, ref in zip(found, truth, strict=True):
        ref = set(ref[ref >= 0].tolist())
        hits += len(ref & set(row.tolist()))
        total += len(ref)
    return hits / total if total else math.nan
