"""Score predicted TNCSI_SP against the truth: NDCG@20, MAE and Spearman, numpy only.

NDCG@20 follows ``sklearn.metrics.ndcg_score([true], [pred], k=20)`` exactly (raw TNCSI_SP
as gains, the whole set as one query, tied predictions averaged as sklearn does), so the
published NAID anchors compare; tests check it against scikit-learn where it is installed.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["LabelledPapers", "evaluate", "mae", "ndcg_at_k", "read_labelled_csv", "spearman"]

LABEL = "TNCSI_SP"
REQUIRED_COLUMNS = ("id", "title", "abstract", LABEL)

# Truth or predictions: a list of floats or a 1-d numpy array.
Values = Sequence[float] | np.ndarray


def _discounts(n: int, k: int) -> np.ndarray:
    discount = 1.0 / np.log2(np.arange(n) + 2.0)
    discount[k:] = 0.0
    return discount


def _dcg_tie_averaged(gains: np.ndarray, scores: np.ndarray, k: int) -> float:
    # Papers with equal predictions share the mean gain over the ranks they occupy.
    _, group, size = np.unique(-scores, return_inverse=True, return_counts=True)
    mean_gain = np.bincount(group, weights=gains, minlength=len(size)) / size
    cumulative = np.cumsum(_discounts(len(gains), k))[np.cumsum(size) - 1]
    return float(np.sum(mean_gain * np.diff(cumulative, prepend=0.0)))


def ndcg_at_k(true: Values, pred: Values, k: int = 20) -> float:
    """Give NDCG@k of one ranking by ``pred`` with gains ``true`` (sklearn's definition)."""
    gains, scores = np.asarray(true, dtype=np.float64), np.asarray(pred, dtype=np.float64)
    if gains.shape != scores.shape or gains.ndim != 1 or len(gains) < 2:
        raise ValueError("ndcg needs two equal-length 1-d arrays of at least 2 items")
    if np.any(gains < 0):
        raise ValueError("ndcg gains must be non-negative")
    ideal = float(np.sum(np.sort(gains)[::-1] * _discounts(len(gains), k)))
    return 0.0 if ideal == 0 else _dcg_tie_averaged(gains, scores, k) / ideal


def mae(true: Values, pred: Values) -> float:
    """Give the mean absolute error."""
    return float(np.mean(np.abs(np.asarray(true, dtype=np.float64) - np.asarray(pred, dtype=np.float64))))


def _average_ranks(values: np.ndarray) -> np.ndarray:
    _, group, size = np.unique(values, return_inverse=True, return_counts=True)
    first = np.cumsum(size) - size
    return (first + (size - 1) / 2.0)[group]


def spearman(true: Values, pred: Values) -> float:
    """Give Spearman's rank correlation (average ranks for ties); nan if one side is constant."""
    a = _average_ranks(np.asarray(true, dtype=np.float64))
    b = _average_ranks(np.asarray(pred, dtype=np.float64))
    a, b = a - a.mean(), b - b.mean()
    denominator = np.sqrt(np.sum(a * a) * np.sum(b * b))
    return float(np.sum(a * b) / denominator) if denominator > 0 else float("nan")


def evaluate(true: Values, pred: Values) -> dict[str, float | int]:
    """Give the impact protocol's figures: n, ndcg@20, mae, spearman."""
    return {"n": len(true), "ndcg@20": ndcg_at_k(true, pred, 20), "mae": mae(true, pred),
            "spearman": spearman(true, pred)}


@dataclass(frozen=True)
class LabelledPapers:
    """Papers read from a labelled CSV; ``skipped`` names rows left out and why."""

    ids: list[str]
    titles: list[str]
    abstracts: list[str]
    labels: np.ndarray
    skipped: list[str]


def read_labelled_csv(path: Path) -> LabelledPapers:
    """Read id, title, abstract, TNCSI_SP from a CSV; other columns are ignored.

    Rows whose TNCSI_SP is blank or negative (NAID writes -1 for "unknown") are skipped and
    reported, never scored.
    """
    csv.field_size_limit(1 << 30)
    ids: list[str] = []
    titles: list[str] = []
    abstracts: list[str] = []
    labels: list[float] = []
    skipped: list[str] = []
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
        for number, row in enumerate(reader, start=1):
            raw = (row[LABEL] or "").strip()
            try:
                label = float(raw)
            except ValueError:
                skipped.append(f"{path} row {number}: {LABEL} {raw!r} is not a number")
                continue
            if not 0.0 <= label <= 1.0:
                skipped.append(f"{path} row {number}: {LABEL} {raw} is outside [0, 1]")
                continue
            ids.append(row["id"])
            titles.append(row["title"] or "")
            abstracts.append(row["abstract"] or "")
            labels.append(label)
    return LabelledPapers(ids, titles, abstracts, np.asarray(labels, dtype=np.float64), skipped)
