"""Check paperscope.metrics.h_index against figures published with the shared data.

    .venv/bin/python scripts/provider_metrics_check.py [--data ../shared/data]

1. Semantic Scholar profiles (researchers/atip-s2-profiles): the provider's h-index can
   only be recomputed from per-paper citation counts. The script reads the files' headers
   and reports whether any holds them; at the snapshot we have, none does (authorships
   link authors to DOIs only; author_citation_metrics has per-author totals by year), so
   the comparison is skipped rather than made on the wrong numbers.
2. Conference corpus (conferences/papers.jsonl.gz): its README states the in-corpus
   h-index of named authors, computed from Google Scholar counts per author string.
   We recompute them with ``h_index`` and print ours beside theirs.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
from collections import defaultdict
from pathlib import Path

from paperscope.metrics import h_index

# From conferences/README.md, "Numbers (papers with gs_citation; names not disambiguated)".
README_H_INDEX = {"Sergey Levine": 131, "Pieter Abbeel": 128, "Yoshua Bengio": 103}
README_AUTHORS_H_AT_LEAST_20 = 1517
README_DISTINCT_AUTHORS = 123_708

PER_PAPER_COUNT_COLUMNS = {"citation_count", "citations", "citationcount", "cited_by_count"}


def check_s2_profiles(folder: Path) -> None:
    """Say whether the S2 profile files carry per-paper citation counts."""
    print(f"== {folder}")
    found = False
    for path in sorted(folder.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        per_paper = "paper_id" in header and PER_PAPER_COUNT_COLUMNS & {h.lower() for h in header}
        found = found or bool(per_paper)
        print(f"  {path.name}: {', '.join(header)}")
    if not found:
        print("  no file pairs a paper with its citation count: h-index comparison skipped")


def check_conference_corpus(path: Path) -> None:
    """Recompute the README's in-corpus h-index figures from per-paper gs_citation."""
    print(f"== {path}")
    counts_by_author: dict[str, list[int]] = defaultdict(list)
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            paper = json.loads(line)
            count = paper.get("gs_citation")
            if isinstance(count, int) and count >= 0:  # -1 and null: unknown
                for author in paper.get("authors") or []:
                    counts_by_author[author].append(count)
    h = {author: h_index(counts) for author, counts in counts_by_author.items()}
    rows = [(name, ref, h.get(name)) for name, ref in README_H_INDEX.items()]
    rows.append(("authors with h ≥ 20", README_AUTHORS_H_AT_LEAST_20, sum(v >= 20 for v in h.values())))
    rows.append(("distinct author strings", README_DISTINCT_AUTHORS, len(h)))
    for name, reference, ours in rows:
        mark = "ok" if reference == ours else "DIFFERS"
        shown = f"{ours:>7,}" if ours is not None else f"{'-':>7}"
        print(f"  {name:26} README {reference:>7,}  ours {shown}  {mark}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).parents[2] / "shared" / "data")
    args = parser.parse_args()
    check_s2_profiles(args.data / "researchers" / "atip-s2-profiles")
    check_conference_corpus(args.data / "conferences" / "papers.jsonl.gz")


if __name__ == "__main__":
    main()
