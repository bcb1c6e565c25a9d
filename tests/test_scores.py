"""The score stage end to end: AI Scores on stored papers, incremental, shown and explained."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from conftest import FIXTURES, connect

SEEDS = FIXTURES / "seeds"
AS_OF = "2026-11-23"


def scores(db_path: Path, kind: str) -> dict[int, tuple[float, str]]:
    conn = connect(db_path)
    try:
        return {pid: (value, inputs) for pid, value, inputs in conn.execute(
            "SELECT paper_id, value, inputs FROM paper_scores WHERE kind = ?", (kind,))}
    finally:
        conn.close()


def test_every_paper_gets_an_ai_score_once(cli: Callable[..., Result], cli_json, db_path: Path) -> None:
    cli("ingest", "seeds", str(SEEDS), "--as-of", AS_OF)
    first = cli("score", "--only", "impact").stdout
    papers = cli_json("stats")["papers"]
    assert f"AI Score for {papers:,}" in first
    impact = scores(db_path, "impact")
    assert len(impact) == papers
    assert all(0.0 <= value <= 100.0 and round(value, 1) == value for value, _ in impact.values())
    assert len({value for value, _ in impact.values()}) > papers // 2  # not one constant
    again = cli("score", "--only", "impact").stdout
    assert "AI Score for 0 " in again and f"impact {papers:,}" in again
    assert re.search(r"steps: works \d+\.\d s, impact \d+\.\d s, search \d+\.\d s", again)  # only those run
    assert scores(db_path, "impact") == impact


def test_a_changed_abstract_is_scored_again_and_nothing_else(
    cli: Callable[..., Result], db_path: Path
) -> None:
    cli("ingest", "seeds", str(SEEDS), "--as-of", AS_OF)
    cli("score", "--only", "impact")
    before = scores(db_path, "impact")
    conn = connect(db_path)
    pid = conn.execute("SELECT id FROM papers WHERE abstract IS NOT NULL ORDER BY id LIMIT 1").fetchone()[0]
    conn.execute("UPDATE papers SET abstract = 'We study nothing at all.' WHERE id = ?", (pid,))
    conn.commit()
    conn.close()
    assert "AI Score for 1 " in cli("score", "--only", "impact").stdout
    after = scores(db_path, "impact")
    assert {p for p in after if after[p] != before[p]} == {pid}


def test_scores_show_on_papers_profiles_and_explanations(cli: Callable[..., Result], cli_json) -> None:
    cli("ingest", "seeds", str(SEEDS), "--as-of", AS_OF)
    cli("resolve")
    cli("score", "--only", "impact")
    profile = cli_json("researcher", "Zixin Wen", "--as-of", AS_OF)
    values = [p["ai_score"] for p in profile["papers"]]
    assert all(v is not None for v in values)
    assert profile["ai_score"] == round(sum(values) / len(values), 1)
    text = cli("researcher", "Zixin Wen", "--as-of", AS_OF, "--sort", "score").stdout
    header = text.splitlines()
    assert header[7] == f"AI Score{profile['ai_score']:.0f}"
    first_block = next(line for line in header[11:] if re.match(r"^\d+\.\d[A-Z]{2}", line))
    assert first_block.startswith(f"{max(values):.1f}")
    top = cli_json("papers", "--sort", "score", "--limit", "3")
    assert [p["scores"]["impact"]["value"] for p in top] == sorted(
        (p["scores"]["impact"]["value"] for p in top), reverse=True)
    explained = cli("paper", str(top[0]["id"]), "--explain").stdout
    assert f"AI Score {top[0]['scores']['impact']['value']:.1f}: predicted TNCSI_SP" in explained
    assert "impact-tfidf-ridge" in explained


def test_novelty_of_the_seed_papers_with_nearest_earlier_papers(
    cli: Callable[..., Result], cli_json, db_path: Path
) -> None:
    cli("ingest", "listings", str(FIXTURES / "arxiv" / "daily-cs-sample.jsonl.gz"))
    cli("ingest", "seeds", str(SEEDS), "--as-of", AS_OF)
    out = cli("score").stdout
    papers = cli_json("stats")["papers"]
    assert f"embedded {papers:,} papers" in out
    novelty = scores(db_path, "novelty")
    assert len(novelty) == papers
    values = [v for v, _ in novelty.values() if v is not None]
    assert values and all(0.0 <= v <= 100.0 for v in values)
    again = cli("score").stdout
    assert "embedded 0 papers" in again and "novelty for 0," in again
    # A scored paper explains itself by its nearest earlier papers, each earlier than it.
    conn = connect(db_path)
    pid = conn.execute(
        "SELECT paper_id FROM paper_scores WHERE kind = 'novelty' AND value IS NOT NULL"
        " ORDER BY paper_id DESC LIMIT 1").fetchone()[0]
    conn.close()
    paper = cli_json("paper", str(pid), "--explain")
    why = paper["scores"]["novelty"]["explanation"]
    assert why["nearest_earlier"] and all(
        (n["date"] or "") < (paper["first_date"] or str(paper["year"])) for n in why["nearest_earlier"])
    text = cli("paper", str(pid), "--explain").stdout
    assert f"Novelty {paper['scores']['novelty']['value']:.0f}%" in text


def test_eval_novelty_finds_planted_copies_in_real_listings(cli: Callable[..., Result]) -> None:
    import orjson

    out = orjson.loads(cli("eval", "novelty", str(FIXTURES / "embed" / "arxiv-cs-every60.jsonl.gz"),
                           "--format", "json").stdout)
    assert out["n"] == 119 and out["planted"] >= 3
    assert set(out["auroc_by_kind"]) == {"later version", "paraphrase", "cross-list"}
    assert out["auroc"] >= 0.9  # 1.0 measured on this slice; 0.996 on the 7,140 of sample/


def test_the_real_model_without_its_extra_is_a_clear_error(
    cli: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on a default install: the embed extra's packages cannot be imported.
    for module in ("torch", "sentence_transformers"):
        monkeypatch.setitem(sys.modules, module, None)
    result = cli("embed", "--embedder", "minilm", expect_exit=1)
    assert "pip install 'paperscope[embed]'" in result.output
    assert "Traceback" not in result.output
