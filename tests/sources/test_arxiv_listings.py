"""The arXiv daily-listings reader, on 202 real lines of the cs listings (2025–2026)."""

import gzip
import json
from pathlib import Path

from paperscope.models import PaperRecord, Rejected
from paperscope.sources.arxiv_listings import SOURCE, read

LISTINGS = Path(__file__).parent.parent / "fixtures" / "arxiv" / "daily-cs-sample.jsonl.gz"
LINES = gzip.decompress(LISTINGS.read_bytes()).splitlines()


def _by_id() -> dict[str, PaperRecord]:
    records = list(read(LISTINGS))
    assert all(isinstance(r, PaperRecord) for r in records)
    return {r.arxiv_id: r for r in records}  # type: ignore[union-attr]


def test_every_line_is_read() -> None:
    records = list(read(LISTINGS))
    assert len(records) == len(LINES) == 202
    assert all(isinstance(r, PaperRecord) and r.source == SOURCE == "arxiv-listing" for r in records)
    assert [r.arxiv_id for r in records] == [json.loads(line)["id"] for line in LINES]  # type: ignore[union-attr]
    assert records[201].origin.position == "line 202"


def test_fields_of_one_record() -> None:
    paper = _by_id()["2503.11731"]
    assert paper.title.startswith("Industrial-Grade Sensor Simulation via Gaussian Splatting")
    assert paper.abstract is not None and "\n" not in paper.abstract
    assert paper.abstract.startswith(
        "Sensor simulation is pivotal for scalable validation of autonomous driving systems"
    )
    assert (paper.categories, paper.primary_category) == (["cs.CV", "cs.RO"], "cs.CV")
    assert (paper.first_date, paper.latest_date, paper.year) == ("2025-03-18", "2025-03-18", 2025)
    assert (paper.arxiv_version, paper.versions, paper.comments) == (None, [], None)
    assert len(paper.authors) == 16
    assert [(a.raw, a.given, a.family, a.position) for a in paper.authors[:2]] == [
        ("Xianming Zeng", "Xianming", "Zeng", 0),
        ("Sicong Du", "Sicong", "Du", 1),
    ]


def test_listed_next_month_is_still_the_first_announcement() -> None:
    # 2505.23666 was submitted at the end of May and announced on 1 June.
    paper = _by_id()["2505.23666"]
    assert (paper.first_date, paper.latest_date, paper.year) == ("2025-06-01", "2025-06-01", 2025)


def test_a_late_listing_leaves_the_first_date_unknown() -> None:
    # 2501.14510 is listed on 2025-12-04, eleven months after its id's month.
    paper = _by_id()["2501.14510"]
    assert (paper.first_date, paper.latest_date, paper.year) == (None, "2025-12-04", 2025)


def test_author_names() -> None:
    papers = _by_id()
    heath = papers["2505.23666"].authors[1]
    assert (heath.given, heath.family, heath.suffix) == ("Robert W.", "Heath", "Jr.")
    francia = papers["2504.00348"].authors[2]
    assert (francia.given, francia.family, francia.suffix) == ("Guillermo", "Francia", "III")
    torre = next(a for a in papers["2505.10144"].authors if a.raw == "Fernando de la Torre")
    assert (torre.given, torre.family) == ("Fernando", "de la Torre")
    cohere = papers["2504.00698"].authors[0]
    assert (cohere.raw, cohere.given, cohere.family) == ("Team Cohere", None, "Team Cohere")
    assert len(papers["2504.00698"].authors) == 226


def test_punctuation_the_crawl_left_as_a_name_is_dropped() -> None:
    # The crawl split "KT: Soonmin Bae, …" into "KT", ":", "Soonmin Bae", …
    authors = _by_id()["2509.20057"].authors
    assert [a.raw for a in authors[:3]] == ["KT", "Soonmin Bae", "Wanjin Park"]
    assert [a.position for a in authors] == list(range(len(authors))) and len(authors) == 20


def test_code_urls_from_abstract_and_comment() -> None:
    papers = _by_id()
    assert papers["2503.11781"].code_urls == ["https://github.com/gosha20777/cmKAN"]
    # 2503.11892: the project page is in the comment, the repository in the abstract.
    assert papers["2503.11892"].comments == "Project website: https://taco-group.github.io/DecAlign/"
    assert set(papers["2503.11892"].code_urls) == {
        "https://taco-group.github.io/DecAlign",
        "https://github.com/taco-group/DecAlign",
    }


def test_rejections_among_good_lines(tmp_path: Path) -> None:
    good = [json.loads(line) for line in LINES[:4]]
    no_authors_list = dict(good[1], authors="Sicong Du, Qifeng Chen")
    bad_id = dict(good[1], id="2513.11731")
    no_title = {k: v for k, v in good[2].items() if k != "title"}
    bad_date = dict(good[2], listing_date="18/03/2025")
    objects = [good[0], no_authors_list, bad_id, good[1], no_title, bad_date, good[2], good[3]]
    path = tmp_path / "listing.jsonl.gz"
    path.write_bytes(gzip.compress(b"".join(json.dumps(o).encode() + b"\n" for o in objects)))

    records = list(read(path))
    assert [type(r) for r in records] == [
        PaperRecord,
        Rejected,
        Rejected,
        PaperRecord,
        Rejected,
        Rejected,
        PaperRecord,
        PaperRecord,
    ]
    assert [r.arxiv_id for r in records if isinstance(r, PaperRecord)] == [g["id"] for g in good]
    reasons = {r.origin.position: r.reason for r in records if isinstance(r, Rejected)}
    assert reasons == {
        "line 2": '"authors" is a string, expected a list of strings',
        "line 3": "malformed \"id\" '2513.11731': arXiv id '2513.11731': month 13 out of range",
        "line 5": 'missing "title"',
        "line 6": "\"listing_date\" '18/03/2025' is not a YYYY-MM-DD date",
    }
