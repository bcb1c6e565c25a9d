"""How much search ranks differently on SQLite and PostgreSQL, on the same database.

The two engines' full text differ (SQLite FTS5 + bm25; PostgreSQL tsvector +
ts_rank_cd), so `paperscope search` may order papers differently; researchers'
names and the semantic half are the same on both. Given a SQLite database and its copy on
PostgreSQL (`paperscope copy`, or the same commands run on both), runs the same queries —
real title words, pairs of them, whole titles, and researcher names with one typo — on
both, and prints, per kind of query: the mean overlap of the top 10 papers, the share of
queries whose top 10 is identical in order, and the same for researchers.

    python benchmarks/search_backends.py SQLITE_PATH POSTGRESQL_URL [--queries 200]
"""

from __future__ import annotations

import argparse
import random

from paperscope.search import search
from paperscope.store import open_store


def _queries(store, n: int, rng: random.Random) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    titles = [t for (t,) in store.db.execute("SELECT title FROM papers ORDER BY id")]
    names = [n for (n,) in store.db.execute("SELECT name FROM researchers ORDER BY mentions DESC, id LIMIT 2000")]
    words = [w for t in titles for w in t.split() if len(w) > 4 and w.isalpha()]
    typo = []
    for name in rng.sample(names, min(n, len(names))):
        i = rng.randrange(1, max(2, len(name) - 1))
        typo.append(name[:i] + name[i + 1:])
    return {
        "one word": rng.sample(words, n),
        "two words": [" ".join(rng.sample(words, 2)) for _ in range(n)],
        "whole title": rng.sample(titles, n),
        "name with a typo": typo,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sqlite")
    parser.add_argument("postgresql")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    a, b = open_store(args.sqlite, read_only=True), open_store(args.postgresql, read_only=True)
    rng = random.Random(args.seed)
    print(f"{'queries':<18} {'n':>4} {'papers overlap@10':>18} {'same top 10':>12} {'researchers same':>17}")
    for kind, queries in _queries(a, args.queries, rng).items():
        overlap = same = people = 0.0
        for q in queries:
            ra, rb = search(a, q, limit=10), search(b, q, limit=10)
            pa, pb = [p["id"] for p in ra["papers"]], [p["id"] for p in rb["papers"]]
            overlap += len(set(pa) & set(pb)) / max(1, min(10, max(len(pa), len(pb))))
            same += pa == pb
            people += [r["id"] for r in ra["researchers"]] == [r["id"] for r in rb["researchers"]]
        n = len(queries)
        print(f"{kind:<18} {n:>4} {overlap / n:>18.3f} {same / n:>12.2f} {people / n:>17.2f}")


if __name__ == "__main__":
    main()
