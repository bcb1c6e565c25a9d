"""Full-text search on SQLite: FTS5 tables (migration 0005).

Papers: title, abstract and author names, Porter-stemmed, diacritics folded, ranked by
bm25 with per-column weights. Researchers: their folded names, matched word by word.
FTS5 query syntax never comes from users: callers pass plain terms, which are quoted here.
"""

from __future__ import annotations

from collections.abc import Sequence

from paperscope.store.db import Database, marks

__all__ = ["SqliteFullText"]

# bm25 weights of search_papers' columns (title, abstract, authors): a word of the title
# counts five times one of the abstract; an author's name twice.
_BM25_WEIGHTS = (5.0, 1.0, 2.0)


def _quote(term: str) -> str:
    """A term as an FTS5 string: whatever it holds is text, never an operator."""
    return '"' + term.replace('"', '""') + '"'


class SqliteFullText:
    def __init__(self, db: Database) -> None:
        self.db = db

    def drop_papers(self, paper_ids: Sequence[int]) -> None:
        if not paper_ids:
            return
        self.db.execute(f"DELETE FROM search_papers WHERE rowid IN ({marks(paper_ids)})", paper_ids)

    def index_papers(self, rows: Sequence[tuple[int, str, str, str]]) -> None:
        """(Re)index (paper id, title, abstract, authors) rows."""
        self.drop_papers([pid for pid, *_ in rows])
        self.db.executemany("INSERT INTO search_papers (rowid, title, abstract, authors) VALUES (?, ?, ?, ?)", rows)

    def optimize(self) -> None:
        """Merge the index's segments into one (a full build leaves dozens)."""
        self.db.execute("INSERT INTO search_papers (search_papers) VALUES ('optimize')")

    def replace_researcher_names(self, names: Sequence[tuple[int, str]]) -> None:
        self.db.execute("INSERT INTO search_researchers (search_researchers) VALUES ('delete-all')")
        self.db.executemany("INSERT INTO search_researchers (rowid, name) VALUES (?, ?)", names)

    def match_papers(self, terms: Sequence[str], *, every_term: bool, limit: int) -> list[tuple[int, float]]:
        joiner = " " if every_term else " OR "
        weights = ", ".join(str(w) for w in _BM25_WEIGHTS)
        return [(pid, score) for pid, score in self.db.execute(
            f"SELECT rowid, bm25(search_papers, {weights}) AS score FROM search_papers"
            " WHERE search_papers MATCH ? ORDER BY score LIMIT ?",
            (joiner.join(_quote(t) for t in terms), limit),
        )]

    def count_papers(self, terms: Sequence[str]) -> int:
        """Papers holding every term (FTS5 counts a term's papers without ranking them:
        ~3 ms for a word half of 150k abstracts hold)."""
        return int(self.db.execute(
            "SELECT count(*) FROM search_papers WHERE search_papers MATCH ?",
            (" ".join(_quote(t) for t in terms),),
        ).fetchone()[0])

    def names_like(self, name_key: str, limit: int) -> list[int] | None:
        """No fuzzy name index in SQLite: None (paperscope.search scans names in memory)."""
        return None

    def match_researchers(self, words: Sequence[tuple[str, bool]], limit: int) -> list[int]:
        query = " ".join(_quote(w) + ("*" if prefix else "") for w, prefix in words)
        return [rid for (rid,) in self.db.execute(
            "SELECT r.id FROM search_researchers s JOIN researchers r ON r.id = s.rowid"
            " WHERE search_researchers MATCH ? ORDER BY r.mentions DESC, r.id LIMIT ?",
            (query, limit),
        )]
