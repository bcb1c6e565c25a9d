"""Fit both stages' weights and thresholds on a name-xml training split.

    .venv/bin/python -m paperscope.resolve.train ../shared/data/disambiguation/qian-dblp

prints the model to paste into cluster.py. Only the names that
:func:`paperscope.evaluation.disambiguation.split_of` puts in "train" are read, so the
"validation" names stay unseen.

* Stage 1: every pair of mentions within a name is one example, weighted 1/(n-1) so
  that each mention counts alike, as it does in B³.
* Stage 2: the training names are clustered by stage 1; every pair of its clusters is
  one example, labelled with the share of same-person mention pairs between them and
  weighted |A|·|B|/(n-1), the mention pairs it stands for.
* Thresholds: each stage-1 threshold of :data:`STAGE1_THRESHOLDS` gets its own stage-2
  fit; the pair of thresholds with the best training B³ F1 wins.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from paperscope.evaluation.disambiguation import NameSet, evaluate, read_name_xml, split_of
from paperscope.resolve.cluster import MODEL, Logistic, Model, first_stage
from paperscope.resolve.cluster_evidence import CLUSTER_FEATURES, cluster_features, mention_words
from paperscope.resolve.features import FEATURES, pair_features

# Features the training set never varies are left at their hand-set weights.
_HAND_SET = ("affiliation", "categories")
STAGE1_THRESHOLDS = (0.5, 0.6, 0.7)
STAGE2_THRESHOLDS = tuple(np.round(np.arange(0.25, 0.625, 0.05), 2))


def _gold_matrix(name_set: NameSet) -> np.ndarray:
    gold = np.array([hash(g) for g in name_set.gold])
    return gold[:, None] == gold[None, :]


def pair_examples(sets: list[NameSet]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, same-person 0/1, example weight) for every within-name pair."""
    xs, ys, ws = [], [], []
    for name_set in sets:
        n = len(name_set.mentions)
        if n < 2:
            continue
        upper = np.triu_indices(n, k=1)
        xs.append(np.stack([f[upper] for f in pair_features(name_set.mentions)], axis=1))
        ys.append(_gold_matrix(name_set)[upper].astype(np.float64))
        ws.append(np.full(len(upper[0]), 1.0 / (n - 1)))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(ws)


def cluster_examples(
    sets: list[NameSet], pairs: Logistic
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, share of same-person pairs, weight) for every pair of stage-1 clusters."""
    xs, ys, ws = [], [], []
    for name_set in sets:
        n = len(name_set.mentions)
        if n < 2:
            continue
        labels, probability, separated = first_stage(name_set.mentions, pairs)
        k = max(labels) + 1
        if k < 2:
            continue
        features, size = cluster_features(mention_words(name_set.mentions), labels, probability)
        member = np.zeros((k, n))
        member[labels, np.arange(n)] = 1.0
        same = member @ _gold_matrix(name_set) @ member.T / np.outer(size, size)
        apart = member @ separated @ member.T > 0
        upper = np.triu_indices(k, k=1)
        keep = ~apart[upper]
        xs.append(np.stack([f[upper][keep] for f in features], axis=1))
        ys.append(same[upper][keep])
        ws.append(np.outer(size, size)[upper][keep] / (n - 1))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(ws)


def fit_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1e-3) -> np.ndarray:
    """Weighted L2-regularised logistic regression by Newton's method; intercept last.

    ``y`` may be a share in [0, 1] (a soft label), not only 0 / 1.
    """
    x = np.hstack([x, np.ones((len(x), 1))])
    beta = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2 * w.sum())
    penalty[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        gradient = x.T @ (w * (p - y)) + penalty * beta
        hessian = (x * (w * p * (1 - p))[:, None]).T @ x + np.diag(penalty)
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def fit_pairs(sets: list[NameSet]) -> tuple[dict[str, float], float]:
    """Stage-1 weights (hand-set ones kept from MODEL) and intercept."""
    x, y, w = pair_examples(sets)
    learned = [i for i, name in enumerate(FEATURES) if name not in _HAND_SET]
    beta = fit_logistic(x[:, learned], y, w)
    weights = {name: MODEL.pairs.weights[name] for name in _HAND_SET}
    for i, b in zip(learned, beta[:-1], strict=True):
        weights[FEATURES[i]] = round(float(b), 3)
    print(f"stage 1: {len(y):,} pairs ({int(y.sum()):,} same person)", flush=True)
    return {name: weights[name] for name in FEATURES}, round(float(beta[-1]), 3)


def fit_clusters(sets: list[NameSet], pairs: Logistic) -> tuple[dict[str, float], float]:
    """Stage-2 weights and intercept, on the clusters ``pairs`` gives the training names."""
    x, y, w = cluster_examples(sets, pairs)
    beta = fit_logistic(x, y, w)
    weights = {name: round(float(b), 3) for name, b in zip(CLUSTER_FEATURES, beta[:-1], strict=True)}
    print(f"  stage 2: {len(y):,} cluster pairs", flush=True)
    return weights, round(float(beta[-1]), 3)


def main(directory: str) -> None:
    started = time.perf_counter()
    sets = [s for s in read_name_xml(Path(directory)).sets if split_of(s.name) == "train"]
    print(f"{len(sets)} training names")
    pair_weights, pair_intercept = fit_pairs(sets)
    best: tuple[float, Model] | None = None
    for t1 in STAGE1_THRESHOLDS:
        pairs = Logistic(pair_weights, pair_intercept, t1)
        weights, intercept = fit_clusters(sets, pairs)
        for t2 in STAGE2_THRESHOLDS:
            model = Model(pairs, Logistic(weights, intercept, float(t2)))
            scores = evaluate(sets, model=model)
            f1 = float(scores["b3_f1"])  # type: ignore[arg-type]
            print(f"  thresholds {t1} / {t2}: B3 F1 {f1}  P {scores['b3_precision']}"
                  f"  R {scores['b3_recall']}", flush=True)
            if best is None or f1 > best[0]:
                best = (f1, model)
    assert best is not None
    print(f"best (training B3 F1 {best[0]}), {time.perf_counter() - started:.0f} s:")
    print(best[1])


if __name__ == "__main__":
    main(*sys.argv[1:])
