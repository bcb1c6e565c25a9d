"""Fit the pair-score weights and the linkage threshold on a name-xml training split.

    .venv/bin/python -m paperscope.resolve.train ../shared/data/disambiguation/qian-dblp

prints the weights and threshold to paste into cluster.py. Only the names that
:func:`paperscope.evaluation.disambiguation.split_of` puts in "train" are read, so the
"validation" names stay unseen. Every pair of mentions within a name is one example,
weighted 1/(n-1) so that each mention counts alike, as it does in B³.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from paperscope.evaluation.disambiguation import NameSet, evaluate, read_name_xml, split_of
from paperscope.resolve.cluster import MODEL, PairModel
from paperscope.resolve.features import FEATURES, pair_features

# Features the training set never varies are left at their hand-set weights.
_HAND_SET = ("affiliation", "categories")


def pair_examples(sets: list[NameSet]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, same-person 0/1, example weight) for every within-name pair."""
    xs, ys, ws = [], [], []
    for name_set in sets:
        n = len(name_set.mentions)
        if n < 2:
            continue
        upper = np.triu_indices(n, k=1)
        xs.append(np.stack([f[upper] for f in pair_features(name_set.mentions)], axis=1))
        gold = np.array([hash(g) for g in name_set.gold])
        ys.append((gold[:, None] == gold[None, :])[upper].astype(np.float64))
        ws.append(np.full(len(upper[0]), 1.0 / (n - 1)))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(ws)


def fit_logistic(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1e-3) -> np.ndarray:
    """Weighted L2-regularised logistic regression by Newton's method; intercept last."""
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


def main(directory: str) -> None:
    sets = [s for s in read_name_xml(Path(directory)).sets if split_of(s.name) == "train"]
    x, y, w = pair_examples(sets)
    learned = [i for i, name in enumerate(FEATURES) if name not in _HAND_SET]
    beta = fit_logistic(x[:, learned], y, w)
    weights = dict(MODEL.weights)
    for i, b in zip(learned, beta[:-1], strict=True):
        weights[FEATURES[i]] = round(float(b), 3)
    intercept = round(float(beta[-1]), 3)
    print(f"{len(sets)} training names, {len(y):,} pairs ({int(y.sum()):,} same person)")
    print(f"weights={weights}, intercept={intercept}")
    for t in np.round(np.arange(0.2, 0.6, 0.025), 3):
        scores = evaluate(sets, model=PairModel(weights, intercept, float(t)))
        print(f"threshold={t}: B3 F1 {scores['b3_f1']}  P {scores['b3_precision']}  R {scores['b3_recall']}")


if __name__ == "__main__":
    main(*sys.argv[1:])
