"""Novelty: earlier-only neighbours (checked against brute force), the persisted index,
cohort percentiles with fallback, labels, and planted duplicates on real arXiv records."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conftest import EMBED_FIXTURES
from paperscope.embed import StaticEmbedder, paper_text
from paperscope.novelty import (
    IndexFileError,
    NeighbourIndex,
    auroc,
    earlier_neighbours,
    evaluate_planted,
    label_for,
    novelty,
    novelty_distance,
)

FIXTURES = EMBED_FIXTURES


@pytest.fixture(scope="module")
def minilm_vectors() -> np.ndarray:
    """Real all-MiniLM-L6-v2 vectors of the fixture records (recorded; no torch needed)."""
    vectors = np.array(json.loads((FIXTURES / "reference.json").read_text())["minilm_vectors"], dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture(scope="module")
def dates(records: list[dict]) -> list[str]:
    return [r["listing_date"] for r in records]


def brute_force(days: np.ndarray, vectors: np.ndarray, before: np.datetime64, query: np.ndarray, k: int) -> np.ndarray:
    candidates = np.flatnonzero(days < before)
    scores = vectors[candidates] @ query
    return np.sort(scores)[::-1][:k]


def test_earlier_neighbours_match_brute_force_and_skip_same_day(dates: list[str], minilm_vectors: np.ndarray) -> None:
    days = np.array(dates, dtype="datetime64[D]")
    positions, sims = earlier_neighbours(dates, minilm_vectors, k=5)
    for i in range(len(dates)):
        expected = brute_force(days, minilm_vectors, days[i], minilm_vectors[i], 5)
        got = sims[i][np.isfinite(sims[i])]
        np.testing.assert_allclose(got, expected, atol=1e-5)
        chosen = positions[i][positions[i] >= 0]
        assert np.all(days[chosen] < days[i])  # strictly earlier: never the same day
        np.testing.assert_allclose(minilm_vectors[chosen] @ minilm_vectors[i], got, atol=1e-5)


def test_index_search_before_a_date_matches_brute_force(
    tmp_path: Path, dates: list[str], minilm_vectors: np.ndarray
) -> None:
    ids = np.arange(1000, 1000 + len(dates))
    index = NeighbourIndex.build(ids, dates, minilm_vectors, embedder="all-MiniLM-L6-v2/test")
    days = np.array(dates, dtype="datetime64[D]")
    before = np.array(["2025-03-20", "2025-09-01", "2026-06-30", "2024-01-01"], dtype="datetime64[D]")
    queries = minilm_vectors[[3, 50, 100, 7]]
    found_ids, found_sims = index.search_earlier(queries, before, k=4)
    for q in range(len(queries)):
        expected = brute_force(days, minilm_vectors, before[q], queries[q], 4)
        np.testing.assert_allclose(found_sims[q][: len(expected)], expected, atol=1e-5)
        assert np.all(days[found_ids[q][found_ids[q] >= 0] - 1000] < before[q])
    assert list(found_ids[3]) == [-1, -1, -1, -1]  # nothing before 2024

    path = tmp_path / "neighbours.npz"
    index.save(path)
    loaded = NeighbourIndex.load(path)
    assert loaded.embedder == "all-MiniLM-L6-v2/test"
    again_ids, again_sims = loaded.search_earlier(queries, before, k=4)
    assert np.array_equal(again_ids, found_ids) and np.array_equal(again_sims, found_sims)
    np.testing.assert_array_equal(loaded.vector(1003), minilm_vectors[3])


def test_index_add_keeps_date_order(dates: list[str], minilm_vectors: np.ndarray) -> None:
    index = NeighbourIndex.build(range(60), dates[:60], minilm_vectors[:60])
    index.add(range(60, len(dates)), dates[60:], minilm_vectors[60:])
    whole = NeighbourIndex.build(range(len(dates)), dates, minilm_vectors)
    assert np.all(index.days[1:] >= index.days[:-1])
    a = index.search_earlier(minilm_vectors[:10], "2026-01-01", k=3)[1]
    b = whole.search_earlier(minilm_vectors[:10], "2026-01-01", k=3)[1]
    np.testing.assert_allclose(a, b)


def test_damaged_or_missing_index_file_is_named(tmp_path: Path, dates: list[str], minilm_vectors: np.ndarray) -> None:
    with pytest.raises(IndexFileError, match=r"absent\.npz: no neighbour index"):
        NeighbourIndex.load(tmp_path / "absent.npz")
    path = tmp_path / "neighbours.npz"
    NeighbourIndex.build(range(len(dates)), dates, minilm_vectors).save(path)
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(IndexFileError, match=r"neighbours\.npz: not a readable neighbour index"):
        NeighbourIndex.load(path)


def test_a_later_duplicate_has_distance_zero_and_names_its_original(
    records: list[dict], dates: list[str], minilm_vectors: np.ndarray
) -> None:
    """A cross-list copy of a real paper, listed later: distance ≈ 0, the original first."""
    original = 40
    ids = [int(r["id"].replace(".", "")) for r in records] + [999]
    later = str(np.datetime64(dates[original]) + np.timedelta64(3, "D"))
    vectors = np.vstack([minilm_vectors, minilm_vectors[original]])
    cohorts = [(r["primary_category"], int(d[:4])) for r, d in zip(records, dates, strict=True)] + [
        (records[original]["primary_category"], int(later[:4]))
    ]
    results = novelty(ids, [*dates, later], cohorts, vectors, min_cohort=5)
    copy = results[-1]
    assert copy.distance == pytest.approx(0.0, abs=1e-3)
    assert copy.neighbours[0] == (ids[original], pytest.approx(1.0, abs=1e-3))
    assert copy.label == "Derivative" and "near-duplicate" in copy.explanation
    # The original is scored against earlier papers only: the later copy is not its neighbour.
    assert 999 not in [pid for pid, _ in results[original].neighbours]
    assert results[original].distance is not None and results[original].distance > 0.2


def test_first_papers_have_no_distance(dates: list[str], minilm_vectors: np.ndarray) -> None:
    results = novelty(range(len(dates)), dates, [("cs.CV", 2025)] * len(dates), minilm_vectors)
    first_day = min(dates)
    for result, date in zip(results, dates, strict=True):
        if date == first_day:
            assert result.distance is None and result.pct is None and result.label is None
            assert "no earlier paper" in result.explanation
        else:
            assert result.distance is not None and 0 <= result.pct <= 100


def test_cohort_falls_back_to_category_then_all(
    records: list[dict], dates: list[str], minilm_vectors: np.ndarray
) -> None:
    cohorts = [(r["primary_category"], int(d[:4])) for r, d in zip(records, dates, strict=True)]
    results = novelty(range(len(dates)), dates, cohorts, minilm_vectors, min_cohort=15)
    counted: dict[tuple[str, int], int] = {}
    for result, cohort in zip(results, cohorts, strict=True):
        if result.distance is not None:
            counted[cohort] = counted.get(cohort, 0) + 1
    by_category: dict[str, int] = {}
    for (category, _), n in counted.items():
        by_category[category] = by_category.get(category, 0) + n
    for result, (category, year) in zip(results, cohorts, strict=True):
        if result.distance is None:
            continue
        if counted[(category, year)] >= 15:
            assert result.cohort == f"{category} {year}"
        elif by_category[category] >= 15:
            assert result.cohort == category
        else:
            assert result.cohort == "all"
    assert {r.cohort for r in results} >= {"cs.CV 2025", "all"}


def test_percentiles_spread_over_the_label_bands(dates: list[str], minilm_vectors: np.ndarray) -> None:
    scored = novelty(range(len(dates)), dates, [("cs", 2025)] * len(dates), minilm_vectors)
    results = [r for r in scored if r.pct is not None]
    labels = {r.label for r in results}
    assert labels == {"Paradigm shift", "Novel method", "Incremental advance", "Derivative"}
    top = max(results, key=lambda r: r.pct or 0)
    assert top.label == "Paradigm shift" and top.distance == max(r.distance or 0 for r in results)


def test_label_bands_and_duplicate_override() -> None:
    assert [label_for(p) for p in (99, 80, 50, 10)] == [
        "Paradigm shift", "Novel method", "Incremental advance", "Derivative"
    ]
    assert label_for(99, nearest_cosine=0.97) == "Derivative"


def test_novelty_distance_definition() -> None:
    sims = np.array([[1.0, 0.5, 0.5, 0.5, 0.5], [0.8, 0.6, -np.inf, -np.inf, -np.inf], [-np.inf] * 5])
    d = novelty_distance(sims)
    assert d[0] == pytest.approx(0.0)
    assert d[1] == pytest.approx(np.sqrt(0.2 * 0.3))
    assert np.isnan(d[2])


def test_auroc() -> None:
    assert auroc(np.array([3, 4]), np.array([1, 2])) == 1.0
    assert auroc(np.array([1.0]), np.array([1.0])) == 0.5


def test_planted_duplicates_are_found_on_real_abstracts(records: list[dict], dates: list[str]) -> None:
    texts = [paper_text(r["title"], r["abstract"]) for r in records]
    report = evaluate_planted(texts, dates, StaticEmbedder(), seed=0, fraction=0.2)
    assert report["n"] == len(texts) and report["planted"] == 24
    assert report["auroc"] >= 0.95
    assert set(report["auroc_by_kind"]) == {"later version", "paraphrase", "cross-list"}
