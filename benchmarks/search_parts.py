"""Where a search's time goes on a large database: the whole `search` (researchers and
papers), and its researcher part alone (for a query that names no one, a typo-forgiving
scan of every researcher's name), per query, in this process, after one warm-up query.

    python benchmarks/search_parts.py --db /tmp/s1m.db [QUERY ...]
"""

from __future__ import annotations

import argparse
import time

from paperscope import search
from paperscope.store import open_store

QUERIES = ["graph neural networks", "learning", "wei wang", "transformer attention", "Yann LeCun",
           "reinforcment learning robot", "diffusion model image generation", "federated"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("queries", nargs="*", default=QUERIES)
    args = parser.parse_args()
    store = open_store(args.db, read_only=True)
    search.search(store, "warm up query")  # builds the in-memory name index once
    for query in args.queries:
        started = time.perf_counter()
        search.search(store, query)
        whole = time.perf_counter() - started
        started = time.perf_counter()
        search.find_researchers(store, query, 5)
        names = time.perf_counter() - started
        print(f"{query!r}: search {whole * 1000:.0f} ms, of which researchers {names * 1000:.0f} ms")


if __name__ == "__main__":
    main()
