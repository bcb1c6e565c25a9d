"""Semantic Scholar: parsing recorded papers, authors and bulk lines.

Nothing real is contacted. The client's tests, against a replay of the recorded
responses, are in test_semantic_scholar_client.py.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from semantic_scholar_recorded import FIXTURES, Exchange, cassette, works

from paperscope.models import AuthorProfile, Origin, ProviderAuthorship, Rejected, WorkRecord
from paperscope.sources import semantic_scholar
from paperscope.sources.semantic_scholar import parse_paper, read

AS_OF = "2026-11-20"
TURING_PAPER = "2d5673caa9e6af3a7b82a43f19ee920992db07ad"


def test_public_names_exist() -> None:
    assert sorted(semantic_scholar.__all__) == sorted(set(semantic_scholar.__all__))
    assert all(hasattr(semantic_scholar, name) for name in semantic_scholar.__all__)


# --- parsing recorded objects -------------------------------------------------------------


def test_paper_json_is_one_work_record_with_its_real_figures() -> None:
    (work,) = works(list(read(FIXTURES / "Paper.json.gz", as_of=AS_OF)))
    assert (work.source, work.source_id, work.as_of) == ("semantic-scholar", TURING_PAPER, AS_OF)
    assert work.title == "Computing Machinery and Intelligence"
    assert work.year == 1950
    assert work.dois == ["10.1093/mind/lix.236.433"]  # S2 writes 10.1093/MIND/LIX.236.433
    assert work.arxiv_id is None
    assert (work.cited_by_count, work.influential_citation_count) == (10059, 530)
    assert work.authorships == [ProviderAuthorship("A. Turing", 0, "2262347")]
    # 14 references, 6 of them unknown to S2 (paperId null): only the 8 ids are kept.
    assert len(work.references) == 8
    assert work.references[0] == "348f436fd9a3965f5ff17db031a9f43426f89b8e"
    assert work.references[-1] == "25744e33a66d32c028cc34775a09c70d640d2161"
    assert work.venue == "The Philosophy of Artificial Intelligence"
    # fieldsOfStudy then s2FieldsOfStudy's categories, each once.
    assert work.topics == ["Computer Science", "Sociology"]
    # The file is one line, so it reads as JSON lines: a single paper at "line 1".
    assert work.origin == Origin(str(FIXTURES / "Paper.json.gz"), "line 1")


def test_citing_papers_in_paper_json_carry_arxiv_ids_and_dois() -> None:
    with gzip.open(FIXTURES / "Paper.json.gz") as f:
        citing = json.load(f)["citations"]
    parsed = {
        obj["paperId"]: parse_paper(obj, Origin("Paper.json", f"citation {i}"), AS_OF)
        for i, obj in enumerate(citing)
    }
    assert len(parsed) == 1000
    assert sum(1 for w in parsed.values() if w.arxiv_id) == 243
    echo = parsed["ceb800a2bed2362df511158096e347fc45172b4d"]
    assert echo.arxiv_id == "2404.13957"
    assert echo.dois == ["10.48550/arxiv.2404.13957"]
    assert echo.year == 2024 and echo.cited_by_count == 1
    chi = parsed["79c6278423c07915ae5ec409b0110d15c45bef8c"]  # arXiv id and a publisher DOI
    assert (chi.arxiv_id, chi.dois) == ("2401.08572", ["10.1145/3613904.3642703"])
    # S2 lists some authors by name only: kept, in place, with no S2 author id.
    nameless_ids = [a for w in parsed.values() for a in w.authorships if a.source_id is None]
    assert {a.name for a in nameless_ids} == {"Minsu Lee", "Haoqin Tu", "Thomas Müller"}


def test_author_json_is_an_author_profile_with_its_real_figures() -> None:
    (profile,) = list(read(FIXTURES / "Author.json", as_of=AS_OF))
    assert isinstance(profile, AuthorProfile)
    assert (profile.source, profile.source_id, profile.name) == (
        "semantic-scholar",
        "2262347",
        "A. Turing",
    )
    assert (profile.h_index, profile.works_count, profile.citation_count) == (23, 60, 12415)
    assert profile.i10_index is None and profile.orcid is None  # S2 has neither here
    assert profile.affiliations == []
    assert len(profile.work_ids) == len(set(profile.work_ids)) == 60
    assert profile.work_ids[:2] == [
        "5d10faffeae5e9f2ae868626b29e6e9b8047cecb",
        "947efa54175145240c1a33f62321f23db43571e7",
    ]
    assert profile.as_of == AS_OF


def test_paper_with_null_values() -> None:
    (work,) = works(list(read(FIXTURES / "PaperWithNullValues.json", as_of=AS_OF)))
    assert work.source_id == TURING_PAPER
    assert work.origin.position == "document"  # indented JSON: read whole
    assert (work.title, work.authorships, work.references, work.dois) == (None, [], [], [])


def write_body(tmp_path: Path, exchange: Exchange, name: str = "saved.json") -> Path:
    path = tmp_path / name
    path.write_bytes(exchange.body)
    return path


def test_saved_batch_response_skips_and_counts_the_null_entries(tmp_path: Path) -> None:
    (exchange,) = cassette("test_get_papers_not_found_warning")
    saved = write_body(tmp_path, exchange)
    not_found: list[Origin] = []
    records = works(list(read(saved, as_of=AS_OF, on_not_found=not_found.append)))
    assert not_found == [Origin(str(saved), "item 1")]  # CorpusId:211530585
    assert [w.source_id for w in records] == [
        "c31c87c591a25c64fbaa82e8ac6a81831b6ac7ce",
        "cb1ebd913c3724c599f6b276b14b5c6253da68f3",
        "0f40b1f08821e22e859c6050916cec3667778613",
    ]
    assert [w.origin.position for w in records] == ["item 2", "item 3", "item 4"]
    did = records[0]
    assert did.title == "How Much Should We Trust Differences-in-Differences Estimates?"
    assert (did.year, did.cited_by_count, did.influential_citation_count) == (2001, 10670, 578)
    assert did.dois == ["10.2139/ssrn.288970"]
    assert did.topics == ["Psychology", "Economics", "Mathematics"]
    assert [(a.name, a.position, a.source_id) for a in did.authorships] == [
        ("Marianne Bertrand", 0, "81141608"),
        ("E. Duflo", 1, "2259683"),
        ("S. Mullainathan", 2, "2062143"),
    ]
    assert did.venue is None  # S2 sends "" and no publicationVenue
    audits = records[2]
    assert audits.topics == ["Environmental Science", "Business", "Economics"]  # fieldsOfStudy null


def test_saved_batch_with_authors_only(tmp_path: Path) -> None:
    (exchange,) = cassette("test_get_papers")
    assert exchange.fields == "authors"
    records = works(list(read(write_body(tmp_path, exchange), as_of=AS_OF)))
    assert [len(w.authorships) for w in records] == [3, 4, 3]
    assert records[1].authorships[3] == ProviderAuthorship("Cynthia Kinnan", 3, "31549526")
    assert records[1].title is None and records[1].cited_by_count is None


def test_saved_page_of_authors(tmp_path: Path) -> None:
    (exchange,) = cassette("test_get_paper_authors")
    records = list(read(write_body(tmp_path, exchange), as_of=AS_OF))
    assert all(isinstance(r, AuthorProfile) for r in records)
    assert [(r.name, r.h_index, r.works_count, r.citation_count) for r in records] == [  # type: ignore[union-attr]
        ("E. Duflo", 91, 282, 58740),
        ("A. Banerjee", 90, 347, 47761),
        ("R. Glennerster", 31, 123, 8936),
        ("Cynthia Kinnan", 12, 35, 3189),
    ]
    assert records[3].origin.position == "line 1, data item 4"
    pretty = tmp_path / "pretty.json"  # the same page as a person would save it, indented
    pretty.write_text(json.dumps(json.loads(exchange.body), indent=2), encoding="utf-8")
    assert [r.origin.position for r in read(pretty, as_of=AS_OF)][-1] == "data item 4"


def test_bulk_papers_sample() -> None:
    path = FIXTURES / "bulk" / "papers-sample.jsonl.gz"
    records = works(list(read(path)))
    assert len(records) == 100
    first = records[0]
    # The bulk shape has no paperId; its url ends in it.
    assert first.source_id == "d5ec1ea2c9261c54cf41fef1e5c9f2f8abe28ce2"
    assert first.as_of == "2022-01-27"  # the line's "updated"
    assert first.origin.position == "line 1"
    assert first.topics == ["Agricultural And Food Sciences", "Chemistry"]
    assert first.authorships == [ProviderAuthorship("Raid D. Thanoon", 0, "93500598")]
    assert (first.cited_by_count, first.influential_citation_count, first.dois) == (0, 0, [])
    third = records[2]
    assert third.dois == ["10.6052/0459-1879-1957-2-1957-004"]
    assert third.year == 1957 and len(third.authorships) == 2
    assert sum(1 for w in records if w.dois) > 10
    assert max(w.cited_by_count or 0 for w in records) > 0
    assert {w.as_of for w in works(list(read(path, as_of=AS_OF)))} == {AS_OF}


def test_bulk_authors_sample() -> None:
    records = list(read(FIXTURES / "bulk" / "authors-sample.jsonl.gz"))
    assert len(records) == 100 and all(isinstance(r, AuthorProfile) for r in records)
    by_id = {r.source_id: r for r in records if isinstance(r, AuthorProfile)}
    carroll = by_id["49687692"]
    assert (carroll.name, carroll.h_index, carroll.works_count, carroll.citation_count) == (
        "Marnie Enos Carroll", 1, 2, 5,
    )  # fmt: skip
    assert carroll.orcid is None and carroll.as_of == "2021-07-13"


def test_bad_lines_become_rejects_naming_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "papers.jsonl"
    lines = [
        # A bulk-shaped line built for this test (the sample has no arXiv paper).
        (
            '{"corpusid": 235658528, "externalids": {"ArXiv": "2106.15928", "DOI": null},'
            ' "url": "https://www.semanticscholar.org/paper/0123456789abcdef0123456789abcdef01234567",'
            ' "title": "T", "citationcount": 3, "updated": "2024-05-01T00:00:00Z"}'
        ),
        '{"title": "no identifier at all"}',
        '{"corpusid": 1, "citationcount": "many"}',
        "{not json",
        '{"corpusid": 2, "externalids": {"ArXiv": "not-an-id", "DOI": "10.1234/OK"}}',
        '{"authorid": "7", "name": null}',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = list(read(path))
    first = records[0]
    assert isinstance(first, WorkRecord)
    assert (first.arxiv_id, first.cited_by_count, first.as_of) == ("2106.15928", 3, "2024-05-01")
    assert first.source_id == "0123456789abcdef0123456789abcdef01234567"
    rejects = [r for r in records if isinstance(r, Rejected)]
    assert [(r.origin.position, r.reason.split(":")[0]) for r in rejects] == [
        ("line 2", "neither a paper nor an author"),
        ("line 3", '"citationcount" is str "many", not an integer'),
        ("line 4", "not JSON"),
        ("line 6", 'missing "name"'),
    ]
    fifth = records[4]
    assert isinstance(fifth, WorkRecord)
    assert (fifth.source_id, fifth.arxiv_id, fifth.dois) == ("CorpusId:2", None, ["10.1234/ok"])
