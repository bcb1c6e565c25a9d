"""The web app: an app factory over one database, shared state, errors and limits.

``create_app(db_path)`` builds a FastAPI app; tests build one per temporary database.
Pages are server-rendered (Jinja2, autoescaped) with a little JavaScript; every asset is in
``web/static``. Each page is also JSON (``.json`` suffix or ``Accept: application/json``),
and ``/api/...`` serves the same data with an OpenAPI description (``/openapi.json``,
``/docs``).

The public app is read-only: request threads read through read-only stores (nothing is
created, migrated or refreshed by serving). Writing endpoints (``/api/admin/...``) need the admin token
(``$PAPERSCOPE_ADMIN_TOKEN``) and are off when it is unset.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.exceptions import HTTPException as StarletteHTTPException

from paperscope import render, tex
from paperscope.errors import shorten
from paperscope.store import Store, StoreError, is_store_failure, open_store, store_error

__all__ = ["Settings", "create_app", "warm"]

log = logging.getLogger("paperscope.web")

WEB = Path(__file__).parent
MAX_BODY = 64 * 1024  # bytes a request body may carry (admin requests are small JSON)
READ_CACHE_KIB = 4096  # SQLite page cache of each request thread's connection
# Connections of the pool that serves every request thread where the store keeps one
# (PostgreSQL); SQLite opens one connection per request thread instead.
POOL_SIZE = int(os.environ.get("PAPERSCOPE_DB_POOL", "8"))
# Request threads: views hold the GIL most of the time, so many threads only queue inside
# the process (measured on 2 cores: 40 threads gave half the pages/s of 2–4 and 3× the
# memory). Two per core: with one, a large profile holds up the small pages behind it
# (researcher pages at ~80/s: p95 58 ms with 2 threads, 34 ms with 4; docs/benchmarks.md, Web).
THREADS = min(8, 2 * (os.cpu_count() or 1))
# Views kept computed (profiles are the costly ones: ~5–40 ms each, ~100 KB of data).
CACHED_VIEWS = 512


@dataclass
class Settings:
    """What an app is built with; every field has a default fit for `paperscope serve`."""

    db_path: str
    admin_token: str | None = None
    as_of: dt.date | None = None  # the date profiles are computed for (default: today)
    ann_dir: Path | None = None  # the ANN index for similar papers (default: beside the db)
    cached_views: int = CACHED_VIEWS  # views kept computed ($PAPERSCOPE_VIEW_CACHE; 0: none)


@dataclass
class State:
    """Per-app state: one read-only store per request thread, the ANN index, caches."""

    settings: Settings
    watch: Store  # the connection whose data version keeps views honest
    _local: threading.local = field(default_factory=threading.local)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _shared: Store | None = None  # a pooled store serves every thread
    cache: OrderedDict[str, Any] = field(default_factory=OrderedDict)  # views (profiles, feed pages)
    figures: OrderedDict[str, Any] = field(default_factory=OrderedDict)  # corpus-wide figures
    warmed: bool = False  # whether warm() ran

    def store(self) -> Store:
        """The read-only store of this request thread (or of every thread, where the store
        serves them all from a connection pool)."""
        if self._shared is not None:
            return self._shared
        store = getattr(self._local, "store", None)
        if store is None:
            store = open_store(self.settings.db_path, read_only=True, pool=POOL_SIZE)
            if store.thread_safe:
                with self._lock:
                    if self._shared is None:
                        self._shared = store
                    else:
                        store.close()
                return self._shared
            # One connection per request thread: a small page cache each (the OS caches the
            # file for all of them), not the 64 MiB a bulk ingest wants.
            store.set_read_cache(READ_CACHE_KIB)
            self._local.store = store
        return store

    def writable_store(self) -> Store:
        return open_store(self.settings.db_path)

    def data_version(self) -> int:
        """The store's data version as one connection sees it: it moves whenever any other
        connection (a pipeline stage, the admin API) commits."""
        with self._lock:
            return self.watch.data_version()

    def as_of(self) -> dt.date:
        return self.settings.as_of or dt.date.today()

    def ann(self) -> Any:
        """The published ANN index of the stored embeddings (memory-mapped, shared with
        search), or None if there is none."""
        return _load_ann(self.store(), self.settings)

    def cached(self, key: str, compute: Any) -> Any:
        """A view computed once per data version of the store. The ``cached_views`` most
        recently used are kept (none when it is 0)."""
        if self.settings.cached_views <= 0:
            return compute()
        return self._kept(self.cache, key, compute, self.settings.cached_views)

    def corpus_figure(self, key: str, compute: Any) -> Any:
        """A figure of the whole corpus (rising researchers, the feed's window, categories):
        kept per data version of the store whatever ``cached_views`` says."""
        return self._kept(self.figures, key, compute, None)

    def _kept(self, kept: OrderedDict[str, Any], key: str, compute: Any, bound: int | None) -> Any:
        stamp = self.data_version()
        with self._lock:
            hit = kept.get(key)
            if hit is not None and hit[0] == stamp:
                kept.move_to_end(key)
                return hit[1]
        value = compute()
        with self._lock:
            kept[key] = (stamp, value)
            while bound is not None and len(kept) > bound:
                kept.popitem(last=False)
        return value


def warm(app: FastAPI) -> None:
    """Compute what the front page needs, and load search's in-memory indexes, before the
    first visitor asks (on 150k papers: ~2 s at start instead of on someone's request).
    Then freeze what was loaded out of the garbage collector's view: it lives as long as
    the process, and full collections would otherwise walk it again and again.

    `paperscope serve` calls it before the server starts, so that a database that fails
    to read (damaged pages the first check did not touch) ends the command with one error
    line; the app's start-up calls it only when that was not done.
    """
    from paperscope.search import search
    from paperscope.web import views

    state = app.state.paperscope
    if state.warmed:
        return
    state.warmed = True
    state.corpus_figure("rising:8", lambda: views.rising_view(state.store(), 8))
    search(state.store(), "paperscope", limit=1)
    state.ann()
    gc.collect()
    gc.freeze()


def _load_ann(store: Store, settings: Settings) -> Any:
    from paperscope.ann import open_index, open_shared

    if settings.ann_dir is not None:
        return open_shared(settings.ann_dir)
    models = store.search.embedding_models()  # model → papers embedded, kept by the search refresh
    if not models:
        return None
    return open_index(store, max(models, key=lambda m: (models[m], m)))


def templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(WEB / "templates"))
    t.env.autoescape = True
    t.env.filters["display_date"] = lambda iso, as_of=None: render.display_date(iso, as_of)
    t.env.filters["authors_short"] = render.authors_short
    t.env.filters["math_html"] = tex.math_html  # titles and abstracts: debris repaired, math typeset
    t.env.filters["marked"] = marked_html
    t.env.globals["byline"] = render.byline
    t.env.globals["category_short_code"] = _short_code
    t.env.globals["paper_url"] = paper_url
    t.env.globals["researcher_url"] = lambda ref: f"/researchers/{quote(str(ref), safe='')}"
    return t


def marked_html(snippet: Mapping[str, Any]) -> Markup:
    """A search snippet (paperscope/snippet.py) as HTML: its text escaped, its marked
    stretches in ``<mark>``. The marks index the plain text, so it is cut before escaping."""
    text, out, at = snippet["text"], [], 0
    for start, end in snippet["marks"]:
        out += [escape(text[at:start]), Markup("<mark>"), escape(text[start:end]), Markup("</mark>")]
        at = end
    out.append(escape(text[at:]))
    return Markup("").join(out)


def paper_url(ref: str) -> str:
    """The path of a paper page (its key or any id, quoted; ":" and "/" kept readable)."""
    return "/papers/" + quote(ref, safe=":/")


def _short_code(category: str | None) -> str:
    from paperscope.ids import category_short_code

    return category_short_code(category) if category else ""


# On every response: pages load only their own assets, are never framed (clickjacking) and
# send only their origin with links followed elsewhere.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
                               " object-src 'none'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


class HeadAsGet:
    """HEAD for every GET route (FastAPI routes answer only the methods they name): the
    request runs as a GET and its body is dropped, so the headers, Content-Length included,
    are the GET's. A route with no GET still answers 405."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)

        async def headers_only(message: Any) -> None:
            if message["type"] in ("http.response.body", "http.response.pathsend", "http.response.zerocopy"):
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class StreamedBodyLimit:
    """``MAX_BODY`` for a body sent without a Content-Length (chunked): read up to one byte
    over the limit before the app sees the request; over it, 413 at once; else the body is
    handed on as it came. (A declared Content-Length is checked in ``limit_body``.)"""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        headers = dict(scope.get("headers") or ()) if scope["type"] == "http" else {}
        if scope["type"] != "http" or b"content-length" in headers or b"transfer-encoding" not in headers:
            return await self.app(scope, receive, send)
        received: list[Any] = []
        size = 0
        while True:
            message = await receive()
            received.append(message)
            size += len(message.get("body", b""))
            if size > MAX_BODY:
                response = JSONResponse(error_body(413, f"request body over {MAX_BODY} bytes"), status_code=413)
                response.headers.update(SECURITY_HEADERS)
                return await response(scope, receive, send)
            if message["type"] != "http.request" or not message.get("more_body", False):
                break

        async def replay() -> Any:
            return received.pop(0) if received else await receive()

        await self.app(scope, replay, send)


def wants_json(request: Request) -> bool:
    """JSON for ``/api/`` and ``.json`` paths; elsewhere JSON only when the Accept header
    prefers it to HTML (a strictly higher q-value), so browsers and ``*/*`` get HTML."""
    path = request.scope["path"]  # not request.url.path: that stops at a decoded "?" or "#"
    if path.startswith("/api/") or path.endswith(".json"):
        return True
    accept = request.headers.get("accept", "*/*")
    return accept_quality(accept, "application/json") > accept_quality(accept, "text/html")


def accept_quality(accept: str, media_type: str) -> float:
    """The q-value an Accept header gives ``media_type``: that of the most specific media
    range matching it (RFC 9110, 12.5.1), 0 when none does. Malformed ranges are skipped."""
    kind, _, subtype = media_type.partition("/")
    best, quality = -1, 0.0
    for part in accept.split(","):
        media_range, *params = part.split(";")
        r_kind, slash, r_subtype = media_range.strip().lower().partition("/")
        if not (slash and r_kind and r_subtype) or (r_kind == "*" and r_subtype != "*"):
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = -1.0
        specific = (r_kind != "*") + (r_subtype != "*")
        if (0 <= q <= 1 and r_kind in ("*", kind) and r_subtype in ("*", subtype)
                and (specific > best or (specific == best and q > quality))):
            best, quality = specific, q
    return quality


def error_body(status: int, message: str, detail: Any = None) -> dict[str, Any]:
    return {"error": {"status": status, "message": message, **({"detail": detail} if detail else {})}}


def app_from_env() -> FastAPI:
    """The app over ``$PAPERSCOPE_DB`` as of ``$PAPERSCOPE_AS_OF`` (default today): what each
    worker process builds under ``paperscope serve --workers N`` or
    ``uvicorn --factory paperscope.web.app:app_from_env --workers N``."""
    as_of = os.environ.get("PAPERSCOPE_AS_OF")
    return create_app(os.environ.get("PAPERSCOPE_DB") or "paperscope.db",
                      as_of=dt.date.fromisoformat(as_of) if as_of else None)


def create_app(
    db_path: str | Path, *, admin_token: str | None = None, as_of: dt.date | None = None,
    ann_dir: Path | None = None,
) -> FastAPI:
    """The paperscope web app over the database at ``db_path``, which it only reads (the
    admin API aside): a missing database, or one that needs migrating, is a StoreError
    here, before serving. ``admin_token`` defaults to ``$PAPERSCOPE_ADMIN_TOKEN``."""
    watch = open_store(db_path, read_only=True)  # kept: it reads the data version
    settings = Settings(
        str(db_path), admin_token if admin_token is not None else os.environ.get("PAPERSCOPE_ADMIN_TOKEN") or None,
        as_of, ann_dir, int(os.environ.get("PAPERSCOPE_VIEW_CACHE", CACHED_VIEWS)),
    )
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = THREADS
        await anyio.to_thread.run_sync(warm, app)  # the rail every feed page shows: ~1–2 s on 150k papers
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="paperscope",
        version="1",
        description="Papers, researchers, Novelty % and AI Scores: the JSON API of a paperscope database.",
        docs_url=None,  # /docs is our own page (pages.py): Swagger UI would load from a CDN
        redoc_url=None,
    )
    app.state.paperscope = State(settings, watch)
    app.state.templates = templates()
    app.mount("/static", StaticFiles(directory=str(WEB / "static")), name="static")

    from paperscope.web import admin, api, pages

    app.include_router(api.router)
    app.include_router(admin.router)
    app.include_router(pages.router)

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Any) -> Response:
        if not request.scope["path"].startswith("/api/") and request.scope.get("query_string"):
            # An HTML form sends its empty fields ("min_novelty=&until="): they mean "any".
            pairs = [(k, v) for k, v in parse_qsl(request.scope["query_string"].decode("latin-1"),
                                                   keep_blank_values=True) if v.strip()]
            request.scope["query_string"] = urlencode(pairs).encode("latin-1")
        length = request.headers.get("content-length")
        if length is not None and not (length.isascii() and length.isdigit() and len(length) <= 18
                                       and int(length) <= MAX_BODY):  # not int("²"), nor 10**5000
            response: Response = JSONResponse(error_body(413, f"request body over {MAX_BODY} bytes"), status_code=413)
        else:
            try:
                response = await call_next(request)
            except Exception as exc:  # answered here, on a connection that stays usable
                if isinstance(exc, StoreError) or is_store_failure(exc):
                    # The database, not the request: busy, damaged, gone. 503, and said so.
                    failure = exc if isinstance(exc, StoreError) else store_error(exc, "the database")
                    log.error("%s %s: %s", request.method, shorten(request.scope["path"], 200), failure)
                    response = _error(request, 503, f"the database is unavailable: {failure.what}",
                                      headers={"Retry-After": "5"})
                else:
                    log.exception("%s %s failed", request.method, shorten(request.scope["path"], 200))
                    response = _error(request, 500, "internal error; the server log has the details")
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    app.add_middleware(StreamedBodyLimit)
    app.add_middleware(HeadAsGet)  # added last: outside the others, which see a GET

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail), headers=exc.headers)  # 405's Allow

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        detail = [{"where": ".".join(str(p) for p in e.get("loc", ())), "why": e.get("msg")} for e in exc.errors()]
        where = "; ".join(f"{d['where']}: {d['why']}" for d in detail)
        return _error(request, 422, f"invalid request ({where})", detail)

    return app


def _error(request: Request, status: int, message: str, detail: Any = None,
           headers: Mapping[str, str] | None = None) -> Response:
    if wants_json(request):
        return JSONResponse(error_body(status, message, detail), status_code=status, headers=headers)
    html = request.app.state.templates.get_template("error.html").render(
        request=request, status=status, message=message,
    )
    return HTMLResponse(html, status_code=status, headers=headers)
