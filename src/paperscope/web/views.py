"""What each page shows, as plain data: the same dicts are the JSON API and the templates'
context, so the HTML and the JSON of a page can never disagree.

Field names follow the CLI's JSON (``paperscope researcher --format json``, ``paperscope
paper --format json``); pages add paging and links, never rename.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import numpy as np

from paperscope.errors import shorten
from paperscope.export import authors_incomplete
from paperscope.profiles import build_profile
from paperscope.store import Store
from paperscope.store.feed import FeedFilter
from paperscope.store.researchers import author_mention

__all__ = [
    "NotFound",
    "compare_view",
    "feed_view",
    "link_authors",
    "paper_view",
    "papers_brief",
    "researcher_view",
]

FEED_WINDOW_DAYS = 90  # the feed's default window: papers of the 90 days up to the newest one
RISING_WINDOW_DAYS = 365


class NotFound(LookupError):
    """No such researcher or paper; the message says what was asked for."""


def researcher_view(
    store: Store, researcher_id: int, *, as_of: dt.date, sort: str = "date", limit: int = 50, offset: int = 0,
) -> dict[str, Any]:
    """A researcher's profile (the CLI's JSON) with one page of papers and linked co-authors."""
    try:
        profile = build_profile(store, researcher_id, as_of, sort)
    except KeyError:
        raise NotFound(f"no researcher with id {researcher_id}") from None
    papers = profile["papers"]
    profile["papers_total"] = len(papers)
    profile["papers"] = papers[offset : offset + limit]
    link_authors(store, profile["papers"])
    profile["limit"], profile["offset"] = limit, offset
    profile["coauthor_researchers"] = store.feed.coauthors(researcher_id)
    return profile


def paper_view(store: Store, identifier: str, *, similar: Any = None, k: int = 8) -> dict[str, Any]:
    """One paper (the CLI's JSON) with its authors' researcher ids, the nearest earlier papers
    named, and its most similar papers (``similar``: an ann.AnnIndex, when there is one)."""
    paper_id = store.find_paper(identifier)
    if paper_id is None:
        raise NotFound(f"no paper with id {shorten(identifier)}")
    data = cast("dict[str, Any]", store.paper(paper_id))  # a Paper, to which the view adds keys
    data["authors_incomplete"] = authors_incomplete(data)
    who = store.feed.authors_as_researchers(paper_id)
    for author in data["authors"]:
        # An author a page hid behind "et al." has no position: a mention of its own.
        author["researcher_id"] = who.get(author_mention(author["position"], author["name"]))
    novelty = data["scores"].get("novelty")
    nearest = (novelty or {}).get("explanation", {}).get("nearest_earlier", [])
    # Similar papers, earlier or later; those already named as nearest earlier are not repeated.
    shown = {n["paper_id"] for n in nearest}
    data["similar"] = [s for s in _similar(similar, paper_id, k + len(shown)) if s["paper_id"] not in shown][:k]
    named = _titles(store, [n["paper_id"] for n in (*nearest, *data["similar"])])
    for neighbour in (*nearest, *data["similar"]):
        neighbour.update(named.get(neighbour["paper_id"], {"title": None, "key": None, "date": None}))
    return data


def papers_brief(store: Store, paper_ids: list[int]) -> dict[int, dict[str, Any]]:
    """What a paper block in a list shows, for many papers in a few queries. Field names are
    those of the CLI's paper JSON; ``date`` is the first date (or the year)."""
    stored = store.researchers.profile_papers(paper_ids)
    scores = store.scores.values(paper_ids)
    out = {}
    for pid, p in stored.items():
        own = scores.get(pid, {})
        out[pid] = {
            "id": pid, "key": p["key"], "arxiv_id": p["arxiv_id"], "title": p["title"], "abstract": p["abstract"],
            "authors": [{"name": a["name"], "position": a["position"], "affiliations": a["affiliations"]}
                        for a in p["authors"]],
            "primary_category": p["primary_category"], "category_code": p["category_code"],
            "first_date": p["first_date"], "year": p["year"],
            "date": p["first_date"] or p.get("latest_date") or (str(p["year"]) if p["year"] else None),
            "venue": p["venue"], "code_urls": p["code_urls"], "citations": p["citations"][:1],
            "scores": {kind: {"value": s["value"], "label": s["label"]} for kind, s in own.items()},
        }
    return out


def link_authors(store: Store, papers: list[dict[str, Any]]) -> None:
    """Give the authors of a list of papers their researcher ids (None where a name is not
    resolved), read for the whole list in one query, so that every name a page shows can
    link to its researcher. Authors given as objects (the feed, as on a paper's page) get
    ``researcher_id``; names (search results, a profile's papers) get ``author_ids`` beside
    them, one per name."""
    who = store.feed.authors_as_researchers_of([p["id"] for p in papers])
    for paper in papers:
        mentions = who.get(paper["id"], {})
        authors = paper["authors"]
        if authors and isinstance(authors[0], dict):
            for author in authors:
                author["researcher_id"] = mentions.get(author_mention(author["position"], author["name"]))
        else:  # names listed in order: the i-th is at position i
            paper["author_ids"] = [mentions.get(author_mention(i, name)) for i, name in enumerate(authors)]


def _titles(store: Store, paper_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Title, key and date of papers named on another's page, in one query."""
    return {pid: {"title": title, "key": key, "date": date}
            for pid, key, title, date in store.feed.titles(paper_ids)}


def _similar(index: Any, paper_id: int, k: int) -> list[dict[str, Any]]:
    if index is None:
        return []
    vector = index.vector(paper_id)
    if vector is None:
        return []
    ids, sims = index.search(vector[None, :], k + 1)
    out = []
    for pid, sim in zip(ids[0].tolist(), sims[0].tolist(), strict=True):
        if pid >= 0 and pid != paper_id and np.isfinite(sim):
            out.append({"paper_id": pid, "similarity": round(float(sim), 4)})
    return out[:k]


def feed_window(store: Store, days: int = FEED_WINDOW_DAYS) -> str | None:
    """The first day of the default feed window (None on an empty store). When the newest
    paper has only a year (a conference corpus), the window is that year."""
    newest = store.feed.newest_date()
    if not newest:
        return None
    if len(newest) < 10:
        return newest[:4]  # "2025" sorts before every day of 2025 and after all of 2024
    return (dt.date.fromisoformat(newest[:10]) - dt.timedelta(days=days)).isoformat()


def feed_view(
    store: Store, *, sort: str = "score", where: FeedFilter | None = None, limit: int = 20, offset: int = 0,
) -> dict[str, Any]:
    """One page of the ranked feed: papers (as the CLI's ``papers`` JSON) and the filters."""
    where = where or FeedFilter(since=feed_window(store))
    ids, total = store.feed.page(sort, where, limit, offset)
    briefs = papers_brief(store, ids)
    link_authors(store, list(briefs.values()))
    return {
        "sort": sort,
        "filters": {"category": where.category, "has_code": where.has_code, "min_novelty": where.min_novelty,
                    "since": where.since, "until": where.until},
        "total": total,
        "limit": limit,
        "offset": offset,
        "papers": [briefs[i] for i in ids],
    }


def rising_view(store: Store, limit: int = 10) -> dict[str, Any]:
    """Rising researchers: see FeedStore.rising for the definition."""
    since = feed_window(store, RISING_WINDOW_DAYS)
    return {
        "since": since,
        "definition": (
            "Researchers with at least two papers in the last year of the corpus, ranked by the"
            " mean AI Score of those papers minus the mean AI Score of their earlier papers (the"
            " corpus mean for newcomers)."
        ),
        "researchers": store.feed.rising(since, limit) if since else [],
    }


def compare_view(store: Store, researcher_ids: list[int], *, as_of: dt.date) -> dict[str, Any]:
    """Researchers side by side: each profile's header figures and top papers."""
    out = []
    for rid in researcher_ids:
        profile = researcher_view(store, rid, as_of=as_of, sort="citations", limit=3)
        out.append({k: profile[k] for k in (
            "id", "name", "primary_category", "metrics", "novelty_pct", "ai_score", "affiliations",
            "papers_per_year", "papers", "papers_total",
        )})
    return {"as_of": as_of.isoformat(), "researchers": out}
