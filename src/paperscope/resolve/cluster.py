"""Mentions → people: hard evidence first, then two stages of average linkage.

Within a block (see :mod:`paperscope.resolve.blocking`):

* hard evidence links: a shared provider author id or ORCID (``author_ids``), a manual
  ``must_link``;
* hard evidence separates: two different ORCIDs, one paper (two authors of one paper are
  two people), names that cannot be one person ("Wei" / "Wen"), a manual ``cannot_link``;
* everything else is soft, in two stages:

  1. a logistic-regression score over the pair features of
     :mod:`paperscope.resolve.features`; mentions are merged by average linkage while
     the average score between two clusters is at least ``MODEL.pairs.threshold`` — a
     strict threshold, so these clusters are nearly pure;
  2. a second logistic regression over the evidence between whole clusters
     (:mod:`paperscope.resolve.cluster_evidence`: their pooled co-authors, venues, words and
     years, and the stage-1 scores between them); clusters are merged by average
     linkage (weighted by size) while that score is at least ``MODEL.clusters.threshold``,
     for up to ``MODEL.rounds`` rounds, the profiles rebuilt after each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from paperscope.resolve.blocking import block_key, name_form, name_variants_key, names_compatible
from paperscope.resolve.cluster_evidence import CLUSTER_FEATURES, cluster_features, mention_words
from paperscope.resolve.features import FEATURES, pair_features
from paperscope.resolve.linkage import average_linkage
from paperscope.resolve.mentions import Mention

__all__ = ["MODEL", "Logistic", "Model", "cluster", "first_stage", "pair_scores", "resolve"]

Pair = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Logistic:
    """Logistic-regression weights over named features, and where linkage stops."""

    weights: dict[str, float]
    intercept: float
    threshold: float  # clusters merge while their average probability is at least this

    def probability(self, names: Sequence[str], features: Iterable[np.ndarray]) -> np.ndarray:
        """The probability matrix from feature matrices given in the order of ``names``."""
        logit: np.ndarray | None = None
        for name, feature in zip(names, features, strict=True):
            term = self.weights[name] * feature
            if logit is None:
                logit = term
            else:
                logit += term
        assert logit is not None, "no features"
        logit += self.intercept
        return 1.0 / (1.0 + np.exp(-logit))


@dataclass(frozen=True, slots=True)
class Model:
    """The resolver's two stages: mention pairs (features.FEATURES), then clusters."""

    pairs: Logistic     # over features.FEATURES
    clusters: Logistic  # over cluster_evidence.CLUSTER_FEATURES
    rounds: int = 3     # stage-2 rounds at most (each rebuilds the cluster profiles)


# Trained on the qian-dblp training split (70 % of names, by hash of the file name):
#     .venv/bin/python -m paperscope.resolve.train ../shared/data/disambiguation/qian-dblp
# "affiliation" and "categories" never vary in that set, so their weights are set by hand
# (see docs/disambiguation.md): affiliation about as strong as a shared title vocabulary,
# categories half that, as arXiv categories are broad. Both thresholds were picked by
# training B³ F1 (stage 1 from 0.5 / 0.6 / 0.7, stage 2 from a 0.25–0.6 grid).
MODEL = Model(
    pairs=Logistic(
        weights={
            "coauthors": 2.853,
            "coauthors_rare": 1.306,
            "coauthors_capped": 1.339,
            "text": 2.127,
            "abstract_text": 0.884,
            "crowded_text": 1.538,
            "year_gap": -0.68,
            "title": 1.801,
            "title_year_gap": 0.528,
            "venue": 1.659,
            "same_venue": 0.665,
            "affiliation": 2.0,   # hand-set, see above
            "categories": 1.0,    # hand-set, see above
            "no_coauthors": 0.313,
            "crowded": -1.639,
            "crowded_coauthors": 1.891,
        },
        intercept=0.343,
        threshold=0.6,
    ),
    clusters=Logistic(
        weights={
            "mean_p": 1.168,
            "max_p": 3.271,
            "mean_best_p": 2.708,
            "coauthors": 0.262,
            "coauthor_cosine": 0.426,
            "venue": 1.862,
            "text": 2.014,
            "title": 1.218,
            "year_gap": -0.692,
            "log_smaller": -0.84,
            "log_larger": -0.582,
            "crowded": 0.551,
            "no_coauthors": 0.499,
        },
        intercept=-3.107,
        threshold=0.4,
    ),
)
# A block is clustered as one dense n×n matrix up to this many mentions (about 1 GB peak
# at the limit); a larger one is cut into pieces of this size, see _dense_pieces.
MAX_DENSE = 5000


# A block larger than this is clustered one spelled-out first name at a time (see
# _cluster_by_first_name): names that differ there are never one person anyway, and the
# pairwise work of a crowded block ("wang y": Yu, Yi, Yan, Yang… Wang) falls eightfold.
PARTITION_FROM = 1000


def pair_scores(mentions: Sequence[Mention], model: Model = MODEL) -> np.ndarray:
    """The n×n matrix of same-person probabilities from soft evidence alone (stage 1)."""
    return model.pairs.probability(FEATURES, pair_features(mentions))


def cluster(
    mentions: Sequence[Mention],
    *,
    must_link: Iterable[Pair] = (),
    cannot_link: Iterable[Pair] = (),
    model: Model = MODEL,
) -> list[int]:
    """Cluster mentions of ONE block into people; returns a label per mention (0..k-1).

    must_link / cannot_link: pairs of indexes (manual overrides) that must hold; a
    must_link wins over any evidence, a cannot_link over any but a must_link.
    """
    n = len(mentions)
    if n <= 1:
        return [0] * n
    if n > PARTITION_FROM:
        return _cluster_by_first_name(mentions, list(must_link), list(cannot_link), model)
    return _cluster_dense(mentions, must_link, cannot_link, model)


def _cluster_dense(
    mentions: Sequence[Mention], must_link: Iterable[Pair], cannot_link: Iterable[Pair], model: Model
) -> list[int]:
    """Both stages over one n×n matrix (n ≤ MAX_DENSE)."""
    labels, probability, separated = first_stage(
        mentions, model.pairs, must_link=must_link, cannot_link=cannot_link
    )
    return _merge_clusters(mentions, labels, probability, separated, model)


def first_stage(
    mentions: Sequence[Mention],
    pairs: Logistic,
    *,
    must_link: Iterable[Pair] = (),
    cannot_link: Iterable[Pair] = (),
) -> tuple[list[int], np.ndarray, np.ndarray]:
    """Stage 1 of :func:`cluster`: labels, the pair probabilities (0 where separated), the mask.

    The mask holds the pairs hard evidence or a cannot_link keeps apart.
    """
    probability = pairs.probability(FEATURES, pair_features(mentions))
    separated = _separated(mentions)
    for i, j in cannot_link:
        separated[i, j] = separated[j, i] = True
    similarity = probability.astype(np.float64)
    similarity[separated] = -np.inf
    # Shared ids link only where nothing hard separates the pair (a provider can err).
    linked = [(i, j) for i, j in _shared_ids(mentions) if not separated[i, j]]
    labels = average_linkage(similarity, pairs.threshold, forced=[*must_link, *linked])
    del similarity
    probability[separated] = 0.0
    return labels, probability, separated


def _merge_clusters(
    mentions: Sequence[Mention],
    labels: list[int],
    probability: np.ndarray,
    separated: np.ndarray,
    model: Model,
) -> list[int]:
    """Stage 2: merge stage-1 clusters on the evidence between whole clusters."""
    words = mention_words(mentions)
    separated_u8 = separated.view(np.uint8)
    for _ in range(model.rounds):
        k = max(labels) + 1
        if k < 2:
            break
        features, size = cluster_features(words, labels, probability)
        similarity = model.clusters.probability(CLUSTER_FEATURES, features).astype(np.float64)
        # Clusters holding a separated pair anywhere between them stay apart.
        order = np.argsort(labels, kind="stable")
        starts = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.intp)
        apart = np.maximum.reduceat(
            np.maximum.reduceat(separated_u8[np.ix_(order, order)], starts, axis=0),
            starts, axis=1,
        )
        similarity[apart.astype(bool)] = -np.inf
        merged = average_linkage(similarity, model.clusters.threshold, sizes=size)
        if max(merged) + 1 == k:
            break
        labels = [merged[label] for label in labels]
    return labels


def resolve(
    mentions: Sequence[Mention],
    *,
    must_link: Iterable[Pair] = (),
    cannot_link: Iterable[Pair] = (),
    model: Model = MODEL,
) -> list[int]:
    """Block the mentions, cluster each block; labels are global (0..k-1).

    The two blocks of a name written in both orders ("Zhang Wei", "Wei Zhang") are
    clustered together. A mention without a block (a group's name) is a person of its own
    unless a must_link says otherwise.
    """
    must_link, cannot_link = list(must_link), list(cannot_link)
    keys = [block_key(m.name) for m in mentions]
    groups = _UnionFind()
    by_variant: dict[str, str] = {}
    for i, (m, key) in enumerate(zip(mentions, keys, strict=True)):
        if key is None:
            groups.find(("alone", i))
            continue
        groups.find(key)
        variant = name_variants_key(m.name)
        if variant is not None:
            groups.union(by_variant.setdefault(variant, key), key)
    for i, j in must_link:
        groups.union(keys[i] or ("alone", i), keys[j] or ("alone", j))

    members: dict[object, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        members[groups.find(key if key is not None else ("alone", i))].append(i)
    labels = [0] * len(mentions)
    next_label = 0
    for indexes in members.values():
        local = {g: k for k, g in enumerate(indexes)}
        sub_must = [(local[i], local[j]) for i, j in must_link if i in local and j in local]
        sub_cannot = [(local[i], local[j]) for i, j in cannot_link if i in local and j in local]
        sub = cluster([mentions[i] for i in indexes], must_link=sub_must,
                      cannot_link=sub_cannot, model=model)
        for i, label in zip(indexes, sub, strict=True):
            labels[i] = next_label + label
        next_label += max(sub, default=-1) + 1
    return labels


def _cluster_by_first_name(
    mentions: Sequence[Mention], must_link: list[Pair], cannot_link: list[Pair], model: Model
) -> list[int]:
    """Cluster a crowded block as one part per spelled-out first name.

    "Yu Wang" and "Yi Wang" can never be one person (names_compatible), so clustering
    them apart gives the same answer for far less work. Both orders of a two-word name
    share a part. Mentions whose given names are initials only ("Y. Wang") could belong
    to any part: they form a part of their own — the price is that "Y. Wang" is never
    joined to a "Yu Wang" in such a block, except by a must_link.
    """
    parts: dict[str | None, list[int]] = defaultdict(list)
    for i, m in enumerate(mentions):
        form = name_form(m.name)
        key = " ".join(sorted((form.first, form.family))) if form and form.first else None
        parts[key].append(i)
    ordered = [part for _, part in sorted(parts.items(), key=lambda kv: kv[0] or "")]
    return _join_parts(
        [piece for part in ordered for piece in _dense_pieces(part, mentions)],
        mentions, must_link, cannot_link, model,
    )


def _dense_pieces(part: list[int], mentions: Sequence[Mention]) -> list[list[int]]:
    """A part as pieces of at most MAX_DENSE mentions, cut in order of year.

    Mentions in different pieces are never merged (but by a must_link): this bounds time
    and memory at the cost of some recall in the rare part that large.
    """
    if len(part) <= MAX_DENSE:
        return [part]
    ranked = sorted(part, key=lambda i: mentions[i].year or 0)
    return [ranked[start:start + MAX_DENSE] for start in range(0, len(ranked), MAX_DENSE)]


def _join_parts(
    parts: list[list[int]],
    mentions: Sequence[Mention],
    must_link: list[Pair],
    cannot_link: list[Pair],
    model: Model,
) -> list[int]:
    """Cluster each part on its own; labels are global, and must_links across parts hold."""
    labels = [0] * len(mentions)
    offset = 0
    for part in parts:
        local = {g: k for k, g in enumerate(part)}
        sub = _cluster_dense(
            [mentions[i] for i in part],
            [(local[i], local[j]) for i, j in must_link if i in local and j in local],
            [(local[i], local[j]) for i, j in cannot_link if i in local and j in local],
            model,
        )
        for i, label in zip(part, sub, strict=True):
            labels[i] = offset + label
        offset += max(sub) + 1
    merged = _UnionFind()
    for i, j in must_link:
        merged.union(labels[i], labels[j])
    relabel: dict[object, int] = {}
    return [relabel.setdefault(merged.find(label), len(relabel)) for label in labels]


def _separated(mentions: Sequence[Mention]) -> np.ndarray:
    """n×n mask of the pairs hard evidence keeps apart: one paper, two ORCIDs, names."""
    n = len(mentions)
    mask = np.zeros((n, n), dtype=bool)
    by_paper: dict[object, list[int]] = defaultdict(list)
    for i, m in enumerate(mentions):
        if m.paper is not None:
            by_paper[m.paper].append(i)
    for indexes in by_paper.values():
        if len(indexes) > 1:
            mask[np.ix_(indexes, indexes)] = True

    orcids = [frozenset(a for a in m.author_ids if a.startswith("orcid:")) for m in mentions]
    with_orcid = [i for i, o in enumerate(orcids) if o]
    for a, i in enumerate(with_orcid):
        for j in with_orcid[a + 1:]:
            if not orcids[i] & orcids[j]:
                mask[i, j] = mask[j, i] = True

    # Compare each distinct written name once, then spread the answer to the mentions.
    names: dict[str, int] = {}
    which = np.array([names.setdefault(m.name, len(names)) for m in mentions])
    forms = [name_form(name) for name in names]
    clash = np.zeros((len(names), len(names)), dtype=bool)
    for a, fa in enumerate(forms):
        for b in range(a + 1, len(forms)):
            fb = forms[b]
            if fa is not None and fb is not None and not names_compatible(fa, fb):
                clash[a, b] = clash[b, a] = True
    if clash.any():
        mask |= clash[np.ix_(which, which)]
    np.fill_diagonal(mask, False)
    return mask


def _shared_ids(mentions: Sequence[Mention]) -> Iterable[Pair]:
    """Pairs that share a provider author id or ORCID, as a chain per id."""
    first: dict[str, int] = {}
    for i, m in enumerate(mentions):
        for author_id in m.author_ids:
            j = first.setdefault(author_id, i)
            if j != i:
                yield j, i


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[object, object] = {}

    def find(self, x: object) -> object:
        parent = self.parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: object, b: object) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[rb] = ra
