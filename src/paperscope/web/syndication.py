"""Feeds for readers: Atom and RSS 2.0 (feedgen) of the ranked feed and of a researcher."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from feedgen.feed import FeedGenerator

from paperscope.web.app import paper_url

__all__ = ["feed_response", "researcher_response"]

MEDIA = {"atom": "application/atom+xml", "rss": "application/rss+xml"}
# What XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF): lxml
# refuses such text, and a feed's title holds the category asked for (``?category=%01``).
_NOT_XML = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: object) -> str:
    return _NOT_XML.sub("", str(text))


def _generator(request: Request, title: str, link: str, kind: str) -> FeedGenerator:
    fg = FeedGenerator()
    fg.id(_xml(request.url))
    fg.title(_xml(title))
    fg.link(href=_xml(link), rel="alternate")
    fg.link(href=_xml(request.url), rel="self")
    fg.description(_xml(title))
    fg.language("en")
    fg.generator("paperscope")
    return fg


def _entry(fg: FeedGenerator, request: Request, paper: dict[str, Any]) -> None:
    link = _xml(str(request.base_url).rstrip("/") + paper_url(paper["key"]))
    entry = fg.add_entry(order="append")
    entry.id(link)
    entry.title(_xml(paper["title"]))
    entry.link(href=link)
    names = [a["name"] if isinstance(a, dict) else a for a in paper.get("authors", [])]
    for name in names[:10]:
        entry.author(name=_xml(name))
    impact = (paper.get("scores") or {}).get("impact", {}).get("value", paper.get("ai_score"))
    summary = paper.get("abstract") or ""
    if impact is not None:
        summary = f"AI Score {impact:.1f}. {summary}"
    entry.summary(_xml(summary))
    date = paper.get("date") or paper.get("first_date")
    if date:
        day = dt.date.fromisoformat(date[:10]) if len(date) >= 10 else dt.date(int(date[:4]), 1, 1)
        entry.published(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC))
        entry.updated(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC))
    if paper.get("primary_category"):
        entry.category(term=_xml(paper["primary_category"]))


def _response(fg: FeedGenerator, kind: str) -> Response:
    body = fg.atom_str(pretty=True) if kind == "atom" else fg.rss_str(pretty=True)
    return Response(body, media_type=MEDIA[kind])


def feed_response(request: Request, data: dict[str, Any], kind: str) -> Response:
    category = data["filters"]["category"]
    title = f"paperscope: top {category or 'all'} papers by AI Score"
    fg = _generator(request, title, str(request.base_url).rstrip("/") + "/feed", kind)
    fg.updated(dt.datetime.now(dt.UTC))
    for paper in data["papers"]:
        _entry(fg, request, paper)
    return _response(fg, kind)


def researcher_response(request: Request, profile: dict[str, Any], kind: str) -> Response:
    link = f"{str(request.base_url).rstrip('/')}/researchers/{profile['id']}"
    fg = _generator(request, f"paperscope: new papers by {profile['name']}", link, kind)
    fg.updated(dt.datetime.now(dt.UTC))
    for paper in profile["papers"]:
        _entry(fg, request, paper)
    return _response(fg, kind)

