"""pgvector's HNSW index (halfvec, cosine) on PostgreSQL against exact search, in one run.

Given a PostgreSQL database that `paperscope score` indexed, samples papers, asks the
pgvector index (paperscope.store.vectors.PgVectorIndex, as the web app does) for each one's
10 nearest papers, and prints recall@10 against exact search over the same float32
vectors, the overlap with the usearch index where this host has it, and the mean time a
query took.

    python benchmarks/pgvector_recall.py postgresql://… [--queries 200]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from paperscope.ann import open_shared, published_dir
from paperscope.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", help="a scored PostgreSQL database")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    store = open_store(args.db, read_only=True)
    models = store.search.embedding_models()
    model = max(models, key=lambda m: (models[m], m))
    index = store.scores.vector_index(model)
    if index is None:
        raise SystemExit(f"{model} has no pgvector index: run `paperscope score` on this database")
    usearch = open_shared(published_dir(store, model))
    ids, matrix = store.scores.embeddings(model)
    ids_array = np.asarray(ids)
    rng = np.random.default_rng(0)
    sample = rng.choice(len(ids), size=min(args.queries, len(ids)), replace=False)
    found = agree = 0
    seconds = 0.0
    for row in sample:
        vector = matrix[row]
        truth = set(ids_array[np.argsort(-(matrix @ vector), kind="stable")[:10]].tolist())
        start = time.perf_counter()
        got, _ = index.search(vector[None, :], 10)
        seconds += time.perf_counter() - start
        found += len(truth & set(got[0].tolist()))
        if usearch is not None:
            other, _ = usearch.search(vector[None, :], 10)
            agree += len(set(other[0].tolist()) & set(got[0].tolist()))
    n = len(sample)
    print(f"{model}: {len(ids):,} vectors, {n} queries")
    print(f"pgvector recall@10 against exact search: {found / (10 * n):.3f}")
    if usearch is not None:
        print(f"overlap@10 with the usearch index: {agree / (10 * n):.3f}")
    print(f"pgvector query: {seconds / n * 1000:.2f} ms mean")


if __name__ == "__main__":
    main()
