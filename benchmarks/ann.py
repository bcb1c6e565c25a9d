"""Approximate nearest neighbours for Novelty: recall@10 and queries/s of faiss, hnswlib, usearch.

Vectors are real: paperscope's static embedder over the conference corpus
(../shared/data/conferences/papers.jsonl.gz, title + abstract, 151k papers; cached in
--cache). 1,000 of them, drawn at random, are the queries (self excluded); the truth is exact
brute force (numpy, inner product on unit vectors). Each library builds an HNSW graph with
the same shape (M=16, ef_construction=200), then answers at several ef settings; every
figure comes from this one run, on the same threads.

    python benchmarks/ann.py [--n 150000] [--threads 2] [--cache /tmp/paperscope-ann.npy]

The libraries are optional (pip install faiss-cpu hnswlib usearch); those missing are skipped.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path

import numpy as np

from paperscope.embed import get_embedder, paper_text
from paperscope.novelty import NeighbourIndex

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "data" / "conferences" / "papers.jsonl.gz"
K = 10


def corpus_vectors(n: int, cache: Path) -> np.ndarray:
    """Static-embedder vectors of the first ``n`` conference papers (cached)."""
    if cache.exists():
        vectors = np.load(cache)
        if len(vectors) >= n:
            return vectors[:n]
    texts: list[str] = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            if record.get("title"):
                texts.append(paper_text(record["title"], record.get("abstract")))
            if len(texts) == n:
                break
    start = time.perf_counter()
    vectors = get_embedder("static").embed(texts)
    print(f"embedded {len(texts):,} papers (static) in {time.perf_counter() - start:.1f}s")
    np.save(cache, vectors)
    return vectors


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    hits = sum(len(set(row[row >= 0]) & set(ref)) for row, ref in zip(found, truth, strict=True))
    return hits / truth.size


def timed(fn, *args):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def bench_faiss(data: np.ndarray, queries: np.ndarray, truth: np.ndarray, threads: int) -> None:
    import faiss

    faiss.omp_set_num_threads(threads)
    index = faiss.IndexHNSWFlat(data.shape[1], 16, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = 200
    _, build = timed(index.add, data)
    for ef in (32, 64, 128):
        index.hnsw.efSearch = ef
        (_, found), took = timed(index.search, queries, K + 1)
        report("faiss-cpu HNSWFlat", build, ef, drop_self(found, queries_ids), truth, took)


def bench_hnswlib(data: np.ndarray, queries: np.ndarray, truth: np.ndarray, threads: int) -> None:
    import hnswlib

    index = hnswlib.Index(space="ip", dim=data.shape[1])
    index.init_index(max_elements=len(data), M=16, ef_construction=200)
    index.set_num_threads(threads)
    _, build = timed(index.add_items, data, np.arange(len(data)))
    for ef in (32, 64, 128):
        index.set_ef(ef)
        (found, _), took = timed(index.knn_query, queries, K + 1)
        report("hnswlib", build, ef, drop_self(found.astype(np.int64), queries_ids), truth, took)


def bench_usearch(data: np.ndarray, queries: np.ndarray, truth: np.ndarray, threads: int) -> None:
    """usearch with its vectors stored as float32, float16 and int8, each with its memory
    a vector (the vectors and the graph)."""
    from usearch.index import Index

    for dtype in ("f32", "f16", "i8"):
        index = Index(ndim=data.shape[1], metric="ip", dtype=dtype, connectivity=16, expansion_add=200)
        _, build = timed(lambda: index.add(np.arange(len(data)), data, threads=threads))
        print(f"usearch {dtype}: {index.memory_usage / len(data):,.0f} bytes a vector in memory")
        for ef in (32, 64, 128):
            index.expansion_search = ef
            matches, took = timed(lambda: index.search(queries, K + 1, threads=threads))
            report(f"usearch {dtype}", build, ef, drop_self(matches.keys.astype(np.int64), queries_ids), truth, took)


def drop_self(found: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The first K answers of each row that are not the query itself."""
    out = np.full((len(found), K), -1, dtype=np.int64)
    for row, (answers, own) in enumerate(zip(found, ids, strict=True)):
        kept = [a for a in answers if a != own][:K]
        out[row, : len(kept)] = kept
    return out


def report(name: str, build_s: float, ef: int, found: np.ndarray, truth: np.ndarray, took: float) -> None:
    print(f"{name:<22} build {build_s:6.1f}s  ef={ef:<4} recall@10 {recall(found, truth):.4f}  "
          f"{len(found) / took:9,.0f} q/s")


queries_ids: np.ndarray


def main() -> None:
    global queries_ids
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=150_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/paperscope-ann.npy"))
    args = parser.parse_args()

    data = corpus_vectors(args.n, args.cache)
    rng = np.random.default_rng(0)
    queries_ids = rng.choice(len(data), size=args.queries, replace=False)
    queries = data[queries_ids]
    print(f"{len(data):,} vectors × {data.shape[1]} dims, {len(queries):,} queries, threads={args.threads}")

    start = time.perf_counter()
    scores = queries @ data.T
    scores[np.arange(len(queries)), queries_ids] = -np.inf
    truth = np.argsort(-scores, axis=1)[:, :K]
    took = time.perf_counter() - start
    print(f"{'numpy brute force':<22} build    0.0s  exact    recall@10 1.0000  {len(queries) / took:9,.0f} q/s")

    # paperscope's own exact "earlier than D" path: a date-sorted prefix matmul per query.
    days = np.arange(len(data))  # one paper a day: "before the query" is every row before it
    index = NeighbourIndex.build(np.arange(len(data)), days.astype("datetime64[D]"), data)
    start = time.perf_counter()
    index.search_earlier(queries[:200], days[queries_ids[:200]].astype("datetime64[D]"), K)
    took = time.perf_counter() - start
    print(f"{'NeighbourIndex earlier':<22} exact, mean prefix {int(days[queries_ids[:200]].mean()):,} rows   "
          f"{200 / took:9,.0f} q/s")

    for bench in (bench_faiss, bench_hnswlib, bench_usearch):
        try:
            bench(data, queries, truth, args.threads)
        except ImportError as exc:
            print(f"{bench.__name__[6:]}: not installed ({exc.name})")


if __name__ == "__main__":
    main()
