"""The arXiv bulk-snapshot reader, on the 25 real records of the unarXive sample.

Bad lines are made from the real ones (a field removed or spoilt) so that each test
shows one reason for rejection next to records that must still be read.
"""

import json
from pathlib import Path

import pytest

from paperscope.models import PaperRecord, Rejected, Version
from paperscope.sources.arxiv_snapshot import SOURCE, read, rfc2822_to_iso

SNAPSHOT = Path(__file__).parent.parent / "fixtures" / "arxiv" / "snapshot-sample.jsonl"
LINES = SNAPSHOT.read_bytes().splitlines()
RECORDS = [json.loads(line) for line in LINES]


def _by_id() -> dict[str, PaperRecord]:
    records = list(read(SNAPSHOT))
    assert all(isinstance(r, PaperRecord) for r in records)
    return {r.arxiv_id: r for r in records}  # type: ignore[union-attr]


def _write(tmp_path: Path, objects: list[dict]) -> Path:
    path = tmp_path / "snapshot.jsonl"
    path.write_text("".join(json.dumps(o) + "\n" for o in objects), "utf-8")
    return path


def _one(tmp_path: Path, obj: dict) -> PaperRecord | Rejected:
    [record] = list(read(_write(tmp_path, [obj])))
    return record


def test_every_sample_record_is_read_in_order() -> None:
    records = list(read(SNAPSHOT))
    assert [type(r) for r in records] == [PaperRecord] * 25
    assert [r.arxiv_id for r in records] == [r["id"] for r in RECORDS]  # type: ignore[union-attr]
    assert {r.source for r in records} == {SOURCE} == {"arxiv-snapshot"}
    assert records[7].origin.position == "line 8"
    assert records[7].origin.file == str(SNAPSHOT)


def test_fields_of_one_record() -> None:
    paper = _by_id()["2212.11867"]
    assert (
        paper.title == "Zeros of a growing number of derivatives of random polynomials with independent roots"
    )
    assert paper.abstract is not None
    assert paper.abstract.startswith(
        "Let $X_1,X_2,\\ldots$ be independent and identically distributed random variables"
    )
    assert "\n" not in paper.abstract
    assert paper.categories == ["math.PR", "math.CA", "math.CV"]
    assert paper.primary_category == "math.PR"
    assert paper.versions == [Version(1, "2022-12-22T17:01:56Z")]
    assert (paper.arxiv_version, paper.first_date, paper.latest_date, paper.year) == (
        1,
        "2022-12-22",
        "2022-12-22",
        2022,
    )
    assert paper.comments == "12 pages"
    assert paper.license == "http://creativecommons.org/licenses/by/4.0/"
    assert (paper.journal_ref, paper.dois, paper.code_urls) == (None, [], [])
    assert [(a.raw, a.given, a.family, a.suffix, a.position) for a in paper.authors] == [
        ("Marcus Michelen", "Marcus", "Michelen", None, 0),
        ("Xuan-Truong Vu", "Xuan-Truong", "Vu", None, 1),
    ]


def test_two_versions_give_first_and_latest_dates() -> None:
    paper = _by_id()["2212.11899"]
    assert paper.versions == [Version(1, "2022-12-22T17:34:39Z"), Version(2, "2022-12-23T07:44:58Z")]
    assert (paper.arxiv_version, paper.first_date, paper.latest_date) == (2, "2022-12-22", "2022-12-23")


def test_single_digit_day_and_doi_and_journal_ref() -> None:
    papers = _by_id()
    # "Wed, 7 Dec 2022 13:44:49 GMT"
    assert papers["2212.11813"].versions[0].submitted == "2022-12-07T13:44:49Z"
    assert papers["2212.11861"].dois == ["10.1088/1674-1137/ac600c"]
    assert papers["2212.11861"].journal_ref == "Chinese Physics C46, (2022) 073106"


def test_authors_come_from_authors_parsed_in_unicode() -> None:
    papers = _by_id()
    rokita = papers["2212.11813"].authors[1]
    assert (rokita.raw, rokita.given, rokita.family) == ("Przemysław Rokita", "Przemysław", "Rokita")
    # arXiv's own split is kept as it is, even where it keeps "Le" with the given names.
    gouellec = papers["2212.11899"].authors[0]
    assert (gouellec.raw, gouellec.given, gouellec.family) == (
        "Valentin J. M. Le Gouellec",
        "Valentin J. M. Le",
        "Gouellec",
    )
    assert [a.position for a in papers["2212.11874"].authors] == list(range(12))


def test_affiliations_after_the_name_parts(tmp_path: Path) -> None:
    # authors_parsed entries carry affiliations from the fourth element on, as arXiv's
    # parse_author_affil gives them ([keyname, firstnames, suffix, affil1, affil2, …]).
    obj = dict(RECORDS[1])
    obj["authors_parsed"] = [
        ["Guerrero", "Jesus", "", "UTSA"],
        ["Liang", "Gongbo", ""],
        ["Alsmadi", "Izzat", "Jr.", "A", "B"],
    ]
    paper = _one(tmp_path, obj)
    assert isinstance(paper, PaperRecord)
    assert [(a.raw, a.suffix, a.affiliations) for a in paper.authors] == [
        ("Jesus Guerrero", None, ["UTSA"]),
        ("Gongbo Liang", None, []),
        ("Izzat Alsmadi Jr.", "Jr.", ["A", "B"]),
    ]


def test_author_line_is_parsed_without_authors_parsed(tmp_path: Path) -> None:
    obj = dict(RECORDS[4])  # 2212.11862, whose author line is written in TeX
    del obj["authors_parsed"]
    paper = _one(tmp_path, obj)
    assert isinstance(paper, PaperRecord)
    assert [(a.given, a.family) for a in paper.authors] == [
        ("Adrián", "Pérez-Salinas"), ("Radoica", "Draškić"), ("Jordi", "Tura"), ("Vedran", "Dunjko"),
    ]  # fmt: skip


def test_several_dois_and_a_bad_one(tmp_path: Path) -> None:
    obj = dict(RECORDS[14])  # 2212.11861
    obj["doi"] = "10.1088/1674-1137/ac600c  10.48550/arXiv.2212.11861 not-a-doi 10.1088/1674-1137/AC600C"
    paper = _one(tmp_path, obj)
    assert isinstance(paper, PaperRecord)
    assert paper.dois == ["10.1088/1674-1137/ac600c", "10.48550/arxiv.2212.11861"]


def test_code_urls_from_abstract_and_comments(tmp_path: Path) -> None:
    obj = dict(RECORDS[0])
    # A URL cut by arXiv's hard wrap in the abstract, and one in the comments.
    obj["abstract"] = obj["abstract"].rstrip() + " Code: https://github.com/\nmichelen/zeros.\n"
    obj["comments"] = "12 pages; project page https://michelen.github.io/zeros"
    paper = _one(tmp_path, obj)
    assert isinstance(paper, PaperRecord)
    assert paper.code_urls == ["https://github.com/michelen/zeros", "https://michelen.github.io/zeros"]


def test_latex_and_html_in_titles_are_kept_verbatim(tmp_path: Path) -> None:
    paper = _by_id()["2212.11780"]  # "First-order sentences in random groups II: $\forall..."
    assert "$\\forall" in paper.title
    obj = dict(RECORDS[0], title="  <i>Zeros</i> of\n  $P_n^{(k)}$ ")
    assert _one(tmp_path, obj).title == "<i>Zeros</i> of $P_n^{(k)}$"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("Thu, 22 Dec 2022 17:01:56 GMT", "2022-12-22T17:01:56Z"),
        ("Wed, 7 Dec 2022 13:44:49 GMT", "2022-12-07T13:44:49Z"),
        # Not arXiv's form: the standard library's parser, converted to UTC.
        ("Thu, 22 Dec 2022 18:01:56 +0100", "2022-12-22T17:01:56Z"),
        ("22 Dec 2022", None),
        ("", None),
    ],
)
def test_rfc2822_to_iso(text: str, iso: str | None) -> None:
    assert rfc2822_to_iso(text) == iso


def test_every_rejection_reason_among_good_lines(tmp_path: Path) -> None:
    good = [LINES[i] for i in range(6)]
    no_id = json.loads(LINES[6])
    del no_id["id"]
    bad_id = dict(json.loads(LINES[7]), id="abc")
    empty_title = dict(json.loads(LINES[8]), title=" \n ")
    no_title = json.loads(LINES[9])
    del no_title["title"]
    bad_utf8 = LINES[10].replace(b"Predicting", b"Pre\xff\xfedicting")
    assert bad_utf8 != LINES[10]
    lines = [
        b"\xef\xbb\xbf" + good[0],  # 1: a byte-order mark on line 1 is tolerated
        good[1],  # 2
        b'{"id": "2212.11797", "title": ',  # 3: cut short
        good[2],  # 4
        json.dumps([json.loads(good[3])]).encode(),  # 5: an array, not an object
        json.dumps(no_id).encode(),  # 6
        good[3],  # 7
        json.dumps(bad_id).encode(),  # 8
        b"",  # 9: blank lines are skipped
        json.dumps(empty_title).encode(),  # 10
        bad_utf8,  # 11
        json.dumps(no_title).encode(),  # 12
        good[4],  # 13
        good[5],  # 14
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"".join(line + b"\r\n" for line in lines))  # CRLF line ends throughout

    records = list(read(path))
    papers = [r for r in records if isinstance(r, PaperRecord)]
    assert [p.arxiv_id for p in papers] == [json.loads(g)["id"] for g in good]
    assert [p.origin.position for p in papers] == [
        "line 1",
        "line 2",
        "line 4",
        "line 7",
        "line 13",
        "line 14",
    ]
    assert (
        papers[0].title
        == "Zeros of a growing number of derivatives of random polynomials with independent roots"
    )
    assert not any("\r" in (p.abstract or "") for p in papers)

    rejected = {r.origin.position: r for r in records if isinstance(r, Rejected)}
    assert sorted(rejected, key=lambda p: int(p.split()[1])) == [
        "line 3", "line 5", "line 6", "line 8", "line 10", "line 11", "line 12",
    ]  # fmt: skip
    assert rejected["line 3"].reason.startswith("not JSON")
    assert rejected["line 5"].reason == "not a JSON object but list"
    assert rejected["line 6"].reason == 'missing "id"'
    assert rejected["line 8"].reason.startswith("malformed \"id\" 'abc'")
    assert rejected["line 10"].reason == 'empty "title"'
    assert rejected["line 11"].reason == "undecodable bytes (not UTF-8)"
    assert rejected["line 12"].reason == 'missing "title"'
    assert all(r.source == SOURCE and r.origin.file == str(path) for r in rejected.values())
    # What the record looked like: its title, where the id is missing (2212.11766).
    assert "Long bet will lose" in rejected["line 6"].excerpt


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"id": 2212.11867}, '"id" is a number, expected a string'),
        ({"title": ["Zeros"]}, '"title" is a list, expected a string'),
        ({"abstract": {"text": "…"}}, '"abstract" is an object, expected a string'),
        ({"doi": 10}, '"doi" is a number, expected a string'),
        ({"categories": ["math.PR"]}, '"categories" is a list, expected a string'),
        ({"versions": "v1"}, '"versions" is a string, expected a list'),
        ({"versions": ["v1"]}, '"versions[0]" is a string, expected an object'),
        (
            {"versions": [{"version": "1", "created": "Thu, 22 Dec 2022 17:01:56 GMT"}]},
            '"versions[0].version" \'1\' is not like "v1"',
        ),
        ({"authors_parsed": "Michelen, Marcus"}, '"authors_parsed" is a string, expected a list'),
        (
            {"authors_parsed": [["Michelen", None, ""]]},
            "\"authors_parsed\" entry ['Michelen', None, ''] is not a list of strings",
        ),
        ({"authors_parsed": None, "authors": 7}, '"authors" is a number, expected a string'),
    ],
)
def test_wrong_field_types_are_rejected(tmp_path: Path, change: dict, reason: str) -> None:
    path = _write(tmp_path, [RECORDS[0], dict(RECORDS[0], **change), RECORDS[1]])
    records = list(read(path))
    assert [type(r) for r in records] == [PaperRecord, Rejected, PaperRecord]
    assert records[1].reason == reason  # type: ignore[union-attr]
    assert records[1].origin.position == "line 2"


def test_empty_or_missing_optional_fields(tmp_path: Path) -> None:
    obj = dict(RECORDS[0], abstract="  \n", comments="", categories="", versions=[], doi="")
    del obj["license"]
    paper = _one(tmp_path, obj)
    assert isinstance(paper, PaperRecord)
    assert (paper.abstract, paper.comments, paper.license, paper.categories, paper.primary_category) == (
        None,
        None,
        None,
        [],
        None,
    )
    assert (paper.versions, paper.arxiv_version, paper.first_date, paper.year) == ([], None, None, None)


def test_old_style_id_and_versioned_id(tmp_path: Path) -> None:
    paper = _one(tmp_path, dict(RECORDS[0], id="math.GT/0309136"))
    assert isinstance(paper, PaperRecord) and paper.arxiv_id == "math/0309136"
    paper = _one(tmp_path, dict(RECORDS[12], id="2212.11899v2"))
    assert isinstance(paper, PaperRecord) and (paper.arxiv_id, paper.arxiv_version) == ("2212.11899", 2)
