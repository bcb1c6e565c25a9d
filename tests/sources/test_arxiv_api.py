"""arXiv API source: recorded Atom feeds parsed, and the client run against a local replay.

Nothing real is contacted: the client talks to a threaded HTTP server on 127.0.0.1 that
replays arxiv.py's recorded responses and injects faults. Sleeping is recorded on a fake
clock, so the politeness delays are checked without being waited out.
"""

from __future__ import annotations

import contextlib
import email.utils
import gzip
import http.server
import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from lxml import etree

from paperscope.models import Author, PaperRecord, Rejected, Version
from paperscope.sources import arxiv_api
from paperscope.sources.arxiv_api import (
    ArxivApiClient,
    ArxivApiError,
    ArxivEmptyPageError,
    ArxivHttpError,
    build_query,
    parse_feed,
    parse_page,
    read,
)
from paperscope.sources.jsonlines import SourceError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "arxiv-api-atom"
RECORDED = sorted((FIXTURES / "recorded_json").glob("*.json"))
OLD_FEEDS = sorted((FIXTURES / "xml").glob("*.xml"))
ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True)
class Exchange:
    url: str
    status: int
    body: bytes  # the bytes arXiv sent (see the fixtures' README on the latin-1 repair)

    @property
    def params(self) -> dict[str, str]:
        return {
            k: v[0] for k, v in parse_qs(urlsplit(self.url).query, keep_blank_values=True).items()
        }


def recorded(stem: str) -> Exchange:
    """The exchange named ``id_1605.08386`` or ``q_testing_s0_m10`` (file name less hash)."""
    (path,) = [p for p in RECORDED if stem in (p.stem.rsplit("_", 1)[0], p.stem.rsplit("_", 3)[0])]
    data = json.loads(path.read_text(encoding="utf-8"))
    return Exchange(data["url"], data["status_code"], data["body"].encode("latin-1"))


def papers(records: list[PaperRecord | Rejected]) -> list[PaperRecord]:
    assert all(isinstance(r, PaperRecord) for r in records), [str(r) for r in records]
    return [r for r in records if isinstance(r, PaperRecord)]


def by_id(records: list[PaperRecord | Rejected], arxiv_id: str) -> PaperRecord:
    (record,) = [r for r in papers(records) if r.arxiv_id == arxiv_id]
    return record


def test_public_names_exist() -> None:
    assert sorted(arxiv_api.__all__) == sorted(set(arxiv_api.__all__))
    assert all(hasattr(arxiv_api, name) for name in arxiv_api.__all__)
    assert issubclass(arxiv_api.ArxivError, SourceError)


# --- parsing recorded feeds -----------------------------------------------------------


@pytest.mark.parametrize(
    "path", [p for p in RECORDED if "_abc_" not in p.name], ids=lambda p: p.stem
)
def test_every_recorded_feed_parses(path: Path) -> None:
    exchange = recorded(path.name.rsplit("_", 1)[0])
    page = parse_page(exchange.body, exchange.url)
    records = papers(page.records)
    entry_ids = re.findall(rb"<entry>\s*<id>http://arxiv\.org/abs/([^<]+)</id>", exchange.body)
    assert [f"{r.arxiv_id}v{r.arxiv_version}".encode() for r in records] == entry_ids
    assert page.start == int(exchange.params["start"])
    assert page.per_page == int(exchange.params["max_results"])
    assert page.total is not None and len(records) == min(page.per_page, page.total - page.start)
    for n, r in enumerate(records, start=1):
        assert r.source == "arxiv-atom" and r.origin.file == exchange.url
        assert r.origin.position == f"entry {n}"
        assert r.title and r.abstract and "\n" not in r.title
        assert [a.position for a in r.authors] == list(range(len(r.authors))) and r.authors
        assert r.primary_category in r.categories
        assert r.versions[0].version == 1 and r.versions[-1].version == r.arxiv_version
        assert r.first_date == r.versions[0].submitted[:10] and r.year == int(r.first_date[:4])
        assert r.datestamp and r.latest_date == r.datestamp[:10] >= r.first_date


@pytest.mark.parametrize("path", OLD_FEEDS, ids=lambda p: p.stem)
def test_older_raw_feeds_parse(path: Path) -> None:
    records = papers(list(read(path)))
    assert len(records) == path.read_bytes().count(b"<entry>") > 0
    assert all(r.arxiv_id and r.title and r.authors and r.categories for r in records)


def test_entry_with_34_authors_and_non_ascii_name() -> None:
    record = by_id(list(parse_feed(recorded("id_1707.08567").body, "f")), "1707.08567")
    assert (
        record.title
        == "Proceedings of Workshop AEW10: Concepts in Information Theory and Communications"
    )
    assert len(record.authors) == 34
    assert record.authors[0] == Author(
        "Kees A. Schouhamer Immink", "Kees A. Schouhamer", "Immink", position=0
    )
    assert record.authors[4].family == "de With"
    assert record.authors[32] == Author("Dirk Wübben", "Dirk", "Wübben", position=32)
    assert record.arxiv_version == 1 and record.versions == [Version(1, "2017-07-27T08:18:33Z")]
    assert (record.first_date, record.latest_date, record.year) == (
        "2017-07-27",
        "2017-07-27",
        2017,
    )
    assert record.categories == ["cs.IT"] and record.primary_category == "cs.IT"
    assert (
        record.comments == "44 pages, editors for the proceedings: Yanling Chen and A. J. Han Vinck"
    )
    assert record.dois == [] and record.journal_ref is None


def test_old_style_id_with_affiliations_and_journal_ref() -> None:
    record = by_id(list(parse_feed(recorded("id_astro-ph_0601001").body, "f")), "astro-ph/0601001")
    assert [(a.raw, a.affiliations) for a in record.authors] == [
        ("Andrew Gould", ["Ohio State"]),
        ("Susan Dorsher", ["Ohio State"]),
        ("B. Scott Gaudi", ["CfA"]),
        ("Andrzej Udalski", ["Warsaw University Observatory"]),
    ]
    assert record.authors[2].given == "B. Scott" and record.authors[2].family == "Gaudi"
    assert record.journal_ref == "ActaAstron.56:1-50,2006"
    assert record.categories == ["astro-ph"] and record.primary_category == "astro-ph"
    assert record.comments and record.comments.endswith("ogle_hot_jupiters.ps.gz")
    assert record.code_urls == []  # a .ps.gz on a university site is not code
    assert record.abstract and record.abstract.startswith("We derive the frequencies")


def test_title_0_is_a_title() -> None:
    (record,) = papers(list(parse_feed(recorded("id_2104.12255v1").body, "f")))
    assert (record.arxiv_id, record.arxiv_version, record.title) == ("2104.12255", 1, "0")


def test_search_page_fields_dois_versions_and_code_links() -> None:
    records = list(parse_feed(recorded("q_testing_s0_m100").body, "f"))
    assert len(papers(records)) == 100

    icst = by_id(records, "2202.12139")
    assert icst.dois == ["10.1109/icstw55395.2022.00035"]
    assert icst.journal_ref and icst.journal_ref.startswith(
        "Artificial Intelligence in Software Testing @ 2022"
    )
    assert icst.categories == ["cs.SE", "cs.LG"] and icst.primary_category == "cs.SE"
    assert [a.raw for a in icst.authors] == ["Mohit Kumar Ahuja", "Arnaud Gotlieb", "Helge Spieker"]

    ramirez = by_id(records, "2405.13786")
    assert [a.raw for a in ramirez.authors][:3] == [
        "Aurora Ramírez",
        "Mario Berrios",
        "José Raúl Romero",
    ]

    e_values = by_id(records, "2409.05654")
    assert e_values.arxiv_version == 9
    assert e_values.versions == [
        Version(1, "2024-09-09T14:21:19Z"),
        Version(9, "2025-05-08T20:52:40Z"),
    ]
    assert (e_values.first_date, e_values.latest_date, e_values.year) == (
        "2024-09-09",
        "2025-05-08",
        2024,
    )
    assert e_values.datestamp == "2025-05-08T20:52:40Z"

    anarchy = by_id(records, "hep-ph/0301050")
    assert anarchy.arxiv_version == 2 and anarchy.dois == ["10.1016/j.physletb.2003.08.045"]
    assert anarchy.journal_ref == "Phys.Lett.B573:94-100,2003"

    gaudel = by_id(records, "0804.0970")
    assert [(a.raw, a.affiliations) for a in gaudel.authors] == [
        ("Marie-Claude Gaudel", ["LRI"]),
        ("Pascale Le Gall", ["IBISC"]),
    ]
    assert gaudel.comments is None

    assert by_id(records, "1706.00679").code_urls == [
        "https://github.com/ydecastro/super-resolution-testing"
    ]
    assert by_id(records, "2507.10541").code_urls == ["https://opendatalab.github.io/REST"]


def test_2016_feed_unwraps_title_and_abstract_and_reads_doi() -> None:
    (record,) = papers(list(read(FIXTURES / "xml" / "id_list_1111.2011v2.xml")))
    assert record.title == (
        "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    )
    assert record.abstract and "\n" not in record.abstract
    assert record.abstract.startswith(
        "Theoretical description of anisotropic systems, such as layered superconductors"
    )
    assert record.dois == ["10.1103/physrevb.85.115117"]
    assert record.journal_ref == "Phys. Rev. B 85, 115117 (2012)"
    assert record.comments == "8 pages, 3 figures. Published version"
    assert record.versions == [
        Version(1, "2011-11-08T18:48:36Z"),
        Version(2, "2012-04-02T12:38:54Z"),
    ]
    assert record.categories == ["cond-mat.str-el", "cond-mat.stat-mech"]


@pytest.mark.parametrize("stem", ["id_0000.0000", "id_0808.05394"])
def test_empty_result_feeds(stem: str) -> None:
    page = parse_page(recorded(stem).body, "f")
    assert (page.total, page.start, page.per_page, page.records) == (0, 0, 100, [])


def test_error_feed_raises_arxiv_api_error() -> None:
    exchange = recorded("id_abc")
    assert exchange.status == 400
    with pytest.raises(ArxivApiError) as raised:
        list(parse_feed(exchange.body, exchange.url))
    assert raised.value.message == "incorrect id format for abc"
    assert raised.value.error_id == "incorrect_id_format_for_abc"
    assert raised.value.url == exchange.url and exchange.url in str(raised.value)


def test_entries_without_id_or_title_are_rejected_and_the_rest_kept() -> None:
    root = etree.fromstring(recorded("id_1605.08386").body)
    good = root.find(f"{ATOM}entry")
    no_id, blank_title, bad_id = (etree.fromstring(etree.tostring(good)) for _ in range(3))
    no_id.remove(no_id.find(f"{ATOM}id"))
    blank_title.find(f"{ATOM}title").text = "  \n "
    bad_id.find(f"{ATOM}id").text = "http://arxiv.org/abs/not-an-id"
    for entry in (no_id, blank_title, bad_id):
        good.addprevious(entry)
    records = list(parse_feed(etree.tostring(root), "feed.xml"))
    assert [type(r).__name__ for r in records] == [
        "Rejected",
        "Rejected",
        "Rejected",
        "PaperRecord",
    ]
    assert [str(r) for r in records[:2]] == [
        "feed.xml entry 1: missing <id>",
        "feed.xml entry 2: missing <title>",
    ]
    assert "not an arXiv id" in str(records[2]) and records[2].excerpt.startswith("<entry")
    assert isinstance(records[3], PaperRecord) and records[3].arxiv_id == "1605.08386"
    assert records[3].origin.position == "entry 4"


def test_read_gzip_and_unreadable_files(tmp_path: Path) -> None:
    gz = tmp_path / "feed.atom.gz"
    gz.write_bytes(gzip.compress(recorded("id_1605.08386").body))
    assert [r.arxiv_id for r in papers(list(read(gz)))] == ["1605.08386"]

    not_xml = tmp_path / "feed.xml"
    not_xml.write_text("<html><body>Rate exceeded", encoding="utf-8")
    with pytest.raises(SourceError, match=r"feed\.xml: not XML"):
        list(read(not_xml))
    html = tmp_path / "page.xml"
    html.write_text("<html><body>hi</body></html>", encoding="utf-8")
    with pytest.raises(SourceError, match="not an Atom feed"):
        list(read(html))
    with pytest.raises(SourceError, match="missing.xml: cannot read"):
        list(read(tmp_path / "missing.xml"))


# --- queries --------------------------------------------------------------------------


def test_build_query() -> None:
    assert build_query("all:transformer", None, None) == "all:transformer"
    assert build_query("all:transformer", "CS.lg", None) == "all:transformer AND cat:cs.LG"
    assert (
        build_query("ti:graph  OR ti:mesh", "cs.LG", date(2024, 1, 1), date(2024, 1, 31))
        == "(ti:graph OR ti:mesh) AND cat:cs.LG AND submittedDate:[202401010000 TO 202401312359]"
    )
    assert build_query(None, "hep-th", None) == "cat:hep-th"
    today = datetime.now(UTC).date()
    assert (
        build_query(None, None, date(2025, 3, 1))
        == f"submittedDate:[202503010000 TO {today:%Y%m%d}2359]"
    )
    assert (
        build_query(None, None, None, date(2000, 1, 2))
        == "submittedDate:[199101010000 TO 200001022359]"
    )
    with pytest.raises(ValueError, match="after"):
        build_query("x", None, date(2024, 2, 1), date(2024, 1, 1))
    with pytest.raises(ValueError, match="nothing to search"):
        build_query("  ", None, None)


# --- the client against a local replay server -----------------------------------------


class FakeClock:
    """Monotonic time that moves only when the client sleeps; sleeps are recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


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


class ReplayServer:
    """Replays recorded exchanges by query; queued faults for a query are served first."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.exchanges = {
            key_of(e.params): e for e in map(recorded, (p.name.rsplit("_", 1)[0] for p in RECORDED))
        }
        self.faults: dict[Key, list[Fault]] = {}
        self.hits: list[Hit] = []
        self.release = threading.Event()
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/api/query"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def inject(
        self, start: int, *faults: Fault, search_query: str = "testing", max_results: int = 10
    ) -> None:
        self.faults.setdefault((search_query, "", str(start), str(max_results)), []).extend(faults)

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 5

            def log_message(self, format: str, *args: object) -> None:
                pass

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

            def reply(
                self, status: int, body: bytes, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response_only(status)
                for name, value in {
                    "Content-Type": "application/atom+xml; charset=utf-8",
                    **(headers or {}),
                }.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler

    def gaps(self) -> list[float]:
        return [b.at - a.at for a, b in itertools.pairwise(self.hits)]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> Iterator[ReplayServer]:
    replay = ReplayServer(clock)
    replay.thread.start()
    yield replay
    replay.release.set()
    replay.httpd.shutdown()
    replay.httpd.server_close()
    replay.thread.join()


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
