"""Novelty's nearest-neighbour work on a scored database: the ANN index built from the
stored vectors, then every paper's nearest earlier papers asked of it (what `score`'s
index and novelty steps do from 200,000 papers on), once per vector type of the index —
float32 (the reference) and float16 (``ann.DTYPE``) — in the same run, same threads.

    python benchmarks/novelty_index.py --db /tmp/s300k.db [--dtypes f32,f16]

It reads the database and writes nothing to it. It prints each build's seconds, the
queries' seconds, the index's memory, and how far the float16 answers agree with the
float32 ones (first neighbour, and the top ten).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from paperscope import ann
from paperscope.pipeline import score
from paperscope.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="a scored database (SQLite path or postgresql:// URL)")
    parser.add_argument("--dtypes", default="f32,f16")
    args = parser.parse_args()

    store = open_store(args.db, read_only=True)
    models = store.search.embedding_models()
    model = max(models, key=lambda m: models[m])
    facts = score._paper_facts(store)  # noqa: SLF001 - the step's own reads
    hashes = store.scores.embedded_hashes(model)
    ids = sorted(p for p in hashes if facts.get(p, (None, None))[0])
    dates = [facts[p][0] or "" for p in ids]
    days = {p: np.datetime64(d[:10], "D") for p, d in zip(ids, dates, strict=True)}
    print(f"{model}: {len(ids):,} dated papers", flush=True)
    answers = {}
    for dtype in args.dtypes.split(","):
        ann.DTYPE = dtype
        started = time.perf_counter()
        index = ann.AnnIndex(store.scores.embedding_dim(model) or 0, model)
        for window, vectors in store.scores.embedding_windows(model):
            keep = [i for i, p in enumerate(window) if p in days]
            index.add([window[i] for i in keep], np.array([days[window[i]] for i in keep]), vectors[keep],
                      [hashes[window[i]] for i in keep], threads=0)
        build = time.perf_counter() - started
        ann.load_published = lambda _store, _model, built=index: built  # type: ignore[assignment]
        started = time.perf_counter()
        positions, _ = score._ann_earlier(store, model, ids, dates)  # noqa: SLF001
        queries = time.perf_counter() - started
        answers[dtype] = positions
        print(f"{dtype}: build {build:.1f} s, nearest earlier of {len(ids):,} papers {queries:.1f} s,"
              f" index memory {index.graph.memory_usage / 2**20:,.0f} MiB", flush=True)
    if {"f32", "f16"} <= answers.keys():
        a, b = answers["f32"], answers["f16"]
        top = np.mean([len(set(x[x >= 0]) & set(y[y >= 0])) / max(1, int((x >= 0).sum())) for x, y in zip(a, b)])
        print(f"f16 against f32: same first neighbour {np.mean(a[:, 0] == b[:, 0]):.3f}, top-10 overlap {top:.3f}")


if __name__ == "__main__":
    main()
