"""arXiv API client, run against a local replay of recorded responses.

Nothing real is contacted: the client talks to a threaded HTTP server on 127.0.0.1 that
replays arxiv.py's recorded responses and injects faults. Sleeping is recorded on a fake
clock, so the politeness delays are checked without being waited out.
"""

from __future__ import annotations

import contextlib
import email.utils
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from arxiv_api_recorded import ATOM, RECORDED, papers, recorded
from local_http import FakeClock, LocalServer, ReplyHandler, gaps, serving
from lxml import etree

from paperscope.models import PaperRecord, Rejected
from paperscope.sources import arxiv_api_client
from paperscope.sources.arxiv_api import (
    ArxivApiError,
    ArxivEmptyPageError,
    ArxivHttpError,
    parse_feed,
)
from paperscope.sources.arxiv_api_client import ArxivApiClient


def test_public_names_exist() -> None:
    assert sorted(arxiv_api_client.__all__) == sorted(set(arxiv_api_client.__all__))
    assert all(hasattr(arxiv_api_client, name) for name in arxiv_api_client.__all__)


@dataclass
class Fault:
    kind: str  # "status", "hang", "empty", "error400", "retry-after-date", "other-page"
    status: int = 503
    headers: dict[str, str] = field(default_factory=dict)
    stem: str = ""  # for "other-page": the recording served instead


@dataclass
class Hit:
    at: float  # fake-clock time the request arrived
    params: dict[str, str]
    outcome: str
    user_agent: str

    @property
    def start(self) -> int:
        return int(self.params["start"])


Key = tuple[str, str, str, str]


def key_of(params: dict[str, str]) -> Key:
    return (
        params.get("search_query", ""),
        params.get("id_list", ""),
        params["start"],
        params["max_results"],
    )


class ReplayServer(LocalServer):
    """Replays recorded exchanges by query; queued faults for a query are served first."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.exchanges = {
            key_of(e.params): e for e in map(recorded, (p.name.rsplit("_", 1)[0] for p in RECORDED))
        }
        self.faults: dict[Key, list[Fault]] = {}
        self.hits: list[Hit] = []
        super().__init__(self._handler(), "/api/query")

    def inject(
        self, start: int, *faults: Fault, search_query: str = "testing", max_results: int = 10
    ) -> None:
        self.faults.setdefault((search_query, "", str(start), str(max_results)), []).extend(faults)

    def _handler(self) -> type[ReplyHandler]:
        server = self

        class Handler(ReplyHandler):
            content_type = "application/atom+xml; charset=utf-8"

            def do_GET(self) -> None:
                params = {
                    k: v[0]
                    for k, v in parse_qs(urlsplit(self.path).query, keep_blank_values=True).items()
                }
                key = key_of(params)
                queued = server.faults.get(key)
                fault = queued.pop(0) if queued else None
                hit = Hit(
                    server.clock.now,
                    params,
                    fault.kind if fault else "ok",
                    self.headers["User-Agent"],
                )
                server.hits.append(hit)
                exchange = server.exchanges.get(key)
                if fault is None:
                    if exchange is None:
                        self.reply(404, b"no recording for this query")
                    else:
                        self.reply(exchange.status, exchange.body)
                elif fault.kind == "status":
                    self.reply(fault.status, b"Service unavailable", fault.headers)
                elif fault.kind == "retry-after-date":
                    now = int(time.time())
                    dates = {
                        "Date": email.utils.formatdate(now, usegmt=True),
                        "Retry-After": email.utils.formatdate(now + 5, usegmt=True),
                    }
                    self.reply(fault.status, b"Too many requests", dates)
                elif fault.kind == "hang":
                    server.release.wait(1.0)
                    with contextlib.suppress(OSError):  # the client gave up long ago
                        self.reply(exchange.status, exchange.body)
                elif fault.kind == "empty":
                    root = etree.fromstring(exchange.body)
                    for entry in root.findall(f"{ATOM}entry"):
                        root.remove(entry)
                    self.reply(200, etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
                elif fault.kind == "other-page":
                    self.reply(200, recorded(fault.stem).body)
                elif fault.kind == "error400":
                    self.reply(400, recorded("id_abc").body)

        return Handler

    def gaps(self) -> list[float]:
        return gaps(h.at for h in self.hits)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> Iterator[ReplayServer]:
    with serving(ReplayServer(clock)) as replay:
        yield replay


def make_client(server: ReplayServer, clock: FakeClock, **options: object) -> ArxivApiClient:
    settings: dict[str, object] = {"page_size": 10, "timeout": 2.0, **options}
    return ArxivApiClient(base_url=server.url, sleep=clock.sleep, clock=clock.monotonic, **settings)  # type: ignore[arg-type]


def first_60_ids() -> list[str]:
    return [
        r.arxiv_id or "" for r in papers(list(parse_feed(recorded("q_testing_s0_m100").body, "f")))
    ][:60]


def assert_polite(server: ReplayServer, delay: float = 3.0) -> None:
    assert server.gaps() and min(server.gaps()) >= delay - 1e-9, server.gaps()


def test_search_pages_in_order_and_waits_three_seconds(
    server: ReplayServer, clock: FakeClock
) -> None:
    with make_client(server, clock) as client:
        records = papers(list(client.search("testing", max_results=60, sort_by="relevance")))
    assert [r.arxiv_id for r in records] == first_60_ids()
    assert [h.start for h in server.hits] == [0, 10, 20, 30, 40, 50]
    assert all(h.outcome == "ok" for h in server.hits)
    assert {
        (h.params["sortBy"], h.params["sortOrder"], h.params["max_results"]) for h in server.hits
    } == {("relevance", "descending", "10")}
    assert server.hits[0].user_agent.startswith("paperscope/")
    assert records[0].origin.file.startswith(server.url) and "start=0" in records[0].origin.file
    assert_polite(server)
    assert clock.sleeps == [3.0] * 5  # one wait before each later page, none before the first


def test_search_stops_at_max_results(server: ReplayServer, clock: FakeClock) -> None:
    with make_client(server, clock) as client:
        records = list(client.search("testing", max_results=20, sort_by="relevance"))
    assert len(records) == 20
    assert [h.start for h in server.hits] == [0, 10]


def test_faults_are_retried_and_every_record_comes_once_in_order(
    server: ReplayServer, clock: FakeClock
) -> None:
    server.inject(10, Fault("status", 503, {"Retry-After": "2"}))
    server.inject(20, Fault("status", 429))
    server.inject(30, Fault("hang"))
    server.inject(40, Fault("empty"))
    with make_client(server, clock, timeout=0.2) as client:
        records = papers(list(client.search("testing", max_results=60, sort_by="relevance")))
    assert [r.arxiv_id for r in records] == first_60_ids()
    assert [(h.start, h.outcome) for h in server.hits] == [
        (0, "ok"),
        (10, "status"), (10, "ok"),
        (20, "status"), (20, "ok"),
        (30, "hang"), (30, "ok"),
        (40, "empty"), (40, "ok"),
        (50, "ok"),
    ]  # fmt: skip
    assert_polite(server)
    retry_after_503 = server.hits[2].at - server.hits[1].at
    assert retry_after_503 >= 2.0


def test_overlapping_pages_yield_each_paper_once(server: ReplayServer, clock: FakeClock) -> None:
    # New papers arriving mid-harvest shift the list: the page at start=10 repeats 5..9.
    server.inject(10, Fault("other-page", stem="q_testing_s5_m10"))
    with make_client(server, clock) as client:
        records = papers(list(client.search("testing", max_results=25, sort_by="relevance")))
    expected = first_60_ids()
    assert [r.arxiv_id for r in records] == expected[:15] + expected[20:30]
    assert [(h.start, h.params["max_results"]) for h in server.hits] == [
        (0, "10"),
        (10, "10"),
        (20, "10"),
    ]


def test_retry_after_longer_than_the_delay_is_honoured(
    server: ReplayServer, clock: FakeClock
) -> None:
    server.inject(0, Fault("status", 503, {"Retry-After": "7"}))
    server.inject(10, Fault("retry-after-date", 429))
    with make_client(server, clock) as client:
        records = list(client.search("testing", max_results=20, sort_by="relevance"))
    assert len(records) == 20
    assert [(h.start, h.outcome) for h in server.hits] == [
        (0, "status"), (0, "ok"), (10, "retry-after-date"), (10, "ok"),
    ]  # fmt: skip
    gaps = server.gaps()
    assert gaps[0] >= 7.0  # Retry-After: 7 (seconds)
    assert gaps[2] >= 5.0  # Retry-After: an HTTP-date 5 s after the response's Date
    assert 7.0 in clock.sleeps


def test_backoff_grows_exponentially(server: ReplayServer, clock: FakeClock) -> None:
    server.inject(0, Fault("status", 502), Fault("status", 500))
    with make_client(server, clock) as client:
        assert len(list(client.search("testing", max_results=10, sort_by="relevance"))) == 10
    assert [h.outcome for h in server.hits] == ["status", "status", "ok"]
    assert server.gaps()[0] >= 3.0 and server.gaps()[1] >= 6.0


def test_retries_exhausted_raise_http_error_with_url(
    server: ReplayServer, clock: FakeClock
) -> None:
    server.inject(0, *[Fault("status", 503)] * 3)
    with (
        make_client(server, clock, num_retries=2) as client,
        pytest.raises(ArxivHttpError) as raised,
    ):
        list(client.search("testing", max_results=10, sort_by="relevance"))
    assert raised.value.status_code == 503
    assert "search_query=testing" in raised.value.url and "start=0" in raised.value.url
    assert len(server.hits) == 3


def test_retry_after_beyond_the_limit_fails_at_once(server: ReplayServer, clock: FakeClock) -> None:
    server.inject(0, Fault("status", 429, {"Retry-After": "3600"}))
    with (
        make_client(server, clock, max_retry_after_seconds=60) as client,
        pytest.raises(ArxivHttpError) as raised,
    ):
        list(client.search("testing", max_results=10, sort_by="relevance"))
    assert (raised.value.status_code, raised.value.retry_after) == (429, 3600.0)
    assert len(server.hits) == 1 and clock.sleeps == []


def test_pages_that_stay_empty_raise_after_the_retries(
    server: ReplayServer, clock: FakeClock
) -> None:
    server.inject(10, *[Fault("empty")] * 2)
    received: list[PaperRecord | Rejected] = []
    with (
        make_client(server, clock, num_retries=1) as client,
        pytest.raises(ArxivEmptyPageError) as raised,
    ):
        for record in client.search("testing", max_results=30, sort_by="relevance"):
            received.append(record)
    assert len(received) == 10  # the first page was yielded before the failure
    assert (raised.value.start, raised.value.total) == (10, 214881)
    assert [(h.start, h.outcome) for h in server.hits] == [(0, "ok"), (10, "empty"), (10, "empty")]


def test_error_feed_mid_search_raises_without_retry(server: ReplayServer, clock: FakeClock) -> None:
    server.inject(10, Fault("error400"))
    with (
        make_client(server, clock) as client,
        pytest.raises(ArxivApiError, match="incorrect id format"),
    ):
        list(client.search("testing", max_results=30, sort_by="relevance"))
    assert [(h.start, h.outcome) for h in server.hits] == [(0, "ok"), (10, "error400")]


def test_fetch_ids_with_a_malformed_id_raises_arxiv_api_error(
    server: ReplayServer, clock: FakeClock
) -> None:
    with (
        make_client(server, clock, page_size=100) as client,
        pytest.raises(ArxivApiError) as raised,
    ):
        list(client.fetch_ids(["abc"]))
    assert raised.value.message == "incorrect id format for abc"
    assert "id_list=abc" in raised.value.url
    assert len(server.hits) == 1


def test_fetch_ids(server: ReplayServer, clock: FakeClock) -> None:
    with make_client(server, clock, page_size=100) as client:
        found = papers(list(client.fetch_ids(["0808.05394", "1707.08567"])))
        old = papers(list(client.fetch_ids([" astro-ph/0601001 "])))
        none = list(client.fetch_ids(["0000.0000"]))
    assert [r.arxiv_id for r in found] == ["1707.08567"]  # arXiv knows no 0808.05394
    assert [r.arxiv_id for r in old] == ["astro-ph/0601001"]
    assert none == []
    assert [h.params["id_list"] for h in server.hits] == [
        "0808.05394,1707.08567",
        "astro-ph/0601001",
        "0000.0000",
    ]
    assert "sortBy" not in server.hits[0].params
    assert_polite(server)  # the delay holds across calls on one client


def test_injected_transport_and_a_blank_body_retried(clock: FakeClock) -> None:
    page = recorded("q_testing_s0_m10")
    bodies = [b"", page.body]  # arXiv sometimes answers 200 with nothing in it
    seen: list[httpx.URL] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return httpx.Response(200, content=bodies.pop(0))

    transport = httpx.MockTransport(answer)
    with ArxivApiClient(transport=transport, sleep=clock.sleep, clock=clock.monotonic) as client:
        records = papers(list(client.search("testing", max_results=10, sort_by="relevance")))
    assert [r.arxiv_id for r in records] == first_60_ids()[:10]
    assert len(seen) == 2 and seen[0].host == "export.arxiv.org"
    assert seen[0].params["max_results"] == "10" and seen[0].params["sortBy"] == "relevance"
    assert clock.sleeps == [3.0]
