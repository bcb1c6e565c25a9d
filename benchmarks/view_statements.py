"""Where a page's time goes: every statement of the researcher, paper or search view timed.

Calls the web app's views in-process (no HTTP) for N targets drawn with a fixed seed —
researchers among the 2,000 with most mentions, papers by key, search queries made of real
title words, word pairs and whole titles — and prints the mean, p50 and p95 per view, the
statements per view and the database time they took, then the statements that took most.
The SQLite cursor is lazy (rows are fetched after the timer), so on SQLite the database time
is a lower bound; on PostgreSQL it includes the fetch. Run it on both engines over the same
corpus for the comparison in docs/benchmarks.md.

    python benchmarks/view_statements.py --db conf.db --view researcher [--n 80]
    python benchmarks/view_statements.py --db postgresql://…/conf --view search
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import random
import re
import time
from typing import Any

from paperscope import search
from paperscope.store import open_store
from paperscope.web import views


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="a SQLite file or a postgresql:// URL (opened read-only)")
    parser.add_argument("--view", choices=["researcher", "paper", "search"], default="researcher")
    parser.add_argument("--n", type=int, default=80, help="targets (default 80)")
    parser.add_argument("--as-of", default="2026-01-01")
    args = parser.parse_args()
    store = open_store(args.db, read_only=True)
    db = store.db
    execute = db.execute
    stats: dict[str, list[float]] = collections.defaultdict(lambda: [0, 0.0])

    def timed(sql: str, params: Any = ()) -> Any:
        start = time.perf_counter()
        rows = execute(sql, params)
        entry = stats[" ".join(sql.split())[:110]]
        entry[0] += 1
        entry[1] += time.perf_counter() - start
        return rows

    rng = random.Random(1)
    as_of = dt.date.fromisoformat(args.as_of)
    if args.view == "researcher":
        busiest = execute("SELECT researcher_id FROM researcher_mentions GROUP BY researcher_id"
                          " ORDER BY count(*) DESC, researcher_id LIMIT 2000").fetchall()
        targets = [r[0] for r in rng.sample(busiest, args.n)]

        def call(target: Any) -> None:
            views.researcher_view(store, target, as_of=as_of)
    elif args.view == "paper":
        keys = [r[0] for r in execute("SELECT key FROM papers ORDER BY id LIMIT 100000").fetchall()]
        targets = rng.sample(keys, args.n)

        def call(target: Any) -> None:
            views.paper_view(store, target)
    else:
        titles = [r[0] for r in execute("SELECT title FROM papers ORDER BY id LIMIT 20000").fetchall()]
        words = [w for t in titles for w in re.findall(r"[A-Za-z]{6,}", t)]
        targets = [rng.choice(words) if i % 3 == 0 else " ".join(rng.sample(words, 2)) if i % 3 == 1
                   else rng.choice(titles) for i in range(args.n)]
        search.search(store, "warm up")  # loads the query embedder and the name index

        def call(target: Any) -> None:
            search.search(store, target)

    db.execute = timed
    latencies = []
    for target in targets:
        start = time.perf_counter()
        call(target)
        latencies.append(time.perf_counter() - start)
    latencies.sort()
    n = len(latencies)
    print(f"{args.view} on {store.location}: mean {1000 * sum(latencies) / n:.1f} ms,"
          f" p50 {1000 * latencies[n // 2]:.1f}, p95 {1000 * latencies[int(n * 0.95)]:.1f}")
    print(f"statements {sum(c for c, _ in stats.values()) / n:.1f} a view,"
          f" database time {1000 * sum(s for _, s in stats.values()) / n:.1f} ms a view")
    for sql, (count, seconds) in sorted(stats.items(), key=lambda kv: -kv[1][1])[:14]:
        print(f"{1000 * seconds / n:7.2f} ms  {count / n:5.1f}×  {sql}")


if __name__ == "__main__":
    main()
