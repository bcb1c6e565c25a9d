"""Researcher profiles: finding a researcher by what a user types, and what a profile shows.

A profile is computed on demand, as of a date, from the store: the researcher's papers
(resolved by ``paperscope resolve``), their citation observations, and the figures
providers and pages report, which are shown beside the computed ones and never mixed in.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import date
from typing import Any, cast

from rapidfuzz import fuzz, process

from paperscope.affiliations import institution_tag
from paperscope.ids import category_short_code, full_categories_for_code, is_lookup_text, is_row_id
from paperscope.metrics import PaperFacts, ResearcherMetrics, compute_metrics
from paperscope.names import fold_name
from paperscope.store import Store
from paperscope.store.researchers import author_mention
from paperscope.store.works import earliest_first

__all__ = ["SORTS", "build_profile", "find_researchers", "normalize_orcid"]

SORTS = ("date", "citations", "score", "novelty")
_ORCID = re.compile(r"^(?:https?://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$", re.IGNORECASE)
# A fuzzy match must be this close (rapidfuzz token_sort_ratio, 0–100), so that
# "Wen Zixin" finds "Zixin Wen" and "Zixin Wenn" too, but "Zixin" alone does not.
_FUZZY_CUTOFF = 88


def normalize_orcid(text: str) -> str | None:
    """``https://orcid.org/0000-0002-1825-0097`` → ``0000-0002-1825-0097``; None if not one."""
    m = _ORCID.match(text.strip())
    return m.group(1).upper() if m else None


def find_researchers(store: Store, query: str, limit: int = 20) -> list[int]:
    """Researcher ids for a query: an id, an ORCID, a provider id, or a name.

    Names match folded (case, diacritics, punctuation aside) and then fuzzily, in either
    name order. Exact matches come first; several results mean the user must choose.
    """
    rs = store.researchers
    q = query.strip()
    if not is_lookup_text(q):
        return []
    if is_row_id(q):
        return [int(q)] if rs.get(int(q)) else []
    orcid = normalize_orcid(q)
    if orcid:
        return rs.by_id("orcid", orcid)
    scheme, sep, value = q.partition(":")
    if sep and scheme in ("openalex", "semantic-scholar", "orcid", "page"):
        return rs.by_id(scheme, value)
    key = fold_name(q)
    exact = rs.find(key, limit)
    if exact:
        return exact
    names = rs.names()
    choices = {rid: name for rid, name, _ in names}
    found = process.extract(
        key, choices, scorer=fuzz.token_sort_ratio, score_cutoff=_FUZZY_CUTOFF, limit=limit
    )
    mentions = {rid: n for rid, _, n in names}
    return [rid for _, _, rid in sorted(found, key=lambda f: (-f[1], -mentions[f[2]], f[2]))]


def build_profile(
    store: Store, researcher_id: int, as_of: date, sort: str = "date"
) -> dict[str, Any]:
    """Everything a profile shows, as plain data (the JSON contract of ``researcher``)."""
    rs = store.researchers
    person = rs.get(researcher_id)
    if person is None:
        raise KeyError(researcher_id)
    own_mention = dict(rs.mentions_of(researcher_id))
    # ProfilePapers, to which the profile adds its own figures (tags, scores).
    stored = cast("dict[int, dict[str, Any]]", rs.profile_papers(list(own_mention)))
    papers = [p for p in stored.values() if _published_by(p, as_of)]
    for p in papers:
        p["citations"] = _latest_per_source(p["citations"], as_of)
    papers = one_per_work(papers, store.works.work_ids([p["id"] for p in papers]))
    facts = []
    for p in papers:
        p["affiliation_tags"], p["affiliation_tags_source"] = _tags(p, own_mention[p["id"]])
        facts.append(PaperFacts(
            paper_id=str(p["id"]),
            year=p["year"],
            date=p["first_date"],
            primary_category=p["primary_category"] or _category_of_code(p["category_code"]),
            citations=[(c["count"], c["source"], c["as_of"]) for c in p["citations"]],
            coauthors=[a["name"] for a in _all_authors(p) if a["mention"] != own_mention[p["id"]]],
            affiliation_tags=p["affiliation_tags"][:1],
            citations_by_year=p["citations_by_year"],
        ))
    metrics = compute_metrics(facts, as_of)
    scores = store.scores.values([p["id"] for p in papers])
    for p in papers:
        own: dict[str, Any] = scores.get(p["id"], {})  # kind → ScoreValue
        p["ai_score"] = own.get("impact", {}).get("value")
        p["novelty_pct"] = own.get("novelty", {}).get("value")
        p["novelty_label"] = own.get("novelty", {}).get("label")
    page_claims = rs.page_claims(person["page"]) if person["page"] else {}
    _sort(papers, sort)
    primary = metrics.primary_category
    return {
        "id": person["id"],
        "name": person["name"],
        "ids": person["ids"],
        "orcid": person["orcid"],
        "as_of": as_of.isoformat(),
        "primary_category": {"category": primary, "code": category_short_code(primary)} if primary else None,
        "metrics": _metrics(metrics),
        "citations_by_source": _by_source(metrics),
        "provider_metrics": rs.provider_profiles(person["ids"]),
        "page_claims": page_claims,
        "novelty_pct": _median([p["novelty_pct"] for p in papers]),
        "ai_score": _mean([p["ai_score"] for p in papers]),
        "scores_definition": SCORES_DEFINITION,
        "affiliations": [{"tag": t, "papers": n} for t, n in metrics.top_affiliation_tags],
        "coauthors": [{"name": n, "papers": k} for n, k in metrics.top_coauthors],
        "papers_per_year": metrics.papers_per_year,
        "citations_per_year": metrics.primary.citations_per_year if metrics.primary else {},
        "coverage": coverage(metrics),
        "sort": sort,
        "papers": [_paper_json(p, own_mention[p["id"]]) for p in papers],
    }


SCORES_DEFINITION = (
    "Novelty % of a researcher: the median Novelty % of their scored papers; AI Score: the"
    " mean AI Score of their scored papers (null until `paperscope score` has run)."
)


def _median(values: list[float | None]) -> float | None:
    known = sorted(v for v in values if v is not None)
    if not known:
        return None
    mid = len(known) // 2
    value = known[mid] if len(known) % 2 else (known[mid - 1] + known[mid]) / 2
    return round(value, 1)


def _mean(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known) / len(known), 1) if known else None


def _category_of_code(code: str | None) -> str | None:
    """The category a short code stands for, where it names one ("CV" → cs.CV; "LO": none)."""
    categories = full_categories_for_code(code) if code else []
    return categories[0] if len(categories) == 1 else None


def _published_by(paper: dict[str, Any], as_of: date) -> bool:
    if paper["first_date"]:
        return paper["first_date"][:10] <= as_of.isoformat()
    return paper["year"] is None or paper["year"] <= as_of.year


def _latest_per_source(citations: list[dict[str, Any]], as_of: date) -> list[dict[str, Any]]:
    """The newest observation of each source made on or before as_of."""
    latest: dict[str, dict[str, Any]] = {}
    for c in citations:
        if c["as_of"][:10] <= as_of.isoformat():
            best = latest.get(c["source"])
            if best is None or c["as_of"] > best["as_of"]:
                latest[c["source"]] = c
    return sorted(latest.values(), key=lambda c: (-c["count"], c["source"]))


def one_per_work(papers: list[dict[str, Any]], work_of: dict[int, int]) -> list[dict[str, Any]]:
    """One entry per work (``work_of``: paper id → work id, for versions of works of several):
    the earliest version stands for the work and lists every version (``versions``,
    ``venues``); per citation source the work has the highest count of any one version
    (never a sum: a citation of both versions would count twice), with that version's
    counts per year; code links and an arXiv id come from any version."""
    by_work: dict[int, list[dict[str, Any]]] = {}
    for p in papers:
        by_work.setdefault(work_of.get(p["id"], p["id"]), []).append(p)
    out = []
    for versions in by_work.values():
        versions.sort(key=lambda v: earliest_first(v["first_date"], v["year"], v["id"]))
        first = versions[0]
        first["versions"] = [{"id": v["id"], "key": v["key"], "venue": v["venue"], "arxiv_id": v["arxiv_id"],
                              "date": v["first_date"] or (str(v["year"]) if v["year"] else None)}
                             for v in versions]
        if len(versions) > 1:
            best: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
            for v in versions:
                for c in v["citations"]:
                    if c["source"] not in best or c["count"] > best[c["source"]][0]["count"]:
                        best[c["source"]] = (c, v)
            first["citations"] = sorted((c for c, _ in best.values()), key=lambda c: (-c["count"], c["source"]))
            first["citations_by_year"] = {source: v["citations_by_year"][source] for source, (_, v) in best.items()
                                          if source in v["citations_by_year"]}
            first["code_urls"] = list(dict.fromkeys(u for v in versions for u in v["code_urls"]))
            first["arxiv_id"] = next((v["arxiv_id"] for v in versions if v["arxiv_id"]), None)
        out.append(first)
    return out


def _venues(p: dict[str, Any]) -> list[str]:
    """Where a work appeared, one name per version: "ICLR 2024", "arXiv 2310.01234"."""
    names = [v["venue"] or (f"arXiv {v['arxiv_id']}" if v["arxiv_id"] else None) for v in p.get("versions", [])]
    return list(dict.fromkeys(n for n in names if n))


def _all_authors(paper: dict[str, Any]) -> list[dict[str, Any]]:
    listed = [{**a, "mention": author_mention(a["position"], a["name"])} for a in paper["authors"]]
    hidden = [{**a, "mention": author_mention(None, a["name"])} for a in paper["hidden_authors"]]
    return listed + hidden


def _tags(paper: dict[str, Any], own: str) -> tuple[list[str], str | None]:
    """Short institution tags of a paper: the researcher's own affiliations first, then the
    other authors' in order; where no affiliation is known, the tag a page shows."""
    authors = sorted(_all_authors(paper), key=lambda a: a["mention"] != own)
    tags: list[str] = []
    for a in authors:
        for text in a["affiliations"]:
            tag = institution_tag(text)
            if tag and tag not in tags:
                tags.append(tag)
    if tags:
        return tags, "paperscope"
    claim = paper["claims"].get("affiliation_tag")
    if claim:
        return [claim["value"]], claim["source"]
    return [], None


def _best_citations(paper: dict[str, Any]) -> int:
    return max((c["count"] for c in paper["citations"]), default=-1)


def _sort(papers: list[dict[str, Any]], sort: str) -> None:
    """Newest first; or by citations, AI Score or Novelty %, highest first (papers without
    the figure last, newest first among equals)."""
    papers.sort(key=lambda p: (p["first_date"] or str(p["year"] or ""), p["id"]), reverse=True)
    if sort == "citations":
        papers.sort(key=_best_citations, reverse=True)
    elif sort in ("score", "novelty"):
        field_ = "ai_score" if sort == "score" else "novelty_pct"
        papers.sort(key=lambda p: -1.0 if p[field_] is None else p[field_], reverse=True)


def _paper_json(p: dict[str, Any], own: str) -> dict[str, Any]:
    truncated = len(p["authors"]) > 3 or bool(p["hidden_authors"]) or "authors_truncated" in p["claims"]
    return {
        "id": p["id"],
        "key": p["key"],
        "arxiv_id": p["arxiv_id"],
        "title": p["title"],
        "authors": [a["name"] for a in p["authors"]],
        "authors_truncated": truncated,
        "author_mention": own,
        "category": category_short_code(p["primary_category"]) if p["primary_category"] else p["category_code"],
        "primary_category": p["primary_category"],
        "date": p["first_date"] or (str(p["year"]) if p["year"] else None),
        "has_code": bool(p["code_urls"]) or "code_badge" in p["claims"],
        "code_urls": p["code_urls"],
        "affiliation_tags": p["affiliation_tags"],
        "affiliation_tags_source": p["affiliation_tags_source"],
        "citations": p["citations"],
        "ai_score": p["ai_score"],
        "novelty_pct": p["novelty_pct"],
        "novelty_label": p["novelty_label"],
        "abstract": p["abstract"],
        "venues": _venues(p),
        "versions": p.get("versions", []),
    }


def coverage(m: ResearcherMetrics) -> dict[str, Any]:
    """What the citation figures rest on: how many of the papers their source counts, and
    whether it gives counts per year (``text``: what a page says where it is partial)."""
    p = m.primary
    if p is None:
        citations = {"source": None, "as_of": None, "papers_counted": 0, "papers": m.papers,
                     "partial": m.papers > 0, "text": "no citation counts stored for these papers"}
        yearly = {"source": None, "available": False, "text": "no citation counts stored"}
    else:
        citations = {"source": p.source, "as_of": p.as_of, "papers_counted": p.coverage, "papers": m.papers,
                     "partial": p.coverage < m.papers,
                     "text": f"counts for {p.coverage:,} of {m.papers:,} papers · {p.source} {p.as_of}"}
        yearly = {"source": p.source, "available": bool(p.citations_per_year),
                  "text": None if p.citations_per_year else f"yearly counts not available from {p.source}"}
    return {"citations": citations, "citations_per_year": yearly}


def _metrics(m: ResearcherMetrics) -> dict[str, Any]:
    """Each figure with its value, the source it rests on, and the date it holds for.

    Citation figures come from one source, the primary one (the source with counts for
    most of the papers): a sum over sources would count a citation twice. Where no
    source has counts the figures are null, never 0.
    """
    own = {"source": "paperscope", "as_of": m.as_of}
    out: dict[str, Any] = {"papers": {"value": m.papers, **own}}
    p = m.primary
    cited = {"source": p.source, "as_of": p.as_of, "coverage": p.coverage} if p else {"source": None, "as_of": None}
    for name in ("citations", "h_index", "g_index", "i10_index"):
        out[name] = {"value": getattr(p, name) if p else None, **cited}
    out["m_quotient"] = {"value": round(m.m_quotient, 2) if m.m_quotient is not None else None, **cited}
    out["first_year"] = {"value": m.first_year, **own}
    out["last_year"] = {"value": m.last_year, **own}
    return out


def _by_source(m: ResearcherMetrics) -> list[dict[str, Any]]:
    """Every source's own figures, primary first."""
    ordered = sorted(m.by_source.values(), key=lambda s: s.source != m.primary_source)
    return [asdict(s) for s in ordered]
