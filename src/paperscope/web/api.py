"""The JSON API (``/api/...``): the pages' data, described in ``/openapi.json``.

Every list is paged (``limit``, ``offset``) with a hard upper limit; field names are the
CLI's JSON ones (see views.py).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse

from paperscope.errors import shorten
from paperscope.store.feed import FeedFilter
from paperscope.web import views

__all__ = ["FastJSON", "feed_params", "router", "state"]

MAX_PAGE = 100
MAX_OFFSET = 10_000
MAX_QUERY = 200
MAX_COMPARE = 6


class FastJSON(JSONResponse):
    """JSON through orjson: profiles with hundreds of papers encode in a millisecond."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


router = APIRouter(prefix="/api", tags=["api"], default_response_class=FastJSON)


def state(request: Request) -> Any:
    return request.app.state.paperscope


@router.get("/feed", summary="Recent papers ranked by AI Score, newest date or Novelty %")
def feed_params(
    request: Request,
    sort: Annotated[Literal["score", "newest", "novelty"], Query()] = "score",
    category: Annotated[str | None, Query(max_length=40, description="Primary category, e.g. cs.LG")] = None,
    has_code: Annotated[bool | None, Query(description="Only papers with a code link")] = None,
    min_novelty: Annotated[float | None, Query(ge=0, le=100)] = None,
    since: Annotated[
        dt.date | None, Query(description="First date on or after (default: 90 days before the newest paper)")
    ] = None,
    until: Annotated[dt.date | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    app = state(request)
    store = app.store()
    where = FeedFilter(
        category or None, has_code or None, min_novelty,
        since.isoformat() if since else app.corpus_figure("feed_window", lambda: views.feed_window(store)),
        until.isoformat() if until else None,
    )
    return app.cached(
        f"feed:{sort}:{where}:{limit}:{offset}",
        lambda: views.feed_view(store, sort=sort, where=where, limit=limit, offset=offset),
    )


@router.get("/rising", summary="Rising researchers (definition in the response)")
def rising(request: Request, limit: Annotated[int, Query(ge=1, le=50)] = 10) -> dict[str, Any]:
    app = state(request)
    return app.corpus_figure(f"rising:{limit}", lambda: views.rising_view(app.store(), limit))


@router.get("/researchers/{researcher_id}", summary="A researcher's profile, one page of papers")
def researcher(
    request: Request,
    researcher_id: Annotated[int, Path(ge=1, le=2**62)],
    sort: Annotated[Literal["date", "citations", "score", "novelty"], Query()] = "date",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    app = state(request)
    as_of = app.as_of()
    try:
        return app.cached(
            f"researcher:{researcher_id}:{as_of}:{sort}:{limit}:{offset}",
            lambda: views.researcher_view(
                app.store(), researcher_id, as_of=as_of, sort=sort, limit=limit, offset=offset
            ),
        )
    except views.NotFound as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/papers/{identifier:path}", summary="A paper by any id: arXiv id (any spelling), DOI or key")
def paper(request: Request, identifier: Annotated[str, Path(max_length=300)]) -> dict[str, Any]:
    app = state(request)
    try:
        return views.paper_view(app.store(), identifier, similar=app.ann())
    except views.NotFound as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/search", summary="Researchers and papers: full text and semantic, blended")
def search(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY)],
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    offset: Annotated[int, Query(ge=0, le=1000)] = 0,
) -> dict[str, Any]:
    from paperscope.search import search as run_search

    store = state(request).store()
    try:
        found = run_search(store, q, limit=limit, offset=offset)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    views.link_authors(store, found["papers"])
    return found


def compare_ids(ids: Annotated[str, Query(max_length=200, description="Researcher ids, comma-separated")]) -> list[int]:
    parts = [p.strip() for p in ids.split(",") if p.strip()]
    if not 1 <= len(parts) <= MAX_COMPARE or not all(re.fullmatch(r"[0-9]{1,18}", p) for p in parts):
        raise HTTPException(422, f"ids: 1 to {MAX_COMPARE} researcher ids, comma-separated (got {shorten(ids)})")
    return list(dict.fromkeys(int(p) for p in parts))


@router.get("/compare", summary="Researchers side by side")
def compare(request: Request, ids: Annotated[list[int], Depends(compare_ids)]) -> dict[str, Any]:
    app = state(request)
    try:
        return views.compare_view(app.store(), ids, as_of=app.as_of())
    except views.NotFound as exc:
        raise HTTPException(404, str(exc)) from None
