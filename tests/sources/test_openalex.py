"""OpenAlex works and authors, parsed from real objects and read from files.

The objects are real OpenAlex JSON (tests/fixtures/openalex/README.md). The live client's
tests are in test_openalex_client.py.
"""

from __future__ import annotations

import copy
import gzip
import os
from pathlib import Path
from typing import Any

import orjson
import pytest
from openalex_recorded import (
    AUTHOR,
    AUTHOR_OLDER,
    DELETED_AUTHOR,
    FIXTURES,
    OLDER_WORK,
    TOPIC,
    WORK,
    arxiv_copy,
)

from paperscope.models import AuthorProfile, Origin, Rejected, WorkRecord
from paperscope.sources import openalex
from paperscope.sources.jsonlines import SourceError
from paperscope.sources.openalex import (
    OpenAlexRecordError,
    parse_author,
    parse_work,
    read,
    short_id,
)

HERE = Origin("test", "record 1")


def test_public_names_exist() -> None:
    assert sorted(openalex.__all__) == sorted(set(openalex.__all__))
    assert all(hasattr(openalex, name) for name in openalex.__all__)


# --- parsing real objects -------------------------------------------------------------


def test_parse_real_work() -> None:
    work = parse_work(WORK, HERE, "2025-06-11")
    assert (work.source, work.source_id, work.as_of) == ("openalex", "W2741809807", "2025-06-11")
    assert work.title == (
        "The state of OA: a large-scale analysis of the prevalence and impact of "
        "Open Access articles"
    )
    assert (work.year, work.dois, work.arxiv_id) == (2018, ["10.7717/peerj.4375"], None)
    assert work.cited_by_count == 962
    assert work.counts_by_year[2020] == 179 and work.counts_by_year[2017] == 9
    assert sorted(work.counts_by_year) == list(range(2017, 2026))
    assert len(work.references) == 45
    assert work.references[0] == "W1560783210" and all(r.startswith("W") for r in work.references)
    assert work.venue == "PeerJ"
    assert work.topics == [
        "scientometrics and bibliometrics research",
        "Academic Publishing and Open Access",
        "Research Data Management Practices",
    ]
    assert [a.position for a in work.authorships] == list(range(9))
    assert work.authorships[0].name == "Heather Piwowar"
    priem = work.authorships[1]
    assert (priem.name, priem.source_id, priem.orcid) == (
        "Jason Priem", "A5023888391", "0000-0001-6187-6610",
    )  # fmt: skip
    assert [(i.name, i.source_id, i.ror, i.country) for i in priem.institutions] == [
        ("Impact Technology Development (United States)", "I4210166736",
         "https://ror.org/05ppvf150", "US"),
    ]  # fmt: skip
    assert priem.raw_affiliations == ["Impactstory, Sanford, NC, USA"]
    alperin = work.authorships[3]
    assert [(i.source_id, i.country) for i in alperin.institutions] == [
        ("I18014758", "CA"), ("I4387153203", None),  # OpenAlex knows no country for PKP
    ]  # fmt: skip
    assert len(alperin.raw_affiliations) == 2


def test_parse_older_work_object() -> None:
    work = parse_work(OLDER_WORK, HERE, "2024-02-18")
    assert (work.source_id, work.dois, work.year) == (
        "W2755950973", ["10.1103/physrevlett.118.091101"], 2017,
    )  # fmt: skip
    assert work.venue == "Physical Review Letters"
    assert work.topics == ["Gravitational Wave Astronomy and Cosmology"]
    [abbott] = work.authorships
    assert (abbott.source_id, abbott.orcid, abbott.position) == ("A2150889177", None, 0)
    assert abbott.institutions[0].ror == "https://ror.org/05dxps055"


def test_concepts_stand_in_for_missing_topics() -> None:
    work = copy.deepcopy(WORK)
    del work["topics"]
    assert parse_work(work, HERE, "2025-06-11").topics[:2] == ["Citation", "License"]


def test_arxiv_id_from_the_datacite_doi() -> None:
    work = parse_work(arxiv_copy(), HERE, "2026-01-01")
    assert (work.arxiv_id, work.dois) == ("1706.01812", ["10.48550/arxiv.1706.01812"])


def test_arxiv_id_from_an_arxiv_location_when_the_doi_is_the_journals() -> None:
    work = copy.deepcopy(WORK)
    arxiv = {"landing_page_url": "http://arxiv.org/abs/1705.08564v2", "pdf_url": None,
             "source": {"display_name": "arXiv (Cornell University)"}}  # fmt: skip
    work["locations"].append(arxiv)
    parsed = parse_work(work, HERE, "2025-06-11")
    assert (parsed.arxiv_id, parsed.dois) == ("1705.08564", ["10.7717/peerj.4375"])
    # Two preprints merged into one work: no id rather than the wrong one.
    work["locations"].append({"landing_page_url": "https://arxiv.org/pdf/1801.00001.pdf"})
    assert parse_work(work, HERE, "2025-06-11").arxiv_id is None


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        ({"id": None}, 'missing "id"'),
        ({"id": "https://openalex.org/A5023888391"}, "not an OpenAlex work id"),
        ({"cited_by_count": "many"}, "cited_by_count is 'many', not an integer"),
        ({"counts_by_year": [{"year": 2020}]}, "counts_by_year: bad entry"),
        ({"authorships": {"author": {}}}, "authorships is a dict, not a list"),
        ({"referenced_works": ["https://openalex.org/X1"]}, "not an OpenAlex work id"),
    ],
)
def test_bad_work_objects_raise_with_the_reason(edit: dict[str, Any], reason: str) -> None:
    with pytest.raises(OpenAlexRecordError, match=reason.replace("(", r"\(")):
        parse_work({**WORK, **edit}, HERE, "2025-06-11")


def test_parse_real_author() -> None:
    author = parse_author(AUTHOR, HERE, "2025-06-08")
    assert (author.source_id, author.name, author.orcid) == (
        "A5023888391", "Jason Priem", "0000-0001-6187-6610",
    )  # fmt: skip
    assert (author.h_index, author.i10_index) == (17, 20)
    assert (author.works_count, author.citation_count) == (62, 3890)
    assert [(i.name, i.source_id, i.ror, i.country) for i in author.affiliations] == [
        ("OurResearch", "I4200000001", "https://ror.org/02nr0ka47", "CA"),
    ]


def test_author_without_last_known_institutions_lists_affiliations_latest_first() -> None:
    author = copy.deepcopy(AUTHOR)
    del author["last_known_institutions"]
    ids = [i.source_id for i in parse_author(author, HERE, "2025-06-08").affiliations]
    assert ids[0] == "I4200000001" and set(ids[1:3]) == {"I145311948", "I103163165"}
    assert ids[3] == "I4210166736" and len(ids) == 8


def test_older_author_object_and_a_deleted_author() -> None:
    older = parse_author(AUTHOR_OLDER, HERE, "2023-08-01")
    assert (older.source_id, older.h_index, older.works_count) == ("A2150889177", None, 523)
    assert [i.name for i in older.affiliations] == ["California Institute of Technology"]
    with pytest.raises(OpenAlexRecordError, match="A5317838346: deleted"):
        parse_author(DELETED_AUTHOR, HERE, "2023-11-09")


def test_short_id() -> None:
    assert short_id("https://openalex.org/W2741809807") == "W2741809807"
    assert short_id("a5023888391", "A") == "A5023888391"
    with pytest.raises(OpenAlexRecordError):
        short_id("https://openalex.org/W2741809807", "A")


# --- files ----------------------------------------------------------------------------


def jsonl(*lines: object) -> bytes:
    return (
        b"\n".join(line if isinstance(line, bytes) else orjson.dumps(line) for line in lines)
        + b"\n"
    )


MIXED = [
    WORK,                                     # line 1
    b"{not json",                             # line 2
    b"",                                      # line 3 (blank, skipped)
    [1, 2],                                   # line 4
    AUTHOR,                                   # line 5
    {"display_name": "no id"},                # line 6
    {**WORK, "cited_by_count": "many"},       # line 7
    TOPIC,                                    # line 8
    DELETED_AUTHOR,                           # line 9
    {"meta": {"count": 1}, "results": [OLDER_WORK, 7]},  # line 10: an API page on one line
]  # fmt: skip


@pytest.mark.parametrize("gz", [False, True])
def test_read_json_lines_of_real_objects_and_bad_lines(tmp_path: Path, gz: bool) -> None:
    path = tmp_path / ("works.jsonl.gz" if gz else "works.jsonl")
    body = jsonl(*MIXED)
    path.write_bytes(gzip.compress(body) if gz else body)
    records = list(read(path))
    summary = [(type(r).__name__, r.origin.position) for r in records]
    assert summary == [
        ("WorkRecord", "line 1"),
        ("Rejected", "line 2"),
        ("Rejected", "line 4"),
        ("AuthorProfile", "line 5"),
        ("Rejected", "line 6"),
        ("Rejected", "line 7"),
        ("Rejected", "line 8"),
        ("Rejected", "line 9"),
        ("WorkRecord", "line 10 result 1"),
        ("Rejected", "line 10 result 2"),
    ]
    reasons = {r.origin.position: r.reason for r in records if isinstance(r, Rejected)}
    assert reasons["line 2"].startswith("not JSON")
    assert reasons["line 6"] == 'missing "id"'
    assert reasons["line 7"] == "cited_by_count is 'many', not an integer"
    assert reasons["line 8"] == "T11636 is an OpenAlex topic, not a work or author"
    assert reasons["line 9"] == "A5317838346: deleted from OpenAlex"
    work, author = records[0], records[3]
    assert isinstance(work, WorkRecord) and isinstance(author, AuthorProfile)
    assert (work.source_id, work.as_of) == ("W2741809807", "2025-06-11")  # its updated_date
    assert (author.h_index, author.as_of) == (17, "2025-06-08")
    assert work.origin.file == str(path)


def test_read_as_of_given_or_from_the_file_date(tmp_path: Path) -> None:
    path = tmp_path / "works.jsonl"
    undated = {k: v for k, v in WORK.items() if k != "updated_date"}
    path.write_bytes(jsonl(WORK, undated))
    os.utime(path, (1_700_000_000, 1_700_000_000))  # 2023-11-14 UTC
    assert [r.as_of for r in read(path) if isinstance(r, WorkRecord)] == [
        "2025-06-11", "2023-11-14",
    ]  # fmt: skip
    assert {r.as_of for r in read(path, as_of="2026-02-01") if isinstance(r, WorkRecord)} == {
        "2026-02-01"
    }


def test_read_json_documents(tmp_path: Path) -> None:
    single = list(read(FIXTURES / "W-api-response.json"))  # pretty-printed, one object
    assert [(type(r).__name__, r.origin.position) for r in single] == [("WorkRecord", "document")]
    page = tmp_path / "page.json"
    page.write_bytes(orjson.dumps({"meta": {"count": 2}, "results": [WORK, AUTHOR]},
                                  option=orjson.OPT_INDENT_2))  # fmt: skip
    assert [(type(r).__name__, r.origin.position) for r in read(page)] == [
        ("WorkRecord", "result 1"), ("AuthorProfile", "result 2"),
    ]  # fmt: skip
    scalar = tmp_path / "scalar.json"
    scalar.write_bytes(b'\n"just a string"\n')
    with pytest.raises(SourceError, match="a JSON str, not OpenAlex entities"):
        list(read(scalar))
    with pytest.raises(SourceError, match="cannot open"):
        list(read(tmp_path / "missing.jsonl"))
