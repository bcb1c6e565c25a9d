"""How many titles and abstracts the display cleaning changes (paperscope/tex.py), per corpus.

Reads the records' own titles and abstracts (JSON lines, gzip or not) and counts those that
``tex.repair`` changes (what pages show), by what it changed: PDF debris (``(cid:N)``, soft
hyphens, ligatures) and formatting commands; plus how many hold inline math, which pages
typeset and text output writes as text (``tex.plain``). The stored text is never changed.

    python scripts/tex_report.py ../shared/data/conferences/papers.jsonl.gz \\
        ../shared/data/arxiv/daily-cs-2025-2026.jsonl.gz
"""

from __future__ import annotations

import argparse
import collections
import gzip
import re
from pathlib import Path

import orjson

from paperscope import tex

_DEBRIS = re.compile(r"\(cid:\d+\)|\u00ad|[\ufb00-\ufb06]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    args = parser.parse_args()
    for path in args.files:
        counts: collections.Counter[str] = collections.Counter()
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as lines:
            for line in lines:
                record = orjson.loads(line)
                for field in ("title", "abstract"):
                    text = record.get(field)
                    if not isinstance(text, str) or not text:
                        continue
                    counts[f"{field}s"] += 1
                    if tex.repair(text) != text:
                        counts[f"{field}s changed"] += 1
                        kind = "debris" if _DEBRIS.search(text) else "commands"
                        counts[f"{field}s changed: {kind}"] += 1
                    if tex.MATH.search(text):
                        counts[f"{field}s with math"] += 1
        print(path.name)
        for key in sorted(counts):
            print(f"  {key}: {counts[key]:,}")


if __name__ == "__main__":
    main()
