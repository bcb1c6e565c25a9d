"""Seed researcher pages, read from the project's five spec pages (tests/fixtures/seeds)."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from paperscope.models import PaperRecord, Rejected, ResearcherPage
from paperscope.sources.seed_page_abstracts import abstract_key, match_abstracts
from paperscope.sources.seed_page_authors import parse_author_line, split_title_authors
from paperscope.sources.seed_pages import SOURCE, read, read_dir

SEEDS = Path(__file__).parent.parent / "fixtures" / "seeds"
AS_OF = date(2026, 11, 23)
P000 = "000_a0a0c56183404ee7.txt"
P001 = "001_395fc870068acee9.txt"
P002 = "002_19619317ec4bebf5.txt"
P003 = "003_39bbd0f104a05994.txt"
P004 = "004_91b26bd0b8dbb123.txt"

Records = list[PaperRecord | ResearcherPage | Rejected]


@pytest.fixture(scope="module")
def records() -> Records:
    return list(read_dir(SEEDS, as_of=AS_OF))


def papers_of(records: Records, page: str) -> list[PaperRecord]:
    return [r for r in records if isinstance(r, PaperRecord) and Path(r.origin.file).name == page]


def page_of(records: Records, page: str) -> ResearcherPage:
    (found,) = [
        r for r in records if isinstance(r, ResearcherPage) and Path(r.origin.file).name == page
    ]
    return found


def block(records: Records, page: str, number: int) -> PaperRecord:
    (found,) = [
        p for p in papers_of(records, page) if p.origin.position.startswith(f"block {number},")
    ]
    return found


def claims(record: PaperRecord | ResearcherPage) -> dict[str, str]:
    return {c.field: c.value for c in record.claims}


def authors(paper: PaperRecord) -> list[tuple[str, int | None]]:
    return [(a.raw, a.position) for a in paper.authors]


# --- every page -----------------------------------------------------------------------------


def test_each_page_yields_its_papers_and_one_researcher_page(records: Records) -> None:
    # Header "N Papers": 000 shows all 13; 003 (89) and 004 (71) show their first 50.
    counts = {name: len(papers_of(records, name)) for name in (P000, P001, P002, P003, P004)}
    assert counts == {P000: 13, P001: 0, P002: 21, P003: 50, P004: 50}
    assert claims(page_of(records, P000))["papers"] == "13"
    assert [claims(page_of(records, p))["papers"] for p in (P003, P004)] == ["89", "71"]
    assert len([r for r in records if isinstance(r, ResearcherPage)]) == 5
    for name in (P000, P002, P003, P004):
        assert page_of(records, name).paper_keys == [p.key for p in papers_of(records, name)]
    assert len(page_of(records, P001).paper_keys) == 9  # its abstracts found on 000
    assert all(r.source == SOURCE for r in records)


def test_every_paper_is_keyed_by_its_normalized_title(records: Records) -> None:
    paper = block(records, P000, 9)
    assert (
        paper.title
        == "Faster WIND: Accelerating Iterative Best-of-$N$ Distillation for LLM Alignment"
    )
    assert paper.other_ids == {
        "title": "faster wind accelerating iterative best of n distillation for llm alignment"
    }
    assert (
        paper.key
        == "title:faster wind accelerating iterative best of n distillation for llm alignment"
    )
    assert paper.arxiv_id is None and paper.dois == []


def test_only_001s_unmatched_abstract_is_rejected(records: Records) -> None:
    rejected = [r for r in records if isinstance(r, Rejected)]
    assert [(Path(r.origin.file).name, r.origin.position) for r in rejected] == [
        (P001, "block 7, line 18")
    ]


# --- 000: header with name, spaced blocks ---------------------------------------------------


def test_000_header(records: Records) -> None:
    page = page_of(records, P000)
    assert (page.name, page.name_inferred, page.as_of) == ("Zixin Wen", False, "2026-11-23")
    assert claims(page) == {
        "primary_category_code": "LG",
        "h_index": "56",
        "papers": "13",
        "citations": "440",
        "novelty_pct": "60",
        "ai_score": "59",
    }
    assert {(c.subject, c.source, c.as_of) for c in page.claims} == {
        ("researcher", P000, "2026-11-23")
    }


def test_000_block_with_year(records: Records) -> None:
    paper = block(records, P000, 1)
    assert paper.title == "What Matters In The Structured Pruning of Generative Language Models?"
    assert paper.abstract is not None and paper.abstract.startswith(
        "Auto-regressive large language models"
    )
    assert paper.abstract.endswith("to explain the improved performance.")
    assert (paper.first_date, paper.year) == ("2023-02-07", 2023)
    assert (paper.category_code, paper.categories, paper.primary_category) == (
        "CL",
        ["cs.CL"],
        "cs.CL",
    )
    assert authors(paper) == [("Michael Santacroce", 0), ("Zixin Wen", 1), ("Yelong Shen", 2)]
    assert (paper.authors[0].given, paper.authors[0].family) == ("Michael", "Santacroce")
    assert claims(paper) == {"authors_truncated": "true"}
    assert paper.code_urls == []


def test_000_block_without_year_takes_the_page_year(records: Records) -> None:
    paper = block(records, P000, 2)  # "LGMar 1"
    assert paper.title == "Learn Hard Problems During RL with Reference Guided Fine-tuning"
    assert (paper.first_date, paper.year) == ("2026-03-01", 2026)


def test_a_yearless_date_after_the_page_date_is_of_the_year_before() -> None:
    paper = block(list(read(SEEDS / P000, as_of=date(2026, 2, 20))), P000, 2)  # "LGMar 1"
    assert paper.first_date == "2025-03-01"
    assert (
        block(list(read(SEEDS / P000, as_of=date(2026, 2, 20))), P000, 7).first_date == "2026-02-16"
    )


def test_page_date_defaults_to_the_files_modification_date(tmp_path: Path) -> None:
    copy = tmp_path / P000
    shutil.copy(SEEDS / P000, copy)
    stamp = datetime(2026, 5, 30, 12, tzinfo=UTC).timestamp()
    os.utime(copy, (stamp, stamp))
    records = list(read(copy))
    assert page_of(records, P000).as_of == "2026-05-30"
    assert block(records, P000, 2).first_date == "2026-03-01"
    assert block(records, P000, 8).claims[0].as_of == "2026-05-30"


def test_000_code_badge_with_url_tag_and_hidden_researcher(records: Records) -> None:
    paper = block(records, P000, 5)  # "CLOct 29, 2025Code"
    assert paper.title == "Scaling Latent Reasoning via Looped Language Models"
    assert paper.first_date == "2025-10-29"
    assert paper.code_urls == ["https://ouro-llm.github.io"]
    # Zixin Wen's page, but he is not among the three names shown: hidden by "et al.".
    assert authors(paper) == [
        ("Rui-Jie Zhu", 0),
        ("Zixuan Wang", 1),
        ("Kai Hua", 2),
        ("Zixin Wen", None),
    ]
    assert claims(paper) == {"affiliation_tag": "princeton", "authors_truncated": "true"}


def test_000_ambiguous_category_code_keeps_only_the_code(records: Records) -> None:
    paper = block(records, P000, 6)  # "CVMar 1, 2024Code": cs.CV or math.CV
    assert (paper.category_code, paper.categories, paper.primary_category) == ("CV", [], None)
    assert paper.code_urls == ["https://github.com/Richard-coder-Nai/disentanglement-lib-necessity"]
    assert "code_badge" not in claims(paper)


def test_000_score_and_code_badge_without_url(records: Records) -> None:
    paper = block(records, P000, 8)  # "87.0LGMar 13Code", no URL in the abstract
    assert paper.title == "Feynman: Knowledge-Infused Diagramming Agent for Scalable Visual Designs"
    assert paper.first_date == "2026-03-13"
    assert paper.code_urls == []
    assert claims(paper) == {"score": "87.0", "code_badge": "true", "authors_truncated": "true"}
    assert authors(paper) == [("Zixin Wen", 0), ("Yifu Cai", 1), ("Kyle Lee", 2)]


def test_000_short_author_lists_are_not_truncated(records: Records) -> None:
    assert authors(block(records, P000, 4)) == [("Zixin Wen", 0), ("Yuanzhi Li", 1)]
    assert authors(block(records, P000, 13)) == [("Zixin Wen", 0)]
    assert claims(block(records, P000, 13)) == {}
    hidden = [
        p.title for p in papers_of(records, P000) if any(a.position is None for a in p.authors)
    ]
    assert hidden == [
        "Scaling Latent Reasoning via Looped Language Models",
        "Faster WIND: Accelerating Iterative Best-of-$N$ Distillation for LLM Alignment",
        "Improving Multi-Modal Learning with Uni-Modal Teachers",
    ]


# --- 002: compact page, title glued to authors ----------------------------------------------

# Every block of 002, split by eye: (title, author line).
SPLITS_002 = [
    ("Finding Skill Neurons in Pre-trained Transformer-based Language Models",
     "Xiaozhi Wang, Kaiyue Wen, Zhengyan Zhang et al. · tsinghua"),
    ("Sharpness Minimization Algorithms Do Not Only Minimize Sharpness To Achieve Better Generalization",
     "Kaiyue Wen, Zhiyuan Li, Tengyu Ma · stanford"),
    ("How Does Sharpness-Aware Minimization Minimize Sharpness?", "Kaiyue Wen, Tengyu Ma, Zhiyuan Li"),
    ("Divide-and-Conquer CoT: RL for Reducing Latency via Parallel Reasoning",
     "Arvind Mahankali, Kaiyue Wen, Tengyu Ma"),
    ("Benign Overfitting in Classification: Provably Counter Label Noise with Larger Models",
     "Kaiyue Wen, Jiaye Teng, Jingzhao Zhang"),
    ("A Unified View of Attention and Residual Sinks: Outlier-Driven Rescaling is Essential for Transformer Training",
     "Zihan Qiu, Zeyu Huang, Kaiyue Wen et al."),
    ("Scaling Self-Play with Self-Guidance", "Luke Bailey, Kaiyue Wen, Kefan Dong et al."),
    ("Pseudo-Formalization for Automatic Proof Verification", "Slim Barkallah, Luke Bailey, Kaiyue Wen et al."),
    ("Gated Attention for Large Language Models: Non-linearity, Sparsity, and Attention-Sink-Free",
     "Zihan Qiu, Zekun Wang, Bo Zheng et al."),
    ("Symmetrical Visual Contrastive Optimization: Aligning Vision-Language Models with Minimal Contrastive Images",
     "Shengguang Wu, Fan-Yun Sun, Kaiyue Wen et al."),
    ("QuestA: Expanding Reasoning Capacity in LLMs via Question Augmentation",
     "Jiazheng Li, Hongzhou Lin, Hong Lu et al."),
    ("Practically Solving LPN in High Noise Regimes Faster Using Neural Networks",
     "Haozhe Jiang, Kaiyue Wen, Yilei Chen"),
    ("Configuration-to-Performance Scaling Law with Neural Ansatz", "Huaqing Zhang, Kaiyue Wen, Tengyu Ma"),
    ("On Transferability of Prompt Tuning for Natural Language Processing",
     "Yusheng Su, Xiaozhi Wang, Yujia Qin et al."),
    ("RNNs are not Transformers (Yet): The Key Bottleneck on In-context Retrieval",
     "Kaiyue Wen, Xingyu Dang, Kaifeng Lyu · tsinghua"),
    ("Overtrained Language Models Are Harder to Fine-Tune",
     "Jacob Mitchell Springer, Sachin Goyal, Kaiyue Wen et al. · cmu"),
    ("Weight Ensembling Improves Reasoning in Language Models", "Xingyu Dang, Christina Baek, Kaiyue Wen et al."),
    ("Fantastic Pretraining Optimizers and Where to Find Them", "Kaiyue Wen, David Hall, Tengyu Ma et al."),
    ("Demons in the Detail: On Implementing Load Balancing Loss for Training Specialized Mixture-of-Expert Models",
     "Zihan Qiu, Zeyu Huang, Bo Zheng et al."),
    ("PaTH Attention: Position Encoding via Accumulating Householder Transformations",
     "Songlin Yang, Yikang Shen, Kaiyue Wen et al."),
    ("Task Generalization With AutoRegressive Compositional Structure: "
     "Can Learning From $D$ Tasks Generalize to $D^{T}$ Tasks?",
     "Amirhesam Abedsoltan, Huaqing Zhang, Kaiyue Wen et al."),
]  # fmt: skip


def test_002_every_glued_line_splits_into_the_title_and_authors_read_by_eye(
    records: Records,
) -> None:
    papers = papers_of(records, P002)
    assert [p.title for p in papers] == [title for title, _ in SPLITS_002]
    for paper, (_, line) in zip(papers, SPLITS_002, strict=True):
        names, truncated, tag = parse_author_line(line)  # type: ignore[misc]
        assert [a.raw for a in paper.authors if a.position is not None] == names
        assert ("authors_truncated" in claims(paper)) == truncated
        assert claims(paper).get("affiliation_tag") == tag


def test_002_split_function_on_the_raw_lines() -> None:
    glued = (SEEDS / P002).read_text(encoding="utf-8").splitlines()[1::3]
    assert [split_title_authors(line) for line in glued] == SPLITS_002


def test_002_name_is_inferred_from_its_papers(records: Records) -> None:
    page = page_of(records, P002)
    assert (page.name, page.name_inferred) == ("Kaiyue Wen", True)
    assert page.claims == []  # no header at all


def test_002_scores_and_ambiguous_category(records: Records) -> None:
    self_play = block(records, P002, 7)  # "95.8LGApr 22"
    assert (self_play.title, self_play.first_date) == (
        "Scaling Self-Play with Self-Guidance",
        "2026-04-22",
    )
    assert claims(self_play)["score"] == "95.8"
    assert self_play.categories == ["cs.LG"]
    proofs = block(records, P002, 8)  # "98.5LOMay 19": cs.LO or math.LO
    assert claims(proofs)["score"] == "98.5"
    assert (proofs.category_code, proofs.categories, proofs.first_date) == ("LO", [], "2026-05-19")


def test_002_hidden_authorship_and_code(records: Records) -> None:
    gated = block(records, P002, 9)
    assert authors(gated) == [
        ("Zihan Qiu", 0),
        ("Zekun Wang", 1),
        ("Bo Zheng", 2),
        ("Kaiyue Wen", None),
    ]
    assert gated.code_urls == [
        "https://github.com/qiuzh20/gated_attention",
        "https://huggingface.co/QwQZh/gated_attention",
    ]
    hidden = [int(p.origin.position.split(",")[0][6:]) for p in papers_of(records, P002)
              if any(a.position is None for a in p.authors)]  # fmt: skip
    assert hidden == [9, 11, 14, 19]
    config = block(records, P002, 13)  # "LGFeb 10Code", no URL in the abstract
    assert config.code_urls == [] and claims(config)["code_badge"] == "true"


def test_known_names_decide_an_ambiguous_split() -> None:
    line = "Benign Overfitting in ReLU NetworksTianQi Hou, Difan Zou"
    assert split_title_authors(line, ["TianQi Hou"]) == (
        "Benign Overfitting in ReLU Networks",
        "TianQi Hou, Difan Zou",
    )
    assert split_title_authors("Deep LearningYann LeCun, Geoffrey Hinton") == (
        "Deep Learning",
        "Yann LeCun, Geoffrey Hinton",
    )
    assert split_title_authors("no authors here") is None


# --- 003 and 004: spaced pages with long lists ----------------------------------------------


def test_003_header_without_name_or_category(records: Records) -> None:
    page = page_of(records, P003)
    assert (page.name, page.name_inferred) == ("Difan Zou", True)
    assert claims(page) == {
        "h_index": "96",
        "papers": "89",
        "citations": "2601",
        "novelty_pct": "57",
        "ai_score": "61",
    }


def test_003_blocks(records: Records) -> None:
    first = block(records, P003, 1)
    assert first.title == (
        "The Power and Limitation of Pretraining-Finetuning for Linear Regression"
        " under Covariate Shift"
    )
    assert authors(first) == [("Jingfeng Wu", 0), ("Difan Zou", 1), ("Vladimir Braverman", 2)]
    assert claims(first) == {"affiliation_tag": "berkeley", "authors_truncated": "true"}
    bench = block(records, P003, 7)  # "98.0CVMay 19Code"
    assert bench.title.startswith("MSAVBench:")
    assert claims(bench) == {"score": "98.0", "code_badge": "true", "authors_truncated": "true"}
    assert authors(bench)[-1] == ("Difan Zou", None)
    sampling = block(records, P003, 22)  # "LGNov 2, 2019Code"
    assert (sampling.first_date, sampling.code_urls) == (
        "2019-11-02",
        ["https://github.com/BaoWangMath/LS-MCMC"],
    )
    assert authors(block(records, P003, 48))[2] == ("TianQi Hou", 2)
    assert block(records, P003, 4).categories == ["stat.ML"]


def test_004_header_and_blocks(records: Records) -> None:
    page = page_of(records, P004)
    assert (page.name, page.name_inferred) == ("Zhihui Zhu", False)
    assert claims(page)["citations"] == "1884"
    assert claims(page)["h_index"] == "52"
    otov2 = block(records, P004, 8)
    assert otov2.title == "OTOV2: Automatic, Generic, User-Friendly"
    assert otov2.code_urls == ["https://github.com/tianyic/only_train_once"]
    wakin = block(records, P004, 27)
    assert authors(wakin) == [("Zhen Qin", 0), ("Michael B. Wakin", 1), ("Zhihui Zhu", 2)]
    assert (wakin.category_code, wakin.categories) == ("ML", ["stat.ML"])
    assert block(records, P004, 42).authors[2].raw == "René Vidal"


# --- 001: bare abstracts ----------------------------------------------------------------------


def test_001_abstracts_are_found_as_000s_papers(records: Records) -> None:
    page = page_of(records, P001)
    assert (page.name, page.name_inferred) == ("Zixin Wen", True)
    by_block = {int(p.origin.position.split(",")[0][6:]): p.key for p in papers_of(records, P000)}
    # 001 lists 000's papers newest first; its block 7 is the one abstract not on 000.
    assert page.paper_keys == [by_block[n] for n in (8, 2, 7, 3, 5, 9, 6, 1, 4)]
    (rejected,) = [r for r in records if isinstance(r, Rejected)]
    assert (
        rejected.reason == "abstract without title or authors; matches no paper on the other pages"
    )
    assert rejected.excerpt.startswith("Masked image modeling (MIM)")


def test_001_matches_are_exact_but_one_revised_abstract(records: Records) -> None:
    lines = (SEEDS / P001).read_text(encoding="utf-8").split("\n")
    abstracts = [(n, line) for n, line in enumerate((s for s in lines if s.strip()), start=1)]
    pool = [(P000, int(p.origin.position.split(",")[0][6:]), p) for p in papers_of(records, P000)]
    matches = match_abstracts(abstracts, pool, P001)
    assert [(m.block, m.paper_block) for m in matches if m.similarity == 1.0] == [
        (1, 8), (2, 2), (3, 7), (4, 3), (6, 9), (8, 6), (9, 1), (10, 4)
    ]  # fmt: skip
    (near,) = [m for m in matches if m.similarity < 1.0]
    assert (near.block, near.paper_block) == (5, 5)  # "could be found in" / "is available here"
    assert 0.9 <= near.similarity < 1.0
    assert abstract_key("Abstract:Foo,  BAR!") == abstract_key("foo bar")


def test_001_read_alone_consults_its_directory(records: Records) -> None:
    alone = list(read(SEEDS / P001, as_of=AS_OF))
    assert [type(r).__name__ for r in alone] == ["Rejected", "ResearcherPage"]
    assert alone[-1] == page_of(records, P001)


def test_001_alone_in_a_directory_matches_nothing(tmp_path: Path) -> None:
    shutil.copy(SEEDS / P001, tmp_path / P001)
    out = list(read(tmp_path / P001, as_of=AS_OF))
    assert len([r for r in out if isinstance(r, Rejected)]) == 10
    assert (out[-1].name, out[-1].paper_keys) == (None, [])  # type: ignore[union-attr]


# --- damaged pages ----------------------------------------------------------------------------


def damaged(tmp_path: Path, page: str, lineno: int, replacement: str) -> Path:
    lines = (SEEDS / page).read_text(encoding="utf-8").split("\n")
    lines[lineno - 1] = replacement
    copy = tmp_path / page
    copy.write_text("\n".join(lines), encoding="utf-8")
    return copy


def test_garbled_date_line_rejects_that_block_only(tmp_path: Path) -> None:
    path = damaged(tmp_path, P000, 33, "LG May the 12th")  # block 4 was "LGMay 12, 2022"
    records = list(read(path, as_of=AS_OF))
    (rejected,) = [r for r in records if isinstance(r, Rejected)]
    assert (rejected.origin.file, rejected.origin.position) == (str(path), "block 4, line 33")
    assert "unreadable date line" in rejected.reason and rejected.excerpt == "LG May the 12th"
    papers = papers_of(records, P000)
    assert len(papers) == 12
    assert [p.origin.position.split(",")[0] for p in papers] == [
        f"block {n}" for n in range(1, 14) if n != 4
    ]
    assert block(records, P000, 5).title == "Scaling Latent Reasoning via Looped Language Models"
    assert authors(block(records, P000, 5))[0] == ("Rui-Jie Zhu", 0)
    assert page_of(records, P000).claims[1].value == "56"


def test_impossible_date_is_rejected(tmp_path: Path) -> None:
    records = list(read(damaged(tmp_path, P000, 12, "CLFeb 30, 2023"), as_of=AS_OF))
    (rejected,) = [r for r in records if isinstance(r, Rejected)]
    assert rejected.origin.position == "block 1, line 12" and "no such date" in rejected.reason
    assert len(papers_of(records, P000)) == 12


def test_garbled_date_on_a_compact_page(tmp_path: Path) -> None:
    path = damaged(tmp_path, P002, 22, "98.5 LO sometime in May")  # block 8
    records = list(read(path, as_of=AS_OF))
    (rejected,) = [r for r in records if isinstance(r, Rejected)]
    assert rejected.origin.position == "block 8, line 22"
    papers = papers_of(records, P002)
    assert [p.title for p in papers] == [
        t for i, (t, _) in enumerate(SPLITS_002, start=1) if i != 8
    ]
    assert page_of(records, P002).name == "Kaiyue Wen"


def test_unsplittable_glued_line_is_rejected(tmp_path: Path) -> None:
    path = damaged(tmp_path, P002, 20, "scaling self-play with self-guidance by some authors")
    records = list(read(path, as_of=AS_OF))
    (rejected,) = [r for r in records if isinstance(r, Rejected)]
    assert rejected.origin.position == "block 7, line 20"
    assert rejected.reason == "cannot tell the title from the author list in the glued line"
    assert len(papers_of(records, P002)) == 20


def test_empty_page_and_stray_line_on_an_abstract_page(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("\n\n", encoding="utf-8")
    (tmp_path / "abstracts.txt").write_text(
        "Abstract:Something new.\nnot an abstract\n", encoding="utf-8"
    )
    (tmp_path / "notes.md").write_text("ignored: not a .txt page", encoding="utf-8")
    out = list(read_dir(tmp_path, as_of=AS_OF))
    reasons = [
        (Path(r.origin.file).name, r.origin.position, r.reason)
        for r in out
        if isinstance(r, Rejected)
    ]
    assert reasons == [
        ("abstracts.txt", "block 2, line 2",
         "expected an 'Abstract:' line on an abstract-only page"),
        ("abstracts.txt", "block 1, line 1",
         "abstract without title or authors; matches no paper on the other pages"),
        ("empty.txt", "line 1", "empty page: no header, papers or abstracts"),
    ]  # fmt: skip
    assert len([r for r in out if isinstance(r, ResearcherPage)]) == 2


def test_a_complete_author_list_without_the_researcher_stays_as_it_is(tmp_path: Path) -> None:
    # Only "et al." can hide the page's researcher; a full list that omits them is kept.
    records = list(
        read(damaged(tmp_path, P000, 36, "Yuanzhi Li, Tengyu Ma"), as_of=AS_OF)
    )  # block 4
    assert authors(block(records, P000, 4)) == [("Yuanzhi Li", 0), ("Tengyu Ma", 1)]
    assert page_of(records, P000).name == "Zixin Wen"
