"""The web app's HTTP details: the admin token's scheme, security headers on every response,
HEAD for every GET route, content negotiation by q-value; and fuzzing (hypothesis, the same
examples each run) of every GET route's path and query: no input gets a 5xx, and on /api/
every error is JSON with a short message.

Requests go to the app in-process. The fuzzing calls the ASGI app with the scope a server
builds (the path percent-decoded as uvicorn does), so ids of 100,000 characters, bytes that
are not UTF-8 and encoded lone surrogates reach it, which an HTTP client would refuse to send.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import anyio
import lxml.html
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import AS_OF, HOSTILE_ID, copy_database, query
from paperscope.web import admin, api, create_app, pages
from paperscope.web.app import SECURITY_HEADERS, accept_quality

TOKEN = "s3cret-token"
FUZZ = settings(derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
# An error message echoing an input shows it shortened (paperscope.errors.shorten: 60
# characters, each escaped in at most 10, and the length).
MAX_MESSAGE = 1000


@pytest.fixture(scope="module")
def client(web_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The app with the admin token set, on a copy of the database (a fuzzed split may write)."""
    copy = copy_database(web_db, tmp_path_factory.mktemp("http"))
    with TestClient(create_app(copy, as_of=AS_OF, admin_token=TOKEN)) as c:
        yield c


@pytest.fixture(scope="module")
def known(web_db: Path) -> dict[str, str]:
    """A researcher id and a paper key that exist."""
    rid = query(web_db, "SELECT id FROM researchers ORDER BY mentions DESC, id LIMIT 1")[0][0]
    return {"researcher": str(rid), "paper": query(web_db, "SELECT key FROM papers ORDER BY id LIMIT 1")[0][0]}


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    messages: list[dict[str, Any]]

    def json(self) -> Any:
        return json.loads(self.body)


def call(client: TestClient, method: str, target: str, headers: dict[str, str] | None = None,
         body: bytes = b"") -> Reply:
    """One request straight to the ASGI app, its scope built as uvicorn builds it from a
    request line: ``target`` is ASCII (percent-encoded), the path is its percent-decoding."""
    raw_path, _, query_string = target.encode("ascii").partition(b"?")
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": unquote(raw_path.decode("ascii")), "raw_path": raw_path, "query_string": query_string,
        "root_path": "", "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
        "headers": [(b"host", b"testserver"), (b"content-length", str(len(body)).encode())]
        + [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()],
    }
    messages: list[dict[str, Any]] = []

    async def run() -> None:
        done = anyio.Event()
        sent_body = False

        async def receive() -> dict[str, Any]:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            await done.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            messages.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                done.set()

        await client.app(scope, receive, send)

    client.portal.call(run)  # type: ignore[union-attr]
    start = messages[0]
    assert start["type"] == "http.response.start", messages[:1]
    assert messages[-1]["type"] == "http.response.body" and not messages[-1].get("more_body", False)
    return Reply(start["status"], {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in start["headers"]},
                 b"".join(m.get("body", b"") for m in messages[1:]), messages)


# --- the admin token ------------------------------------------------------------------------------


@pytest.mark.parametrize("authorization", [
    None, TOKEN, f"Token {TOKEN}", f"Basic {TOKEN}", f"Bearer{TOKEN}", "Bearer", "Bearer ", "Bearer nope",
    f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", f"{TOKEN} Bearer", f"Bearer Bearer {TOKEN}",
])
def test_the_admin_token_without_the_bearer_scheme_is_refused(client: TestClient, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = client.post("/api/admin/researchers/merge", json={"ids": [1]}, headers=headers)
    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json()["error"]["message"]


@pytest.mark.parametrize("authorization", [f"Bearer {TOKEN}", f"bearer {TOKEN}", f"BEARER  {TOKEN}"])
def test_the_admin_token_with_the_bearer_scheme_passes(client: TestClient, authorization: str) -> None:
    # Past the token check, the body is checked: one id is too few to merge (nothing written).
    response = client.post("/api/admin/researchers/merge", json={"ids": [1]}, headers={"Authorization": authorization})
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("invalid request (body.ids")


# --- security headers -----------------------------------------------------------------------------


def test_security_headers_are_on_every_kind_of_response(client: TestClient, known: dict[str, str]) -> None:
    responses = {
        "html": client.get("/"),
        "json": client.get("/api/feed"),
        "page json": client.get(f"/researchers/{known['researcher']}.json"),
        "static": client.get("/static/style.css"),
        "atom": client.get("/feed.atom"),
        "bibtex": client.get(f"/papers/{known['paper']}.bib"),
        "html 404": client.get("/papers/no-such-paper"),
        "json 404": client.get("/api/papers/no-such-paper"),
        "static 404": client.get("/static/nothing.css"),
        "422": client.get("/api/feed", params={"limit": 0}),
        "405": client.post("/feed"),
        "413": client.post("/api/admin/researchers/merge", content=b"x" * 70_000),
        "401": client.post("/api/admin/researchers/merge", json={"ids": [1, 2]}),
        "head": client.head("/"),
        "openapi": client.get("/openapi.json"),
    }
    statuses = {name: r.status_code for name, r in responses.items()}
    assert statuses == {**dict.fromkeys(statuses, 200), "html 404": 404, "json 404": 404, "static 404": 404,
                        "422": 422, "405": 405, "413": 413, "401": 401}
    for name, response in responses.items():
        for header, value in SECURITY_HEADERS.items():
            assert response.headers.get(header) == value, (name, header)
    csp = responses["html"].headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert responses["html"].headers["x-frame-options"] == "DENY"
    assert responses["html"].headers["referrer-policy"] == "same-origin"


# --- HEAD -----------------------------------------------------------------------------------------


def test_head_answers_every_get_route_with_the_get_headers_and_no_body(
    client: TestClient, known: dict[str, str],
) -> None:
    rid, key = known["researcher"], quote(known["paper"], safe=":/")
    for url in ("/", "/feed", f"/papers/{key}", f"/researchers/{rid}", "/api/feed", "/static/style.css",
                "/static/app.js", "/feed.json", f"/researchers/{rid}.json", f"/papers/{key}.bib",
                f"/api/researchers/{rid}", f"/api/papers/{key}", "/api/rising", "/search?q=graph", "/docs",
                "/openapi.json"):
        get, head = call(client, "GET", url), call(client, "HEAD", url)
        assert get.status == head.status == 200, (url, get.status, head.status)
        assert get.body and head.body == b"", url
        assert [m["type"] for m in head.messages] == ["http.response.start", "http.response.body"], url
        assert head.headers["content-type"] == get.headers["content-type"], url
        assert head.headers["content-length"] == get.headers["content-length"] == str(len(get.body)), url
        assert head.headers["x-frame-options"] == "DENY", url
    # As a client sees it (the test client reads no body after HEAD either way).
    response = client.head(f"/papers/{key}")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")


def test_head_on_a_route_without_get_is_405_and_on_no_route_404(client: TestClient) -> None:
    post_only = call(client, "HEAD", "/api/admin/researchers/merge")
    assert post_only.status == 405 and post_only.body == b"" and "POST" in post_only.headers["allow"]
    assert call(client, "HEAD", "/no/such/page").status == 404
    assert call(client, "HEAD", "/api/papers/no-such-paper").status == 404
    assert client.get("/api/admin/researchers/merge").status_code == 405


# --- content negotiation --------------------------------------------------------------------------

NEGOTIATION = [
    (None, False),
    ("*/*", False),
    ("text/html", False),
    ("application/json", True),
    ("APPLICATION/JSON", True),
    ("application/json;q=0", False),
    ("application/json; q=0", False),
    ("text/html;q=0.5, application/json", True),
    ("text/html, application/json", False),  # a tie is HTML
    ("application/json, text/html", False),
    ("application/json, text/html;q=0.999", True),
    ("application/*", True),
    ("application/*;q=0.4, text/*;q=0.3", True),
    ("text/*;q=0.2, application/json;q=0.3", True),
    ("*/*;q=0.9, application/json;q=0", False),  # the most specific range decides
    ("*/*, text/html;q=0", True),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),  # a browser's
    ("application/json;q=abc, text/html;q=0.1", False),  # a malformed range counts for nothing
    ("application/json;q=2", False),
    ("application/json;q=nan", False),
    ("application/json;q=-1, */*;q=0.1", False),
    ("garbage, ;;;, /, */json, application/json", True),
    ("", False),
]


@pytest.mark.parametrize(("accept", "json_wanted"), NEGOTIATION)
def test_pages_answer_json_only_when_accept_prefers_it(
    client: TestClient, known: dict[str, str], accept: str | None, json_wanted: bool,
) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    for url, status in ((f"/researchers/{known['researcher']}?limit=1", 200), ("/researchers/not-a-number", 404)):
        response = client.get(url, headers=headers)
        assert response.status_code == status
        kind = "application/json" if json_wanted else "text/html"
        assert response.headers["content-type"].startswith(kind), (accept, url)
        if json_wanted and status == 404:
            assert response.json()["error"]["status"] == 404


@pytest.mark.parametrize("accept", ["text/html", "text/html, application/json;q=0", "*/*"])
def test_api_paths_and_json_suffixes_are_json_whatever_accept_says(client: TestClient, accept: str) -> None:
    for url in ("/api/feed?limit=1", "/feed.json?limit=1", "/api/papers/nope", "/papers/nope.json"):
        response = client.get(url, headers={"Accept": accept})
        assert response.headers["content-type"].startswith("application/json"), (url, accept)


@settings(FUZZ, max_examples=300)
@given(accept=st.text(st.characters(codec="latin-1"), max_size=80) | st.lists(st.sampled_from([
    "text/html", "application/json", "*/*", "text/*", "application/*", "x/y", ";q=", "q=0.5", ";", ",", "/", " ",
    "0", "1", ".", "nan", "1e9", "-"]), max_size=12).map("".join))
def test_any_accept_header_gives_a_quality_between_0_and_1(accept: str) -> None:
    for media_type in ("application/json", "text/html"):
        assert 0 <= accept_quality(accept, media_type) <= 1
    assert accept_quality(accept + ",application/json;q=1", "application/json") == 1


# --- fuzzing: no input gets a 5xx -----------------------------------------------------------------


def _encoded(data: str | bytes) -> str:
    """What a client sends for a value: every byte but A-Z a-z 0-9 _ . - ~ percent-encoded;
    a lone surrogate as the bytes UTF-8 would give it (which the server decodes to U+FFFD)."""
    return quote(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data, safe="")


SPECIAL = ["²", "¹²³", "٣", "\x00", "\x00" * 5, "\ud800", "\udcff", "\ufffe", "\x7f", "\r\n", "\x1b[31m", "%",
           "%%ff", "..", "../../etc/passwd", "/", "//", "", " ", "1e400", "nan", "inf", "-1", "0", "1.5", "true",
           "null", "[]", "{}", "'", '"', "<script>", "a" * 301, "9" * 19, "9" * 26, str(2**62), str(2**62 + 1),
           str(2**63), "2503.11731", "arXiv:2503.11731", "10.48550/arXiv.2503.11731", HOSTILE_ID, "cs.LG", "2025-03-01"]
# Any code point, lone surrogates included (st.text() leaves them out), with the ones that
# break things often: control characters, non-characters, non-ASCII digits, URL syntax.
CHARACTERS = st.one_of(
    st.characters(exclude_categories=()),
    st.characters(max_codepoint=0x7F),
    st.sampled_from("\x00\x01\x08\x0b\x1f\x7f\x85\u2028\ufeff\ufffe\uffff\ud800\udfff²٣%/?#&=;+.,:*\\\"'<>"),
)
VALUES = st.one_of(
    st.text(CHARACTERS),
    st.binary(max_size=40),  # bytes that may not be UTF-8 at all
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.integers(min_value=19, max_value=60_000).map(lambda n: "9" * n),  # huge numbers
    st.tuples(st.text(min_size=1, max_size=3), st.integers(1_000, 100_000)).map(lambda t: (t[0] * t[1])[:100_000]),
    st.sampled_from(SPECIAL),
).map(_encoded)
SUFFIXES = st.sampled_from(["", "", "", ".json", ".bib", ".ris", ".csl.json", ".atom", ".rss", ".pdf", "/", "/x"])
ACCEPTS = st.sampled_from([None, "application/json", "text/html", "*/*", "application/json;q=0, text/html"])


def _get_routes() -> list[APIRoute]:
    """The app's GET routes (those of its routers: FastAPI's own list of an app's routes is
    not public API), in a fixed order."""
    routes = [r for router in (api.router, pages.router, admin.router) for r in router.routes
              if isinstance(r, APIRoute) and "GET" in r.methods]
    return sorted(routes, key=lambda r: r.path)


def _query_names(dependant: Any) -> set[str]:
    """The query parameters a route reads, its dependencies' included."""
    return {p.alias for p in dependant.query_params}.union(*(_query_names(d) for d in dependant.dependencies))


def _fill(path: str, value: str) -> str:
    """A route's path with each parameter ({id}, {ref:path}) replaced by ``value``."""
    out, rest = "", path
    while "{" in rest:
        head, _, tail = rest.partition("{")
        out, rest = out + head + value, tail.partition("}")[2]
    return out + rest


def _check(reply: Reply, target: str) -> None:
    """No 5xx; the security headers; on /api/ JSON, errors as {"error": ...}; short messages."""
    where = target[:200]
    assert reply.status < 500, (where, reply.status, reply.body[:500])
    assert all(reply.headers.get(name.lower()) == value for name, value in SECURITY_HEADERS.items()), where
    json_answer = reply.headers.get("content-type", "").startswith("application/json")
    if unquote(target.partition("?")[0]).startswith("/api/") and not 300 <= reply.status < 400:
        assert json_answer, (where, reply.status, reply.headers.get("content-type"))
    if reply.status >= 400 and json_answer:
        error = reply.json()["error"]
        assert error["status"] == reply.status and len(error["message"]) <= MAX_MESSAGE, (where, error["message"][:300])
    elif reply.status >= 400 and reply.headers.get("content-type", "").startswith("text/html"):
        [message] = lxml.html.fromstring(reply.body).xpath("//section[@class='error']/p[1]")
        assert len(message.text_content()) <= MAX_MESSAGE, (where, message.text_content()[:300])


def test_every_get_route_is_fuzzed(client: TestClient) -> None:
    """The fuzzing below reaches every GET route, and path parameters of each kind."""
    paths = {r.path for r in _get_routes()}
    described = client.get("/openapi.json").json()["paths"]
    assert {path for path, operations in described.items() if "get" in operations} <= {
        r.path_format for r in _get_routes()}
    assert {"/", "/feed", "/feed.atom", "/papers/{ref:path}", "/researchers/{ref}", "/search", "/compare",
            "/api/feed", "/api/papers/{identifier:path}", "/api/researchers/{researcher_id}", "/api/search",
            "/api/compare", "/api/rising", "/docs"} <= paths


PATHS = [*sorted(r.path for r in _get_routes() if "{" in r.path), "/static/{path}", "/{anything}"]


@pytest.mark.parametrize("template", PATHS)
@settings(FUZZ, max_examples=60)
@given(value=VALUES, suffix=SUFFIXES, accept=ACCEPTS)
def test_no_path_gets_a_5xx(client: TestClient, template: str, value: str, suffix: str, accept: str | None) -> None:
    target = _fill(template, value + suffix)
    _check(call(client, "GET", target, {"Accept": accept} if accept else None), target)


# Each query parameter of each route, alone (a request with several is mostly refused for
# the first bad one, before the others reach any code); q on every route: the search box
# echoes it on every page.
QUERY_PARAMETERS = [(route, name) for route in _get_routes() for name in sorted(_query_names(route.dependant) | {"q"})]


@pytest.mark.parametrize(("route", "name"), QUERY_PARAMETERS, ids=[f"{r.path}?{n}" for r, n in QUERY_PARAMETERS])
@settings(FUZZ, max_examples=20)
@given(value=VALUES, accept=ACCEPTS)
def test_no_query_parameter_gets_a_5xx(
    client: TestClient, known: dict[str, str], route: APIRoute, name: str, value: str, accept: str | None,
) -> None:
    _check_query(client, known, route, [(name, value)], accept)


@pytest.mark.parametrize("route", _get_routes(), ids=lambda r: r.path)
@settings(FUZZ, max_examples=20)
@given(data=st.data(), accept=ACCEPTS)
def test_no_query_gets_a_5xx(
    client: TestClient, known: dict[str, str], route: APIRoute, data: st.DataObject, accept: str | None,
) -> None:
    """Several parameters, repeated ones and unknown ones."""
    names = sorted(_query_names(route.dependant) | {"q", "x"})
    params = data.draw(st.lists(st.tuples(st.sampled_from(names), VALUES), max_size=3), label="query")
    _check_query(client, known, route, params, accept)


def _check_query(client: TestClient, known: dict[str, str], route: APIRoute, params: list[tuple[str, str]],
                 accept: str | None) -> None:
    ref = known["paper"] if "paper" in route.path else known["researcher"]
    target = _fill(route.path, _encoded(ref)) + "?" + "&".join(f"{quote(k)}={v}" for k, v in params)
    _check(call(client, "GET", target, {"Accept": accept} if accept else None), target)


@settings(FUZZ, max_examples=200)
@given(researcher=st.one_of(st.integers(min_value=-1, max_value=5), st.integers(), st.just(2**62)),
       papers=st.lists(st.one_of(st.text(CHARACTERS), st.integers(19, 400).map(lambda n: "9" * n),
                                 st.sampled_from(SPECIAL)), min_size=1, max_size=4))
def test_no_split_gets_a_5xx(client: TestClient, researcher: int, papers: list[str]) -> None:
    # json.dumps writes a lone surrogate as its \\ud800 escape, as a client may.
    body = json.dumps({"researcher": researcher, "papers": papers}).encode()
    target = "/api/admin/researchers/split"
    reply = call(client, "POST", target, {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}, body)
    _check(reply, target)
    assert reply.status in (200, 400, 404, 422), (reply.status, reply.body[:300])


@pytest.mark.parametrize(("target", "status"), [
    ("/api/papers/%C2%B2", 404), ("/api/papers/" + "1" * 26, 404), ("/api/papers/" + "1" * 60_000, 422),
    ("/papers/" + "1" * 26, 404), ("/papers/" + "9" * 60_000, 404), ("/papers/%C2%B2.bib", 404),
    ("/researchers/" + "1" * 26, 404), ("/researchers/" + "9" * 60_000, 404), ("/researchers/%C2%B2", 404),
    ("/api/researchers/" + "1" * 26, 422), ("/api/researchers/" + "9" * 60_000, 422),
    ("/papers/%ff%fe", 404), ("/api/papers/%ff%fe", 404), ("/papers/%ED%A0%80", 404), ("/papers/%00", 404),
    ("/papers/" + "z" * 100_000, 404), ("/api/feed?limit=" + "1" * 30, 422), ("/api/feed?since=garbage", 422),
    ("/feed?since=%ff", 422), ("/search?q=" + "x" * 100_000, 422), ("/api/compare?ids=" + "9" * 30, 422),
    # Accepted, and answered: a feed titled with a control character, a search for a NUL.
    ("/feed.atom?category=%01", 200), ("/feed.rss?category=%EF%BF%BE", 200), ("/api/search?q=%00", 200),
])
def test_inputs_that_made_5xx_get_4xx_or_an_answer(client: TestClient, target: str, status: int) -> None:
    reply = call(client, "GET", target)
    _check(reply, target)
    assert reply.status == status, (target[:100], reply.body[:300])


def test_an_echoed_input_is_shortened(client: TestClient) -> None:
    message = client.get("/api/papers/" + "x" * 290).json()["error"]["message"]
    assert message == f"no paper with id {'x' * 60!r}… (290 characters)"
    page = lxml.html.fromstring(call(client, "GET", "/researchers/" + "y" * 100_000).body)
    assert "(100,000 characters)" in page.xpath("string(//section[@class='error']/p[1])")
    split = client.post("/api/admin/researchers/split", json={"researcher": 1, "papers": ["9" * 299]},
                        headers={"Authorization": f"Bearer {TOKEN}"})
    assert split.status_code == 422 and "(299 characters)" in split.json()["error"]["message"]


# --- bodies without a length, a busy stage, a failing database ---------------------------------

def test_a_chunked_body_over_the_limit_is_refused_before_the_app_reads_it(client: TestClient) -> None:
    def chunks(total: int) -> Iterator[bytes]:
        sent = 0
        while sent < total:
            yield b"x" * 8192
            sent += 8192

    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    big = client.post("/api/admin/score", content=chunks(200_000), headers=headers)
    assert big.status_code == 413 and big.json()["error"]["message"] == "request body over 65536 bytes"
    assert big.headers["x-frame-options"] == "DENY"
    small = client.post("/api/admin/researchers/merge", content=iter([b'{"ids": ', b"[1]}"]), headers=headers)
    assert small.status_code == 422  # read whole and handed on: one id is too few


@pytest.mark.sqlite_only  # the lock's row names a live process of this host (PostgreSQL: tests/test_store.py)
def test_a_correction_while_a_resolve_runs_is_409_naming_it(web_db: Path, tmp_path: Path) -> None:
    import socket
    import sqlite3
    import subprocess

    copy = tmp_path / "busy.db"
    shutil.copy(web_db, copy)
    holder = subprocess.Popen(["sleep", "60"])
    try:
        with sqlite3.connect(copy) as conn:
            conn.execute("INSERT INTO stage_locks VALUES ('resolve', ?, ?, 'paperscope resolve', 'now')",
                         (holder.pid, socket.gethostname()))
        conn.close()
        rid = query(copy, "SELECT id FROM researchers ORDER BY id LIMIT 2")
        with TestClient(create_app(copy, as_of=AS_OF, admin_token=TOKEN)) as c:
            answer = c.post("/api/admin/researchers/merge", json={"ids": [rid[0][0], rid[1][0]]},
                            headers={"Authorization": f"Bearer {TOKEN}"})
        assert answer.status_code == 409
        assert answer.json()["error"]["message"].startswith(f"resolve is already running (process {holder.pid}")
        assert query(copy, "SELECT count(*) FROM researcher_overrides") == [(0,)]
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.sqlite_only  # damages the file
def test_a_database_damaged_while_serving_is_503_not_500(web_db: Path, tmp_path: Path) -> None:
    import os
    import sqlite3

    copy = tmp_path / "damaged.db"
    shutil.copy(web_db, copy)
    sqlite3.connect(copy).execute("PRAGMA wal_checkpoint(TRUNCATE)").connection.close()
    rid = query(copy, "SELECT id FROM researchers ORDER BY mentions DESC LIMIT 1")[0][0]
    with TestClient(create_app(copy, as_of=AS_OF)) as c:
        size = os.path.getsize(copy)
        with open(copy, "r+b") as f:
            f.seek(8 * 8192)
            f.write(b"\x07" * (size - 8 * 8192))
        for path in (f"/api/researchers/{rid}", f"/researchers/{rid}", "/api/search?q=learning"):
            answer = c.get(path)
            assert answer.status_code == 503, (path, answer.status_code)
            assert "the database is unavailable: the database file is damaged" in answer.text
            assert answer.headers["retry-after"] == "5"


def test_serve_with_two_workers_answers_from_two_processes(web_db: Path | str) -> None:
    """`paperscope serve --workers 2`: two worker processes, each its own app, every answer 200."""
    import socket
    import subprocess
    import sys
    import time

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = subprocess.Popen([sys.executable, "-m", "paperscope.cli", "--db", str(web_db), "serve", "--workers", "2",
                               "--port", str(port), "--as-of", AS_OF.isoformat()],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        statuses: list[int] = []
        deadline = time.monotonic() + 90
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            while time.monotonic() < deadline and not statuses:
                try:
                    statuses.append(client.get("/api/feed").status_code)
                except httpx.TransportError:
                    time.sleep(0.2)
            statuses += [client.get("/api/feed", params={"offset": i}).status_code for i in range(20)]
        workers = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _parent(p) == server.pid]
        assert statuses == [200] * 21
        assert len(workers) >= 2, "uvicorn starts one process per worker"
    finally:
        server.terminate()
        server.wait(timeout=30)
        assert server.stderr is not None
        server.stderr.close()


def _parent(proc: Path) -> int | None:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None
