"""Full-text search on PostgreSQL: a weighted ``tsvector`` per paper with a GIN index, and
researchers' folded names under a trigram (``pg_trgm``) GIN index (migration 0005).

Papers: title (weight A) and abstract (B) stemmed as English, author names (C) as they
are, all with diacritics folded (``unaccent``); queries go through
``websearch_to_tsquery``, which never fails on what a user types, and rank by
``ts_rank_cd``. The score returned is the rank negated, so that lower is better, as
SQLite's bm25 is. Researchers: each word must start a word of the name (``\\m`` in a
regular expression, which the trigram index serves); a misspelt name is found by trigram
similarity (``%``, ``similarity``) through the same index.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from paperscope.store.db import Database, marks

__all__ = ["PostgresFullText"]

# ts_rank_cd's weights for D, C, B, A: title 1, authors 0.4, abstract 0.2 (SQLite's
# bm25 weights title 5, authors 2, abstract 1, in the same proportions).
_WEIGHTS = "{0.1, 0.4, 0.2, 1.0}"
_DOCUMENT = (
    "setweight(to_tsvector('english', unaccent(?)), 'A')"
    " || setweight(to_tsvector('english', unaccent(?)), 'B')"
    " || setweight(to_tsvector('simple', unaccent(?)), 'C')"
)
# What websearch_to_tsquery would read as syntax: quotes, a leading minus, "or".
_SYNTAX = re.compile(r'["\-]')


def _plain(term: str) -> str:
    text = _SYNTAX.sub(" ", term).strip()
    return "" if text.lower() == "or" else text


class PostgresFullText:
    def __init__(self, db: Database) -> None:
        self.db = db

    def drop_papers(self, paper_ids: Sequence[int]) -> None:
        if not paper_ids:
            return
        self.db.execute(f"DELETE FROM search_papers WHERE paper_id IN ({marks(paper_ids)})", paper_ids)

    def index_papers(self, rows: Sequence[tuple[int, str, str, str]]) -> None:
        """(Re)index (paper id, title, abstract, authors) rows."""
        self.db.executemany(
            f"INSERT INTO search_papers (paper_id, document) VALUES (?, {_DOCUMENT})"
            " ON CONFLICT (paper_id) DO UPDATE SET document = excluded.document",
            rows,
        )

    def optimize(self) -> None:
        """GIN indexes merge their pending list themselves (autovacuum)."""

    def replace_researcher_names(self, names: Sequence[tuple[int, str]]) -> None:
        self.db.execute("DELETE FROM search_researchers")
        self.db.executemany("INSERT INTO search_researchers (researcher_id, name) VALUES (?, ?)", names)

    def match_papers(self, terms: Sequence[str], *, every_term: bool, limit: int) -> list[tuple[int, float]]:
        words = [w for w in (_plain(t) for t in terms) if w]
        if not words:
            return []
        query = (" " if every_term else " or ").join(words)
        return [(pid, float(score)) for pid, score in self.db.execute(
            f"SELECT s.paper_id, -ts_rank_cd('{_WEIGHTS}', s.document, q, 2) AS score"
            " FROM search_papers s, websearch_to_tsquery('english', unaccent(?)) q"
            " WHERE s.document @@ q ORDER BY score, s.paper_id LIMIT ?",
            (query, limit),
        )]

    def count_papers(self, terms: Sequence[str]) -> int:
        """Papers holding every term, through the GIN index (no rank computed)."""
        words = [w for w in (_plain(t) for t in terms) if w]
        if not words:
            return 0
        return int(self.db.execute(
            "SELECT count(*) FROM search_papers s, websearch_to_tsquery('english', unaccent(?)) q"
            " WHERE s.document @@ q",
            (" ".join(words),),
        ).fetchone()[0])

    def names_like(self, name_key: str, limit: int) -> list[int] | None:
        """Researchers whose folded name is like this one, typos and word order forgiven:
        pg_trgm's trigram similarity through the GIN index, most similar first."""
        return [rid for (rid,) in self.db.execute(
            "SELECT researcher_id FROM search_researchers WHERE name % ?"
            " ORDER BY similarity(name, ?) DESC, researcher_id LIMIT ?",
            (name_key, name_key, limit),
        )]

    def match_researchers(self, words: Sequence[tuple[str, bool]], limit: int) -> list[int]:
        patterns = [r"\m" + re.escape(w) + ("" if prefix else r"\M") for w, prefix in words]
        where = " AND ".join("s.name ~ ?" for _ in patterns)
        return [rid for (rid,) in self.db.execute(
            "SELECT r.id FROM search_researchers s JOIN researchers r ON r.id = s.researcher_id"
            f" WHERE {where} ORDER BY r.mentions DESC, r.id LIMIT ?",
            (*patterns, limit),
        )]
