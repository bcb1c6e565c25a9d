"""Enrichment from provider files: real OpenAlex and Semantic Scholar objects enrich the
stored paper they match by DOI, and never create papers."""

from __future__ import annotations

import json
from pathlib import Path

import orjson

from conftest import FIXTURES, connect
from paperscope.models import Author, Origin, PaperRecord
from paperscope.store import open_store

OPENALEX_WORK = FIXTURES / "openalex" / "W2741809807.json"
OPENALEX_AUTHOR = FIXTURES / "openalex" / "A5023888391.json"
OPENALEX_OTHER_WORK = FIXTURES / "openalex" / "W-api-response.json"


def _store_the_paper_as_a_venue_lists_it(db_path: Path, with_authors: bool = False) -> None:
    """The OpenAlex work's paper, as a venue's list would give it: title, year, DOI
    (and the author names, as written)."""
    work = json.loads(OPENALEX_WORK.read_text("utf-8"))
    record = PaperRecord(
        "conference", Origin("venue list", "record 1"), work["title"], year=work["publication_year"],
        dois=[work["doi"].removeprefix("https://doi.org/")], other_ids={"venue": "peerj2018/4375"},
    )
    if with_authors:
        names = [a["raw_author_name"] or a["author"]["display_name"] for a in work["authorships"]]
        record.authors = [Author(raw=n, position=i) for i, n in enumerate(names)]
    store = open_store(db_path)
    try:
        store.write_batch(store.begin_run("conference", "test"), [record])
    finally:
        store.close()


def test_an_openalex_work_enriches_the_stored_paper_it_matches(db_path: Path, cli, cli_json) -> None:
    _store_the_paper_as_a_venue_lists_it(db_path)
    result = cli("enrich", "openalex", str(OPENALEX_WORK), str(OPENALEX_OTHER_WORK))
    assert "enriched 1 papers, 1 works matched no stored paper" in result.stdout
    assert cli_json("stats")["papers"] == 1  # enrichment never creates papers

    paper = cli_json("paper", "10.7717/peerj.4375")
    openalex = [c for c in paper["citations"] if c["source"] == "openalex"]
    work = json.loads(OPENALEX_WORK.read_text("utf-8"))
    assert [c["count"] for c in openalex] == [work["cited_by_count"]]
    assert openalex[0]["as_of"] == work["updated_date"][:10]
    assert paper["identifiers"]["openalex"] == ["W2741809807"]

    conn = connect(db_path)
    authorships = conn.execute(
        "SELECT name, author_id, orcid, institutions FROM provider_authorships ORDER BY position"
    ).fetchall()
    assert len(authorships) == len(work["authorships"]) == 9
    priem = next(a for a in authorships if a[1] == "A5023888391")
    assert priem[2] == "0000-0001-6187-6610"
    assert orjson.loads(priem[3])[0]["ror"].endswith("05ppvf150")
    references = conn.execute("SELECT count(*) FROM provider_references").fetchone()[0]
    assert references == len(work["referenced_works"]) == 45
    by_year = dict(conn.execute("SELECT year, count FROM citation_counts_by_year").fetchall())
    assert by_year[2020] == 179
    conn.close()


def test_enriching_twice_replaces_rather_than_duplicates(db_path: Path, cli) -> None:
    _store_the_paper_as_a_venue_lists_it(db_path)
    cli("enrich", "openalex", str(OPENALEX_WORK))
    cli("enrich", "openalex", str(OPENALEX_WORK))
    conn = connect(db_path)
    counts = [conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
              for t in ("provider_authorships", "provider_references", "citation_counts")]
    conn.close()
    assert counts == [9, 45, 1]


def test_provider_author_figures_are_kept_as_the_providers(db_path: Path, cli) -> None:
    cli("enrich", "openalex", str(OPENALEX_AUTHOR))
    conn = connect(db_path)
    row = conn.execute(
        "SELECT name, h_index, i10_index, source FROM author_profiles WHERE author_id = 'A5023888391'"
    ).fetchone()
    conn.close()
    assert row == ("Jason Priem", 17, 20, "openalex")


def test_semantic_scholar_paper_file_without_a_stored_match_is_counted(cli) -> None:
    result = cli("enrich", "s2", str(FIXTURES / "semanticscholar" / "Paper.json.gz"))
    assert "enriched 0 papers, 1 works matched no stored paper" in result.stdout


def test_bad_provider_lines_are_rejected_and_nothing_stored_is_lost(
    db_path: Path, tmp_path: Path, cli, cli_json
) -> None:
    """A provider file with a malformed line and a deleted author (0 works) among good ones."""
    _store_the_paper_as_a_venue_lists_it(db_path)
    before = cli_json("paper", "10.7717/peerj.4375")
    mixed = tmp_path / "openalex.jsonl"
    mixed.write_bytes(b"\n".join([
        OPENALEX_WORK.read_bytes().strip(),
        b'{"id": "https://openalex.org/W1", "title": ',            # cut off mid-object
        (FIXTURES / "openalex" / "A5317838346.json").read_bytes().strip(),  # deleted, 0 works
        OPENALEX_AUTHOR.read_bytes().strip(),
    ]) + b"\n")
    result = cli("enrich", "openalex", str(mixed))
    assert "enriched 1 papers" in result.stdout
    reasons = {r["position"]: r["reason"] for r in cli_json("rejects", "--source", "openalex")}
    assert set(reasons) == {"line 2", "line 3"}
    assert "JSON" in reasons["line 2"] and "deleted" in reasons["line 3"]
    after = cli_json("paper", "10.7717/peerj.4375")
    assert after["title"] == before["title"] and after["year"] == before["year"]
    assert after["identifiers"]["venue"] == before["identifiers"]["venue"]
    assert any(c["source"] == "openalex" for c in after["citations"])


def test_provider_ids_reach_the_researcher_and_its_profile(db_path: Path, cli, cli_json) -> None:
    """OpenAlex's author id and ORCID make Jason Priem findable; its figures sit beside ours."""
    _store_the_paper_as_a_venue_lists_it(db_path, with_authors=True)
    cli("enrich", "openalex", str(OPENALEX_WORK), str(OPENALEX_AUTHOR))
    cli("resolve")
    by_orcid = cli_json("researcher", "0000-0001-6187-6610")
    by_openalex = cli_json("researcher", "openalex:A5023888391")
    assert by_orcid["id"] == by_openalex["id"]
    assert by_orcid["name"] == "Jason Priem"
    assert by_orcid["provider_metrics"] == [{
        "source": "openalex", "author_id": "A5023888391", "name": "Jason Priem", "h_index": 17,
        "i10_index": 20, "works_count": 62, "citation_count": 3890,
        "as_of": by_orcid["provider_metrics"][0]["as_of"],
    }]
    # Computed over what the store holds: one paper, so h = 1, from OpenAlex's count.
    assert by_orcid["metrics"]["h_index"]["value"] == 1
    assert by_orcid["metrics"]["h_index"]["source"] == "openalex"
