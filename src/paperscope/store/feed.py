"""What the web app reads beyond one paper or profile: feed pages, who wrote a paper,
co-authors as researchers, rising researchers. SQL lives here, as everywhere in store/."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from paperscope.store.db import Database, any_of
from paperscope.store.records import Coauthor, RisingResearcher

__all__ = ["FEED_SORTS", "FeedFilter", "FeedStore"]

# A paper's date: its first public date, else the date it was listed (daily listings give
# only that), else its year (as "YYYY", which sorts before any day of that year): the
# column papers.sort_date, which the database computes and indexes (migration 0008).
_DATE = "p.sort_date"
FEED_SORTS = {
    "score": "si.value IS NULL, si.value DESC, p.id DESC",
    "novelty": "sn.value IS NULL, sn.value DESC, p.id DESC",
    "newest": f"{_DATE} DESC NULLS LAST, p.id DESC",
}


@dataclass(frozen=True, slots=True)
class FeedFilter:
    """The filters of a feed page; None means "any"."""

    category: str | None = None
    has_code: bool | None = None
    min_novelty: float | None = None
    since: str | None = None  # ISO date, inclusive
    until: str | None = None  # ISO date, inclusive


class FeedStore:
    """Read queries of the web app, inside the caller's connection."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def newest_date(self) -> str | None:
        """The latest first date of any paper (the feed's "now": a sample is not today)."""
        row = self.db.execute(f"SELECT max({_DATE}) FROM papers p").fetchone()
        return row[0] if row else None

    def page(self, sort: str, where: FeedFilter, limit: int, offset: int) -> tuple[list[int], int]:
        """Paper ids of one feed page, and how many papers match in all."""
        if sort not in FEED_SORTS:
            raise ValueError(f"sort must be one of {', '.join(FEED_SORTS)}, not {sort!r}")
        # A work once: its later versions (paperscope/works.py) are not listed apart.
        sql = " WHERE NOT EXISTS (SELECT 1 FROM work_members w WHERE w.paper_id = p.id AND w.work_id <> p.id)"
        args: list[Any] = []
        if where.category:
            sql += " AND (p.primary_category = ? OR p.category_code = ?)"
            args += [where.category, where.category]
        if where.has_code:
            sql += " AND EXISTS (SELECT 1 FROM code_links c WHERE c.paper_id = p.id)"
        if where.min_novelty is not None:
            sql += " AND sn.value >= ?"
            args.append(where.min_novelty)
        if where.since:
            sql += f" AND {_DATE} >= ?"
            args.append(where.since)
        if where.until:
            sql += f" AND {_DATE} <= ?"
            args.append(where.until + "~")  # "~" sorts after any date of that day
        novelty = " LEFT JOIN paper_scores sn ON sn.paper_id = p.id AND sn.kind = 'novelty'"
        impact = " LEFT JOIN paper_scores si ON si.paper_id = p.id AND si.kind = 'impact'"
        # Counting needs the novelty join only to filter by it.
        counted = " FROM papers p" + (novelty if where.min_novelty is not None else "") + sql
        total = self.db.execute("SELECT count(*)" + counted, args).fetchone()[0]
        rows = self.db.execute(
            f"SELECT p.id FROM papers p{impact}{novelty}{sql} ORDER BY {FEED_SORTS[sort]} LIMIT ? OFFSET ?",
            [*args, limit, offset],
        ).fetchall()
        return [pid for (pid,) in rows], total

    def categories(self, limit: int) -> list[str]:
        """The primary categories with most papers, most first."""
        return [c for (c,) in self.db.execute(
            "SELECT primary_category FROM papers WHERE primary_category IS NOT NULL"
            " GROUP BY primary_category ORDER BY count(*) DESC, primary_category LIMIT ?", (limit,)
        )]

    def titles(self, paper_ids: list[int]) -> list[tuple[int, str, str, str | None]]:
        """(id, key, title, date) of these papers."""
        if not paper_ids:
            return []
        in_ids, ids = any_of(self.db, paper_ids)
        return self.db.execute(
            f"SELECT p.id, p.key, p.title, {_DATE} FROM papers p WHERE p.id {in_ids}", ids
        ).fetchall()

    def authors_as_researchers(self, paper_id: int) -> dict[str, int]:
        """mention ("p3", "h:Name") → researcher id, for one paper's authors."""
        return dict(self.db.execute(
            "SELECT mention, researcher_id FROM researcher_mentions WHERE paper_id = ?", (paper_id,)
        ))

    def authors_as_researchers_of(self, paper_ids: Sequence[int]) -> dict[int, dict[str, int]]:
        """paper id → mention → researcher id, for the authors of many papers in one query:
        what a page listing papers (the feed, search results, a profile) links its names with."""
        out: dict[int, dict[str, int]] = {}
        if not paper_ids:
            return out
        in_ids, ids = any_of(self.db, paper_ids)
        for pid, mention, rid in self.db.execute(
            f"SELECT paper_id, mention, researcher_id FROM researcher_mentions WHERE paper_id {in_ids}", ids
        ):
            out.setdefault(pid, {})[mention] = rid
        return out

    def coauthors(self, researcher_id: int, limit: int = 10) -> list[Coauthor]:
        """The researchers who share most papers with this one."""
        rows = self.db.execute(
            "SELECT m2.researcher_id, r.name, count(DISTINCT m2.paper_id) AS n"
            " FROM researcher_mentions m1"
            " JOIN researcher_mentions m2 ON m2.paper_id = m1.paper_id AND m2.researcher_id != m1.researcher_id"
            " JOIN researchers r ON r.id = m2.researcher_id"
            " WHERE m1.researcher_id = ? GROUP BY m2.researcher_id, r.name ORDER BY n DESC, r.name LIMIT ?",
            (researcher_id, limit),
        ).fetchall()
        return [{"id": rid, "name": name, "papers": n} for rid, name, n in rows]

    def rising(self, since: str, limit: int = 10, min_recent: int = 2) -> list[RisingResearcher]:
        """Researchers whose papers from ``since`` on score highest above their earlier ones.

        gain = mean AI Score of their papers dated ``since`` or later (at least ``min_recent``
        of them) − mean AI Score of their earlier papers (the corpus mean for a newcomer).
        """
        mean = self.db.execute(
            "SELECT avg(value) FROM paper_scores WHERE kind = 'impact'"
        ).fetchone()[0]
        if mean is None:
            return []
        rows = self.db.execute(
            f"""
            WITH scored AS (
                SELECT m.researcher_id AS rid, s.value AS v,
                       CASE WHEN {_DATE} >= ? THEN 1 WHEN {_DATE} < ? THEN 0 END AS recent
                FROM researcher_mentions m
                JOIN papers p ON p.id = m.paper_id
                JOIN paper_scores s ON s.paper_id = m.paper_id AND s.kind = 'impact'
            ), per AS (
                SELECT rid,
                       avg(CASE WHEN recent = 1 THEN v END) AS recent_mean,
                       sum(recent) AS recent_n,
                       avg(CASE WHEN recent = 0 THEN v END) AS earlier_mean,
                       sum(1 - recent) AS earlier_n
                FROM scored GROUP BY rid HAVING sum(recent) >= ?
            )
            SELECT per.rid, r.name, recent_mean, recent_n, earlier_mean, earlier_n,
                   recent_mean - coalesce(earlier_mean, ?) AS gain
            FROM per JOIN researchers r ON r.id = per.rid
            ORDER BY gain DESC, recent_n DESC, per.rid LIMIT ?
            """,
            (since, since, min_recent, mean, limit),
        ).fetchall()
        return [
            {"id": rid, "name": name, "recent_ai_score": _round(recent), "recent_papers": _round(recent_n),
             "earlier_ai_score": _round(earlier), "earlier_papers": _round(earlier_n), "gain": _round(gain)}
            for rid, name, recent, recent_n, earlier, earlier_n, gain in rows
        ]


def _round(value: Any) -> Any:
    """A figure as ``rising`` gives it: a float to 1 decimal, anything else as it is."""
    return round(value, 1) if isinstance(value, float) else value
