"""Evidence between clusters of one block, as k×k matrices (one row and column per cluster).

The second stage of the resolver compares *clusters* (the people the first stage found),
not single mentions: two clusters of one person are often joined by nothing more than a
chain — A wrote with B, B's other papers share a venue and a topic with C — that no pair
of single papers shows. A cluster's *profile* is the union of its mentions' co-authors,
venue words and title/abstract words and the span of its years; the pair probabilities
of the first stage are summarised per cluster pair (mean, max, mean best match).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from paperscope.resolve.features import coauthor_sets, is_crowded, overlap_counts, tfidf_cosine, tokens
from paperscope.resolve.mentions import Mention

__all__ = ["CLUSTER_FEATURES", "MentionWords", "cluster_features", "mention_words"]

# The order of the matrices cluster_features returns, and the names of the model's weights.
CLUSTER_FEATURES = (
    "mean_p",           # average first-stage pair probability between the two clusters
    "max_p",            # the highest pair probability between them
    "mean_best_p",      # per mention, its best match in the other cluster; averaged both ways
    "coauthors",        # log(1 + distinct co-authors the two clusters share)
    "coauthor_cosine",  # tf-idf cosine of the clusters' co-author lists (with repeats)
    "venue",            # tf-idf cosine of the clusters' venue words
    "text",             # tf-idf cosine of the clusters' title + abstract words
    "title",            # tf-idf cosine of the clusters' title words
    "year_gap",         # years between the clusters' year spans / 10, capped at 1; 0 if overlapping
    "log_smaller",      # log of the smaller cluster's size
    "log_larger",       # log of the larger cluster's size
    "crowded",          # 1 when both clusters hold a crowded name
    "no_coauthors",     # 1 when either cluster has no co-author at all
)


@dataclass(frozen=True, slots=True)
class MentionWords:
    """What a cluster profile is built from, per mention, computed once per block."""

    coauthors: list[set[str]]
    venue: list[tuple[str, ...]]
    text: list[tuple[str, ...]]
    title: list[tuple[str, ...]]
    years: np.ndarray     # float, nan when unknown
    crowded: np.ndarray   # bool


def mention_words(mentions: Sequence[Mention]) -> MentionWords:
    """Tokenise a block's mentions once, for every round of cluster comparison."""
    return MentionWords(
        coauthors=coauthor_sets(mentions),
        venue=[tokens(m.venue) for m in mentions],
        text=[tokens(f"{m.title} {m.abstract}") for m in mentions],
        title=[tokens(m.title) for m in mentions],
        years=np.array([m.year if m.year else np.nan for m in mentions], dtype=np.float64),
        crowded=np.array([is_crowded(m.name) for m in mentions]),
    )


def cluster_features(
    words: MentionWords, labels: Sequence[int], probability: np.ndarray
) -> tuple[list[np.ndarray], np.ndarray]:
    """The k×k matrices named in :data:`CLUSTER_FEATURES`, and the clusters' sizes.

    ``labels`` are 0..k-1 per mention; ``probability`` is the n×n first-stage pair
    probability with pairs that may never be together set to 0.
    """
    label = np.asarray(labels)
    k = int(label.max()) + 1
    order = np.argsort(label, kind="stable")
    size = np.bincount(label, minlength=k).astype(np.float64)
    starts = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.intp)

    by_column = probability[:, order]
    best_in = np.maximum.reduceat(by_column, starts, axis=1)      # n×k: best match in cluster b
    summed_in = np.add.reduceat(by_column, starts, axis=1)        # n×k
    del by_column
    max_p = np.maximum.reduceat(best_in[order], starts, axis=0)
    mean_p = np.add.reduceat(summed_in[order], starts, axis=0) / np.outer(size, size)
    best = np.add.reduceat(best_in[order], starts, axis=0) / size[:, None]
    mean_best_p = (best + best.T) / 2.0

    members: list[list[int]] = [[] for _ in range(k)]
    for i, c in enumerate(label):
        members[c].append(i)
    coauthors = [set().union(*(words.coauthors[i] for i in m)) for m in members]
    coauthor_lists = [[key for i in m for key in words.coauthors[i]] for m in members]

    def joined(docs: Sequence[Sequence[str]]) -> list[list[str]]:
        return [[t for i in m for t in docs[i]] for m in members]

    # fmin/fmax skip an unknown (nan) year; a cluster with no known year has nan bounds.
    first = np.fmin.reduceat(words.years[order], starts)
    last = np.fmax.reduceat(words.years[order], starts)
    with np.errstate(invalid="ignore"):
        gap = np.maximum(np.maximum(first[:, None], first[None, :])
                         - np.minimum(last[:, None], last[None, :]), 0.0)
    year_gap = np.nan_to_num(np.minimum(gap / 10.0, 1.0), nan=0.0)
    smaller = np.log(np.minimum(size[:, None], size[None, :]))
    larger = np.log(np.maximum(size[:, None], size[None, :]))
    crowded = np.logical_or.reduceat(words.crowded[order], starts)
    empty = np.array([not c for c in coauthors])

    features = [
        mean_p,
        max_p,
        mean_best_p,
        np.log1p(overlap_counts(coauthors)),
        tfidf_cosine(coauthor_lists),
        tfidf_cosine(joined(words.venue)),
        tfidf_cosine(joined(words.text)),
        tfidf_cosine(joined(words.title)),
        year_gap,
        smaller,
        larger,
        (crowded[:, None] & crowded[None, :]).astype(np.float64),
        (empty[:, None] | empty[None, :]).astype(np.float64),
    ]
    return features, size
