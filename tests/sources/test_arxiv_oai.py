"""arXiv OAI-PMH: parsing recorded responses and harvesting from a local fake server.

The fixtures (tests/fixtures/arxiv-oai-pmh/, see its README) are real arXiv responses;
the paged and arXivRaw ones are derived from real records as the README describes.
"""

from __future__ import annotations

import gzip
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from paperscope.models import PaperRecord, Rejected, Version
from paperscope.sources.arxiv_oai import OaiError, OaiHarvester, parse_list_records, read
from paperscope.sources.jsonlines import SourceError

FIXTURES = Path(__file__).parent.parent / "fixtures" / "arxiv-oai-pmh"


def page_of(name: str):
    return parse_list_records((FIXTURES / name).read_bytes(), name)


def papers(name: str) -> dict[str, PaperRecord]:
    records = page_of(name).records
    rejected = [r for r in records if isinstance(r, Rejected)]
    assert not rejected, rejected
    return {r.arxiv_id: r for r in records}  # type: ignore[union-attr]


# --- arXiv format -------------------------------------------------------------------------

def test_cs_listrecords_fields():
    page = page_of("sample_arxiv_response_listrecords_cs.xml")
    assert len(page.records) == 46
    assert page.resumption_token is None and page.deleted == 0
    assert page.max_datestamp == "2015-01-16"
    by_id = {r.arxiv_id: r for r in page.records}
    paper = by_id["1101.4388"]
    assert paper.source == "arxiv-oai"
    assert paper.origin.position == "record 1"
    assert paper.title == "Reproducing Kernel Banach Spaces with the l1 Norm"
    assert [(a.given, a.family, a.position) for a in paper.authors] == [
        ("Guohui", "Song", 0), ("Haizhang", "Zhang", 1), ("Fred J.", "Hickernell", 2)]
    assert paper.categories == ["stat.ML", "cs.LG", "math.FA"]
    assert paper.primary_category == "stat.ML"
    assert paper.dois == ["10.1016/j.acha.2012.03.009"]
    assert paper.journal_ref == "Appl. Comput. Harmon. Anal., 34:96-116, 2013"
    assert paper.comments == "28 pages, an extra section was added"
    assert paper.license == "http://arxiv.org/licenses/nonexclusive-distrib/1.0/"
    assert (paper.first_date, paper.latest_date, paper.year) == ("2011-01-23", "2012-03-28", 2011)
    assert paper.datestamp == "2015-01-16"
    assert paper.abstract.startswith("Targeting at sparse learning, we construct Banach spaces B")
    assert "\n" not in paper.abstract  # hard wraps undone
    assert paper.arxiv_version is None and paper.versions == []


def test_cs_affiliations_and_character_references():
    by_id = papers("sample_arxiv_response_listrecords_cs.xml")
    fusion = by_id["1207.1019"]
    assert [(a.raw, a.affiliations) for a in fusion.authors] == [
        ("Emilie Morvant", ["LIF"]), ("Amaury Habrard", ["LAHC"]), ("Stéphane Ayache", ["LIF"])]
    assert by_id["1111.1546"].authors[1].family == "Röglin"
    # No <updated>: the latest date is the first.
    assert by_id["1207.1019"].latest_date == by_id["1207.1019"].first_date == "2012-07-04"


def test_physics_listrecords_suffix_affiliation_and_report_fields():
    by_id = papers("sample_arxiv_response_listrecords_physics.xml")
    assert len(by_id) == 150
    barboza = by_id["1501.03491"].authors[0]
    assert (barboza.given, barboza.family, barboza.suffix, barboza.raw) == (
        "Edésio M.", "Barboza", "Jr.", "Edésio M. Barboza Jr.")
    assert by_id["1409.7507"].authors[0].affiliations == [
        "Institute for Theoretical and Experimental Physics, Moscow"]
    epl = by_id["1007.0488"]
    assert epl.dois == ["10.1209/0295-5075/92/17007"]
    assert epl.journal_ref == "EPL,vol. 92, p. 17007 (2010)"
    assert epl.categories == ["cond-mat.mtrl-sci", "cond-mat.str-el"]
    assert epl.title == "Mechanisms of magnetoelectricity in manganese doped incipient ferroelectrics"
    assert by_id["0912.3200"].categories == ["math.CO", "math-ph", "math.MP"]


def test_single_getrecord_response():
    (paper,) = page_of("sample_arxiv_response.xml").records
    assert paper.arxiv_id == "1507.03011"
    assert [(a.given, a.family) for a in paper.authors] == [
        ("J. E.", "Young"), ("Rachel Kuzio", "de Naray"), ("Sharon X.", "Wang")]
    assert paper.categories == ["astro-ph.GA"]
    assert paper.comments == "13 pages, 7 figures"
    assert (paper.first_date, paper.datestamp, paper.year) == ("2015-07-10", "2015-07-14", 2015)
    # This recording stores line breaks as literal "\n"; text is kept as given.
    assert paper.title.startswith("The Distribution of Star Formation and Metals in the Low Surface")


def test_namespaced_and_unnamespaced_responses_read_alike():
    (with_ns,) = page_of("sample_arxiv_response_with_namespace.xml").records
    (without_ns,) = page_of("sample_arxiv_response_no_namespace.xml").records
    assert with_ns.arxiv_id == "0804.2273"
    assert with_ns.title == "Object Re-Use & Exchange: A Resource-Centric Approach"
    assert [a.family for a in with_ns.authors] == [
        "Lagoze", "Van de Sompel", "Nelson", "Warner", "Sanderson", "Johnston"]
    assert with_ns.categories == ["cs.DL", "cs.NI"]
    assert with_ns.license == "http://creativecommons.org/licenses/by/3.0/"
    without_ns.origin = with_ns.origin
    assert without_ns == with_ns


def test_oai_dc_utf8_response():
    (paper,) = page_of("sample_arxiv_response_utf8.xml").records
    assert paper.arxiv_id == "1207.1019"
    assert paper.title == "PAC-Bayesian Majority Vote for Late Classifier Fusion"
    assert [(a.given, a.family) for a in paper.authors] == [
        ("Emilie", "Morvant"), ("Amaury", "Habrard"), ("Stéphane", "Ayache")]
    assert paper.comments == "7 pages, Research report"
    assert paper.abstract.startswith("A lot of attention has been devoted to multimedia indexing")
    assert (paper.first_date, paper.datestamp) == ("2012-07-04", "2015-01-16")
    assert paper.categories == []  # oai_dc names subjects in words only


def test_no_records_match_is_an_empty_page():
    page = page_of("sample_empty_response.xml")
    assert page.records == [] and page.resumption_token is None
    assert page.response_date == "2016-06-02T19:13:02Z"


def test_oai_error_raises_with_code():
    body = (FIXTURES / "sample_empty_response.xml").read_bytes().replace(
        b'code="noRecordsMatch"', b'code="badArgument"')
    with pytest.raises(OaiError) as info:
        parse_list_records(body, "response.xml")
    assert info.value.code == "badArgument"
    assert str(info.value).startswith("response.xml: OAI-PMH error badArgument: No records match")


@pytest.mark.parametrize("body", [b"", b"<html><body>Retry after 1 seconds</body></html>", b"<OAI-PMH"])
def test_not_an_oai_response_is_a_source_error(body):
    with pytest.raises(SourceError, match=r"^page\.xml: not"):
        parse_list_records(body, "page.xml")


# --- arXivRaw -----------------------------------------------------------------------------

def test_arxivraw_real_record_versions_and_authors():
    (paper,) = page_of("arxivraw_getrecord_1304.4214.xml").records
    assert paper.arxiv_id == "1304.4214"
    assert paper.versions == [Version(1, "2013-04-15T19:33:21Z", "609kb")]
    assert paper.arxiv_version == 1
    assert (paper.first_date, paper.latest_date, paper.year) == ("2013-04-15", "2013-04-15", 2013)
    assert [(a.given, a.family, a.position) for a in paper.authors] == [
        ("Igor A.", "Zaliznyak", 0), ("John M.", "Tranquada", 1)]
    assert paper.comments == ('31 pages, chapter for "Strongly Correlated Systems: Experimental '
                              'Techniques", edited by A. Avella and F. Mancini')
    assert paper.categories == ["cond-mat.str-el"] and paper.datestamp == "2013-04-16"


def test_arxivraw_listrecords_multiple_versions():
    page = page_of("arxivraw_listrecords.xml")
    by_id = {r.arxiv_id: r for r in page.records}
    assert list(by_id) == ["1304.4214", "2212.11899", "2212.11827", "2212.11861"]
    dust = by_id["2212.11899"]
    assert dust.versions == [Version(1, "2022-12-22T17:34:39Z"), Version(2, "2022-12-23T07:44:58Z")]
    assert dust.arxiv_version == 2
    assert (dust.first_date, dust.latest_date) == ("2022-12-22", "2022-12-23")
    assert [a.raw for a in dust.authors] == [
        "Valentin J. M. Le Gouellec", "Anaëlle J. Maury", "Charles L. H. Hull"]
    assert dust.primary_category == "astro-ph.GA"
    charm = by_id["2212.11861"]
    assert charm.dois == ["10.1088/1674-1137/ac600c"]
    assert charm.journal_ref == "Chinese Physics C46, (2022) 073106"
    assert len(by_id["2212.11827"].authors) == 8
    # The largest datestamp, not the last one (2212.11861's is 2022-12-23).
    assert page.max_datestamp == "2022-12-26"


def _edit_record(body: bytes, arxiv_id: str, old: bytes, new: bytes) -> bytes:
    """Apply one replacement inside the <record> of ``arxiv_id``."""
    identifier = rb"oai:arXiv\.org:" + re.escape(arxiv_id.encode())
    pattern = rb"<record>(?:(?!</record>).)*?" + identifier + rb"<.*?</record>"
    m = re.search(pattern, body, flags=re.DOTALL)
    assert m and old in m.group(0)
    return body[: m.start()] + m.group(0).replace(old, new, 1) + body[m.end():]


def test_deleted_records_are_skipped_but_counted():
    body = (FIXTURES / "arxivraw_listrecords.xml").read_bytes()
    for arxiv_id in ("2212.11899", "2212.11827"):
        body = _edit_record(body, arxiv_id, b"<header>", b'<header status="deleted">')
        header = rb"(oai:arXiv\.org:" + arxiv_id.encode() + rb"<.*?</header>\n)"
        body = re.sub(header + rb"<metadata>.*?</metadata>\n", rb"\1", body, flags=re.DOTALL)
    page = parse_list_records(body, "deleted.xml")
    assert [r.arxiv_id for r in page.records] == ["1304.4214", "2212.11861"]
    assert page.deleted == 2
    assert page.max_datestamp == "2022-12-26"  # only the deleted records carry it


def test_records_without_title_or_id_are_rejected_with_position():
    body = (FIXTURES / "arxivraw_listrecords.xml").read_bytes()
    body = _edit_record(body, "2212.11899", b"<title>", b"<notitle>").replace(
        b"tracers</title>", b"tracers</notitle>")
    body = _edit_record(body, "2212.11861", b"<id>2212.11861</id>", b"")
    body = _edit_record(body, "2212.11827", b"<id>2212.11827</id>", b"<id>2212.11828</id>")
    records = parse_list_records(body, "broken.xml").records
    assert isinstance(records[0], PaperRecord)
    rejected = {r.origin.position: r.reason for r in records if isinstance(r, Rejected)}
    assert rejected == {
        "record 2": "missing <title>",
        "record 3": "header identifier oai:arXiv.org:2212.11827 does not match <id> 2212.11828",
        "record 4": "missing <id>",
    }
    assert "2212.11861" in records[3].excerpt and str(records[3]) == "broken.xml record 4: missing <id>"


def test_code_links_come_from_comments_and_invalid_dois_are_skipped():
    body = (FIXTURES / "arxivraw_listrecords.xml").read_bytes()
    body = _edit_record(body, "2212.11861", b"<comments>10 pages, 5 figures",
                        b"<comments>10 pages, code at https://github.com/example/charm-decays.git")
    body = _edit_record(body, "2212.11861", b"<doi>10.1088/1674-1137/ac600c",
                        b"<doi>not-a-doi 10.1088/1674-1137/ac600c")
    charm = parse_list_records(body, "x.xml").records[3]
    assert charm.code_urls == ["https://github.com/example/charm-decays"]
    assert charm.dois == ["10.1088/1674-1137/ac600c"]


# --- read() -------------------------------------------------------------------------------

def test_read_saved_files_plain_and_gzipped(tmp_path):
    plain = list(read(FIXTURES / "sample_arxiv_response_listrecords_cs.xml"))
    packed = tmp_path / "cs.xml.gz"
    cs = (FIXTURES / "sample_arxiv_response_listrecords_cs.xml").read_bytes()
    packed.write_bytes(gzip.compress(cs))
    unpacked = list(read(packed))
    assert len(plain) == len(unpacked) == 46
    assert [r.arxiv_id for r in plain] == [r.arxiv_id for r in unpacked]
    assert unpacked[0].origin.file == str(packed)


def test_read_unreadable_or_non_xml_is_a_source_error(tmp_path):
    with pytest.raises(SourceError, match=r"missing\.xml"):
        list(read(tmp_path / "missing.xml"))
    junk = tmp_path / "junk.xml"
    junk.write_text("id,title\n1,Not XML\n")
    with pytest.raises(SourceError, match=r"junk\.xml: not XML"):
        list(read(junk))
    truncated = tmp_path / "cut.xml.gz"
    truncated.write_bytes(gzip.compress((FIXTURES / "sample_arxiv_response.xml").read_bytes())[:200])
    with pytest.raises(SourceError, match=r"cut\.xml\.gz: read failed"):
        list(read(truncated))


# --- harvesting against a local fake OAI-PMH server -------------------------------------

@dataclass
class FakeOai:
    """Serves pages by resumption token; ``faults[token]`` are answered first, in order."""

    pages: dict[str | None, bytes]
    faults: dict[str | None, list[object]] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def fake_oai() -> Iterator[FakeOai]:
    fake = FakeOai(pages={})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
            fake.requests.append(query)
            key = query.get("resumptionToken")
            pending = fake.faults.get(key) or []
            fault = pending.pop(0) if pending else None
            if fault == "timeout":
                time.sleep(1.2)  # longer than the client's timeout (0.5 s)
            elif fault == 503:
                self._send(503, b"<html><body>Retry after 5 seconds</body></html>", {"Retry-After": "5"})
                return
            elif isinstance(fault, int):
                self._send(fault, b"Internal Server Error", {})
                return
            elif isinstance(fault, bytes):
                self._send(200, fault, {})
                return
            self._send(200, fake.pages[key], {})

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            try:
                self.send_response(status)
                for name, value in {"Content-Type": "text/xml", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client timed out and left

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = False  # server_close() waits for a slow handler to finish
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/oai"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def harvester(fake: FakeOai, sleeps: list[float], **kwargs) -> OaiHarvester:
    return OaiHarvester(base_url=fake.url, sleep=sleeps.append, **kwargs)


def test_harvest_follows_tokens_through_throttling_errors_and_timeouts(fake_oai):
    fake_oai.pages = {
        None: (FIXTURES / "listrecords_physics_page1.xml").read_bytes(),
        "6960524|51": (FIXTURES / "listrecords_physics_page2.xml").read_bytes(),
        "6960524|101": (FIXTURES / "listrecords_physics_page3.xml").read_bytes(),
    }
    fake_oai.faults = {None: [503], "6960524|51": [500], "6960524|101": ["timeout"]}
    sleeps: list[float] = []
    oai = harvester(fake_oai, sleeps, timeout=0.5, num_retries=2)

    records = list(oai.list_records("physics", date(2015, 1, 16), date(2015, 1, 18)))

    expected = [r.arxiv_id for r in page_of("sample_arxiv_response_listrecords_physics.xml").records]
    assert [r.arxiv_id for r in records] == expected  # all 150, each once, in order
    assert len(set(expected)) == 150
    # 5 s as Retry-After asked; then before page 2 the polite delay, the backoff after
    # the 500, the delay before page 3 and the backoff after the timeout.
    assert sleeps == [5.0, 3.0, 3.0, 3.0, 3.0]
    assert fake_oai.requests[0] == {"verb": "ListRecords", "metadataPrefix": "arXiv",
                                    "from": "2015-01-16", "until": "2015-01-18", "set": "physics"}
    assert len(fake_oai.requests) == 6  # 3 pages + 503 + 500 + timeout
    assert fake_oai.requests[2:] == [
        {"verb": "ListRecords", "resumptionToken": "6960524|51"},
        {"verb": "ListRecords", "resumptionToken": "6960524|51"},
        {"verb": "ListRecords", "resumptionToken": "6960524|101"},
        {"verb": "ListRecords", "resumptionToken": "6960524|101"},
    ]
    assert (oai.max_datestamp, oai.pages, oai.complete_list_size) == ("2015-01-16", 3, 150)
    assert records[60].origin.file.endswith("resumptionToken=6960524%7C51 (page 2)")


def test_harvest_arxivraw_reports_largest_datestamp_without_waiting(fake_oai):
    fake_oai.pages = {None: (FIXTURES / "arxivraw_listrecords.xml").read_bytes()}
    sleeps: list[float] = []
    oai = harvester(fake_oai, sleeps, metadata_prefix="arXivRaw")
    records = list(oai.list_records(None, date(2013, 4, 16)))
    assert [r.arxiv_version for r in records] == [1, 2, 2, 1]
    assert oai.max_datestamp == "2022-12-26"
    assert sleeps == []  # a single request has nobody to wait for
    assert fake_oai.requests == [
        {"verb": "ListRecords", "metadataPrefix": "arXivRaw", "from": "2013-04-16"}]


def test_harvest_no_records_match_is_empty(fake_oai):
    fake_oai.pages = {None: (FIXTURES / "sample_empty_response.xml").read_bytes()}
    oai = harvester(fake_oai, [])
    assert list(oai.list_records("physics:hep-lat", date(2015, 1, 17), date(2015, 1, 17))) == []
    assert oai.max_datestamp is None and oai.pages == 1


def test_harvest_bad_resumption_token_raises_oai_error(fake_oai):
    error = (FIXTURES / "sample_empty_response.xml").read_bytes().replace(
        b'code="noRecordsMatch"', b'code="badResumptionToken"')
    first = (FIXTURES / "listrecords_physics_page1.xml").read_bytes()
    fake_oai.pages = {None: first, "6960524|51": error}
    oai = harvester(fake_oai, [])
    harvest = oai.list_records("physics", None)
    with pytest.raises(OaiError) as info:
        for _ in harvest:
            pass
    assert info.value.code == "badResumptionToken"
    assert "resumptionToken=6960524%7C51" in str(info.value)
    assert oai.pages == 1 and oai.max_datestamp == "2015-01-16"


def test_harvest_gives_up_after_retries_naming_the_url(fake_oai):
    fake_oai.faults = {None: [500, 502, 500]}
    sleeps: list[float] = []
    oai = harvester(fake_oai, sleeps, num_retries=2, delay_seconds=4.0)
    with pytest.raises(SourceError, match=r"/oai\?verb=ListRecords.*: HTTP 500 after 3 attempts"):
        list(oai.list_records("cs", date(2015, 1, 16)))
    assert len(fake_oai.requests) == 3
    assert sleeps == [4.0, 8.0]  # exponential backoff from the polite delay


def test_harvest_stops_when_throttling_never_ends(fake_oai):
    fake_oai.faults = {None: [503, 503, 503]}
    sleeps: list[float] = []
    oai = harvester(fake_oai, sleeps, max_throttle_waits=2)
    with pytest.raises(SourceError, match=r"still throttled \(HTTP 503\) after 2 waits"):
        list(oai.list_records("cs", None))
    assert sleeps == [5.0, 5.0] and len(fake_oai.requests) == 3
