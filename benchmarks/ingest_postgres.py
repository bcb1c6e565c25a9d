"""Snapshot ingest into PostgreSQL: `paperscope ingest snapshot` against a bare COPY loop, in one run.

Builds N arXiv-snapshot records as benchmarks/ingest.py does (the bundled real records
with fresh ids, DOIs and titles made unique), then, on one PostgreSQL server, each run
into a fresh database migrated by `paperscope --db URL migrate` (not timed), so both
sides write into tables with the same columns, indexes, constraints and foreign keys:

1. `paperscope --db URL ingest snapshot FILE` (the real command, in a subprocess);
2. the reference: a bare loop, no paperscope code — json.loads of each line, then per
   batch of 2,000 records one transaction with a binary COPY (psycopg
   ``cursor.copy(... FORMAT BINARY)``) of the papers rows and one of the authorships rows.

The two are alternated, ``--repeat`` rounds; the best run of each is reported (and the
median too). Goal: paperscope ≥ 0.7 × the bare loop. Each run also prints the CPU it
used, which a busy shared machine disturbs less than wall time: the client's (paperscope
and its read-ahead child; the bare loop's own process) and, when the server runs on this
machine, the PostgreSQL server's (postmaster and all its processes, over the run).

    python benchmarks/ingest_postgres.py [--records 100000] [--repeat 3] [--server URL]

Without ``--server`` an embedded PostgreSQL 18 is started (tests/pg_server.py: in
/dev/shm where it fits, fsync off) and removed at exit. With ``--server`` (a URL to a
maintenance database where the user may CREATE DATABASE) the databases are made there.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from ingest import build_records  # noqa: E402  (benchmarks/ingest.py: the same records)

EXE = Path(sys.executable).parent / "paperscope"
BATCH = 2000  # paperscope's batch (pipeline/ingest.py BATCH_SIZE)
GOAL = 0.7

PAPER_COLUMNS = ("id", "key", "title", "title_key", "abstract", "categories", "comments", "journal_ref",
                 "license", "latest_date", "content_source", "content_rank", "created_run", "updated_run")
PAPER_TYPES = ("bigint", "text", "text", "text", "text", "text", "text", "text",
               "text", "text", "text", "integer", "bigint", "bigint")
AUTHOR_COLUMNS = ("paper_id", "position", "raw_name", "given", "family", "suffix", "source")
AUTHOR_TYPES = ("bigint", "integer", "text", "text", "text", "text", "text")


class Databases:
    """Fresh databases on one server: tests/pg_server.py's, or one given by URL."""

    def __init__(self, server: str | None) -> None:
        import pg_server

        self.pg = pg_server
        if server:
            import os

            os.environ[pg_server.ENV_DSN] = server
        self.dsn = pg_server.server_dsn()

    def fresh_migrated(self) -> str:
        url = self.pg.fresh_database("bench_ingest")
        subprocess.run([str(EXE), "--db", url, "migrate"], check=True, stdout=subprocess.DEVNULL)
        return url

    def drop(self, url: str) -> None:
        self.pg.drop_database(url)


TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()


def postmaster_pid(url: str) -> int | None:
    """The PostgreSQL server's postmaster, if it runs on this machine (else None)."""
    try:
        with psycopg.connect(url) as conn:
            backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
            return int(_stat(backend)[1])  # while the backend is there
    except (OSError, psycopg.Error):
        return None


def server_cpu(pid: int | None) -> float:
    """CPU seconds of the postmaster and all its processes so far: living ones by their own
    counters, ended ones (a closed connection's backend) in the postmaster's cutime/cstime."""
    if pid is None:
        return float("nan")
    # A backend whose connection just closed may not be reaped yet (a zombie's counters
    # read 0, and it is not in the postmaster's cutime until reaped): let it go first.
    time.sleep(0.3)
    fields = _stat(pid)
    total = sum(int(v) for v in fields[11:15])
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                f = _stat(int(entry.name))
            except OSError:
                continue
            if int(f[1]) == pid:
                total += int(f[11]) + int(f[12])
    return total / TICKS


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def time_paperscope(path: Path, url: str, command: list[str] | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run(command or [str(EXE), "--db", url, "ingest", "snapshot", str(path)], check=True,
                         capture_output=True, text=True)
    seconds = time.perf_counter() - start
    lines = [line.strip() for line in (out.stdout + out.stderr).splitlines() if "stored" in line]
    return seconds, (lines[-1] if lines else "")


# table → (columns, their PostgreSQL types, the rows of the batch being built)
Tables = dict[str, tuple[tuple[str, ...], tuple[str, ...], list[tuple]]]


def _bare_run(url: str) -> tuple[psycopg.Connection[Any], int]:
    """A connection for a bare loop, and the ingest run its rows name (a foreign key)."""
    conn = psycopg.connect(url, autocommit=True)
    run = conn.execute(
        "INSERT INTO ingest_runs (source, command, started_at) VALUES ('bare', 'bare copy', now()::text)"
        " RETURNING id").fetchone()[0]
    return conn, int(run)


def _copy_tables(conn: psycopg.Connection[Any], tables: Tables) -> None:
    """One batch: a binary COPY per table, in the order given, in one transaction."""
    with conn.transaction(), conn.cursor() as cur:
        for table, (columns, types, rows) in tables.items():
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
            rows.clear()


def time_bare_copy(path: Path, url: str, batch: int = BATCH) -> float:
    """json.loads + per batch one transaction of two binary COPYs (papers, authorships)."""
    start = time.perf_counter()
    conn, run = _bare_run(url)
    tables: Tables = {"papers": (PAPER_COLUMNS, PAPER_TYPES, []), "authorships": (AUTHOR_COLUMNS, AUTHOR_TYPES, [])}
    papers, authors = (t[2] for t in tables.values())

    next_id = 1
    with path.open("rb") as f:
        for line in f:
            r = json.loads(line)
            pid, title = next_id, r["title"]
            next_id += 1
            papers.append((pid, "arxiv:" + r["id"], title, title.lower(), r["abstract"],
                           json.dumps(r["categories"].split()), r["comments"], r["journal-ref"],
                           r["license"], r["update_date"], "arxiv-snapshot", 3, run, run))
            authors.extend((pid, i, f"{a[1]} {a[0]}".strip(), a[1], a[0], a[2], "arxiv-snapshot")
                           for i, a in enumerate(r["authors_parsed"]))
            if len(papers) >= batch:
                _copy_tables(conn, tables)
    if papers:
        _copy_tables(conn, tables)
    conn.close()
    return time.perf_counter() - start


FULL_PAPER_COLUMNS = ("id", "key", "title", "title_key", "abstract", "primary_category", "categories",
                      "first_date", "latest_date", "year", "latest_version", "comments", "journal_ref",
                      "license", "content_source", "content_rank", "created_run", "updated_run")
FULL_PAPER_TYPES = ("bigint", "text", "text", "text", "text", "text", "text", "text", "text", "integer",
                    "integer", "text", "text", "text", "text", "integer", "bigint", "bigint")


def time_bare_copy_full(path: Path, url: str, batch: int = BATCH) -> float:
    """The bare loop writing every row paperscope writes for a snapshot record (papers with
    the same columns filled, paper_ids, versions, authorships, provenance): what the same
    data costs the server, without paperscope's checks, merging and normalization."""
    start = time.perf_counter()
    conn, run = _bare_run(url)
    tables: Tables = {
        "papers": (FULL_PAPER_COLUMNS, FULL_PAPER_TYPES, []),
        "paper_ids": (("scheme", "value", "paper_id"), ("text", "text", "bigint"), []),
        "versions": (("paper_id", "version", "submitted"), ("bigint", "integer", "text"), []),
        "authorships": (AUTHOR_COLUMNS, AUTHOR_TYPES, []),
        "provenance": (("paper_id", "source", "record_id", "origin", "run_id"),
                       ("bigint", "text", "text", "text", "bigint"), []),
    }
    papers, ids, versions, authors, provenance = (t[2] for t in tables.values())

    next_id = 1
    origin = f"{path} line "
    with path.open("rb") as f:
        for line in f:
            r = json.loads(line)
            pid, title, key = next_id, r["title"], "arxiv:" + r["id"]
            next_id += 1
            cats = r["categories"].split()
            vs = r["versions"]
            date = r["update_date"]
            papers.append((pid, key, title, title.lower(), r["abstract"], cats[0] if cats else None, json.dumps(cats),
                           date, date, int(date[:4]), len(vs), r["comments"], r["journal-ref"], r["license"],
                           "arxiv-snapshot", 101, run, run))
            ids.append(("arxiv", r["id"], pid))
            if r["doi"]:
                ids.append(("doi", r["doi"].lower(), pid))
            versions.extend((pid, i + 1, v["created"]) for i, v in enumerate(vs))
            authors.extend((pid, i, f"{a[1]} {a[0]}".strip(), a[1], a[0], a[2], "arxiv-snapshot")
                           for i, a in enumerate(r["authors_parsed"]))
            provenance.append((pid, "arxiv-snapshot", key, origin + str(next_id - 1), run))
            if len(papers) >= batch:
                _copy_tables(conn, tables)
    if papers:
        _copy_tables(conn, tables)
    conn.close()
    return time.perf_counter() - start


def count(url: str) -> tuple[int, int]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT (SELECT count(*) FROM papers), (SELECT count(*) FROM authorships)").fetchone()


def server_settings(url: str) -> str:
    with psycopg.connect(url) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        values = [f"{name}={conn.execute(sql.SQL('SHOW {}').format(sql.Identifier(name))).fetchone()[0]}"
                  for name in ("fsync", "synchronous_commit", "shared_buffers", "max_wal_size")]
    return f"PostgreSQL {version} ({', '.join(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds, each side once per round (default 3)")
    parser.add_argument("--server", default=None,
                        help="maintenance-database URL of a server to use (default: an embedded one)")
    parser.add_argument("--keep", action="store_true", help="keep the last databases (prints their URLs)")
    parser.add_argument("--full", action="store_true",
                        help="also time a bare loop that COPYs every row paperscope writes (papers with the same"
                             " columns, paper_ids, versions, authorships, provenance): the server's share of the gap")
    args = parser.parse_args()
    dbs = Databases(args.server)
    pm = postmaster_pid(dbs.dsn)
    print(f"server: {server_settings(dbs.dsn)}" + (f", postmaster pid {pm} on this machine" if pm else ""),
          flush=True)
    ours_runs: list[float] = []
    bare_runs: list[float] = []
    cpu: dict[str, list[tuple[float, float]]] = {"ours": [], "bare": [], "full": []}  # (client, server) CPU s
    full_runs: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "snapshot.jsonl"
        build_records(args.records, data)
        def side(name: str, run: Any, client_cpu: Any, last: bool, kept_as: str | None = None) -> tuple[Any, Any]:
            """One timed side in a fresh migrated database: (what ``run`` returned, row counts)."""
            url = dbs.fresh_migrated()
            c0, s0 = client_cpu(), server_cpu(pm)
            result = run(url)
            cpu[name].append((client_cpu() - c0, server_cpu(pm) - s0))
            counted = count(url)
            if kept_as and args.keep and last:
                print(f"kept: {kept_as} {url}")
            else:
                dbs.drop(url)
            return result, counted

        for round_ in range(args.repeat):
            # Alternated, so that a slow minute on a shared machine weighs on both alike.
            last = round_ == args.repeat - 1
            (seconds, line), n_ours = side("ours", lambda url: time_paperscope(data, url), children_cpu, last,
                                           "paperscope's database")
            ours_runs.append(seconds)
            bare, n_bare = side("bare", lambda url: time_bare_copy(data, url), own_cpu, last,
                                "the bare loop's database")
            bare_runs.append(bare)
            (oc, os_), (bc, bs) = cpu["ours"][-1], cpu["bare"][-1]
            print(f"round {round_ + 1}: paperscope {seconds:6.2f} s (CPU: client {oc:.1f} s, server {os_:.1f} s;"
                  f" {n_ours[0]:,} papers, {n_ours[1]:,} authorships; {line})", flush=True)
            print(f"         bare COPY  {bare:6.2f} s (CPU: client {bc:.1f} s, server {bs:.1f} s;"
                  f" {n_bare[0]:,} papers, {n_bare[1]:,} authorships); ratio {bare / seconds:.2f}", flush=True)
            if args.full:
                full, _ = side("full", lambda url: time_bare_copy_full(data, url), own_cpu, last)
                full_runs.append(full)
                fc, fs = cpu["full"][-1]
                print(f"         bare COPY of every table {full:6.2f} s (CPU: client {fc:.1f} s, server {fs:.1f} s);"
                      f" ratio paperscope/it {full / seconds:.2f}", flush=True)
    n = args.records
    ours, bare = min(ours_runs), min(bare_runs)
    med_ours, med_bare = statistics.median(ours_runs), statistics.median(bare_runs)
    print(f"records: {n:,} (best of {args.repeat}, runs alternated; medians in brackets)")
    print(f"paperscope ingest snapshot: {ours:6.2f} s  {n / ours:9,.0f} records/s"
          f"  [{med_ours:6.2f} s  {n / med_ours:9,.0f} records/s]")
    print(f"bare json + binary COPY:    {bare:6.2f} s  {n / bare:9,.0f} records/s"
          f"  [{med_bare:6.2f} s  {n / med_bare:9,.0f} records/s]")
    print(f"ratio paperscope/bare: best {bare / ours:.2f}, median {med_bare / med_ours:.2f}"
          f" (goal ≥ {GOAL}: {'met' if bare / ours >= GOAL else 'NOT met'})")
    if full_runs:
        full, med_full = min(full_runs), statistics.median(full_runs)
        print(f"bare COPY, every table:     {full:6.2f} s  {n / full:9,.0f} records/s"
              f"  [{med_full:6.2f} s  {n / med_full:9,.0f} records/s]; ratio paperscope/it: best {full / ours:.2f},"
              f" median {med_full / med_ours:.2f}")
    for who, label in (("ours", "paperscope"), ("bare", "bare loop "), ("full", "every table")):
        if not cpu[who]:
            continue
        client = statistics.median(c for c, _ in cpu[who])
        server = statistics.median(s for _, s in cpu[who])
        print(f"CPU, median per run, {label}: client {client:5.1f} s + PostgreSQL server {server:5.1f} s"
              f" = {client + server:5.1f} s")


if __name__ == "__main__":
    main()
