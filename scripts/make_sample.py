"""Rebuild the bundled sample in sample/ from the shared data sets (../shared/data).

The sample is what the README's main command ingests: the arXiv cs daily listings, the
snapshot-shape records, the seed pages, and the slice of the conference corpus that
holds the seed researchers, their co-authors and those co-authors' papers, so that
profiles built from it have real h-indices. Run from the repository root:

    python scripts/make_sample.py ../shared/data ../shared/seeds
"""

from __future__ import annotations

import gzip
import json
import shutil
import sys
from collections import Counter
from pathlib import Path

SEED_RESEARCHERS = ["Zixin Wen", "Kaiyue Wen", "Zhihui Zhu", "Jingfeng Wu", "Difan Zou"]
MAX_COAUTHOR_PAPERS = 250  # co-authors with more papers than this only bring their shared ones


def joined_names(record: dict) -> list[str]:
    """Names of a record that gives its authors as one string ("A, B, C", as CVPR and some
    ICML/NeurIPS years do). Their seed researchers' papers are kept (the seed pages list
    them); their co-authors are not followed, which keeps the slice near 1,900 papers."""
    return [n.strip() for a in record.get("authors") or [] if isinstance(a, str) and "," in a
            for n in a.split(",")]


def main(data: Path, seeds: Path, out: Path = Path("sample")) -> None:
    out.mkdir(exist_ok=True)
    shutil.copy(data / "arxiv/daily-cs-2025-2026.jsonl.gz", out / "arxiv-daily-cs.jsonl.gz")
    shutil.copy(data / "arxiv/snapshot-sample-unarxive.jsonl", out / "arxiv-snapshot.jsonl")
    for licence in (data / "arxiv").glob("LICENSE.*"):
        shutil.copy(licence, out / licence.name)
    (out / "seeds").mkdir(exist_ok=True)
    for page in sorted(seeds.glob("*.txt")):
        shutil.copy(page, out / "seeds" / page.name)

    corpus = data / "conferences/papers.jsonl.gz"
    seeds_set = set(SEED_RESEARCHERS)
    coauthors: Counter[str] = Counter()
    papers_of: Counter[str] = Counter()
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        for line in f:
            authors = json.loads(line).get("authors") or []
            papers_of.update(authors)
            if seeds_set.intersection(authors):
                coauthors.update(a for a in authors if a not in seeds_set)
    wide = {a for a in coauthors if papers_of[a] <= MAX_COAUTHOR_PAPERS}
    kept = 0
    with gzip.open(corpus, "rt", encoding="utf-8") as f, \
            gzip.open(out / "conferences.jsonl.gz", "wt", encoding="utf-8", compresslevel=9) as w:
        for line in f:
            record = json.loads(line)
            authors = set(record.get("authors") or [])
            if authors & seeds_set or authors & wide or seeds_set.intersection(joined_names(record)):
                w.write(line)
                kept += 1
    print(f"conference slice: {kept} papers; {len(coauthors)} co-authors, {len(wide)} followed")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
