"""Institution tags: the prefilters against searching every rule, on real affiliations.

Reads the distinct affiliation strings of a database's authorships (the conference corpus
has ~70k), then tags each, cold, twice in one run:

- the reference: every rule of the table searched (the table's plain definition);
- paperscope: ``affiliations._tag_one``, which searches only the rules whose required
  word the name holds (rules of plain words, lookarounds aside) or whose required text it
  contains (every other rule: the longest literal of each alternative).

It prints both times, their ratio, and how many tags differ (must be 0).

    python benchmarks/tags.py --db conf.db [--limit 80000]
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from pathlib import Path

import orjson

from paperscope import affiliations as A


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--limit", type=int, default=80_000, help="distinct strings at most")
    args = parser.parse_args()
    conn = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    texts: set[str] = set()
    for (affs,) in conn.execute("SELECT affiliations FROM authorships WHERE affiliations != '[]'"):
        for text in orjson.loads(affs):
            texts.update(p for p in A._INSTITUTION_SEPARATOR.split(text) if p.strip())
    strings = sorted(texts)[: args.limit]
    A.load_rules()

    start = time.perf_counter()
    reference = [A.tag_by_every_rule(s) for s in strings]
    ref_s = time.perf_counter() - start
    A._tag_one.cache_clear()
    start = time.perf_counter()
    ours = [A._tag_one(s) for s in strings]
    ours_s = time.perf_counter() - start

    differ = sum(a != b for a, b in zip(reference, ours, strict=True))
    print(f"{len(strings):,} distinct affiliation strings, {sum(t is not None for t in ours):,} tagged")
    print(f"every rule searched (reference): {ref_s:.1f} s")
    print(f"paperscope (word prefilter):     {ours_s:.1f} s  — {ref_s / ours_s:.2f}× faster, {differ} tags differ")


if __name__ == "__main__":
    main()
