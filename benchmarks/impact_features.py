"""The AI Score's features: kept word hashes against hashing every n-gram again.

``paperscope.impact.model.hashed_counts`` keeps each word's hash and its char 3–5-gram
hashes per process (words recur across papers). The reference is the same function
hashing every n-gram of every text, as it did before, run in the same process on the same
texts. Both must give the same features; the script says so, and the speed ratio.

    python benchmarks/impact_features.py [--n 20000]

Texts: title + abstract of the conference corpus (../shared/data/conferences), real
records.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import time
from itertools import pairwise
from pathlib import Path

import numpy as np

from paperscope.impact import model

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "conferences" / "papers.jsonl.gz"


def reference_counts(text: str) -> tuple[np.ndarray, np.ndarray]:
    """hashed_counts as it was: every n-gram hashed on every text."""
    words = model._WORD.findall(text)
    keys = [model._hash(w, model.WORD_BITS) for w in words]
    keys += [model._hash(f"{a} {b}", model.WORD_BITS) for a, b in pairwise(words)]
    offset = 1 << model.WORD_BITS
    for word in set(words):
        padded = f" {word} "
        for n in model.CHAR_NGRAMS:
            keys += [offset + model._hash(padded[i:i + n], model.CHAR_BITS) for i in range(len(padded) - n + 1)]
    if not keys:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    index, count = np.unique(np.asarray(keys, dtype=np.int64), return_counts=True)
    return index, count.astype(np.float64)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for line in itertools.islice(lines, args.n)]
    texts = [model.paper_text(r.get("title") or "", r.get("abstract") or "") for r in records]

    started = time.perf_counter()
    reference = [reference_counts(t) for t in texts]
    reference_s = time.perf_counter() - started
    started = time.perf_counter()
    kept = [model.hashed_counts(t) for t in texts]
    kept_s = time.perf_counter() - started

    same = all(np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
               for a, b in zip(reference, kept, strict=True))
    print(f"{len(texts):,} texts: reference {reference_s:.2f} s, kept hashes {kept_s:.2f} s,"
          f" ratio {reference_s / kept_s:.2f}×; features identical: {same}")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
