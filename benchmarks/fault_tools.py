"""Helpers of benchmarks/faults.py: running paperscope, the sample databases the probes
start from, comparing two databases' contents, and finding a killed command's children."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx

EXE = Path(sys.executable).parent / "paperscope"
SAMPLE = Path(__file__).resolve().parent.parent / "sample"
AS_OF = "2026-11-23"


# --- running commands ----------------------------------------------------------------------
def signal_text(rc: int | None) -> str:
    """An exit status as people read it: "0", "1", "SIGSEGV", "running"."""
    if rc is None:
        return "running"
    if rc < 0:
        try:
            return signal.Signals(-rc).name
        except ValueError:
            return f"signal {-rc}"
    return str(rc)


@dataclass
class Ran:
    """One finished (or timed-out) command: its status and what it printed."""

    args: list[str]
    rc: int | None
    out: str
    err: str
    seconds: float
    timed_out: bool = False

    @property
    def text(self) -> str:
        return self.out + self.err

    @property
    def traceback(self) -> bool:
        return "Traceback (most recent call last)" in self.text

    def first_line(self) -> str:
        """The error line if there is one, else the exception a traceback ends with, else the
        first line printed at all."""
        lines = [line.strip() for line in (self.err + "\n" + self.out).splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("error:")]
        if not errors and self.traceback:
            errors = [line for line in reversed(self.err.splitlines()) if line.strip() and not line[0].isspace()]
        return ((errors or lines or ["(no output)"])[0])[:160]

    def describe(self) -> str:
        status = "timed out" if self.timed_out else f"exit {signal_text(self.rc)}"
        return f"{status}: {self.first_line()}"


def run(db: Path | str | None, *args: str | bytes, timeout: float = 300) -> Ran:
    """``paperscope [--db DB] ARGS`` to the end, in its own process group (all of which is
    killed on timeout)."""
    argv = [str(EXE), *(["--db", str(db)] if db is not None else []), *args]
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        kill_group(proc.pid)
        out, err = proc.communicate()
        timed_out = True
    shown = [a.decode("utf-8", "backslashreplace") if isinstance(a, bytes) else a for a in argv[1:]]
    return Ran(shown, proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"),
               time.perf_counter() - started, timed_out)


STARTED: list[subprocess.Popen] = []


def start(db: Path, *args: str, log: Path) -> subprocess.Popen:
    """``paperscope --db DB ARGS`` started in its own process group, output into ``log``."""
    with log.open("wb") as out:
        proc = subprocess.Popen([str(EXE), "--db", str(db), *args], stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    STARTED.append(proc)
    return proc


def finish(proc: subprocess.Popen, timeout: float) -> int:
    """Wait for a started command; its process group is killed if it runs over ``timeout``."""
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        kill_group(proc.pid)
        return proc.wait()


def stop_started() -> None:
    """Kill what ``start`` started and is still running (a probe that stopped half way)."""
    for proc in STARTED:
        if proc.poll() is None:
            kill_group(proc.pid)
            proc.wait()


def must(ran: Ran) -> Ran:
    """A set-up command that has to work, or the probes cannot start."""
    if ran.rc != 0:
        raise SetupError(f"`paperscope {' '.join(ran.args)}` {ran.describe()}")
    return ran


class SetupError(RuntimeError):
    pass


def error_problems(ran: Ran, *, want_error: bool = True) -> list[str]:
    """What is wrong with how a command failed: a traceback, a hang, a signal, exit 0 where an
    error was due, or anything but one ``error:`` line on stderr."""
    out = []
    if ran.traceback:
        out.append("traceback")
    if ran.timed_out:
        out.append("did not end")
    elif ran.rc is not None and ran.rc < 0:
        out.append(f"killed by {signal_text(ran.rc)}")
    elif want_error and ran.rc == 0:
        out.append("exit 0")
    if ran.rc:
        lines = [line for line in ran.err.splitlines() if line.strip()]
        if len(lines) != 1 or not lines[0].startswith("error:") or len(lines[0]) > 300:
            out.append(f"stderr: {len(lines)} lines, not one short `error:` line")
    return out


# --- processes -----------------------------------------------------------------------------
def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, pgrp) of a process, None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return fields[0], int(fields[1]), int(fields[2])


def alive(pid: int) -> bool:
    st = _stat(pid)
    return st is not None and st[0] not in "ZX"


def processes() -> dict[int, tuple[str, int, int]]:
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (st := _stat(int(entry.name))) is not None:
            out[int(entry.name)] = st
    return out


def group_members(pgid: int) -> set[int]:
    """Live processes of a process group (a command started by ``start`` or ``run``)."""
    return {pid for pid, (state, _, pgrp) in processes().items() if pgrp == pgid and state not in "ZX"}


def descendants(pid: int) -> set[int]:
    procs = processes()
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for child, (state, ppid, _) in procs.items():
            if ppid == parent and child not in found and state not in "ZX":
                found.add(child)
                todo.append(child)
    return found


def kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def wait_gone(pids: set[int], limit: float) -> float | None:
    """Seconds until none of ``pids`` is alive (polled every 50 ms), None if some still are
    after ``limit``."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if not any(alive(p) for p in pids):
            return time.perf_counter() - started
        time.sleep(0.05)
    return None


def kill_after(proc: subprocess.Popen, delay: float) -> bool:
    """SIGKILL after ``delay`` s; False when it had ended by then."""
    try:
        proc.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return True


def kill_at_index_write(proc: subprocess.Popen, db: Path, limit: float) -> tuple[bool, float]:
    """SIGKILL as soon as any file under ``<db>.ann`` is created or changes (polled every 2 ms)."""

    def files() -> dict[str, int]:
        out = {}
        for root, _, names in os.walk(f"{db}.ann"):
            for n in names:
                try:
                    out[os.path.join(root, n)] = os.stat(os.path.join(root, n)).st_mtime_ns
                except OSError:
                    pass
        return out

    before, started = files(), time.perf_counter()
    while proc.poll() is None and time.perf_counter() - started < limit:
        if files() != before:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return True, time.perf_counter() - started
        time.sleep(0.002)
    return kill_after(proc, 0), time.perf_counter() - started


# --- databases -----------------------------------------------------------------------------
def copy_db(src: Path, dst: Path) -> Path:
    """A database with its WAL (when one is left) and its ANN index directory ``<db>.ann``.
    A missing ``src`` stands for "no database yet": nothing is copied."""
    for path in (dst, Path(f"{dst}-wal"), Path(f"{dst}-shm")):
        path.unlink(missing_ok=True)
    shutil.rmtree(f"{dst}.ann", ignore_errors=True)
    if src.exists():
        shutil.copyfile(src, dst)
        if Path(f"{src}-wal").exists():
            shutil.copyfile(f"{src}-wal", f"{dst}-wal")
        if Path(f"{src}.ann").is_dir():
            shutil.copytree(f"{src}.ann", f"{dst}.ann")
    return dst


def integrity(db: Path) -> str:
    """``PRAGMA integrity_check`` ("ok" when whole), or the error that stopped it."""
    if not db.exists():
        return "ok (no database yet)"
    try:
        conn = sqlite3.connect(db)
        try:
            return "; ".join(r[0] for r in conn.execute("PRAGMA integrity_check").fetchall())[:200]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"{type(exc).__name__}: {exc}"


def query(db: Path, sql: str, *params: object) -> list[tuple]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "absent"


# Content tables compared after a killed stage is run again; paper ids are replaced by keys.
CONTENT = ("papers", "paper_ids", "versions", "authorships", "hidden_authorships", "code_links",
           "citation_counts", "provenance", "claims", "researcher_pages", "researcher_page_papers", "rejects",
           "researchers", "researcher_mentions", "researcher_ids", "resolve_blocks", "embeddings", "paper_scores")
# Run ids, timestamps and row ids given in order of arrival: they differ between runs.
VOLATILE = {"created_run", "updated_run", "run_id", "computed", "started_at", "finished_at"}
ROW_IDS = {"papers", "hidden_authorships", "claims", "rejects"}


def content(db: Path) -> dict[str, Counter]:
    """Each content table's rows (as a multiset), without the volatile columns."""
    out: dict[str, Counter] = {}
    if not db.exists():
        return out
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        for table in CONTENT:
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            keep = [c for c in cols if c not in VOLATILE and not (c == "id" and table in ROW_IDS)]
            if not keep:
                continue
            sel = ", ".join("coalesce(p.key, 'missing:' || t.paper_id)" if c == "paper_id" else f"t.{c}" for c in keep)
            join = " LEFT JOIN papers p ON p.id = t.paper_id" if "paper_id" in cols else ""
            out[table] = Counter(conn.execute(f"SELECT {sel} FROM {table} t{join}"))  # noqa: S608
    finally:
        conn.close()
    return out


def differences(got: dict[str, Counter], want: dict[str, Counter]) -> list[str]:
    """What differs between two ``content`` results, one short line per table."""
    out = []
    for table in sorted(set(got) | set(want)):
        a, b = got.get(table, Counter()), want.get(table, Counter())
        if a != b:
            extra, missing = a - b, b - a
            example = next(iter(extra or missing))
            out.append(f"{table}: {sum(a.values()):,} rows vs {sum(b.values()):,} clean"
                       f" ({sum(extra.values()):,} extra, {sum(missing.values()):,} missing,"
                       f" e.g. {'extra' if extra else 'missing'} {str(example)[:100]})")
    return out


def runs_left_running(db: Path) -> int:
    """Ingest runs still marked 'running' (none can be: nothing else runs on the copies)."""
    if not db.exists() or not query(db, "SELECT 1 FROM sqlite_master WHERE name = 'ingest_runs'"):
        return 0
    return query(db, "SELECT count(*) FROM ingest_runs WHERE status = 'running'")[0][0]


def unresolved(db: Path) -> int:
    """Authorships (listed or hidden) that no researcher has as a mention."""
    return query(db, """
        SELECT (SELECT count(*) FROM authorships a WHERE NOT EXISTS (SELECT 1 FROM researcher_mentions m
                 WHERE m.paper_id = a.paper_id AND m.mention = 'p' || a.position))
             + (SELECT count(*) FROM hidden_authorships h WHERE NOT EXISTS (SELECT 1 FROM researcher_mentions m
                 WHERE m.paper_id = h.paper_id AND m.mention = 'h:' || h.raw_name))""")[0][0]


def index_loads(db: Path) -> str:
    """"ok (N vectors)" when the ANN index beside the database loads, else why not. Uses the
    published generation where the code has one (``ann.load_published``)."""
    try:
        from paperscope import ann
        from paperscope.store import open_store

        models = [m for (m,) in query(db, "SELECT DISTINCT model FROM embeddings")]
        if not models:
            return "no embeddings"
        if hasattr(ann, "load_published"):
            store = open_store(str(db), read_only=True)
            try:
                index = ann.load_published(store, models[0])
            finally:
                store.close()
        else:
            index = ann.AnnIndex.load(ann.index_dir(db, models[0]))
        return "missing" if index is None else f"ok ({len(index):,} vectors)"
    except Exception as exc:  # noqa: BLE001 — any failure to load is the finding
        return f"{type(exc).__name__}: {str(exc)[:150]}"


# --- the sample ----------------------------------------------------------------------------
def fresh_listings(path: Path, n: int, authors: int | None = None) -> Path:
    """n daily-listing records not in the sample: its real records cycled, with new arXiv ids
    (2301.00001 on; the sample's start at 2501) and titles made distinct; with ``authors``,
    each keeps only its first ones (less for resolve to do, the same to ingest)."""
    base = [json.loads(line) for line in gzip.open(SAMPLE / "arxiv-daily-cs.jsonl.gz", "rt", encoding="utf-8")]
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for i in range(n):
            record = dict(base[i % len(base)])
            record["id"] = f"{2301 + i // 99999:04d}.{i % 99999 + 1:05d}"
            record["arxiv_yymm"] = record["id"][:4]
            record["abs_url"] = f"https://arxiv.org/abs/{record['id']}"
            record["title"] = f"{record['title']} (copy {i})"
            record["authors"] = record["authors"][:authors]
            f.write(json.dumps(record) + "\n")
    return path


class Corpus:
    """The databases the probes start from, built on first use in ``workdir`` (never changed
    after): each a step of the bundled sample's pipeline. Probes work on copies."""

    def __init__(self, workdir: Path, sample_db: Path | None, quick: bool, log=print) -> None:
        self.dir = workdir / "corpus"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.sample_db, self.quick, self.log = sample_db, quick, log
        self.new_papers = 300  # the batch ingested before the resolve and score trials

    def path(self, name: str) -> Path:
        return self.dir / f"{name}.db"

    def get(self, name: str) -> Path:
        db = self.path(name)
        if name == "none" or db.exists():
            return db
        started = time.perf_counter()
        steps = self._recipe(name)
        if isinstance(steps, tuple):
            copy_db(self.get(steps[0]), db)
            for args in steps[1:]:
                must(run(db, *args, timeout=900))
        self.log(f"  (built {name}: {time.perf_counter() - started:.1f} s)")
        return db

    def _recipe(self, name: str) -> tuple | None:
        new = str(self.dir / "new-papers.jsonl.gz")
        if name == "small+new" and not Path(new).exists():
            fresh_listings(Path(new), self.new_papers)
        recipes = {
            "listings": ("none", ("ingest", "listings", str(SAMPLE / "arxiv-daily-cs.jsonl.gz"))),
            "conf": ("none", ("ingest", "conferences", str(SAMPLE / "conferences.jsonl.gz"))),
            "conf+snap": ("conf", ("ingest", "snapshot", str(SAMPLE / "arxiv-snapshot.jsonl"))),
            "small": ("conf+snap", ("ingest", "seeds", str(SAMPLE / "seeds"), "--as-of", AS_OF),
                      ("resolve",), ("score",)),
            "small+new": ("small", ("ingest", "listings", new)),
            "small+new+resolved": ("small+new", ("resolve",)),
            "small+new+scored": ("small+new+resolved", ("score",)),
        }
        if name in recipes:
            return recipes[name]
        if name != "sample":
            raise KeyError(name)
        if self.sample_db is not None:  # a given database: copied, its index built if missing
            copy_db(self.sample_db, self.path(name))
            if not Path(f"{self.path(name)}.ann").is_dir():
                must(run(self.path(name), "score", "--only", "index", timeout=900))
            return None
        if self.quick:
            return ("small",)
        return ("listings", ("ingest", "snapshot", str(SAMPLE / "arxiv-snapshot.jsonl")),
                ("ingest", "conferences", str(SAMPLE / "conferences.jsonl.gz")),
                ("ingest", "seeds", str(SAMPLE / "seeds"), "--as-of", AS_OF), ("resolve",), ("score",))


# --- load on the web app -----------------------------------------------------------------
ROUTES = {"feed page": 10, "feed api": 10, "paper page": 25, "paper api": 25, "researcher page": 15, "search api": 15}


class Load:
    """Paced GETs from ``threads`` threads (``rate`` per second in all, no catch-up bursts);
    each outcome is recorded with the pipeline phase it started in."""

    def __init__(self, base: str, paths: dict[str, list[str]], threads: int, rate: float, seed: int) -> None:
        self.base, self.paths, self.threads, self.rate, self.seed = base, paths, threads, rate, seed
        self.phase = "before"
        self.stop = threading.Event()
        self.deadline = time.perf_counter() + 3600
        self.records: list[tuple[str, str, float, int | str]] = []  # phase, route, ms, status or error
        self.similar: Counter[bool] = Counter()  # paper API answers with / without similar papers
        self.pool = [threading.Thread(target=self._worker, args=(i,), daemon=True) for i in range(threads)]

    def __enter__(self) -> Load:
        for t in self.pool:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.pool:
            t.join(30)

    def _worker(self, i: int) -> None:
        rng = random.Random(self.seed * 100 + i)
        interval = self.threads / self.rate
        due = time.perf_counter() + rng.random() * interval
        routes, weights = list(ROUTES), list(ROUTES.values())
        with httpx.Client(base_url=self.base, timeout=15) as client:
            while not self.stop.is_set() and time.perf_counter() < self.deadline:
                if (wait := due - time.perf_counter()) > 0:
                    self.stop.wait(wait)
                    continue
                due = max(due + interval, time.perf_counter())
                route = rng.choices(routes, weights)[0]
                phase, started = self.phase, time.perf_counter()
                try:
                    answer = client.get(rng.choice(self.paths[route]))
                    outcome: int | str = answer.status_code
                    if route == "paper api" and outcome == 200:
                        self.similar[bool(answer.json().get("similar"))] += 1
                except httpx.TimeoutException:
                    outcome = "timeout"
                except (httpx.HTTPError, ValueError) as exc:
                    outcome = type(exc).__name__
                self.records.append((phase, route, (time.perf_counter() - started) * 1000, outcome))


def load_targets(db: Path, rng: random.Random) -> dict[str, list[str]]:
    keys = [k for (k,) in query(db, "SELECT p.key FROM papers p WHERE p.id IN (SELECT paper_id FROM embeddings)"
                                    " ORDER BY p.id")]
    keys = rng.sample(keys, min(80, len(keys)))
    people = [r for (r,) in query(db, "SELECT id FROM researchers ORDER BY mentions DESC, id LIMIT 300")]
    titles = [t for (t,) in query(db, "SELECT title FROM papers ORDER BY id")]
    queries = [" ".join(words(t)[:2]) or "learning" for t in rng.sample(titles, min(40, len(titles)))]
    return {
        "feed page": ["/", "/?sort=newest", "/feed?sort=novelty"], "feed api": ["/api/feed", "/api/feed?sort=newest"],
        "paper page": [f"/papers/{quote(k, safe=':/')}" for k in keys],
        "paper api": [f"/api/papers/{quote(k, safe=':/')}" for k in keys],
        "researcher page": [f"/researchers/{r}" for r in rng.sample(people, min(60, len(people)))] or ["/"],
        "search api": ["/api/search?" + urlencode({"q": q}) for q in queries],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def words(text: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[A-Za-z]{6,}", text)]
