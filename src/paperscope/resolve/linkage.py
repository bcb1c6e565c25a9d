"""Average-linkage clustering with a stopping threshold, on a dense similarity matrix.

The nearest-neighbour-chain algorithm finds the same merges as the textbook "merge the
most similar pair, repeat" loop, in O(n²) time instead of O(n³): every step is one row
update in numpy, so a block of a few thousand mentions clusters in about a second.

A pair that must never be together has similarity ``-inf``. Average linkage carries it:
the merged cluster's similarity to the other side stays ``-inf``, so no cluster ever
holds a forbidden pair. The same property (a merge never raises a similarity,
"reducibility") is what lets a cluster whose best neighbour is below the threshold be
set aside for good.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = ["average_linkage"]


def average_linkage(
    similarity: np.ndarray,
    threshold: float,
    *,
    forced: Iterable[tuple[int, int]] = (),
    sizes: np.ndarray | None = None,
) -> list[int]:
    """Labels 0..k-1 from average linkage, merging while the best average ≥ ``threshold``.

    ``similarity`` (n×n, symmetric) is overwritten. ``forced`` pairs are merged first
    whatever their similarity (manual merges, shared ORCIDs). ``sizes`` weighs each row
    when averages are taken (rows that are already clusters of mentions); 1 each if None.
    """
    n = similarity.shape[0]
    sim = similarity
    np.fill_diagonal(sim, -np.inf)
    size = np.ones(n) if sizes is None else np.array(sizes, dtype=np.float64)
    parent = list(range(n))  # each merged-away cluster points at the one that took it

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def merge(a: int, b: int) -> None:
        row = (size[a] * sim[a] + size[b] * sim[b]) / (size[a] + size[b])
        sim[a, :] = row
        sim[:, a] = row
        sim[a, a] = -np.inf
        sim[b, :] = -np.inf
        sim[:, b] = -np.inf
        size[a] += size[b]
        parent[b] = a

    for i, j in forced:
        a, b = root(i), root(j)
        if a != b:
            merge(a, b)

    alive = np.array([root(i) == i for i in range(n)])
    chain: list[int] = []
    while True:
        if not chain:
            live = np.flatnonzero(alive)
            if live.size == 0:
                break
            chain.append(int(live[0]))
        a = chain[-1]
        b = int(np.argmax(sim[a]))
        best = sim[a, b]
        if len(chain) > 1 and sim[a, chain[-2]] >= best:
            b = chain[-2]
        if not best >= threshold:
            # Nothing will ever come closer to a: set it aside.
            alive[a] = False
            sim[a, :] = -np.inf
            sim[:, a] = -np.inf
            chain.pop()
            continue
        if len(chain) > 1 and b == chain[-2]:
            chain.pop()
            chain.pop()
            merge(a, b)  # a lives on as the merged cluster
            alive[b] = False
            continue
        chain.append(b)

    labels: dict[int, int] = {}
    return [labels.setdefault(root(i), len(labels)) for i in range(n)]
