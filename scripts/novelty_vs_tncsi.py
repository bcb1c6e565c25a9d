"""Does novelty go with impact? Spearman of Novelty distance against NAID's TNCSI_SP.

NAID's papers (naid_v1_train_2022.csv: 2022 papers with TNCSI_SP, the topic- and
time-normalised citation percentile) carry no dates beyond their year, so each is placed
at 2022-07-01 and compared with the conference corpus's papers published before then
(year-only dates count as 1 January: everything up to the 2022 venues). Novelty distance
is paperscope's (novelty.novelty_distance over the k = 5 nearest earlier papers, static
embedder). Prints the Spearman correlation of distance with TNCSI_SP, and with raw
citations, with a bootstrap interval.

    python scripts/novelty_vs_tncsi.py [--data ../shared/data] [--embedder static]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import time
from pathlib import Path

import numpy as np

from paperscope.embed import get_embedder, paper_text
from paperscope.impact.evaluate import spearman
from paperscope.novelty import DEFAULT_K, novelty_distance

ROOT = Path(__file__).resolve().parent.parent
PLACED_AT = 2022  # NAID v1 papers are from 2022: compared with corpus papers of earlier years


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--embedder", choices=["static", "minilm"], default="static")
    args = parser.parse_args()
    started = time.perf_counter()
    embedder = get_embedder(args.embedder)

    with (args.data / "naid" / "naid_v1_train_2022.csv").open(encoding="utf-8") as f:
        naid = [r for r in csv.DictReader(f) if r["TNCSI_SP"] and r["abstract"]]
    corpus = []
    with gzip.open(args.data / "conferences" / "papers.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            paper = json.loads(line)
            # Earlier than mid-2022: the venues of 2021 and before, and of 2022 (1 January).
            if isinstance(paper.get("year"), int) and paper["year"] <= PLACED_AT and paper.get("title"):
                corpus.append(paper_text(paper["title"], paper.get("abstract") or ""))
    naid_vectors = embedder.embed([paper_text(r["title"], r["abstract"]) for r in naid])
    corpus_vectors = embedder.embed(corpus)

    best = np.full((len(naid), DEFAULT_K), -np.inf, dtype=np.float32)
    for start in range(0, len(corpus_vectors), 20_000):
        sims = naid_vectors @ corpus_vectors[start : start + 20_000].T
        both = np.concatenate([best, sims], axis=1)
        best = -np.sort(-both, axis=1)[:, :DEFAULT_K]
    distance = novelty_distance(best)
    tncsi = np.array([float(r["TNCSI_SP"]) for r in naid])
    cites = np.array([float(r["cites"] or 0) for r in naid])

    rng = np.random.default_rng(0)
    boot = []
    for _ in range(1000):
        sample = rng.integers(0, len(naid), len(naid))
        boot.append(spearman(tncsi[sample], distance[sample]))
    low, high = np.percentile(boot, [2.5, 97.5])
    print(json.dumps({
        "naid_papers": len(naid),
        "earlier_corpus": len(corpus),
        "embedder": f"{embedder.name}@{embedder.version}",
        "k": DEFAULT_K,
        "spearman_distance_tncsi_sp": round(spearman(tncsi, distance), 4),
        "spearman_95ci": [round(float(low), 4), round(float(high), 4)],
        "spearman_distance_cites": round(spearman(cites, distance), 4),
        "seconds": round(time.perf_counter() - started, 1),
    }, indent=2))


if __name__ == "__main__":
    main()
