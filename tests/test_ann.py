"""The persisted ANN index (usearch): answers checked against brute force, date limits,
incremental sync, files that are missing or damaged, and its place in the score stage."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import Result

import paperscope.ann as ann
from conftest import FIXTURES, SAMPLE, connect
from paperscope.ann import AnnIndex, IndexFileError, index_dir, recall_at
from paperscope.embed import StaticEmbedder, paper_text
from paperscope.novelty import NeighbourIndex


@pytest.fixture(scope="module")
def corpus() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Static-embedder vectors of the 7,140 real arXiv cs listings of the sample: (ids, dates, vectors)."""
    with gzip.open(SAMPLE / "arxiv-daily-cs.jsonl.gz", "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]
    vectors = StaticEmbedder().embed([paper_text(r["title"], r.get("abstract")) for r in records])
    # Listing dates span a few days only; the arXiv ids' yymm spread them over the years.
    dates = np.array(
        [f"20{r['id'][:2]}-{r['id'][2:4]}-{1 + i % 28:02d}" for i, r in enumerate(records)], "datetime64[D]"
    )
    return np.arange(1, len(records) + 1), dates, vectors


@pytest.fixture(scope="module")
def index(corpus: tuple[np.ndarray, np.ndarray, np.ndarray]) -> AnnIndex:
    ids, dates, vectors = corpus
    built = AnnIndex(vectors.shape[1], "static-test")
    built.add(ids, dates, vectors, [f"h{i}" for i in ids])
    return built


def test_nearest_papers_agree_with_brute_force(corpus, index: AnnIndex) -> None:
    ids, _dates, vectors = corpus
    queries = np.random.default_rng(7).choice(len(ids), 300, replace=False)
    found, sims = index.search(vectors[queries], 10)
    truth = vectors[queries] @ vectors.T
    top = ids[np.argsort(-truth, axis=1)[:, :10]]
    assert recall_at(found, top) >= 0.95
    # A paper's nearest is itself (or an identical text listed twice: cosine 1 as well), up
    # to the float16 the index stores its vectors in (ann.DTYPE: about 3 decimals).
    assert np.mean([q in row for q, row in zip(ids[queries], found, strict=True)]) >= 0.97
    assert np.mean(sims[:, 0] >= 0.999) >= 0.97
    np.testing.assert_allclose(sims[:, 1:], (vectors[queries] @ vectors.T)[
        np.arange(len(queries))[:, None], found[:, 1:] - 1], atol=2e-3)
    assert np.all(np.diff(sims, axis=1) <= 1e-6)  # best first


def test_date_limited_answers_hold_only_earlier_papers_and_match_exact(
    corpus, index: AnnIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids, dates, vectors = corpus
    monkeypatch.setattr(ann, "EXACT_BELOW", 50)  # make the graph answer all but the earliest queries
    queries = np.random.default_rng(3).choice(len(ids), 300, replace=False)
    before = dates[queries]
    found, _sims = index.search(vectors[queries], 10, before=before)
    exact = NeighbourIndex.build(ids, dates, vectors)
    truth, _true_sims = exact.search_earlier(vectors[queries], before, 10)
    by_id = dict(zip(ids.tolist(), dates, strict=True))
    assert all(by_id[int(p)] < b for row, b in zip(found, before, strict=True) for p in row if p >= 0)
    # As many earlier papers as exist, up to k: never short.
    np.testing.assert_array_equal((found >= 0).sum(axis=1), (truth >= 0).sum(axis=1))
    assert recall_at(found, truth) >= 0.95


def test_a_query_with_few_earlier_papers_is_answered_exactly(corpus, index: AnnIndex) -> None:
    ids, dates, vectors = corpus
    early = np.sort(dates)[30]  # 30-odd papers are earlier: brute force over them
    queries = vectors[:20]
    found, sims = index.search(queries, 5, before=early)
    truth, true_sims = NeighbourIndex.build(ids, dates, vectors).search_earlier(queries, early, 5)
    np.testing.assert_array_equal(found, truth)
    np.testing.assert_allclose(sims, true_sims, atol=1e-3)  # the index's vectors are float16


def test_saved_index_loads_to_the_same_answers_and_damage_is_named(
    corpus, index: AnnIndex, tmp_path: Path
) -> None:
    ids, _dates, vectors = corpus
    index.save(tmp_path / "ix")
    loaded = AnnIndex.load(tmp_path / "ix", view=True)
    assert loaded.embedder == "static-test" and len(loaded) == len(ids)
    assert loaded.hashes[int(ids[5])] == f"h{ids[5]}"
    np.testing.assert_array_equal(loaded.search(vectors[:50], 10)[0], index.search(vectors[:50], 10)[0])
    np.testing.assert_allclose(loaded.vector(int(ids[9])), vectors[9], atol=1e-3)  # float16, unit again
    assert abs(np.linalg.norm(loaded.vector(int(ids[9]))) - 1.0) < 1e-6

    with pytest.raises(IndexFileError, match="no nearest-neighbour index"):
        AnnIndex.load(tmp_path / "nowhere")
    (tmp_path / "ix" / "graph.usearch").write_bytes(b"\0" * 64)
    with pytest.raises(IndexFileError, match=str(tmp_path / "ix")):
        AnnIndex.load(tmp_path / "ix")


def test_sync_adds_changed_and_new_papers_and_drops_removed_ones(corpus) -> None:
    ids, dates, vectors = corpus
    ids, dates, vectors = ids[:500], dates[:500], vectors[:500]
    hashes = [f"h{i}" for i in ids]
    index = AnnIndex(vectors.shape[1])
    assert index.sync(list(ids), list(dates), vectors, hashes) == (500, 0)
    assert index.sync(list(ids), list(dates), vectors, hashes) == (0, 0)
    hashes[7] = "changed"
    assert index.sync(list(ids[:-1]), list(dates[:-1]), vectors[:-1], hashes[:-1]) == (1, 1)
    assert len(index) == 499 and index.vector(int(ids[-1])) is None
    assert index.search(vectors[-1:], 3)[0][0].tolist().count(int(ids[-1])) == 0


def paper_scores(db_path: Path) -> dict[int, tuple[float, int]]:
    """Each scored paper's novelty distance and nearest earlier paper."""
    conn = connect(db_path)
    try:
        rows = conn.execute(
            "SELECT paper_id, explanation FROM paper_scores WHERE kind = 'novelty' AND value IS NOT NULL"
        )
        return {pid: (why["distance"], why["nearest_earlier"][0]["paper_id"])
                for pid, why in ((pid, json.loads(text)) for pid, text in rows)}
    finally:
        conn.close()


def test_score_keeps_the_index_beside_the_database_and_novelty_can_use_it(
    cli: Callable[..., Result], db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli("ingest", "listings", str(FIXTURES / "embed" / "arxiv-cs-every60.jsonl.gz"))
    cli("ingest", "conferences", str(FIXTURES / "conferences" / "papers-slice.jsonl.gz"))
    out = cli("score", "--only", "novelty").stdout
    with connect(db_path) as conn:
        root = conn.store.artifact_root()  # beside a SQLite file; $PAPERSCOPE_ARTIFACTS for PostgreSQL
    assert root is not None and (root == Path(f"{db_path}.ann") or not isinstance(db_path, Path))
    models = [p.name for p in root.iterdir()]
    assert len(models) == 1 and models[0].startswith("minilm-static-256")
    # One published generation, in its own folder under the model's; nothing else left there.
    generations = [p.name for p in index_dir(root, models[0]).iterdir()]
    assert generations == ["g000001"]
    index = AnnIndex.load(index_dir(root, models[0]) / "g000001")
    exact = paper_scores(db_path)
    assert len(index) >= len(exact) > 100 and f"indexed {len(index):,}" in out
    assert "indexed 0," in cli("score", "--only", "index").stdout  # nothing changed: nothing added
    # An index saved with other vectors (float32, before ann.DTYPE was float16) is built again, once.
    float16 = ann.DTYPE
    monkeypatch.setattr(ann, "DTYPE", "f32")
    assert f"indexed {len(index):,}," in cli("score", "--only", "index").stdout
    monkeypatch.setattr(ann, "DTYPE", float16)
    assert f"indexed {len(index):,}," in cli("score", "--only", "index").stdout
    assert "indexed 0," in cli("score", "--only", "index").stdout

    # Forced onto the ANN path, novelty comes out as the exact search gave it.
    import paperscope.pipeline.score as stage

    monkeypatch.setattr(stage, "ANN_FROM", 1)
    monkeypatch.setattr(ann, "EXACT_BELOW", 10)
    conn = connect(db_path)
    conn.execute("DELETE FROM paper_scores WHERE kind = 'novelty'")
    conn.commit()
    conn.close()
    cli("score", "--only", "novelty")
    approx = paper_scores(db_path)
    assert approx.keys() == exact.keys()
    assert sum(approx[p][1] == exact[p][1] for p in exact) / len(exact) >= 0.97
    assert sum(abs(approx[p][0] - exact[p][0]) <= 0.005 for p in exact) / len(exact) >= 0.95
