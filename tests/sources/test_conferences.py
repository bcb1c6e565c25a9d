"""Paper Copilot conference lines: a real slice (see tests/fixtures/conferences/README.md)."""

from __future__ import annotations

import gzip
import inspect
import json
from collections import Counter
from pathlib import Path

import pytest

from paperscope.models import Author, CitationCount, PaperRecord, Rejected
from paperscope.sources.conferences import SOURCE, citations_as_of, read, venue_name

SLICE = Path(__file__).parent.parent / "fixtures" / "conferences" / "papers-slice.jsonl.gz"


@pytest.fixture(scope="module")
def parsed() -> tuple[list[PaperRecord | Rejected], Counter[str]]:
    notes: Counter[str] = Counter()
    return list(read(SLICE, notes)), notes


@pytest.fixture(scope="module")
def by_venue_id(parsed: tuple[list[PaperRecord | Rejected], Counter[str]]) -> dict[str, PaperRecord]:
    records, _ = parsed
    return {r.other_ids["venue"]: r for r in records if isinstance(r, PaperRecord)}


def paper(by_venue_id: dict[str, PaperRecord], venue_id: str) -> PaperRecord:
    return by_venue_id[venue_id]


def titled(by_venue_id: dict[str, PaperRecord], prefix: str) -> PaperRecord:
    (record,) = [r for r in by_venue_id.values() if r.title.startswith(prefix)]
    return record


def names(record: PaperRecord) -> list[str]:
    return [a.raw for a in record.authors]


# --- the whole slice --------------------------------------------------------------------


def test_slice_reads_every_line_and_rejects_only_the_untitled_one(parsed) -> None:
    records, notes = parsed
    assert len(records) == 129
    rejected = [r for r in records if isinstance(r, Rejected)]
    assert [(r.origin.position, r.reason) for r in rejected] == [("line 66", 'missing "title"')]
    assert rejected[0].source == SOURCE and '"id":"SJUdkecgx"' in rejected[0].excerpt
    papers = [r for r in records if isinstance(r, PaperRecord)]
    assert all(r.source == "conference" and r.first_date is None for r in papers)
    # Every record has a venue key, so a store key; positions run 0, 1, 2… without gaps.
    assert len({r.key for r in papers}) == len(papers) == 128
    assert all([a.position for a in r.authors] == list(range(len(r.authors))) for r in papers)
    assert notes["authors listed twice, halved"] == 8
    assert notes["affiliations dropped: lists misaligned"] == 6
    assert notes["venue left out: status Reject"] == 1


def test_read_streams() -> None:
    assert inspect.isgenerator(read(SLICE))


# --- venues and identifiers -------------------------------------------------------------


def test_openreview_record_with_link(by_venue_id) -> None:
    r = paper(by_venue_id, "3dv2025/05T81ScPFb")
    assert r.title == "Flash3D: Feed-Forward Generalisable 3D Scene Reconstruction from a Single Image"
    assert r.venue == "3DV 2025" and r.year == 2025
    assert r.other_ids == {"venue": "3dv2025/05T81ScPFb", "openreview": "05T81ScPFb"}
    assert r.abstract is not None and r.abstract.startswith("In this paper, we propose Flash3D,")
    assert r.citations == []  # gs_citation null
    assert r.arxiv_id is None and r.dois == [] and r.code_urls == []


def test_openreview_ids_without_link_and_of_thirteen_characters(by_venue_id) -> None:
    assert paper(by_venue_id, "acmmm2024/05PCDMN4Dk").other_ids["openreview"] == "05PCDMN4Dk"
    assert paper(by_venue_id, "www2024/04DbUMZGMD").other_ids["openreview"] == "04DbUMZGMD"
    assert paper(by_venue_id, "iclr2013/-4IA4WgNAy4Wx").other_ids["openreview"] == "-4IA4WgNAy4Wx"
    # An OpenReview link in "pdf" rather than "site".
    assert paper(by_venue_id, "iclr2018/B12Js_yRb").other_ids["openreview"] == "B12Js_yRb"


@pytest.mark.parametrize(
    "venue_id",
    [
        "icra2000/845301",
        "cvpr2013/7db7526834",
        "ijcai2020/paper69",
        "eccv2024/site_a571c8da69",
        "acl2021/2021.acl-long.24",
        "aaai2022/00444",
    ],
)
def test_venues_not_on_openreview_have_no_openreview_id(by_venue_id, venue_id: str) -> None:
    assert set(paper(by_venue_id, venue_id).other_ids) == {"venue"}


def test_venue_names_and_rejected_submissions(by_venue_id) -> None:
    assert paper(by_venue_id, "nips1987/bb31aa9271").venue == "NeurIPS 1987"
    assert titled(by_venue_id, "2PAC: Two Point Attractors").venue == "SIGGRAPH Asia 2018"
    assert venue_name("acmmm", 2024) == "ACM MM 2024"
    assert venue_name("newconf", 2030) == "NEWCONF 2030"
    rejected = paper(by_venue_id, "iclr2019/B14ejsA5YQ")  # status Reject
    withdrawn = paper(by_venue_id, "iclr2018/B11bwYgfM")  # status Withdraw
    assert rejected.venue is None and rejected.year == 2019
    assert withdrawn.venue is None
    assert withdrawn.citations == [CitationCount(3, "google-scholar", "2025-06-02")]


def test_the_venue_gives_a_category_code_not_categories(by_venue_id) -> None:
    neurips = paper(by_venue_id, "nips1987/bb31aa9271")
    assert (neurips.category_code, neurips.categories, neurips.primary_category) == ("LG", [], None)
    assert titled(by_venue_id, "2PAC: Two Point Attractors").category_code == "GR"  # SIGGRAPH Asia
    assert paper(by_venue_id, "iclr2019/B14ejsA5YQ").category_code == "LG"  # rejected, still ICLR's field


def test_person_ids_of_authors_openreview_ieee_and_orcid(by_venue_id) -> None:
    flash3d = paper(by_venue_id, "3dv2025/05T81ScPFb")
    assert flash3d.author_ids[:2] == [(0, "openreview", "~Stanislaw_Szymanowicz1"),
                                      (1, "openreview", "~Eldar_Insafutdinov3")]
    assert flash3d.authors[1].raw == "Eldar Insafutdinov"
    assert paper(by_venue_id, "icra2000/845301").author_ids == [
        (0, "ieee", "38183614800"), (1, "ieee", "37277435200"), (2, "ieee", "38322740100")]
    corl = paper(by_venue_id, "corl2021/-JwmfQC6IRt")
    assert (1, "orcid", "0000-0002-6168-4763") in corl.author_ids
    # Empty entries name no one: the ai4x paper has ids for some authors only.
    partial = paper(by_venue_id, "ai4x2025/06gFvWlj6O")
    assert [p for p, _, _ in partial.author_ids][:3] == [1, 6, 8]


def test_author_ids_not_aligned_with_the_authors_are_dropped(tmp_path: Path) -> None:
    line = {"venue": "iclr", "year": 2024, "id": "abc", "title": "A paper",
            "authors": ["Ada Lovelace", "Alan Turing"], "authorids": ["~Ada_Lovelace1"]}
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(line) + "\n")
    (record,) = list(read(path))
    assert record.author_ids == []


def test_missing_id_is_derived_from_pdf_site_or_title(by_venue_id) -> None:
    r = titled(by_venue_id, "12-in-1: Multi-Task Vision and Language")
    assert r.other_ids == {
        "venue": "cvpr2020/pdf:Lu_12-in-1_Multi-Task_Vision_and_Language_Representation_Learning_CVPR_2020_paper"
    }
    r = paper(by_venue_id, "emnlp2022/site:2022.emnlp-main.804")
    assert r.title == "Efficient Large Scale Language Modeling with Mixtures of Experts"
    r = paper(by_venue_id, "siggraphasia2020/title:a-benchmark-for-rough-sketch-cleanup")
    assert r.dois == ["10.1145/3414685.3417784"] and r.key == "doi:10.1145/3414685.3417784"


def test_arxiv_ids_in_every_spelling(by_venue_id) -> None:
    assert paper(by_venue_id, "cvpr2018/df566625c6").arxiv_id == "1802.09232"  # "arXiv:1802.09232"
    megdet = paper(by_venue_id, "cvpr2018/1d6c9417e0")  # "1711.07240v4"
    assert megdet.arxiv_id == "1711.07240" and megdet.key == "arxiv:1711.07240"
    # No arxiv field; the "project" link is the arXiv abstract page.
    assert paper(by_venue_id, "aaai2022/06064").arxiv_id == "2112.04197"
    assert paper(by_venue_id, "3dv2025/0CNSbBa85A").arxiv_id is None


def test_dois_bare_doi_org_and_springer(by_venue_id) -> None:
    assert paper(by_venue_id, "aaai2021/06384").dois == ["10.1609/aaai.v35i7.16792"]
    assert paper(by_venue_id, "eccv2022/536e390cac").dois == ["10.1007/978-3-031-20083-0_1"]
    # "https://link.springer.com/chapter/10.1007/978-3-031-19836-6 _31": a stray space.
    assert paper(by_venue_id, "eccv2022/589a86c33e").dois == ["10.1007/978-3-031-19836-6_31"]


# --- citations --------------------------------------------------------------------------


def test_citations_carry_source_and_the_date_of_their_file(by_venue_id) -> None:
    assert paper(by_venue_id, "cvpr2015/0c8be062ee").citations == [
        CitationCount(66966, "google-scholar", "2025-06-12")
    ]
    assert paper(by_venue_id, "iclr2013/-4IA4WgNAy4Wx").citations == [
        CitationCount(696, "google-scholar", "2025-06-02")
    ]
    assert paper(by_venue_id, "nips1987/db72591e4b").citations[0].count == 0  # 0 is a count
    # Older ICML 2025 version: counts for some papers only.
    assert paper(by_venue_id, "icml2025/site_7d514d66c5").citations == [
        CitationCount(7, "google-scholar", "2025-06-12")
    ]
    assert paper(by_venue_id, "icml2025/site_a6a496aa3b").citations == []
    assert paper(by_venue_id, "aaai2021/06384").citations == []


def test_citations_as_of_by_file() -> None:
    assert citations_as_of("iclr", "raw/iclr/iclr2018.json.gz") == "2025-06-02"
    assert citations_as_of("nips", "raw/nips/nips2018.json.gz") == "2025-06-12"
    older = "raw_older_versions_no_citations/icml/"
    assert citations_as_of("icml", older + "icml2025@d3c8627a9e09.json.gz") == "2025-06-12"
    assert citations_as_of("icml", older + "icml2024@d455370183b3.json.gz") is None


# --- code links, titles, abstracts ------------------------------------------------------


def test_code_urls_from_github_field_project_and_abstract(by_venue_id) -> None:
    odis = paper(by_venue_id, "eccv2024/site_a571c8da69")
    assert odis.code_urls == ["https://github.com/islab-sophia/2S-ODIS"]
    # Papers with Code markdown around the link.
    counting = paper(by_venue_id, "iclr2018/B12Js_yRb")
    assert counting.code_urls == ["https://github.com/Cyanogenoid/vqa-counting"]
    # "https://github.com/" alone is no repository.
    assert titled(by_venue_id, "A Graduated Filter Method").code_urls == []
    assert paper(by_venue_id, "aaai2022/04415").code_urls == ["https://ml4code.github.io/papers.html"]


def test_quoted_titles_and_placeholder_abstracts_are_cleaned(by_venue_id) -> None:
    r = paper(by_venue_id, "eccv2022/536e390cac")
    assert r.title == "A Simple Approach and Benchmark for 21,000-Category Object Detection"
    assert r.abstract is not None and r.abstract.startswith("Current object detection systems")
    assert not r.abstract.endswith('"')
    assert paper(by_venue_id, "nips1987/db72591e4b").abstract is None  # "Abstract Unavailable"


# --- authors and affiliations -----------------------------------------------------------


def test_authors_with_aligned_and_plus_joined_affiliations(by_venue_id) -> None:
    r = paper(by_venue_id, "3dv2025/05T81ScPFb")
    assert r.authors[0] == Author(
        "Stanislaw Szymanowicz", "Stanislaw", "Szymanowicz", None, ["University of Oxford", "Google"], 0
    )
    assert r.authors[6].raw == "Andrea Vedaldi"
    assert r.authors[6].affiliations == ["University of Oxford", "Meta"]
    loopsplat = paper(by_venue_id, "3dv2025/0CNSbBa85A")
    assert loopsplat.authors[2].raw == "Erik Sandström" and loopsplat.authors[2].family == "Sandström"
    assert loopsplat.authors[1].affiliations == []  # "" in the source


def test_plus_inside_names_and_footnote_marks(by_venue_id) -> None:
    megdet = paper(by_venue_id, "cvpr2018/1d6c9417e0")
    assert megdet.authors[0].affiliations == ["Megvii Inc. (Face++)", "1Peking University"]
    assert megdet.authors[3].affiliations == ["Megvii Inc. (Face++)"]
    assert paper(by_venue_id, "ijcai2024/paper279").authors[3].affiliations == ["Microsoft Cloud + AI"]
    # "Google Inc.+1": the 1 is a footnote mark.
    googlenet = paper(by_venue_id, "cvpr2015/0c8be062ee")
    assert googlenet.authors[0].affiliations == ["Google Inc."]
    assert googlenet.authors[1].affiliations == ["University of North Carolina, Chapel Hill"]


def test_misaligned_or_per_paper_affiliations_are_dropped(by_venue_id) -> None:
    # 6 authors, 4 affiliations: which belongs to whom is unknown.
    r = paper(by_venue_id, "acmmm2024/05PCDMN4Dk")
    assert names(r) == ["Xiaze Zhang", "Ziheng Ding", "Qi Jing", "Ying Cheng", "Wenchao Ding", "Rui Feng"]
    assert all(a.affiliations == [] for a in r.authors)
    # CVPR 2022's older version lists each paper's institutions once, even at equal length.
    deng = titled(by_venue_id, "A Voxel Graph CNN for Object Classification")
    assert deng.other_ids["venue"].startswith("cvpr2022/pdf:Deng_A_Voxel_Graph_CNN")
    assert names(deng) == ["Yongjian Deng", "Hao Chen", "Hai Liu", "Youfu Li"]
    assert all(a.affiliations == [] for a in deng.authors)


def test_authors_listed_twice_are_halved_with_their_affiliations(by_venue_id) -> None:
    r = paper(by_venue_id, "icra2000/845301")
    assert names(r) == ["H. Rodriguez", "J.L. Pons", "R. Ceres"]
    assert r.authors[2].affiliations == [
        "Instituto de Automática Industrial, Consejo Nacional de Investigaciones Científicas y Técnicas, "
        "Madrid, Spain"
    ]
    iros = paper(by_venue_id, "iros2000/895227")
    assert names(iros) == ["Chaoli Wang", "Weihuo", "Dalong Tan", "Yuechao Wang"]
    assert (iros.authors[1].given, iros.authors[1].family) == (None, "Weihuo")
    assert iros.authors[1].affiliations[0].startswith("The Seventh Research Division")


def test_joined_author_strings_are_split(by_venue_id) -> None:
    piko = titled(by_venue_id, "Piko: A Framework")
    assert piko.other_ids["venue"] == (
        "siggraph2015/title:piko-a-framework-for-authoring-programmable-graphics-pipelines"
    )
    assert names(piko) == ["Anjul Patney", "Stanley Tzeng", "Kerry A. Seitz, Jr.", "John D. Owens"]
    assert (piko.authors[2].family, piko.authors[2].suffix) == ("Seitz", "Jr.")
    # "Shin&#x27" + "ya Yamaguchi, Sekitoshi Kanai, …": split upstream at the entity's ";".
    r = titled(by_venue_id, "Adaptive Random Feature Regularization")
    assert names(r) == ["Shin'ya Yamaguchi", "Sekitoshi Kanai", "Kazuki Adachi", "Daiki Chijiwa"]
    assert all(a.affiliations == [] for a in r.authors)  # 3 institutions for the paper
    assert names(paper(by_venue_id, "rss2009/95d047797e")) == ["K. Lai", "D. Fox"]  # "K. Lai and D. Fox"


# --- rejections -------------------------------------------------------------------------


def test_bad_lines_are_rejected_with_line_and_reason(tmp_path: Path) -> None:
    with gzip.open(SLICE) as f:
        real = [json.loads(line) for line in f]
    first, second = real[0], real[1]
    untitled = {k: v for k, v in second.items() if k != "title"}
    string_year = dict(first, year="2025")
    bad_authors = dict(first, authors="A, B")
    lines = [
        json.dumps(first),
        json.dumps(untitled),
        "{not json",
        json.dumps([first["id"], first["title"]]),
        "",
        json.dumps(string_year),
        json.dumps(bad_authors),
        json.dumps(second),
    ]
    path = tmp_path / "mixed.jsonl"  # plain, not gzip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    out = list(read(path))
    good = [r for r in out if isinstance(r, PaperRecord)]
    bad = [r for r in out if isinstance(r, Rejected)]
    assert [(r.other_ids["venue"], r.origin.position) for r in good] == [
        ("3dv2025/05T81ScPFb", "line 1"),
        ("3dv2025/0CNSbBa85A", "line 8"),
    ]
    assert [(r.origin.position, r.reason.split(":")[0]) for r in bad] == [
        ("line 2", 'missing "title"'),
        ("line 3", "not JSON"),
        ("line 4", "not a JSON object but list"),
        ("line 6", '"year" is a string, expected an integer'),
        ("line 7", '"authors" is not a list of strings'),
    ]
    assert all(r.source == "conference" and str(path) in str(r) for r in bad)
    assert '"id":"0CNSbBa85A"' in bad[0].excerpt
