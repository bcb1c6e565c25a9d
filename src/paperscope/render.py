"""Plain-text renderings of what read commands return (JSON is the machine contract)."""

from __future__ import annotations

from datetime import date
from typing import Any

from paperscope.ids import category_short_code

__all__ = ["display_date", "paper_text", "paper_line", "rejects_text", "stats_text", "authors_short"]


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
    listed = [a["name"] for a in authors if a["position"] is not None]
    if len(listed) <= limit:
        return ", ".join(listed)
    return ", ".join(listed[:limit]) + " et al."


def _code(paper: dict[str, Any]) -> str:
    if paper["primary_category"]:
        return category_short_code(paper["primary_category"])
    return paper.get("category_code") or ""


def paper_line(paper: dict[str, Any]) -> str:
    """One paper as a short block: code + date (+ Code), title, authors."""
    when = display_date(paper["first_date"]) or (str(paper["year"]) if paper["year"] else "")
    badge = "Code" if paper["code_urls"] else ""
    ident = paper["arxiv_id"] or (paper["dois"] or [paper["key"]])[0]
    return f"{_code(paper)}{when}{badge}  [{ident}]\n{paper['title']}\n{authors_short(paper['authors'])}"


def paper_text(paper: dict[str, Any]) -> str:
    """Everything about a paper, for people."""
    lines = [paper["title"], ""]
    lines.append(authors_short(paper["authors"], limit=len(paper["authors"])) or "(no authors)")
    for a in paper["authors"]:
        if a["affiliations"]:
            lines.append(f"  {a['name']}: {'; '.join(a['affiliations'])}")
    lines.append("")
    lines.append("ids: " + "; ".join(
        f"{scheme} {value}" for scheme, values in paper["identifiers"].items() for value in values
    ))
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
        lines += ["", paper["abstract"]]
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
