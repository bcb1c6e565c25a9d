"""Papers known only from a researcher page, completed from full records: stored, or live by
title from arXiv's API (replayed from a recorded response by a server on 127.0.0.1)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import FIXTURES, SAMPLE, FakeServer, invoke, new_database
from paperscope.export import authors_incomplete, bibtex
from paperscope.models import Author, Claim, Origin, PaperRecord
from paperscope.names import split_name
from paperscope.pipeline.complete import Known, evidence
from paperscope.pipeline.ingest import ingest
from paperscope.sources.arxiv_api import parse_page
from paperscope.store import open_store
from paperscope.text import title_key

# Ten real arXiv entries for search_query=testing (recorded by arxiv.py; see its README).
FEED = json.loads((FIXTURES / "arxiv-api-atom/recorded_json/q_testing_s0_m10_bc5a6c384fe9.json")
                  .read_text("utf-8"))["body"].encode("latin-1")
RECORDS = {r.arxiv_id: r for r in parse_page(FEED, "feed").records}
FUZZING = RECORDS["2005.14124"]  # "Active Fuzzing for Testing and Securing Cyber-Physical Systems", 5 authors


def as_a_page_lists_it(record: PaperRecord, title: str | None = None, names: list[str] | None = None) -> PaperRecord:
    """A real record as a researcher page shows it: title, the first three authors, "et al."."""
    title = title or record.title
    names = names or [a.raw for a in record.authors[:3]]
    return PaperRecord(
        source="seed-page", origin=Origin("page.txt", "block 1"), title=title,
        other_ids={"title": title_key(title)}, first_date=record.first_date, year=int(record.first_date[:4]),
        authors=[_author(n, i) for i, n in enumerate(names)],
        claims=[Claim("paper", "authors_truncated", "true", "page.txt", "2026-11-23"),
                Claim("paper", "score", "87.0", "page.txt", "2026-11-23")],
    )


def _author(name: str, position: int) -> Author:
    parts = split_name(name)
    return Author(name, parts.given, parts.family, parts.suffix, position=position)


def store_pages(db: Path | str, *records: PaperRecord) -> None:
    with open_store(db) as store:
        ingest(store, "seed-page", records, "test")


def paper(db: Path | str, key: str) -> dict:
    with open_store(db) as store:
        pid = store.find_paper(key)
        assert pid is not None, key
        return store.paper(pid)  # type: ignore[return-value]


def test_the_same_title_needs_half_the_page_authors_a_near_title_all_of_them() -> None:
    full = Known.of_record(FUZZING)
    page = Known(full.title_key, full.authors[:3], full.year)
    assert evidence(page, full) == "same title; 3 of 3 authors named on the page"
    # Half the page's authors in the record: the same title is enough.
    assert evidence(Known(page.title_key, (*page.authors[:2], "Jane Roe", "John Doe"), page.year), full)
    assert evidence(Known(page.title_key, ("Jane Roe", "John Doe", page.authors[0]), page.year), full) is None
    # Initials stand for given names, as when works are grouped.
    initials = tuple(f"{a.split()[0][0]}. {a.split()[-1]}" for a in page.authors)
    assert evidence(Known(page.title_key, initials, page.year), full)
    # A near title needs every author the page names; years stay within two.
    near = Known(page.title_key.removesuffix("s"), page.authors, page.year)
    assert (evidence(near, full) or "").startswith("near title (99); 3 of 3")
    assert evidence(Known(near.title_key, (*page.authors[:2], "Jane Roe"), page.year), full) is None
    assert evidence(Known(page.title_key, page.authors, full.year + 3), full) is None  # type: ignore[operator]


def test_a_renamed_paper_is_not_taken_for_its_near_namesake() -> None:
    """The seed page's title and the NeurIPS 2024 one (the same paper, renamed) score 89:
    below the bar, so a near title never completes it on its own."""
    people = ("Yunzhe Hu", "Difan Zou", "Dong Xu")
    page = Known(title_key("An In-depth Investigation of Sparse Rate Reduction in Transformer-like Models"),
                 people, 2024)
    venue = Known(title_key("A Comprehensive Investigation of Sparse Rate Reduction in Transformer-like Models"),
                  people, 2024)
    assert evidence(page, venue) is None


def test_a_live_title_search_completes_a_page_paper_and_keeps_the_pages_claims(db_path, cli) -> None:
    store_pages(db_path, as_a_page_lists_it(FUZZING),
                as_a_page_lists_it(RECORDS["2204.08348"], names=["Jane Roe", "John Doe"]))
    before = paper(db_path, "title:" + title_key(FUZZING.title))
    assert len(before["authors"]) == 3 and authors_incomplete(before)
    assert "and others" in bibtex(before)

    with FakeServer(lambda query: (200, FEED)) as fake:  # every search answers the ten entries
        out = cli("works", "complete", "--live", "arxiv", "--base-url", fake.url, "--delay", "0",
                  "--format", "json")
    result = json.loads(out.stdout)
    assert [r["search_query"] for r in fake.requests] == [
        f'ti:"{title_key(FUZZING.title)}"', f'ti:"{title_key(RECORDS["2204.08348"].title)}"']
    assert fake.requests[0]["sortBy"] == "relevance"
    assert (result["page_only"], result["completed"], result["live"], result["searched"]) == (2, 1, 1, 2)
    assert result["matches"] == [{"title_key": title_key(FUZZING.title), "record": "arxiv:2005.14124",
                                  "evidence": "same title; 3 of 3 authors named on the page"}]

    done = paper(db_path, "arxiv:2005.14124")
    assert done["id"] == before["id"] and done["key"] == "arxiv:2005.14124"  # the page's paper, completed
    assert [a["name"] for a in done["authors"]] == [a.raw for a in FUZZING.authors]
    assert done["first_date"] == FUZZING.first_date and done["abstract"]
    assert {c["field"]: c["value"] for c in done["claims"]} == {"authors_truncated": "true", "score": "87.0"}
    assert not authors_incomplete(done) and "and others" not in bibtex(done)
    # The page's entry whose authors are not the record's stays as the page gave it.
    kept = paper(db_path, "title:" + title_key(RECORDS["2204.08348"].title))
    assert [a["name"] for a in kept["authors"]] == ["Jane Roe", "John Doe"] and authors_incomplete(kept)


def test_semantic_scholars_title_match_finds_the_arxiv_record(db_path, cli) -> None:
    """``--live s2``: S2's title match gives the arXiv id (its answer here is in the shape of
    the recorded /paper/search/match cassette, holding this paper's own metadata), and
    arXiv's recorded id_list response the record that completes the page's paper."""
    recorded = json.loads((FIXTURES / "arxiv-api-atom/recorded_json/id_1707.08567_s0_m100_6a1afebfc6a3.json")
                          .read_text("utf-8"))["body"].encode("latin-1")
    (workshop,) = parse_page(recorded, "feed").records  # 34 authors
    match = {"data": [{"paperId": "s2-match", "title": workshop.title, "year": 2017, "matchScore": 210.2,
                       "externalIds": {"ArXiv": "1707.08567"},
                       "authors": [{"authorId": None, "name": a.raw} for a in workshop.authors]}]}

    def respond(query: dict[str, str]) -> tuple[int, bytes]:
        if "query" in query:  # Semantic Scholar
            return 200, json.dumps(match).encode()
        return 200, recorded  # arXiv, by id

    store_pages(db_path, as_a_page_lists_it(workshop))
    with FakeServer(respond) as fake:
        out = json.loads(cli("works", "complete", "--live", "s2", "--base-url", fake.url, "--s2-base-url", fake.url,
                             "--delay", "0", "--format", "json").stdout)
    assert fake.requests[0]["query"] == title_key(workshop.title)
    assert fake.requests[1]["id_list"] == "1707.08567"
    assert (out["completed"], out["live"]) == (1, 1)
    done = paper(db_path, "arxiv:1707.08567")
    assert len(done["authors"]) == 34 and not authors_incomplete(done)


def test_no_title_match_at_semantic_scholar_leaves_the_page_paper_as_it_was(db_path, cli) -> None:
    store_pages(db_path, as_a_page_lists_it(FUZZING))
    not_found = json.dumps({"error": "Title match not found"}).encode()
    with FakeServer(lambda query: (404, not_found)) as fake:
        out = json.loads(cli("works", "complete", "--live", "s2", "--base-url", fake.url, "--s2-base-url", fake.url,
                             "--delay", "0", "--format", "json").stdout)
    assert len(fake.requests) == 1 and (out["searched"], out["completed"], out["failures"]) == (1, 0, [])
    assert paper(db_path, "title:" + title_key(FUZZING.title))["key"].startswith("title:")


def test_a_near_title_merges_the_page_paper_into_the_stored_record(db_path, cli) -> None:
    """A page that spells the title a little differently: ingest cannot tell (the titles'
    keys differ); the stored pass finds the record by its words and its authors."""
    with open_store(db_path) as store:
        ingest(store, "arxiv-atom", [FUZZING], "test")
    page = as_a_page_lists_it(FUZZING, title=FUZZING.title.removesuffix("s"))  # "… Cyber-Physical System"
    store_pages(db_path, page)
    out = json.loads(cli("works", "complete", "--format", "json").stdout)
    assert (out["page_only"], out["stored"], out["live"]) == (1, 1, 0)
    assert out["matches"][0]["evidence"].startswith("near title (99)")
    done = paper(db_path, "title:" + title_key(page.title))  # the page's title now finds the record
    assert done["key"] == "arxiv:2005.14124" and len(done["authors"]) == 5
    assert {p["source"] for p in done["provenance"]} == {"arxiv-atom", "seed-page"}
    assert not authors_incomplete(done)
    again = json.loads(cli("works", "complete", "--format", "json").stdout)
    assert (again["page_only"], again["completed"]) == (0, 0)


def test_a_failing_live_source_fails_the_command_and_keeps_what_was_found(db_path, cli) -> None:
    store_pages(db_path, as_a_page_lists_it(FUZZING))
    with FakeServer(lambda query: (503, b"unavailable")) as fake:
        result = cli("works", "complete", "--live", "arxiv", "--base-url", fake.url, "--delay", "0",
                     expect_exit=1)
    assert "stopped:" in result.output and "503" in result.output
    assert paper(db_path, "title:" + title_key(FUZZING.title))["key"].startswith("title:")


def test_the_bundled_sample_completes_the_seed_papers_it_holds(tmp_path: Path, backend: str) -> None:
    """The sample's conference slice holds 10 of the seed pages' papers (CDFI, DREAM, …):
    they merge at ingest; the rest stay page-only and are counted as such."""
    db = new_database(backend, tmp_path)
    invoke(db, "ingest", "conferences", str(SAMPLE / "conferences.jsonl.gz"))
    invoke(db, "ingest", "seeds", str(SAMPLE / "seeds"), "--as-of", "2026-11-23", expect_exit=0)
    out = json.loads(invoke(db, "works", "complete", "--format", "json").stdout)
    assert out["listed"] == 134 and out["page_only"] == 109
    cdfi = paper(db, "arxiv:2103.10559")
    assert cdfi["title"] == "CDFI: Compression-Driven Network Design for Frame Interpolation"
    assert [a["name"] for a in cdfi["authors"]] == ["Tianyu Ding", "Luming Liang", "Zhihui Zhu", "Ilya Zharkov"]
    assert not authors_incomplete(cdfi)
