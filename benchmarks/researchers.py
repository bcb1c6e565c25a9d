"""Researchers at scale: resolve + metrics over the conference corpus, and profile latency.

1. Ingests the conference corpus (../shared/data/conferences/papers.jsonl.gz, 151k
   papers) into a fresh database (not timed; reused with --db).
2. Times `paperscope resolve --full` in a subprocess and reports its peak memory; as the
   reference, in the same run, a bare pass that reads every mention and computes its
   name block (what any resolver must do at least).
3. Times building + rendering the profile of the researcher with the most papers (and
   one with ≥ 500 if there is one), best of 5; reference: the bare SQL reads of their
   papers' rows.

    python benchmarks/researchers.py [--corpus PATH] [--db PATH]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "data" / "conferences" / "papers.jsonl.gz"
EXE = Path(sys.executable).parent / "paperscope"


def run(db: Path, *args: str) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run([str(EXE), "--db", str(db), *args], check=True, capture_output=True, text=True)
    return time.perf_counter() - start, out.stdout


def peak_child_mib() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def bare_mentions(db: Path) -> float:
    """Reading every mention and blocking its name: the floor under any resolve."""
    from paperscope.resolve.blocking import block_key
    from paperscope.store import open_store

    store = open_store(db)
    start = time.perf_counter()
    blocks: dict[str, int] = {}
    for row in store.researchers.mentions():
        key = block_key(row.name)
        if key:
            blocks[key] = blocks.get(key, 0) + 1
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed


def pair_counts(db: Path) -> tuple[int, int, int]:
    """Blocks, and the mention pairs of all blocks (Σ n²) whole and as the resolver clusters
    them (crowded blocks one spelled-out first name at a time)."""
    from collections import Counter

    from paperscope.pipeline.resolve import ResolveSummary, _blocks
    from paperscope.resolve.blocking import name_form
    from paperscope.resolve.cluster import PARTITION_FROM
    from paperscope.store import open_store

    store = open_store(db)
    blocks = _blocks(store.researchers.mentions(), ResolveSummary())
    store.close()
    whole = parted = 0
    for rows in blocks.values():
        n = len(rows)
        whole += n * n
        if n > PARTITION_FROM:
            forms = [name_form(r.name) for r in rows]
            firsts = Counter(" ".join(sorted((f.first, f.family))) if f and f.first else None for f in forms)
            parted += sum(k * k for k in firsts.values())
        else:
            parted += n * n
    return len(blocks), whole, parted


def profile_times(db: Path, researcher_id: int, repeat: int = 5) -> tuple[float, float, int]:
    from paperscope import render
    from paperscope.profiles import build_profile
    from paperscope.store import open_store

    store = open_store(db)
    best, bare, papers = float("inf"), float("inf"), 0
    for _ in range(repeat):
        start = time.perf_counter()
        profile = build_profile(store, researcher_id, date.today())
        render.profile_text(profile)
        best = min(best, time.perf_counter() - start)
        papers = len(profile["papers"])
        start = time.perf_counter()
        ids = [pid for pid, _ in store.researchers.mentions_of(researcher_id)]
        marks = ", ".join("?" * len(ids))
        store.db.execute(f"SELECT * FROM papers WHERE id IN ({marks})", ids).fetchall()  # noqa: S608
        store.db.execute(f"SELECT * FROM authorships WHERE paper_id IN ({marks})", ids).fetchall()  # noqa: S608
        bare = min(bare, time.perf_counter() - start)
    store.close()
    return best, bare, papers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--db", type=Path, default=None, help="reuse (or keep) this database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "conferences.db"
        if not db.exists():
            seconds, _ = run(db, "ingest", "conferences", str(args.corpus))
            print(f"ingest conferences: {seconds:.1f} s (not part of the figures)")
        resolve_s, line = run(db, "resolve", "--full")
        peak = peak_child_mib()
        bare_s = bare_mentions(db)
        print(line.strip())
        print(f"resolve --full: {resolve_s:6.1f} s, peak memory {peak:,.0f} MiB (goal ≤ 300 s)")
        print(f"bare read + block of every mention: {bare_s:6.2f} s  → ratio {resolve_s / bare_s:.1f}×")
        blocks, whole, parted = pair_counts(db)
        print(f"{blocks:,} blocks: Σ n² = {whole / 1e6:,.0f} M mention pairs,"
              f" {parted / 1e6:,.0f} M as clustered (crowded blocks by first name)")
        from paperscope.store import open_store

        store = open_store(db)
        top = store.db.execute(
            "SELECT id, name, mentions FROM researchers ORDER BY mentions DESC LIMIT 1"
        ).fetchone()
        store.close()
        best, bare, papers = profile_times(db, top[0])
        print(json.dumps({"researcher": top[1], "papers": papers}))
        print(f"profile (build + render text), {papers} papers: {best * 1000:6.1f} ms (goal ≤ 50 ms);"
              f" bare reads {bare * 1000:.1f} ms → ratio {best / bare:.1f}×")


if __name__ == "__main__":
    main()
