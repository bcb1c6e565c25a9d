"""arXiv API source: recorded Atom feeds parsed, and search queries built.

The client that fetches feeds live is tested in test_arxiv_api_client.py.
"""

from __future__ import annotations

import gzip
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from arxiv_api_recorded import ATOM, FIXTURES, RECORDED, papers, recorded
from lxml import etree

from paperscope.models import Author, PaperRecord, Rejected, Version
from paperscope.sources import arxiv_api
from paperscope.sources.arxiv_api import (
    ArxivApiError,
    build_query,
    parse_feed,
    parse_page,
    read,
)
from paperscope.sources.jsonlines import SourceError

OLD_FEEDS = sorted((FIXTURES / "xml").glob("*.xml"))


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
    with pytest.raises(SourceError, match=r"missing\.xml: cannot read"):
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
