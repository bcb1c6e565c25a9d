"""Snapshot ingest speed: `paperscope ingest snapshot` against a bare loop, in one run.

Builds N arXiv-snapshot records by giving the bundled real records fresh ids, then times
1. `paperscope ingest snapshot FILE` (the real command, in a subprocess, fresh database);
2. the reference: a bare loop — json.loads + batched executemany of papers and
   authorships into SQLite with the same pragmas — over the same file.
Prints both rates and their ratio (goal: paperscope ≥ 0.75 × the bare loop).

    python benchmarks/ingest.py [--records 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample" / "arxiv-snapshot.jsonl"


def build_records(n: int, path: Path) -> None:
    """Write n snapshot records: the sample's real records cycled, with new unique ids."""
    base = [json.loads(line) for line in SAMPLE.read_text("utf-8").splitlines() if line.strip()]
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            record = dict(base[i % len(base)])
            # New-style ids from 2301 onwards, five-digit sequence numbers.
            if i >= 99999 * 12:
                raise ValueError("too many records for the id scheme")
            record["id"] = f"{2301 + i // 99999:04d}.{i % 99999 + 1:05d}"
            # Copies must stay distinct papers: a shared DOI or title would merge them.
            if record.get("doi"):
                record["doi"] = f"{record['doi']}.{i}"
            record["title"] = f"{record['title']} ({i})"
            f.write(json.dumps(record) + "\n")


def time_paperscope(path: Path, workdir: Path) -> float:
    db = workdir / "paperscope.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    exe = Path(sys.executable).parent / "paperscope"
    start = time.perf_counter()
    subprocess.run([str(exe), "--db", str(db), "ingest", "snapshot", str(path)], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def time_bare_loop(path: Path, workdir: Path, batch: int = 2000) -> float:
    db = workdir / "bare.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    start = time.perf_counter()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE papers (id TEXT PRIMARY KEY, title TEXT, abstract TEXT, categories TEXT,"
        " doi TEXT, comments TEXT, journal_ref TEXT, license TEXT, update_date TEXT)"
    )
    conn.execute(
        "CREATE TABLE authorships (paper_id TEXT, position INTEGER, family TEXT, given TEXT,"
        " suffix TEXT, PRIMARY KEY (paper_id, position))"
    )
    papers, authors = [], []

    def flush() -> None:
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO papers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", papers)
        conn.executemany("INSERT INTO authorships VALUES (?, ?, ?, ?, ?)", authors)
        conn.execute("COMMIT")
        papers.clear()
        authors.clear()

    with path.open("rb") as f:
        for line in f:
            r = json.loads(line)
            papers.append((r["id"], r["title"], r["abstract"], r["categories"], r["doi"],
                           r["comments"], r["journal-ref"], r["license"], r["update_date"]))
            authors.extend((r["id"], i, *a[:3]) for i, a in enumerate(r["authors_parsed"]))
            if len(papers) >= batch:
                flush()
    flush()
    conn.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs each")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        data = workdir / "snapshot.jsonl"
        build_records(args.records, data)
        # Alternated, so that a slow minute on a shared machine weighs on both alike.
        ours_runs, bare_runs = [], []
        for _ in range(args.repeat):
            ours_runs.append(time_paperscope(data, workdir))
            bare_runs.append(time_bare_loop(data, workdir))
        ours, bare = min(ours_runs), min(bare_runs)
    ours_rate, bare_rate = args.records / ours, args.records / bare
    print(f"records: {args.records:,} (best of {args.repeat})")
    print(f"paperscope ingest snapshot: {ours:6.2f} s  {ours_rate:9,.0f} records/s")
    print(f"bare json+executemany loop: {bare:6.2f} s  {bare_rate:9,.0f} records/s")
    print(f"ratio paperscope/bare: {ours_rate / bare_rate:.2f} (goal ≥ 0.75)")


if __name__ == "__main__":
    main()
