"""Resolve's clustering on real blocks of a large database, timed without a profiler.

Draws name blocks by mention (a block's chance is its share of the mentions, as in a full
run) until about N mentions, clusters them in this process as a worker would
(`pipeline.resolve._cluster_chunk`), and prints the seconds per mention and the seconds
spent inside the main parts (nested: `first_stage` and `cluster_features`, the two
stages, each hold some of the `tfidf_cosine` calls).

    python benchmarks/resolve_blocks.py --db /tmp/s1m.db [--mentions 20000] [--seed 3]

It reads every mention of the database first (about a minute at 1M papers).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

from paperscope.pipeline import resolve
from paperscope.resolve import features
from paperscope.store import open_store
from paperscope.store.researchers import MentionRow

SPENT: Counter[str] = Counter()


def timed(module: Any, name: str) -> None:
    """Replace module.name by the same function that adds its seconds to SPENT."""
    inner: Callable[..., Any] = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            SPENT[name] += time.perf_counter() - started

    setattr(module, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--mentions", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    store = open_store(args.db, read_only=True)
    names = resolve._NameBlocks(store.researchers.mention_names())  # noqa: SLF001
    blocks: dict[str, list[MentionRow]] = defaultdict(list)
    by_mention: list[str] = []
    for row in store.researchers.mentions():
        found = names.of(row.name)
        if found:
            row.block = found[0]
            blocks[found[1]].append(row)
            by_mention.append(found[1])
    rng = random.Random(args.seed)
    chunk: list[str] = []
    total = 0
    while total < args.mentions and len(chunk) < len(blocks):
        block = rng.choice(by_mention)
        if block not in chunk:
            chunk.append(block)
            total += len(blocks[block])
    del by_mention
    print(f"{len(chunk)} blocks, {total:,} mentions, the largest {max(len(blocks[b]) for b in chunk):,}")

    cluster_module = sys.modules["paperscope.resolve.cluster"]
    for module in (features, sys.modules["paperscope.resolve.cluster_evidence"]):  # stage 1, stage 2
        timed(module, "tfidf_cosine")
    for name in ("first_stage", "cluster_features", "average_linkage"):
        timed(cluster_module, name)
    timed(store.researchers, "paper_contexts")
    started = time.perf_counter()
    resolve._cluster_chunk(store, chunk, blocks, {})  # noqa: SLF001
    seconds = time.perf_counter() - started
    print(f"clustered in {seconds:.2f} s: {1000 * seconds / total:.3f} ms a mention")
    print("inside: " + ", ".join(f"{name} {spent:.2f} s" for name, spent in SPENT.most_common()))


if __name__ == "__main__":
    main()
