"""Fault probes: what an operator does to a paperscope install, and whether it holds.

Five probes, each on copies of databases built from the bundled sample (``sample/``):

- ``serve``: ``paperscope serve`` answering a paced load from 8 client threads (feed, paper
  pages and their similar papers, researchers, search) while ``ingest`` → ``resolve`` →
  ``score`` run beside it; failed requests, p50/p95, and whether the server survived.
- ``kill``: each stage (ingest of each kind of file, resolve, score) killed with SIGKILL after
  a random delay; then the database's integrity, the stage run again compared with a clean
  run, the ANN index after a killed score, and children left behind.
- ``disk``: an ingest into a tmpfs that fills up: one error line, nothing left half done.
- ``inputs``: broken databases, empty and binary input files, odd ids: one ``error:`` line,
  never a traceback; and read commands leave the database file as it was.
- ``concurrent``: resolve while an ingest writes, two resolves and two scores at once, and a
  killed ``resolve --full``'s worker processes.

    python benchmarks/faults.py [--quick] [--only NAME] [--trials N] [--db SCORED_SAMPLE_DB]
        [--json PATH] [--workdir DIR --keep]

Without ``--db`` the sample database is built here from ``sample/`` (1–2 minutes); ``--quick``
serves a smaller corpus instead (the conference papers, the snapshot and the seed pages). Prints one line per figure,
then what failed; exits 1 when any probe found a failure. Everything runs on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fault_tools import (  # noqa: E402
    AS_OF, SAMPLE, Corpus, Load, Ran, SetupError, alive, content, copy_db, descendants, differences,
    error_problems, finish, free_port, fresh_listings, group_members, index_loads, integrity, kill_after,
    kill_at_index_write, kill_group, load_targets, percentile, query, run, runs_left_running, sha256, signal_text,
    start, stop_started, unresolved, wait_gone,
)

LISTINGS, SNAPSHOT, CONFERENCES = (str(SAMPLE / n) for n in
                                   ("arxiv-daily-cs.jsonl.gz", "arxiv-snapshot.jsonl", "conferences.jsonl.gz"))


@dataclass
class Probe:
    """What one probe measured (``figures``) and what it found broken (``failures``)."""

    name: str
    figures: dict = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        print(f"{self.name}: {text}", flush=True)

    def fail(self, text: str) -> None:
        self.failures.append(text)
        print(f"{self.name}: FAILED {text}", flush=True)


@dataclass
class Context:
    work: Path
    corpus: Corpus
    quick: bool
    trials: int
    seed: int
    rate: float

    def size(self, default: int, quick: int) -> int:
        return quick if self.quick else default

    def rng(self, name: str) -> random.Random:
        return random.Random(f"{self.seed}-{name}")


# --- 1. serve under load while the pipeline runs -------------------------------------------
def probe_serve(ctx: Context, p: Probe) -> None:
    db = copy_db(ctx.corpus.get("sample"), ctx.work / "serve.db")
    new = fresh_listings(ctx.work / "serve-new.jsonl.gz", ctx.size(2000, 300))
    paths = load_targets(db, ctx.rng("serve"))
    port, log = free_port(), ctx.work / "serve.log"
    server = start(db, "serve", "--host", "127.0.0.1", "--port", str(port), "--as-of", AS_OF, log=log)
    stages: dict[str, str] = {}
    try:
        deadline = time.perf_counter() + 120
        while time.perf_counter() < deadline and server.poll() is None:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/static/style.css", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise SetupError(f"serve did not answer ({signal_text(server.poll())}): {log.read_text()[-300:]}")
        with Load(f"http://127.0.0.1:{port}", paths, 8, ctx.rate, ctx.seed) as load:
            time.sleep(3)
            for args in (("ingest", "listings", str(new)), ("resolve",), ("score",)):
                load.phase = args[0]
                ran = run(db, *args, timeout=600)
                stages[args[0]] = f"{ran.describe()} ({ran.seconds:.1f} s)"
                if ran.rc != 0:
                    p.fail(f"`{args[0]}` under load: {ran.describe()}")
            load.phase = "after"
            time.sleep(5)
        rc = server.poll()
    finally:
        if server.poll() is None:
            server.terminate()
            finish(server, 10)
    records = load.records
    failed = [r for r in records if not isinstance(r[3], int) or r[3] >= 500]
    latencies = [r[2] for r in records if isinstance(r[3], int) and r[3] < 500]
    by_kind = Counter(str(r[3]) for r in failed)
    by_phase = Counter(r[0] for r in failed)
    server_log = log.read_text(errors="replace")
    f = p.figures
    f.update(requests=len(records), failed=len(failed), failed_by_kind=dict(by_kind), failed_by_phase=dict(by_phase),
             p50_ms=round(percentile(latencies, 50), 1), p95_ms=round(percentile(latencies, 95), 1),
             paper_api_without_similar=load.similar[False], paper_api_with_similar=load.similar[True],
             server_alive=rc is None, server_exit=signal_text(rc), server_tracebacks=server_log.count("Traceback"),
             stages=stages, rate=ctx.rate)
    p.say(f"{len(records):,} requests at ~{ctx.rate:g}/s from 8 threads; failed {len(failed):,}"
          f" ({', '.join(f'{k} {n}' for k, n in by_kind.most_common()) or 'none'});"
          f" p50 {f['p50_ms']} ms, p95 {f['p95_ms']} ms")
    p.say(f"failed by phase: {dict(by_phase) or 'none'}; paper API answers without similar papers:"
          f" {load.similar[False]} of {sum(load.similar.values())}")
    p.say("stages under load: " + "; ".join(f"{k} {v}" for k, v in stages.items()))
    p.say(f"server at the end: {'alive' if rc is None else 'DEAD, exit ' + signal_text(rc)};"
          f" tracebacks in its log: {f['server_tracebacks']}")
    if rc is not None:
        p.fail(f"serve died while the pipeline ran: exit {signal_text(rc)}"
               f" (failed requests by phase: {dict(by_phase)})")
    if failed:
        p.fail(f"{len(failed):,} of {len(records):,} requests failed: {dict(by_kind)}")


# --- 2. kill -9 of each stage --------------------------------------------------------------
KILL_STAGES = (  # stage, the database it starts from, its arguments
    ("ingest listings", "none", ("ingest", "listings", LISTINGS)),
    ("ingest conferences", "none", ("ingest", "conferences", CONFERENCES)),
    ("ingest snapshot", "conf", ("ingest", "snapshot", SNAPSHOT)),
    ("resolve", "small+new", ("resolve",)),
    ("score", "small+new+resolved", ("score",)),
)


def probe_kill(ctx: Context, p: Probe) -> None:
    rng = ctx.rng("kill")
    for stage, prepared, args in KILL_STAGES:
        prep = ctx.corpus.get(prepared)
        clean_db = copy_db(prep, ctx.work / "kill-clean.db")
        took = run(clean_db, *args, timeout=600)
        if took.rc != 0:
            p.fail(f"{stage}: the clean run failed: {took.describe()}")
            continue
        want = content(clean_db)
        n = Counter()
        for trial in range(ctx.trials + (stage == "score")):
            at_index = stage == "score" and trial == ctx.trials
            db = copy_db(prep, ctx.work / "kill.db")
            proc = start(db, *args, log=ctx.work / "kill.log")
            if at_index:
                killed, delay = kill_at_index_write(proc, db, 3 * took.seconds + 10)
            else:
                delay = rng.uniform(0.05, 0.9) * took.seconds
                killed = kill_after(proc, delay)
            what = f"{stage} trial {trial + 1} ({'at the index write' if at_index else 'random'}," \
                   f" {'killed' if killed else 'ended before the kill'} at {delay:.2f} s)"
            time.sleep(1)
            left = group_members(proc.pid)
            if left:
                kill_group(proc.pid)
                wait_gone(left, 5)
                n["children_left"] += 1
                p.fail(f"{what}: {len(left)} child process(es) still alive 1 s after the kill")
            n["trials"] += 1
            n["killed"] += killed
            checked = integrity(db)
            n["integrity_ok"] += checked.startswith("ok")
            if not checked.startswith("ok"):
                p.fail(f"{what}: integrity_check: {checked}")
            if stage.startswith("ingest") and killed:
                n["runs_left_running"] += runs_left_running(db)
            if stage == "score":
                state = index_loads(db)
                n["index_ok"] += state.startswith("ok")
                if not state.startswith("ok"):
                    p.fail(f"{what}: the ANN index no longer loads: {state}")
            again = run(db, *args, timeout=600)
            n["rerun_ok"] += again.rc == 0
            diff = differences(content(db), want) if again.rc == 0 else []
            n["equal_clean"] += again.rc == 0 and not diff
            if again.rc != 0:
                p.fail(f"{what}: the run after it: {again.describe()}")
            elif diff:
                p.fail(f"{what}: run again, differs from a clean run: {'; '.join(diff[:3])}")
        p.figures[stage] = dict(n, clean_seconds=round(took.seconds, 1))
        p.say(f"{stage} (clean run {took.seconds:.1f} s): {n['trials']} trials, {n['killed']} killed mid-run,"
              f" integrity ok {n['integrity_ok']}, re-run ok {n['rerun_ok']}, equal to clean {n['equal_clean']}"
              + (f", index loads {n['index_ok']}" if stage == "score" else "")
              + f", children left {n['children_left']}"
              + (f", ingest_runs left 'running' {n['runs_left_running']}" if stage.startswith("ingest") else ""))


# --- 3. full disk --------------------------------------------------------------------------
def probe_disk(ctx: Context, p: Probe) -> None:
    src = ctx.corpus.get("conf")
    mnt = ctx.work / "tmpfs"
    mnt.mkdir(exist_ok=True)
    size_mib = math.ceil(src.stat().st_size / 2**20) + 3
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mib}m", "tmpfs", str(mnt)],
                             capture_output=True, text=True, timeout=30)
    if mounted.returncode != 0:
        p.figures["skipped"] = reason = (mounted.stderr.strip() or f"mount exit {mounted.returncode}")[:200]
        p.say(f"skipped (cannot mount tmpfs here: {reason})")
        return
    try:
        db = copy_db(src, mnt / "full.db")
        ran = run(db, "ingest", "listings", LISTINGS, timeout=300)
        free = shutil.disk_usage(mnt).free
        after = copy_db(db, ctx.work / "after-full.db")  # checked off the full disk
    finally:
        for flags in ([], ["-l"]):
            if subprocess.run(["umount", *flags, str(mnt)], capture_output=True, timeout=30).returncode == 0:
                break
    keys_before, keys_after, running = set(query(src, "SELECT key FROM papers")), set(), 0
    if (checked := integrity(after)).startswith("ok"):
        keys_after = set(query(after, "SELECT key FROM papers"))
        running = runs_left_running(after)
    p.figures.update(tmpfs_mib=size_mib, free_bytes_after=free, command=ran.describe(), traceback=ran.traceback,
                     runs_left_running=running, integrity=checked, papers_before=len(keys_before),
                     papers_after=len(keys_after), kept_before=keys_before <= keys_after)
    p.say(f"ingest listings into a {size_mib} MiB tmpfs ({free:,} bytes free after): {ran.describe()}")
    p.say(f"ingest_runs left 'running': {running}; integrity: {checked};"
          f" papers {len(keys_before):,} before, {len(keys_after):,} after")
    for problem in error_problems(ran):
        p.fail(f"full disk: {problem} ({ran.describe()})")
    if running:
        p.fail(f"full disk: {running} ingest run(s) left 'running'")
    if not checked.startswith("ok"):
        p.fail(f"full disk: integrity_check: {checked}")
    if not keys_before <= keys_after:
        p.fail(f"full disk: {len(keys_before - keys_after):,} papers stored before are gone")


# --- 4. bad inputs -------------------------------------------------------------------------
WRITERS = ("ingest", "resolve", "score")  # in a missing directory these may create a new database


def probe_inputs(ctx: Context, p: Probe) -> None:
    rng, bad = ctx.rng("inputs"), ctx.work / "bad"
    bad.mkdir(exist_ok=True)
    good = ctx.corpus.get("small")
    key = query(good, "SELECT key FROM papers ORDER BY id LIMIT 1")[0][0]
    name = query(good, "SELECT name FROM researchers ORDER BY mentions DESC, id LIMIT 1")[0][0]
    n = Counter()

    def check(label: str, ran: Ran, *, want_error: bool = True, short: bool = False) -> None:
        n["tried"] += 1
        n["tracebacks"] += ran.traceback
        problems = error_problems(ran, want_error=want_error)
        if want_error:
            n["error_expected"] += 1
            n["nonzero_where_expected"] += ran.rc not in (0, None)
        if short and (len(ran.text) > 400 or len(ran.text.splitlines()) > 3):
            problems.append(f"{len(ran.text):,} characters, {len(ran.text.splitlines())} lines of output")
        if problems:
            n["bad"] += 1
            p.fail(f"{label}: {', '.join(problems)} — {ran.describe()}")

    # Broken databases: every command, serve too.
    damaged = copy_db(good, bad / "damaged.db")
    size = damaged.stat().st_size
    with damaged.open("r+b") as f:
        f.seek(size * 2 // 5 // 8192 * 8192)
        f.write(rng.randbytes(size // 5))
    truncated = copy_db(good, bad / "truncated.db")
    with truncated.open("r+b") as f:
        f.truncate(size // 2)
    (bad / "random.db").write_bytes(rng.randbytes(65536))
    (bad / "directory.db").mkdir(exist_ok=True)
    unreadable = copy_db(good, bad / "unreadable.db")
    unreadable.chmod(0)
    missing = bad / "absent" / "dir" / "x.db"
    broken = {"not SQLite (random bytes)": bad / "random.db", "damaged (a fifth overwritten)": damaged,
              "truncated (first half)": truncated, "a directory": bad / "directory.db",
              "in a missing directory": missing, "unreadable (mode 000)": unreadable}
    commands = [("stats",), ("papers", "--limit", "3"), ("paper", key), ("researcher", name), ("search", "neural"),
                ("rejects",), ("resolve",), ("score",), ("ingest", "snapshot", SNAPSHOT)]
    if ctx.quick:
        commands = [("stats",), ("paper", key), ("search", "neural"), ("resolve",)]
    as_root, written = os.geteuid() == 0, []
    for label, db in broken.items():
        before = sha256(db) if db.is_file() else None
        for args in (*commands, ("serve", "--port", str(free_port()))):
            ran = run(db, *args, timeout=ctx.size(12, 8) if args[0] == "serve" else 120)
            if args[0] == "serve" and ran.timed_out:
                ran.err += "\nerror: (the probe) kept serving a broken database"
            if label.startswith("unreadable") and as_root:
                n["root_unreadable_exit0"] += ran.rc == 0  # root reads a mode-000 file: not a failure here
                n["tried"] += 1
                n["tracebacks"] += ran.traceback
                if ran.traceback:
                    p.fail(f"{label} (as root), {args[0]}: traceback — {ran.describe()}")
                continue
            if label.startswith("damaged") and ran.rc == 0:  # it did not read the damaged pages
                n["damaged_exit0"] += 1
                n["tried"] += 1
                continue
            if label == "in a missing directory" and args[0] in WRITERS:  # may create a new database
                n["new_database_created"] += missing.exists()
                n["tried"] += 1
                shutil.rmtree(missing.parent.parent, ignore_errors=True)
                continue
            check(f"db {label}, {args[0]}", ran)
            if label == "in a missing directory" and missing.parent.parent.exists():
                p.fail(f"db {label}, {args[0]}: created {missing.parent}")
                shutil.rmtree(missing.parent.parent)
        if before is not None and sha256(db) != before:
            written.append(label)  # a figure only: ingest, resolve and score write where they can
    unreadable.chmod(0o644)

    # Unreadable input files.
    (bad / "empty.jsonl").write_bytes(b"")
    (bad / "binary.bin").write_bytes(rng.randbytes(65536))
    target = copy_db(good, bad / "ingest.db")
    for kind in ("atom", "listings", "snapshot", "conferences"):
        for label, path in (("an empty", bad / "empty.jsonl"), ("a binary", bad / "binary.bin")):
            check(f"ingest {kind} of {label} file", run(target, "ingest", kind, str(path), timeout=120))

    # Odd ids: not found, said in one short line.
    surrogate = b"\xed\xa0\x80"
    for args in (("paper", "²"), ("researcher", "²"), ("paper", "9" * 26), ("researcher", "x" * 100_000),
                 ("paper", "x" * 100_000), ("paper", surrogate), ("researcher", surrogate)):
        shown = args[1][:12] if isinstance(args[1], str) else repr(args[1])
        ran = run(good, *args, timeout=120)
        not_found = ran.rc == 0 and re.search(r"not found|no (paper|researcher)", ran.text, re.I)
        check(f"{args[0]} {shown}{'…' if len(args[1]) > 12 else ''}", ran, want_error=not not_found, short=True)

    # Read commands leave the database as it was (one whose search index lags an ingest). A
    # reader may create an empty -wal and the -shm (SQLite's WAL mode): that is not a write.
    reader = copy_db(ctx.corpus.get("small+new"), bad / "read.db")
    changed = []

    def state() -> tuple[str, str]:
        wal = Path(f"{reader}-wal")
        return sha256(reader), sha256(wal) if wal.exists() and wal.stat().st_size else "empty"

    for args in (("stats",), ("paper", key), ("papers", "--limit", "5"), ("search", "neural networks"),
                 ("researcher", name), ("rejects",)):
        before = state()
        ran = run(reader, *args, timeout=120)
        n["read_commands"] += 1
        if state() != before:
            changed.append(args[0])
            p.fail(f"read command `{args[0]}` changed the database file ({ran.describe()})")
    p.figures.update(n, read_commands_that_wrote=changed, broken_files_written=written, as_root=as_root)
    p.say(f"{n['tried']} inputs tried; tracebacks {n['tracebacks']}; non-zero exit where expected"
          f" {n['nonzero_where_expected']} of {n['error_expected']}; badly handled {n['bad']}")
    p.say(f"read commands that changed the database: {changed or 'none'} of {n['read_commands']}")
    p.say(f"damaged database: {n['damaged_exit0']} of {len(commands) + 1} commands exited 0 (they did not read"
          f" the damaged pages: counted, not a failure); broken files changed by the commands: {written or 'none'}")
    p.say(f"database in a missing directory: {n['new_database_created']} of the write commands created it"
          " (ingest, resolve, score: allowed, not counted)")
    if as_root:
        p.say(f"mode-000 database: run as root, so permissions do not apply ({n['root_unreadable_exit0']} of"
              f" {len(commands) + 1} commands read it and exited 0; not counted)")


# --- 5. concurrent stages ------------------------------------------------------------------
BUSY = re.compile(r"already running|held by|holds the lock", re.I)
MORE = re.compile(r"incomplete|run .{0,30}again", re.I)  # resolve saying that it left mentions for another run
RACE_PAPERS = 12_000


def two_at_once(ctx: Context, p: Probe, stage: str, prepared: str, clean: str) -> None:
    db = copy_db(ctx.corpus.get(prepared), ctx.work / f"two-{stage}.db")
    procs = []
    for i in range(2):
        procs.append(start(db, stage, log=ctx.work / f"two-{stage}-{i}.log"))
        time.sleep(0.2)
    outcomes = []
    for i, proc in enumerate(procs):
        finish(proc, 600)
        text = (ctx.work / f"two-{stage}-{i}.log").read_text(errors="replace")
        said = Ran([], proc.returncode, "", text, 0)
        outcomes.append(said.describe()[:100])
        if (proc.returncode != 0 and not BUSY.search(text)) or "Traceback" in text:
            p.fail(f"two {stage} at once, run {i + 1}: {outcomes[-1]}")
    said_busy = any(BUSY.search((ctx.work / f"two-{stage}-{i}.log").read_text(errors="replace")) for i in range(2))
    diff = differences(content(db), content(ctx.corpus.get(clean)))
    p.figures[f"two_{stage}"] = {"outcomes": outcomes, "said_busy": said_busy, "equal_clean": not diff}
    extra = ""
    if stage == "score":
        extra = f"; index: {index_loads(db)}"
        if not index_loads(db).startswith("ok"):
            p.fail(f"two score at once: the index does not load: {index_loads(db)}")
    p.say(f"two {stage} at once: {' | '.join(outcomes)}; one named the lock holder: {said_busy};"
          f" result equal to a clean {stage}: {not diff}{extra}")
    if diff:
        p.fail(f"two {stage} at once: result differs from a clean {stage}: {'; '.join(diff[:3])}")


def probe_concurrent(ctx: Context, p: Probe) -> None:
    # resolve while an ingest adds papers: resolve starts once the ingest's first batch is in
    db = copy_db(ctx.corpus.get("small"), ctx.work / "race.db")
    big = fresh_listings(ctx.work / "race.jsonl.gz", RACE_PAPERS, authors=1)
    before = query(db, "SELECT count(*) FROM papers")[0][0]
    ingest = start(db, "ingest", "listings", str(big), log=ctx.work / "race-ingest.log")
    started = time.perf_counter()
    while ingest.poll() is None and time.perf_counter() - started < 60:
        if query(db, "SELECT count(*) FROM papers")[0][0] > before:
            break
        time.sleep(0.02)
    resolve = start(db, "resolve", log=ctx.work / "race-resolve.log")
    resolve_started, ingest_ended = time.perf_counter(), None
    for proc in (ingest, resolve):
        finish(proc, 600)
        ingest_ended = ingest_ended or time.perf_counter()
    overlap = ingest_ended - resolve_started
    said = (ctx.work / "race-resolve.log").read_text(errors="replace")
    ingested = (ctx.work / "race-ingest.log").read_text(errors="replace")
    left = unresolved(db)
    reference = run(db, "resolve", timeout=600)
    expected = unresolved(db)
    again = bool(MORE.search(said))
    p.figures["resolve_during_ingest"] = {
        "ingest_exit": signal_text(ingest.returncode), "resolve_exit": signal_text(resolve.returncode),
        "unresolved_after": left, "unresolved_after_second_resolve": expected, "said_run_again": again,
        "ingest_ran_on_s": round(overlap, 2)}
    p.say(f"resolve during an ingest of {RACE_PAPERS:,} one-author papers (still writing {overlap:.1f} s after resolve started"
          f"{'; too short to overlap: not exercised' if overlap < 0.3 else ''}):"
          f" ingest exit {signal_text(ingest.returncode)}, resolve exit {signal_text(resolve.returncode)};"
          f" authorships without a researcher {left:,} (after a second resolve: {expected:,});"
          f" resolve said to run again: {again}")
    for label, proc, text in (("ingest", ingest, ingested), ("resolve", resolve, said)):
        if (proc.returncode != 0 and not (label == "resolve" and MORE.search(text))) or "Traceback" in text:
            p.fail(f"resolve during ingest: {label} exit {signal_text(proc.returncode)}:"
                   f" {[x for x in text.splitlines() if x.strip()][-1:]}")
    if left > expected and not again:
        p.fail(f"resolve during ingest: {left - expected:,} authorships left unresolved and resolve did not say so"
               f" (it printed: {said.strip().splitlines()[0][:140] if said.strip() else '(nothing)'})")
    if reference.rc != 0:
        p.fail(f"resolve after the race: {reference.describe()}")

    two_at_once(ctx, p, "resolve", "small+new", "small+new+resolved")
    two_at_once(ctx, p, "score", "small+new+resolved", "small+new+scored")

    # kill -9 of resolve --full while its worker processes cluster
    db = copy_db(ctx.corpus.get("listings"), ctx.work / "workers.db")
    proc = start(db, "resolve", "--full", log=ctx.work / "workers.log")
    started, workers = time.perf_counter(), set()
    while proc.poll() is None and time.perf_counter() - started < 180:
        workers |= descendants(proc.pid)
        if workers and time.perf_counter() - started > 1:
            time.sleep(1)
            workers |= descendants(proc.pid)
            break
        time.sleep(0.1)
    if not workers:
        kill_group(proc.pid)
        proc.wait()
        p.figures["workers_after_kill"] = "not exercised: no worker process seen"
        p.say(f"kill -9 resolve --full: no worker process seen in {time.perf_counter() - started:.0f} s"
              f" (exit {signal_text(proc.poll())}); not exercised")
        return
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(1)
    at_1s = {w for w in workers if alive(w)}
    bound = ctx.size(30, 10)
    gone = wait_gone(workers, bound - 1)
    kill_group(proc.pid)
    wait_gone(workers, 5)
    p.figures["workers_after_kill"] = {"workers": len(workers), "alive_after_1s": len(at_1s),
                                       "gone_after_s": None if gone is None else round(gone + 1, 1)}
    p.say(f"kill -9 resolve --full: {len(workers)} worker(s); alive 1 s later: {len(at_1s)};"
          f" all gone after {f'more than {bound}' if gone is None else f'{gone + 1:.1f}'} s")
    if at_1s:
        p.fail(f"kill -9 resolve --full: {len(at_1s)} of {len(workers)} workers alive 1 s later"
               f" ({f'still after {bound} s' if gone is None else f'gone after {gone + 1:.1f} s'})")


PROBES = {"serve": probe_serve, "kill": probe_kill, "disk": probe_disk, "inputs": probe_inputs,
          "concurrent": probe_concurrent}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=PROBES, action="append", help="run this probe (repeatable); default all")
    parser.add_argument("--quick", action="store_true", help="smaller corpus, fewer trials: ~2 minutes")
    parser.add_argument("--trials", type=int, help="kill trials per stage (default 4, --quick 1)")
    parser.add_argument("--db", type=Path, help="a scored database of the whole sample to copy (never changed);"
                        " default: built from sample/")
    parser.add_argument("--rate", type=float, default=24, help="requests per second of the serve probe's load")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--workdir", type=Path, help="where databases are built (default: a temporary directory)")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    args = parser.parse_args()
    if args.db is not None and not args.db.is_file():
        parser.error(f"--db {args.db}: no such file")
    work = args.workdir or Path(tempfile.mkdtemp(prefix="paperscope-faults-"))
    work.mkdir(parents=True, exist_ok=True)
    ctx = Context(work, Corpus(work, args.db, args.quick), args.quick,
                  args.trials or (1 if args.quick else 4), args.seed, args.rate)
    started, results = time.perf_counter(), []
    print(f"paperscope fault probes ({'quick' if args.quick else 'default'}; seed {args.seed}; in {work})", flush=True)
    try:
        for name in args.only or PROBES:
            probe, t0 = Probe(name), time.perf_counter()
            try:
                PROBES[name](ctx, probe)
            except Exception as exc:  # noqa: BLE001 — a probe that cannot run is reported, the rest still run
                probe.fail(f"could not run: {type(exc).__name__}: {exc}")
            probe.figures["seconds"] = round(time.perf_counter() - t0, 1)
            results.append(probe)
    finally:
        stop_started()
        if not args.keep and args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    seconds = time.perf_counter() - started
    print(f"\n== {len(results)} probes in {seconds:.0f} s ==")
    for probe in results:
        print(f"{probe.name}: " + ("held" if not probe.failures else f"{len(probe.failures)} failure(s)"))
        for failure in probe.failures:
            print(f"  - {failure}")
    if args.json:
        args.json.write_text(json.dumps({
            "date": date.today().isoformat(), "quick": args.quick, "seed": args.seed, "seconds": round(seconds),
            "probes": {r.name: {"held": not r.failures, "figures": r.figures, "failures": r.failures} for r in results},
        }, indent=2, default=str) + "\n")
    return 1 if any(r.failures for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
