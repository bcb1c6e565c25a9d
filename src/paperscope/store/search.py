"""Search indexes in the store: full text over papers, researchers' names, and their upkeep.

The indexes (tables of migration 0005) are derived data. :meth:`SearchStore.refresh`
brings them up to date with what changed since it last ran, so that ingest never pays for
them: papers are re-indexed when ``papers.updated_run`` moved (every write of a paper sets
it), dropped when the paper is gone (merged into another or deleted), and researchers'
names are rebuilt whole when the researchers' fingerprint changed (``resolve`` rebuilds
them whole too). A refresh that changed anything moves the ``generation``, which tells
every process to drop the in-memory indexes it built from the old state.

The full-text engine differs per backend (``fulltext_sqlite.py``: FTS5;
``fulltext_postgres.py``: tsvector and pg_trgm); the bookkeeping here is shared.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from paperscope.store.db import Database, any_of, marks
from paperscope.store.fulltext_postgres import PostgresFullText
from paperscope.store.fulltext_sqlite import SqliteFullText
from paperscope.store.records import ProviderHIndex, SearchPaper

__all__ = ["RefreshSummary", "SearchStore"]

Progress = Callable[[int], None]
# Papers indexed per transaction: an interrupted refresh keeps the batches it finished,
# and a concurrent ingest waits at most one batch for the write lock.
_BATCH = 2000
# A refresh that indexed at least this many papers merges the index's segments into one
# ("optimize"): a full build leaves dozens, and each query reads every segment.
_OPTIMIZE_AFTER = 10_000
# Authors kept on a search result: enough for a result line ("A, B, C et al.").
_AUTHORS_SHOWN = 3


@dataclass(slots=True)
class RefreshSummary:
    """What one refresh did."""

    indexed: int = 0           # papers (re)indexed
    removed: int = 0           # papers dropped: merged away or deleted
    researchers: int = 0       # researcher names indexed anew (0: they had not changed)
    generation: int = 0        # the search state's generation after the refresh
    seconds: float = 0.0

    def line(self) -> str:
        names = f"{self.researchers:,} researcher names" if self.researchers else "researcher names unchanged"
        return (
            f"search: {self.indexed:,} papers indexed, {self.removed:,} removed; {names}"
            f" ({self.seconds:.1f} s)"
        )


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class SearchStore:
    """The search tables, inside the caller's connection."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.text = SqliteFullText(db) if db.dialect == "sqlite" else PostgresFullText(db)

    # --- state ------------------------------------------------------------------------
    def state(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM search_state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_state(self, key: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO search_state (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def generation(self) -> int:
        """How many refreshes changed the indexes (the first always does; 0: never refreshed)."""
        return int(self.state("generation") or 0)

    # --- keeping the indexes current ------------------------------------------------------
    def refresh(self, on_progress: Progress | None = None) -> RefreshSummary:
        """Index the papers new or changed since the last refresh, drop those gone, and
        rebuild researchers' names if they changed; each batch is its own transaction."""
        started = time.perf_counter()
        summary = RefreshSummary()
        summary.removed = self._drop_gone_papers()
        for batch in _chunks(self._changed_papers(), _BATCH):
            with self._transaction():
                self._index_papers(batch)
            summary.indexed += len(batch)
            if on_progress:
                on_progress(len(batch))
        if summary.indexed >= _OPTIMIZE_AFTER:
            with self._transaction():
                self.text.optimize()
        with self._transaction():
            summary.researchers = self._refresh_researcher_names()
            models_changed = self._refresh_embedding_models()
            first = self.state("generation") is None
            generation = self.generation()
            if first or summary.indexed or summary.removed or summary.researchers or models_changed:
                generation += 1
                self._set_state("generation", str(generation))
        summary.generation = generation
        summary.seconds = time.perf_counter() - started
        return summary

    def _transaction(self) -> AbstractContextManager[Database]:
        return self.db.transaction()

    def pending(self) -> int:
        """Papers new or changed since the last refresh: what searches do not find yet."""
        return int(self.db.execute(
            "SELECT count(*) FROM papers p LEFT JOIN search_papers_indexed s ON s.paper_id = p.id"
            " WHERE s.updated_run IS DISTINCT FROM p.updated_run"
        ).fetchone()[0])

    def _changed_papers(self) -> list[int]:
        """Papers whose indexed run is not their current one (new ones have none)."""
        return [pid for (pid,) in self.db.execute(
            "SELECT p.id FROM papers p LEFT JOIN search_papers_indexed s ON s.paper_id = p.id"
            " WHERE s.updated_run IS DISTINCT FROM p.updated_run ORDER BY p.id"
        )]

    def _drop_gone_papers(self) -> int:
        """Drop the papers no longer stored (merged into another, deleted); return how many."""
        gone = [pid for (pid,) in self.db.execute(
            "SELECT s.paper_id FROM search_papers_indexed s"
            " WHERE NOT EXISTS (SELECT 1 FROM papers p WHERE p.id = s.paper_id)"
        )]
        for chunk in _chunks(gone, 500):
            with self._transaction():
                self.text.drop_papers(chunk)
                self.db.execute(
                    f"DELETE FROM search_papers_indexed WHERE paper_id IN ({marks(chunk)})", chunk
                )
        return len(gone)

    def _index_papers(self, paper_ids: Sequence[int]) -> None:
        """(Re)index some papers as they stand now (inside the caller's transaction)."""
        c = self.db
        in_ids, ids = any_of(c, paper_ids)
        # The run still writing (if any): a paper it wrote may be written again within
        # the same run, so it is recorded as needing another look. Only the newest run
        # counts as writing: an older one left "running" was killed, and one killed last
        # costs a re-index of its papers per refresh until the next run starts.
        running = c.execute(
            "SELECT id FROM ingest_runs WHERE status = 'running' AND id = (SELECT max(id) FROM ingest_runs)"
        ).fetchone()
        running_id = running[0] if running else None
        authors: dict[int, list[str]] = {}
        for pid, name in c.execute(
            f"SELECT paper_id, raw_name FROM authorships WHERE paper_id {in_ids}"
            " ORDER BY paper_id, position",
            ids,
        ):
            authors.setdefault(pid, []).append(name)
        for pid, name in c.execute(
            f"SELECT paper_id, raw_name FROM hidden_authorships WHERE paper_id {in_ids}"
            " ORDER BY paper_id, id",
            ids,
        ):
            authors.setdefault(pid, []).append(name)
        rows = c.execute(
            f"SELECT id, updated_run, title, abstract FROM papers WHERE id {in_ids}",
            ids,
        ).fetchall()
        self.text.index_papers([(pid, title, abstract or "", ", ".join(authors.get(pid, ())))
                                for pid, _, title, abstract in rows])
        c.executemany(
            "INSERT INTO search_papers_indexed (paper_id, updated_run) VALUES (?, ?)"
            " ON CONFLICT (paper_id) DO UPDATE SET updated_run = excluded.updated_run",
            [(pid, 0 if run == running_id else run) for pid, run, _, _ in rows],
        )

    def _refresh_researcher_names(self) -> int:
        """Rebuild search_researchers if the researchers changed; return how many names
        were indexed (0 if none changed)."""
        c = self.db
        digest = hashlib.blake2b(digest_size=16)
        names = c.execute("SELECT id, name_key FROM researchers ORDER BY id").fetchall()
        for rid, key in names:
            digest.update(f"{rid}\x1f{key}\x1e".encode())
        fingerprint = digest.hexdigest()
        if fingerprint == self.state("researchers_fingerprint"):
            return 0
        self.text.replace_researcher_names(names)
        self._set_state("researchers_fingerprint", fingerprint)
        return len(names)

    def _refresh_embedding_models(self) -> bool:
        """Record how many papers each embedding model covers; True if that changed."""
        counts = self.db.execute(
            "SELECT model, count(*) FROM embeddings GROUP BY model ORDER BY model"
        ).fetchall()
        text = ";".join(f"{model}={n}" for model, n in counts)
        if text == (self.state("embedding_models") or ""):
            return False
        self._set_state("embedding_models", text)
        return True

    def embedding_models(self) -> dict[str, int]:
        """Embedding model → papers it covers, as of the last refresh (or now, if none ran)."""
        text = self.state("embedding_models")
        if text is None:
            return dict(self.db.execute("SELECT model, count(*) FROM embeddings GROUP BY model"))
        return {model: int(n) for model, _, n in (p.rpartition("=") for p in text.split(";") if p)}

    # --- queries -----------------------------------------------------------------------
    def match_papers(self, terms: Sequence[str], *, every_term: bool, limit: int) -> list[tuple[int, float]]:
        """Papers whose title, abstract or authors hold every term (or any, if not
        ``every_term``): (paper id, score; lower is better), best first."""
        if not terms:
            return []
        return self.text.match_papers(terms, every_term=every_term, limit=limit)

    def count_papers(self, terms: Sequence[str]) -> int:
        """How many papers hold every term: how many a search by these words finds in all,
        however few of them it reads."""
        if not terms:
            return 0
        return self.text.count_papers(terms)

    def match_researchers(self, words: Sequence[tuple[str, bool]], limit: int) -> list[int]:
        """Researchers whose name holds every word (as a whole word, or as the start of
        one where the word's flag says so), most mentions first."""
        if not words:
            return []
        return self.text.match_researchers(words, limit)

    def names_like(self, name_key: str, limit: int) -> list[int] | None:
        """Researchers whose folded name is like this one (typos forgiven), from the engine's
        own fuzzy index (PostgreSQL: pg_trgm); None where it has none (SQLite)."""
        return self.text.names_like(name_key, limit)

    def papers_with_title_key(self, key: str) -> list[int]:
        return [pid for (pid,) in self.db.execute(
            "SELECT id FROM papers WHERE title_key = ? ORDER BY id", (key,)
        )]

    def researcher_names(self) -> list[tuple[int, str]]:
        """(id, folded name) of every researcher, by id."""
        return self.db.execute("SELECT id, name_key FROM researchers ORDER BY id").fetchall()

    def researcher_rows(self, researcher_ids: Sequence[int]) -> dict[int, tuple[str, str, int]]:
        """id → (name, folded name, mentions) of some researchers."""
        out: dict[int, tuple[str, str, int]] = {}
        for chunk in _chunks(list(researcher_ids), 500):
            in_ids, ids = any_of(self.db, chunk)
            for rid, name, key, mentions in self.db.execute(
                f"SELECT id, name, name_key, mentions FROM researchers WHERE id {in_ids}", ids
            ):
                out[rid] = (name, key, mentions)
        return out

    def provider_h_index(self, researcher_ids: Sequence[int]) -> dict[int, ProviderHIndex]:
        """The highest h-index a provider reports for any author id a researcher carries:
        id → {value, source, as_of}."""
        out: dict[int, ProviderHIndex] = {}
        if not researcher_ids:
            return out
        in_ids, ids = any_of(self.db, researcher_ids)
        for rid, value, source, as_of in self.db.execute(
            "SELECT i.researcher_id, a.h_index, a.source, a.as_of FROM researcher_ids i"
            " JOIN author_profiles a ON a.source = i.scheme AND a.author_id = i.value"
            f" WHERE i.researcher_id {in_ids} AND a.h_index IS NOT NULL"
            " ORDER BY a.h_index, a.source, a.as_of",
            ids,
        ):
            out[rid] = {"value": value, "source": source, "as_of": as_of}
        return out

    def paper_rows(self, paper_ids: Sequence[int]) -> dict[int, SearchPaper]:
        """What a search result shows of some papers: id, key, arXiv id, title, dates,
        category, abstract, the first authors and how many there are, and their scores."""
        c = self.db
        out: dict[int, SearchPaper] = {}
        ids = list(paper_ids)
        if not ids:
            return out
        in_ids, ids = any_of(c, ids)
        for pid, key, title, first_date, year, primary, code, venue, abstract in c.execute(
            "SELECT id, key, title, first_date, year, primary_category, category_code, venue, abstract"
            f" FROM papers WHERE id {in_ids}",
            ids,
        ):
            out[pid] = {"id": pid, "key": key, "arxiv_id": None, "title": title,
                        "first_date": first_date, "year": year, "primary_category": primary,
                        "category_code": code, "venue": venue, "abstract": abstract, "authors": [],
                        "author_count": 0, "scores": {}}
        for pid, value in c.execute(
            "SELECT paper_id, value FROM paper_ids"
            f" WHERE scheme = 'arxiv' AND paper_id {in_ids} ORDER BY paper_id, value",
            ids,
        ):
            if pid in out:
                out[pid]["arxiv_id"] = value
        for pid, position, name in c.execute(
            f"SELECT paper_id, position, raw_name FROM authorships WHERE paper_id {in_ids}"
            " ORDER BY paper_id, position",
            ids,
        ):
            if pid in out:
                out[pid]["author_count"] += 1
                if position < _AUTHORS_SHOWN:
                    out[pid]["authors"].append(name)
        for pid, kind, value, label, model in c.execute(
            "SELECT paper_id, kind, value, label, model FROM paper_scores"
            f" WHERE paper_id {in_ids}",
            ids,
        ):
            if pid in out:
                out[pid]["scores"][kind] = {"value": value, "label": label, "model": model}
        return out
