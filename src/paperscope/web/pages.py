"""The HTML pages. Each renders the data of the matching /api view; with a ``.json`` suffix
or ``Accept: application/json`` it returns that data as is."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from paperscope.errors import shorten
from paperscope.search import MAX_OFFSET as MAX_SEARCH_OFFSET
from paperscope.web import api, syndication
from paperscope.web.app import wants_json

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

EXPORTS = {".bib": "bibtex", ".ris": "ris", ".csl.json": "csl"}


def page(request: Request, template: str, data: dict[str, Any], **extra: Any) -> Response:
    """The page as HTML, or its data as JSON when asked for."""
    if wants_json(request):
        return api.FastJSON(data)
    app = request.app.state.paperscope
    html = request.app.state.templates.get_template(template).render(
        request=request, data=data, as_of=app.as_of(), **extra,
    )
    return HTMLResponse(html)


@router.get("/feed.atom")
@router.get("/feed.rss")
def feed_syndication(request: Request, data: Annotated[dict[str, Any], Depends(api.feed_params)]) -> Response:
    kind = "atom" if request.url.path.endswith(".atom") else "rss"
    return syndication.feed_response(request, data, kind)


@router.get("/")
@router.get("/feed")
@router.get("/feed.json")
def feed(request: Request, data: Annotated[dict[str, Any], Depends(api.feed_params)]) -> Response:
    if request.url.path.endswith(".json"):
        return api.FastJSON(data)
    rising = api.rising(request, limit=8)
    return page(request, "feed.html", data, rising=rising, categories=_categories(request))


def _categories(request: Request) -> list[str]:
    app = request.app.state.paperscope
    return app.corpus_figure("categories", lambda: app.store().feed.categories(40))


@router.get("/researchers/{ref}")
def researcher(
    request: Request,
    ref: str,
    sort: Annotated[Literal["date", "citations", "score", "novelty"], Query()] = "date",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=api.MAX_OFFSET)] = 0,
) -> Response:
    stem, suffix = _split(ref, (".json", ".atom", ".rss"))
    if not re.fullmatch(r"[0-9]{1,18}", stem):
        raise HTTPException(404, f"no researcher with id {shorten(stem)} (ids are numbers; search by name at /search)")
    if suffix in (".atom", ".rss"):
        data = api.researcher(request, int(stem), sort="date", limit=30, offset=0)
        return syndication.researcher_response(request, data, suffix[1:])
    data = api.researcher(request, int(stem), sort=sort, limit=limit, offset=offset)
    if suffix == ".json":
        return api.FastJSON(data)
    return page(request, "researcher.html", data)


@router.get("/papers/{ref:path}")
def paper(request: Request, ref: str, format: Annotated[str | None, Query(max_length=10)] = None) -> Response:  # noqa: A002
    from paperscope import export

    stem, suffix = _split(ref, (".json", *EXPORTS))
    fmt = EXPORTS.get(suffix) or (format if format in export.EXPORT_FORMATS else None)
    if format is not None and fmt is None and format != "json":
        raise HTTPException(422, f"format: one of json, {', '.join(export.EXPORT_FORMATS)} (got {shorten(format)})")
    data = api.paper(request, stem)
    if suffix == ".json" or format == "json":
        return api.FastJSON(data)
    if fmt is not None:
        out = export.EXPORT_FORMATS[fmt]
        name = f"{export.citekey(data)}{'.csl.json' if fmt == 'csl' else out.extension}"
        return Response(out.render(data), media_type=out.media_type,
                        headers={"Content-Disposition": f'inline; filename="{name}"'})
    return page(request, "paper.html", data, exports=EXPORTS)


@router.get("/search")
@router.get("/search.json")
def search(
    request: Request,
    q: Annotated[str, Query(max_length=api.MAX_QUERY)] = "",
    limit: Annotated[int, Query(ge=1, le=api.MAX_PAGE)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_SEARCH_OFFSET)] = 0,
) -> Response:
    if q.strip():
        data = api.search(request, q, limit, offset)
    else:
        data = {"query": q, "researchers": [], "papers": [], "total": 0, "total_exact": True}
    if request.url.path.endswith(".json"):
        return api.FastJSON(data)
    return page(request, "search.html", data, last_offset=MAX_SEARCH_OFFSET)


@router.get("/compare")
@router.get("/compare.json")
def compare(request: Request, ids: Annotated[list[int], Depends(api.compare_ids)]) -> Response:
    data = api.compare(request, ids)
    if request.url.path.endswith(".json"):
        return api.FastJSON(data)
    return page(request, "compare.html", data)


@router.get("/docs")
def api_docs(request: Request) -> Response:
    """The API described from /openapi.json, as a plain page (no CDN, no script)."""
    schema = request.app.openapi()
    operations = [
        {"method": method.upper(), "path": path, **op}
        for path, item in schema["paths"].items() for method, op in item.items()
    ]
    return page(request, "api_docs.html", {"info": schema["info"], "operations": operations})


def _split(ref: str, suffixes: tuple[str, ...]) -> tuple[str, str]:
    for suffix in sorted(suffixes, key=len, reverse=True):
        if ref.endswith(suffix) and len(ref) > len(suffix):
            return ref[: -len(suffix)], suffix
    return ref, ""

