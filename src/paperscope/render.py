"""Plain-text renderings of what read commands return (JSON is the machine contract)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from paperscope.ids import category_short_code
from paperscope.store.records import ResearcherSummary
from paperscope.store.rows import WEAK_SCHEMES
from paperscope.tex import debris, plain

__all__ = [
    "authors_short", "byline", "display_date", "paper_explained", "paper_line", "paper_text", "profile_markdown",
    "profile_paper_block", "profile_text", "rejects_text", "researcher_matches_text", "stats_text",
]


def display_date(iso: str | None, today: date | None = None) -> str:
    """``2023-02-07`` → ``Feb 7, 2023``; the year is left out when it is the current one."""
    if not iso:
        return ""
    try:
        d = date.fromisoformat(iso[:10])
    except ValueError:
        return iso
    this_year = (today or date.today()).year
    text = f"{d:%b} {d.day}"
    return text if d.year == this_year else f"{text}, {d.year}"


def authors_short(authors: list[dict[str, Any]], limit: int = 3) -> str:
    """Up to three listed authors, then "et al." as the seed pages show them."""
    shown, more = byline({"authors": authors}, limit)
    return ", ".join(name for name, _ in shown) + (" et al." if more else "")


def byline(paper: Mapping[str, Any], limit: int = 3) -> tuple[list[tuple[str, int | None]], bool]:
    """The authors a paper in a list names, each with its researcher id (None where the
    name is not resolved), and whether "et al." follows them.

    Up to ``limit`` listed authors. Authors given as objects (with ``position``, and
    ``researcher_id`` where known) are followed by "et al." when more are listed; names
    (with ``author_ids`` beside them) also when ``authors_truncated`` says a source cut the
    list, or ``author_count`` says there are more than were given.
    """
    authors = paper.get("authors") or []
    if authors and isinstance(authors[0], Mapping):
        listed = [(a["name"], a.get("researcher_id")) for a in authors if a["position"] is not None]
        return listed[:limit], len(listed) > limit
    ids = paper.get("author_ids") or []
    named = [(name, ids[i] if i < len(ids) else None) for i, name in enumerate(authors)]
    more = len(named) > limit or bool(paper.get("authors_truncated")) or (paper.get("author_count") or 0) > limit
    return named[:limit], more


def _code(paper: dict[str, Any]) -> str:
    if paper["primary_category"]:
        return category_short_code(paper["primary_category"])
    return paper.get("category_code") or ""


def _score_prefix(paper: dict[str, Any]) -> str:
    impact = paper.get("scores", {}).get("impact")
    return f"{impact['value']:.1f}" if impact and impact["value"] is not None else ""


def paper_line(paper: dict[str, Any]) -> str:
    """One paper as a short block: [AI Score] code + date (+ Code), title, authors."""
    when = display_date(paper["first_date"]) or (str(paper["year"]) if paper["year"] else "")
    badge = "Code" if paper["code_urls"] else ""
    ident = paper["arxiv_id"] or (paper["dois"] or [paper["key"]])[0]
    novelty = paper.get("scores", {}).get("novelty")
    extra = (f"  Novelty {novelty['value']:.0f}% ({novelty['label']})"
             if novelty and novelty["value"] is not None else "")
    return (f"{_score_prefix(paper)}{_code(paper)}{when}{badge}  [{ident}]{extra}\n{plain(paper['title'])}"
            f"\n{authors_short(paper['authors'])}")


def paper_explained(paper: dict[str, Any]) -> str:
    """A paper with its scores and why: the nearest earlier papers, the label, the models."""
    lines = [plain(paper["title"]) or "", ""]
    scores = paper.get("scores", {})
    impact = scores.get("impact")
    if impact:
        why = impact["explanation"]
        lines.append(f"AI Score {impact['value']:.1f}: predicted TNCSI_SP {why.get('predicted_tncsi_sp')}"
                     f" (a topic- and time-normalised citation percentile), from"
                     f" {', '.join(why.get('read', []))}; model {impact['model']}")
    else:
        lines.append("AI Score —: not scored yet (run `paperscope score`)")
    novelty = scores.get("novelty")
    if novelty and novelty["value"] is not None:
        why = novelty["explanation"]
        lines.append(f"Novelty {novelty['value']:.0f}% ({novelty['label']}): distance {why['distance']:.3f}"
                     f" to its {why['k']} nearest earlier papers, percentile within {why['cohort']};"
                     f" embeddings {novelty['model']}")
        for n in why["nearest_earlier"]:
            lines.append(f"  {n['similarity']:.3f}  {n.get('date') or ''}  {n.get('title', n['paper_id'])}")
    elif novelty:
        lines.append("Novelty —: no earlier paper in the corpus to compare with")
    else:
        lines.append("Novelty —: not scored yet (run `paperscope score`)")
    return "\n".join(lines)


def paper_text(paper: dict[str, Any]) -> str:
    """Everything about a paper, for people (TeX and PDF debris as text: paperscope/tex.py)."""
    lines = [plain(paper["title"]) or "", ""]
    lines.append(authors_short(paper["authors"], limit=len(paper["authors"])) or "(no authors)")
    for a in paper["authors"]:
        if a["affiliations"]:
            lines.append(f"  {a['name']}: {'; '.join(a['affiliations'])}")
    lines.append("")
    # A "title" identifier is the store's own match key for a paper a page named without
    # one: not something a reader would cite, so it is left out here (JSON keeps it).
    ids = [f"{scheme} {value}" for scheme, values in paper["identifiers"].items()
           if scheme not in WEAK_SCHEMES for value in values]
    lines.append("ids: " + ("; ".join(ids) if ids else "none (known by its title, from a researcher page)"))
    if paper["categories"]:
        lines.append(f"categories: {' '.join(paper['categories'])} (primary {paper['primary_category']})")
    for label, key in (("first version", "first_date"), ("latest version", "latest_date"),
                       ("year", "year"), ("venue", "venue"), ("journal-ref", "journal_ref"),
                       ("comments", "comments"), ("license", "license")):
        if paper[key]:
            lines.append(f"{label}: {paper[key]}")
    for v in paper["versions"]:
        lines.append(f"  v{v['version']}  {v['submitted'] or ''}  {v['size'] or ''}".rstrip())
    for url in paper["code_urls"]:
        lines.append(f"code: {url}")
    for c in paper["citations"]:
        lines.append(f"citations {c['count']:,} · {c['source']} · {c['as_of']}")
    for c in paper["claims"]:
        lines.append(f"claimed {c['field']} {c['value']} · {c['source']}")
    if paper["abstract"]:
        lines += ["", plain(paper["abstract"]) or ""]
    return "\n".join(lines)


def stats_text(stats: dict[str, Any]) -> str:
    lines = [
        f"papers        {stats['papers']:,}",
        f"authorships   {stats['authorships']:,}",
        f"rejected      {stats['rejected']:,}",
        f"citations     {stats['citation_observations']:,} observations",
        f"code links    {stats['code_links']:,}",
        f"pages         {stats['researcher_pages']:,}",
        "identifiers   " + ", ".join(f"{k} {v:,}" for k, v in sorted(stats["identifiers"].items())),
        "sources:",
    ]
    for source, counts in sorted(stats["sources"].items()):
        lines.append(f"  {source:<16}" + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items())))
    return "\n".join(lines)


def rejects_text(rejects: list[dict[str, Any]]) -> str:
    if not rejects:
        return "no rejected records"
    return "\n".join(f"{r['file']} {r['position']}: {r['reason']}" for r in rejects)


# --- researcher profiles -------------------------------------------------------------------


def _figure(metrics: dict[str, Any], name: str) -> Any:
    figure = metrics.get(name)
    return figure["value"] if figure else None


def _count(value: Any) -> str:
    return "—" if value is None else f"{value:,}"


def _score(value: Any, suffix: str = "") -> str:
    return "—" if value is None else f"{value:.0f}{suffix}"


def _profile_date(paper: dict[str, Any], as_of: date) -> str:
    """A profile paper's date as the seeds print it; a year alone stays a year."""
    if paper["date"] and len(paper["date"]) >= 10:
        return display_date(paper["date"], today=as_of)
    return paper["date"] or ""


def _profile_authors(paper: dict[str, Any]) -> str:
    """Up to three listed authors, then "et al." when the page or the list was longer."""
    return ", ".join(paper["authors"][:3]) + (" et al." if paper["authors_truncated"] else "")


def profile_paper_block(paper: dict[str, Any], as_of: date) -> str:
    """One paper as a seed page shows it: code + date (+ Code), title, authors · tag, abstract."""
    score = f"{paper['ai_score']:.1f}" if paper["ai_score"] is not None else ""
    head = f"{score}{paper['category'] or ''}{_profile_date(paper, as_of)}{'Code' if paper['has_code'] else ''}"
    authors = _profile_authors(paper)
    if paper["affiliation_tags"]:
        authors += f" · {paper['affiliation_tags'][0]}"
    # The seed pages show TeX as it is: only PDF debris is repaired here (paperscope/tex.py).
    parts = [head, debris(paper["title"]) or "", "", authors]
    if paper["abstract"]:
        parts += ["", debris(paper["abstract"]) or ""]
    return "\n".join(parts)


def profile_text(profile: dict[str, Any]) -> str:
    """A researcher profile in the layout of the seed pages (../shared/seeds/000_*.txt)."""
    as_of = date.fromisoformat(profile["as_of"])
    m = profile["metrics"]
    primary = profile["primary_category"]
    lines = [
        profile["name"],
        "",
        primary["code"] if primary else "—",
        f"h-index{_count(_figure(m, 'h_index'))}",
        f"{_count(_figure(m, 'papers'))}papers",
        f"{_count(_figure(m, 'citations'))}citations",
        f"Novelty{_score(profile['novelty_pct'], '%')}",
        f"AI Score{_score(profile['ai_score'])}",
        "",
        f"{_figure(m, 'papers') if 'papers_shown' in profile else len(profile['papers'])} Papers",
    ]
    covered = (profile.get("coverage") or {}).get("citations") or {}
    if covered.get("partial"):  # a footnote under the header, whose lines stay the seed layout's
        lines += ["", f"* h-index and citations: {covered['text']}"]
    blocks = [profile_paper_block(p, as_of) for p in profile["papers"]]
    return "\n".join(lines) + ("\n\n" + "\n\n".join(blocks) if blocks else "")


def profile_markdown(profile: dict[str, Any]) -> str:
    """A researcher profile as Markdown: the figures with their sources, then the papers."""
    as_of = date.fromisoformat(profile["as_of"])
    primary = profile["primary_category"]
    out = [f"# {profile['name']}", ""]
    if primary:
        out.append(f"**{primary['code']}** ({primary['category']}) · as of {profile['as_of']}")
        out.append("")
    out += ["| figure | value | source | as of |", "|---|---|---|---|"]
    for name, fig in profile["metrics"].items():
        value = fig["value"]
        shown = f"{value:.2f}" if isinstance(value, float) else _count(value)
        out.append(f"| {name.replace('_', ' ')} | {shown} | {fig['source']} | {fig['as_of'] or ''} |")
    for p in profile["provider_metrics"]:
        out.append(f"| h-index ({p['source']} reports) | {_count(p['h_index'])} | {p['source']} | {p['as_of']} |")
    for field_, claim in profile["page_claims"].items():
        out.append(f"| {field_} (page claims) | {claim['value']} | {claim['source']} | {claim['as_of'] or ''} |")
    if profile["affiliations"]:
        out += ["", "Affiliations: " + ", ".join(f"{a['tag']} ({a['papers']})" for a in profile["affiliations"])]
    if profile["coauthors"]:
        out += ["", "Top co-authors: " + ", ".join(f"{c['name']} ({c['papers']})" for c in profile["coauthors"][:10])]
    out += ["", f"## {len(profile['papers'])} papers", ""]
    for p in profile["papers"]:
        when = _profile_date(p, as_of)
        ident = f"arXiv:{p['arxiv_id']}" if p["arxiv_id"] else p["key"]
        cites = ", ".join(f"{c['count']:,} ({c['source']})" for c in p["citations"])
        authors = _profile_authors(p)
        code = " · [code](" + p["code_urls"][0] + ")" if p["code_urls"] else (" · code" if p["has_code"] else "")
        out.append(f"- **{plain(p['title'])}** — {authors} · {p['category'] or ''} · {when} · {ident}"
                   + (f" · cited {cites}" if cites else "") + code)
    return "\n".join(out) + "\n"


def researcher_matches_text(matches: list[ResearcherSummary]) -> str:
    """Several researchers answer a query: enough to tell them apart, and their ids."""
    lines = [f"{len(matches)} researchers match; show one with `paperscope researcher ID`:"]
    for r in matches:
        years = f"{r['first_year']}–{r['last_year']}" if r["first_year"] else "years unknown"
        extra = f" · {category_short_code(r['primary_category'])}" if r["primary_category"] else ""
        lines.append(f"  {r['id']:>7}  {r['name']} · {r['papers']} papers · {years}{extra}")
    return "\n".join(lines)
