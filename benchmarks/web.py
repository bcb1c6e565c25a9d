"""Web app under load: `paperscope serve` answering researcher, paper, feed and search pages.

With a scored database (≥ 100k papers), in one run:

1. makes sure the ANN index (``<db>.ann/``) and the search index are there
   (``paperscope score --only index`` if the index is missing — timed, not part of the load);
2. picks request targets from the database itself (read-only): researchers sampled by
   mentions (how often a profile is reached from an author list) plus the largest
   profiles, random papers by key or by arXiv id / DOI, feed pages of varied sorts,
   filters and offsets, and search queries made of real title words, whole titles,
   researcher names and their one-typo variants;
3. starts ``paperscope serve`` in a subprocess on a free port of 127.0.0.1;
4. per class (static, researcher, paper, feed, search, then all mixed): a warm-up (not
   counted); the reference — one connection, one request at a time; the load of the
   issue — N connections, each sending its next request when the last one is answered
   (closed loop), for D seconds; and the same pages paced at half the closed loop's
   throughput (Poisson arrivals, latency counted from when each request was due);
5. prints per class and load: requests, errors (any answer but 200, or none), requests/s,
   p50/p95/p99 latency of the 200s, and the CPU used by the server, by this process and by
   everything else on the machine; then the server's peak RSS (VmHWM), examples of the
   errors and the exceptions in the server's log.

The static file (``/static/style.css``) is the framework-overhead reference: what uvicorn
+ FastAPI cost per request with no paperscope code. The load comes from a small asyncio
HTTP/1.1 client in this process (see Connection: httpx cost more CPU than the server's
cheaper pages). ``--profile S`` adds a py-spy record of the server for S seconds under the
researcher load (or ``--profile-class``): raw stacks kept, the top frames printed.

``--db`` is a SQLite file or a ``postgresql://`` URL. On PostgreSQL, when the server runs
on this machine (its backends are visible in /proc), a "db" CPU column adds the CPU of the
whole PostgreSQL server (postmaster, backends, background processes), taken out of
"other". ``--workers N`` is passed to ``paperscope serve --workers N``; the server's CPU
and RSS are then those of its whole process tree (the supervisor and its workers).

    python benchmarks/web.py --db scratch.db [--seconds 20] [--connections 32]
        [--classes static,researcher,paper,feed,search,mixed] [--paced 0.5] [--profile 10]
    python benchmarks/web.py --db postgresql://user@host/conf [--workers 2] ...

The database is migrated and may be indexed in place: pass a copy.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import httpx

EXE = Path(sys.executable).parent / "paperscope"
PY_SPY = Path(sys.executable).parent / "py-spy"
CLASSES = ("static", "researcher", "paper", "feed", "search", "mixed")
GOAL_P95_MS = {"researcher": 50, "paper": 50, "feed": 50, "search": 150, "mixed": None, "static": None}
GOAL_RSS_MIB = 1024
MIXED_WEIGHTS = {"researcher": 35, "paper": 35, "feed": 15, "search": 15}
KEEP_ALIVE_S = 4.5  # uvicorn closes a keep-alive connection idle for 5 s
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
TICKS = os.sysconf("SC_CLK_TCK")
_TITLE_WORD = re.compile(r"[A-Za-z][A-Za-z-]{4,}")
# Words too common in titles to stand for a topic on their own.
_COMMON = frozenset("""
about after among based between beyond deep distributed efficient from generalized improved
improving large learning model models method methods multi network networks neural novel
through toward towards under using via with without their these those which while where
""".split())


# --- targets -------------------------------------------------------------------------------
@dataclass
class Targets:
    """Paths to request, per class, and what they were drawn from."""

    paths: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def paper_path(ref: str) -> str:
    return "/papers/" + quote(ref, safe=":/")  # as the app's own links quote them


def pick_targets(db: str | Path, rng: random.Random, *, researchers: int = 200, papers: int = 500,
                 feeds: int = 120, queries: int = 200) -> Targets:
    """Request paths drawn from the database (opened read-only; SQLite or PostgreSQL)."""
    from paperscope.store import open_store

    store = open_store(db, read_only=True)
    conn = store.db  # `?` placeholders and fetchone/fetchall on both engines
    out = Targets()
    out.paths["static"] = ["/static/style.css"]

    # Researchers: by mentions (a profile is reached from the author lists of papers), and
    # the five largest profiles always.
    rows = conn.execute("SELECT id, mentions FROM researchers").fetchall()
    largest = sorted(rows, key=lambda r: -r[1])[:5]
    chosen = {rid: m for rid, m in largest}
    while len(chosen) < researchers:
        for rid, m in rng.choices(rows, weights=[m for _, m in rows], k=researchers):
            if len(chosen) < researchers:
                chosen[rid] = m
    paths = []
    for rid in chosen:
        sort = rng.choices(["", "citations", "score", "novelty"], weights=[70, 10, 10, 10])[0]
        paths.append(f"/researchers/{rid}" + (f"?sort={sort}" if sort else ""))
    out.paths["researcher"] = paths
    sizes = sorted(chosen.values())
    out.notes.append(f"{len(paths)} researchers of {len(rows):,} (mentions: median {sizes[len(sizes) // 2]},"
                     f" p90 {sizes[int(len(sizes) * 0.9)]}, max {sizes[-1]}; 30% with sort=…)")

    # Papers: most by key, a fifth by an arXiv id or DOI (find_paper's other paths).
    # Drawn here, not with SQL's random(), so that --seed gives the same targets.
    other = sample(rng, conn.execute(
        "SELECT value FROM paper_ids WHERE scheme IN ('arxiv', 'doi') ORDER BY scheme, value").fetchall(), papers // 5)
    keyed = sample(rng, conn.execute("SELECT key FROM papers ORDER BY id").fetchall(), papers - len(other))
    out.paths["paper"] = [paper_path(k) for (k,) in keyed] + [paper_path(value) for (value,) in other]
    out.notes.append(f"{len(out.paths['paper'])} papers ({len(other)} by arXiv id or DOI, the rest by key)")

    # Feed: both addresses, every sort, the filters a visitor clicks, deep pages now and then.
    categories = [c for (c,) in conn.execute(
        "SELECT coalesce(primary_category, category_code) AS c FROM papers"
        " WHERE coalesce(primary_category, category_code) IS NOT NULL"
        " GROUP BY c ORDER BY count(*) DESC LIMIT 6").fetchall()]
    newest_year = conn.execute("SELECT max(year) FROM papers").fetchone()[0] or 2025
    paths = []
    for _ in range(feeds):
        params: dict[str, str] = {}
        sort = rng.choice(["score", "score", "newest", "novelty"])
        if sort != "score":
            params["sort"] = sort
        kind = rng.choices(["none", "category", "has_code", "min_novelty", "since"], weights=[40, 25, 15, 10, 10])[0]
        if kind == "category" and categories:
            params["category"] = rng.choice(categories)
        elif kind == "has_code":
            params["has_code"] = "true"
        elif kind == "min_novelty":
            params["min_novelty"] = rng.choice(["50", "90"])
        elif kind == "since":
            params["since"] = f"{newest_year - rng.choice([0, 1, 3])}-01-01"
        offset = rng.choices([0, 20, 100, 1000], weights=[70, 15, 10, 5])[0]
        if offset:
            params["offset"] = str(offset)
        base = rng.choice(["/", "/feed"])
        paths.append(base + ("?" + urlencode(params) if params else ""))
    out.paths["feed"] = paths
    out.notes.append(f"{len(paths)} feed pages (/ and /feed; sorts, category/has_code/min_novelty/since"
                     " filters, offsets 0–1000)")

    # Search: title words, whole titles, names, names with one typo, single topic words.
    titles = [t for (t,) in sample(rng, conn.execute("SELECT title FROM papers ORDER BY id").fetchall(), queries * 2)]
    names = [n for (n,) in sample(rng, conn.execute(
        "SELECT name FROM researchers WHERE mentions >= 3 ORDER BY id").fetchall(), queries)]
    words_of = [[w for w in _TITLE_WORD.findall(t) if w.lower() not in _COMMON] for t in titles]
    words_of = [ws for ws in words_of if ws]
    kinds = collections.Counter()
    found: list[str] = []
    for i in range(queries):
        kind = rng.choices(["words", "title", "name", "typo", "word"], weights=[30, 15, 25, 15, 15])[0]
        ws = words_of[i % len(words_of)]
        if kind == "words" and len(ws) >= 2:
            start = rng.randrange(len(ws) - 1)
            q = " ".join(ws[start : start + rng.choice([2, 3])]).lower()
        elif kind == "title":
            q = titles[i]
        elif kind in ("name", "typo"):
            q = names[i % len(names)]
            if kind == "typo":
                q = one_typo(q, rng)
        else:
            kind = "word"
            q = rng.choice(ws).lower()
        kinds[kind] += 1
        found.append("/search?" + urlencode({"q": q[:200]}))
    out.paths["search"] = found
    out.notes.append(f"{len(found)} search queries (" + ", ".join(f"{n} {k}" for k, n in kinds.most_common()) + ")")
    store.close()
    return out


def sample(rng: random.Random, rows: list[Any], k: int) -> list[Any]:
    return rng.sample(rows, min(k, len(rows)))


def one_typo(name: str, rng: random.Random) -> str:
    """The name with one letter of its longest word dropped, doubled or swapped."""
    words = name.split()
    i = max(range(len(words)), key=lambda j: len(words[j]))
    w = words[i]
    if len(w) < 4:
        return name
    j = rng.randrange(1, len(w) - 1)
    edit = rng.choice(["drop", "double", "swap"])
    if edit == "drop":
        w = w[:j] + w[j + 1 :]
    elif edit == "double":
        w = w[:j] + w[j] + w[j:]
    else:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    words[i] = w
    return " ".join(words)


# --- the server ----------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM (KiB) and Threads of a process."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM", "Threads"):
            out[key] = int(value.split()[0])
    return out


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy so far (/proc/stat: all but idle and iowait)."""
    ticks = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    return (sum(ticks) - ticks[3] - ticks[4]) / TICKS


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process (all its threads) and of all its descendants so far:
    living ones by their own counters, ended ones as their parent's cutime/cstime.
    (`paperscope serve --workers N`: the supervisor and its workers; PostgreSQL: the
    postmaster and its backends.)"""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    total = int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
    for child in descendants(pid):
        try:
            f = Path(f"/proc/{child}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue  # ended meanwhile
        total += int(f[11]) + int(f[12])
    return total / TICKS


def descendants(pid: int) -> list[int]:
    """The living descendants of a process (by /proc/*/stat's ppid)."""
    children: dict[int, list[int]] = collections.defaultdict(list)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children[ppid].append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def tree_status(pid: int) -> dict[str, int]:
    """proc_status summed over a process and its descendants (one process: the same)."""
    total = proc_status(pid)
    for child in descendants(pid):
        try:
            status = proc_status(child)
        except OSError:
            continue
        for key, value in status.items():
            total[key] = total.get(key, 0) + value
    return total


def postgres_server_pid(db: str) -> int | None:
    """The postmaster of the PostgreSQL server at ``db``, if it runs on this machine."""
    import psycopg

    try:
        with psycopg.connect(db) as conn:
            backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
            stat = Path(f"/proc/{backend}/stat").read_text()
    except (OSError, psycopg.Error):
        return None
    parent = int(stat.rpartition(")")[2].split()[1])
    return parent if "postgres" in Path(f"/proc/{parent}/cmdline").read_bytes().decode(errors="replace") else None


class Server:
    """`paperscope serve` in a subprocess; its log in a temporary file."""

    def __init__(self, db: str | Path, as_of: str | None, workdir: Path, view_cache: int | None = None,
                 workers: int = 1) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "serve.log"
        args = [str(EXE), "--db", str(db), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        if as_of:
            args += ["--as-of", as_of]
        if workers != 1:
            args += ["--workers", str(workers)]
        self.started = time.perf_counter()
        self.log = self.log_path.open("w")
        env = dict(os.environ, **({"PAPERSCOPE_VIEW_CACHE": str(view_cache)} if view_cache is not None else {}))
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)

    def wait_ready(self, timeout: float = 120) -> float:
        """Seconds from start until it answers."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"paperscope serve exited {self.proc.returncode}: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(self.base + "/static/style.css", timeout=2).status_code == 200:
                    return time.perf_counter() - self.started
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"paperscope serve did not answer within {timeout:.0f} s")

    def wait_workers(self, workers: int, timeout: float = 180) -> float:
        """Seconds from start until every worker has started and warmed up: ``workers``
        processes below the supervisor, and the whole tree idle (< 10% of a core) for 1 s.
        The first worker answering (wait_ready) says nothing of the others, which share its
        socket and accept only once their own start-up is done."""
        deadline = time.perf_counter() + timeout
        last = cpu_seconds(self.proc.pid)
        while time.perf_counter() < deadline:
            time.sleep(1.0)
            now = cpu_seconds(self.proc.pid)
            if len(descendants(self.proc.pid)) >= workers and now - last < 0.1:
                return time.perf_counter() - self.started
            last = now
        raise RuntimeError(f"paperscope serve's {workers} workers did not settle within {timeout:.0f} s")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()

    def tracebacks(self) -> collections.Counter[str]:
        """The last line of each traceback in the server's log, counted."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        out: collections.Counter[str] = collections.Counter()
        for i, line in enumerate(lines):
            if line.startswith("Traceback"):
                j = i + 1
                while j < len(lines) and (lines[j].startswith(" ") or not lines[j].strip()):
                    j += 1
                if j < len(lines):
                    out[lines[j][:160]] += 1
        return out


class RssWatch(threading.Thread):
    """Samples the server's RSS every 0.2 s (VmHWM gives the true peak at the end)."""

    def __init__(self, pid: int, tree: bool = False) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kib, self.done = pid, 0, threading.Event()
        self.status = tree_status if tree else proc_status  # tree: summed over the workers

    def run(self) -> None:
        while not self.done.wait(0.2):
            try:
                self.peak_kib = max(self.peak_kib, self.status(self.pid)["VmRSS"])
            except (OSError, KeyError):
                return


# --- load ----------------------------------------------------------------------------------
@dataclass
class Result:
    name: str
    connections: int
    rate: float | None = None  # paced: requests started per second; None: closed loop
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)  # of the 200 answers
    errors: collections.Counter[str] = field(default_factory=collections.Counter)
    examples: dict[str, str] = field(default_factory=dict)  # error kind → one request that got it
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    other_cpu: float = 0.0  # every other process of the machine
    db_cpu: float | None = None  # the PostgreSQL server (postmaster and its children), when local
    retries: int = 0  # requests sent again after the server dropped a keep-alive connection

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + sum(self.errors.values())

    @property
    def load(self) -> str:
        if self.rate is not None:
            return f"{self.rate:.0f}/s ≤{self.connections}c"
        return f"{self.connections} conn" + ("s" if self.connections > 1 else "")

    def pct(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


class _NoAnswer(ConnectionError):
    """The server closed the connection before any byte of an answer."""


class Connection:
    """One keep-alive HTTP/1.1 connection; GET only, the body read and dropped.

    httpx's pool spends 4–5 ms of CPU per request at 32 connections (measured here: the
    load took 0.9 of a core to drive 157 static requests/s), which on two cores is taken
    from the server; this costs a few tens of µs.
    """

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.last_used = 0.0
        self.retries = 0  # requests sent again on a new connection (see get)

    async def get(self, path: str) -> int:
        """The status of GET path (the body read whole).

        Like browsers and curl, a request that gets no answer at all on a reused
        connection (the server closed it meanwhile) is sent once more on a new one; such
        retries are counted. A connection idle longer than uvicorn's keep-alive (5 s) is
        not reused.
        """
        if self.writer is not None and time.perf_counter() - self.last_used > KEEP_ALIVE_S:
            self.close()
        reused = self.writer is not None
        try:
            return await self._get(path)
        except _NoAnswer:
            if not reused:
                raise
            self.retries += 1
            return await self._get(path)

    async def _get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.last_used = time.perf_counter()
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAccept: {BROWSER_ACCEPT}\r\n"
                          "Accept-Encoding: identity\r\n\r\n".encode())
        try:
            head = await self.reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            self.close()
            if isinstance(exc, ConnectionError) or not exc.partial:
                raise _NoAnswer from None
            raise
        try:
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split()[1])
            headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:] if h)}
            if "content-length" in headers:
                await self.reader.readexactly(int(headers["content-length"]))
            elif headers.get("transfer-encoding", "").lower() == "chunked":
                while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                    await self.reader.readexactly(size + 2)
                await self.reader.readuntil(b"\r\n")
            if headers.get("connection", "").lower() == "close":
                self.close()
            self.last_used = time.perf_counter()
            return status
        except (asyncio.IncompleteReadError, ConnectionError):
            self.close()
            raise

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


DB_PID: int | None = None  # the local PostgreSQL server's postmaster, when --db is one (see main)


async def load(base: str, paths: list[str] | dict[str, list[str]], connections: int, seconds: float,
               seed: int, name: str, server_pid: int, rate: float | None = None) -> Result:
    """Requests for ``seconds`` over at most ``connections`` keep-alive connections.

    Closed loop (``rate`` None): each connection sends its next request as soon as the last
    one is answered, so the server is saturated and latency is mostly queueing (Little's
    law: latency ≈ connections / throughput). Paced: requests start at ``rate`` per second
    (Poisson arrivals) whatever the answers do; a request's latency counts from when it
    was due, so waiting for a free connection counts too (no coordinated omission).
    """
    result = Result(name, connections, rate)
    if isinstance(paths, dict):  # mixed: a class by weight, then a path of it
        pools = [(paths[c], w) for c, w in MIXED_WEIGHTS.items() if c in paths]
    else:
        pools = [(paths, 1)]
    host, _, port = base.removeprefix("http://").partition(":")
    # Last in, first out: the connection used last is reused first, as clients' pools do.
    idle: asyncio.LifoQueue[Connection] = asyncio.LifoQueue()
    every = [Connection(host, int(port)) for _ in range(connections)]
    for conn in every:
        idle.put_nowait(conn)

    async def request(rng: random.Random, due: float) -> None:
        pool = rng.choices([p for p, _ in pools], weights=[w for _, w in pools])[0]
        path = rng.choice(pool)
        conn = await idle.get()
        try:
            status = await asyncio.wait_for(conn.get(path), 60)
            kind = None if status == 200 else f"HTTP {status}"
        except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError) as exc:
            conn.close()
            kind = "connection closed by the server" if isinstance(exc, asyncio.IncompleteReadError | ConnectionError) \
                else type(exc).__name__
        idle.put_nowait(conn)
        if kind is None:
            result.latencies_ms.append((time.perf_counter() - due) * 1000)
        else:
            result.errors[kind] += 1
            result.examples.setdefault(kind, path)

    async def worker(k: int) -> None:
        rng = random.Random(seed * 1000 + k)
        while time.perf_counter() < stop_at:
            await request(rng, time.perf_counter())

    async def pacer() -> None:
        rng = random.Random(seed * 1000)
        due, tasks = time.perf_counter(), []
        while due < stop_at:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            tasks.append(asyncio.create_task(request(random.Random(rng.random()), due)))
            due += rng.expovariate(rate or 1.0)
        await asyncio.gather(*tasks)

    cpu0, own0, all0 = cpu_seconds(server_pid), sum(os.times()[:2]), machine_busy_seconds()
    db0 = cpu_seconds(DB_PID) if DB_PID else 0.0
    t0 = time.perf_counter()
    stop_at = t0 + seconds
    if rate is None:
        await asyncio.gather(*(worker(k) for k in range(connections)))
    else:
        await pacer()
    result.seconds = time.perf_counter() - t0
    result.server_cpu = cpu_seconds(server_pid) - cpu0
    result.client_cpu = sum(os.times()[:2]) - own0
    if DB_PID:
        result.db_cpu = cpu_seconds(DB_PID) - db0
    result.other_cpu = max(0.0, machine_busy_seconds() - all0 - result.server_cpu - result.client_cpu
                           - (result.db_cpu or 0.0))
    result.retries = sum(conn.retries for conn in every)
    for conn in every:
        conn.close()
    return result


def run_load(*args: object, rate: float | None = None) -> Result:
    return asyncio.run(load(*args, rate=rate))  # type: ignore[arg-type]


# --- profiling -----------------------------------------------------------------------------
def profile(server: Server, name: str, paths: list[str], connections: int, seconds: float, out: Path) -> list[str]:
    """py-spy's raw stacks of the server under this load; the top frames as lines to print."""
    spy = subprocess.Popen([str(PY_SPY), "record", "--pid", str(server.proc.pid), "--duration", str(int(seconds)),
                            "--rate", "100", "--format", "raw", "--output", str(out), "--nonblocking"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(1)  # py-spy attaches
    run_load(server.base, paths, connections, seconds, 99, "profile", server.proc.pid)
    _, err = spy.communicate(timeout=60)
    if spy.returncode != 0 or not out.exists():
        return [f"py-spy failed: {err.strip()[-300:]}"]
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        own[_short(frames[-1])] += n
        for frame in dict.fromkeys(_short(f) for f in frames):
            if "paperscope/" in frame or ".html" in frame:
                inclusive[frame] += n
    lines = [f"py-spy: {total:,} samples of the server's threads ({seconds:.0f} s, {connections} connections"
             f" on {name}; raw stacks in {out})", "  top frames by own samples:"]
    lines += [f"    {100 * n / total:5.1f}%  {f}" for f, n in own.most_common(15)]
    lines.append("  paperscope code and templates, inclusive:")
    lines += [f"    {100 * n / total:5.1f}%  {f}" for f, n in inclusive.most_common(15)]
    return lines


def _short(frame: str) -> str:
    """'render (jinja2/environment.py:1295)' from py-spy's frame with its full path."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    for marker in ("site-packages/", "src/", "lib/python3"):
        if marker in where:
            where = where.split(marker, 1)[1]
            break
    return f"{name} ({where.rsplit(':', 1)[0]})"


# --- main ----------------------------------------------------------------------------------
def prepare(db: str | Path) -> list[str]:
    """Build the ANN index if missing; bring the search index up to date. Lines to print."""
    from paperscope.ann import published_dir
    from paperscope.store import open_store

    notes = []
    with open_store(db) as store:  # migrated if it was made by an older paperscope
        models = store.search.embedding_models()
        ann = published_dir(store, max(models, key=lambda m: (models[m], m))) if models else None
    if ann is None:  # none published yet (or only the layout before generations)
        start = time.perf_counter()
        out = subprocess.run([str(EXE), "--db", str(db), "score", "--only", "index"],
                             check=True, capture_output=True, text=True)
        notes.append(f"prepare: `paperscope score --only index` {time.perf_counter() - start:.1f} s"
                     f" ({' / '.join(line.strip() for line in out.stdout.splitlines() if line.strip())})")
    else:
        notes.append(f"prepare: ANN index present ({ann})")
    store = open_store(db)
    summary = store.search.refresh()
    counts = store.db.execute("SELECT (SELECT count(*) FROM papers), (SELECT count(*) FROM researchers)").fetchone()
    store.close()
    notes.append(f"prepare: search index refresh: {summary.line()}")
    notes.insert(0, f"database: {db} — {counts[0]:,} papers, {counts[1]:,} researchers")
    return notes


def table(results: list[Result]) -> list[str]:
    with_db = any(r.db_cpu is not None for r in results)
    head = (f"{'class':<11}{'load':<13}{'requests':>9}{'errors':>7}{'req/s':>8}{'p50 ms':>9}"
            f"{'p95 ms':>9}{'p99 ms':>9}{'CPU: server':>12}{'load':>6}" + (f"{'db':>6}" if with_db else "")
            + f"{'other':>7}  goal p95")
    lines = [head, "-" * len(head)]
    for r in results:
        goal = GOAL_P95_MS.get(r.name)
        verdict = "" if goal is None or r.connections == 1 else (
            f"≤ {goal} ms " + ("met" if r.pct(95) <= goal and not r.errors else "NOT met"))
        lines.append(
            f"{r.name:<11}{r.load:<13}{r.requests:>9,}{sum(r.errors.values()):>7,}"
            f"{r.requests / r.seconds:>8.1f}{r.pct(50):>9.1f}{r.pct(95):>9.1f}{r.pct(99):>9.1f}"
            f"{100 * r.server_cpu / r.seconds:>11.0f}%{100 * r.client_cpu / r.seconds:>5.0f}%"
            + (f"{100 * (r.db_cpu or 0.0) / r.seconds:>5.0f}%" if with_db else "")
            + f"{100 * r.other_cpu / r.seconds:>6.0f}%  {verdict}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True,
                        help="a scored database: a SQLite file (a copy: it is migrated/indexed) or a postgresql:// URL")
    parser.add_argument("--workers", type=int, default=1,
                        help="server worker processes (`paperscope serve --workers N`; default 1)")
    parser.add_argument("--seconds", type=float, default=20, help="load per class (default 20)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections (default 32)")
    parser.add_argument("--single-seconds", type=float, default=5,
                        help="the one-connection reference per class (default 5)")
    parser.add_argument("--paced", type=float, default=0.5,
                        help="then requests paced at this fraction of the closed-loop req/s (default 0.5; 0: off)")
    parser.add_argument("--warmup", type=float, default=3, help="uncounted load before each class (default 3)")
    parser.add_argument("--classes", default=",".join(CLASSES), help=f"comma-separated, of {','.join(CLASSES)}")
    parser.add_argument("--as-of", default="2026-11-23", help="passed to serve (default 2026-11-23)")
    parser.add_argument("--profile", type=float, default=0,
                        help="py-spy record the server this many seconds under load, after the runs (0: off)")
    parser.add_argument("--profile-class", default="researcher", choices=[c for c in CLASSES if c != "mixed"])
    parser.add_argument("--profile-out", type=Path, default=None, help="where the raw stacks go")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--researchers", type=int, default=2000, help="distinct researcher pages (default 2000)")
    parser.add_argument("--papers", type=int, default=2000, help="distinct paper pages (default 2000)")
    parser.add_argument("--view-cache", type=int, default=None,
                        help="views the server keeps computed ($PAPERSCOPE_VIEW_CACHE; default: the app's, 512; 0: none)")
    args = parser.parse_args()
    classes = [c.strip() for c in args.classes.split(",") if c.strip()]
    if unknown := set(classes) - set(CLASSES):
        parser.error(f"--classes: unknown {', '.join(sorted(unknown))}; choose from {', '.join(CLASSES)}")
    from paperscope.store import is_postgres_url

    global DB_PID
    if is_postgres_url(args.db):
        DB_PID = postgres_server_pid(args.db)
    else:
        args.db = Path(args.db)
        if not args.db.exists():
            parser.error(f"--db {args.db}: no such file (build one: see docs/benchmarks.md, section Web)")

    for line in prepare(args.db):
        print(line, flush=True)
    targets = pick_targets(args.db, random.Random(args.seed), researchers=args.researchers, papers=args.papers)
    for note in targets.notes:
        print(f"targets: {note}")

    with tempfile.TemporaryDirectory() as tmp:
        server = Server(args.db, args.as_of, Path(tmp), args.view_cache, args.workers)
        status_of = tree_status if args.workers > 1 else proc_status
        try:
            ready = server.wait_ready()
            if args.workers > 1:
                ready = server.wait_workers(args.workers)
            status = status_of(server.proc.pid)
            print(f"server: paperscope serve at {server.base} (pid {server.proc.pid}"
                  + (f", {args.workers} workers: {len(descendants(server.proc.pid))} processes below it;"
                     " CPU and RSS summed over them" if args.workers > 1 else "")
                  + f"), answering after {ready:.1f} s, RSS {status['VmRSS'] / 1024:.0f} MiB"
                  + (f"; database server pid {DB_PID} (its CPU: column db)" if DB_PID else ""))
            print(f"load: asyncio keep-alive HTTP/1.1 client in this process, {args.connections} connections, {args.seconds:.0f} s per"
                  f" class after {args.warmup:.0f} s warm-up; reference: 1 connection, {args.single_seconds:.0f} s;"
                  f" machine: {os.cpu_count()} cores shared by server and load", flush=True)
            watch = RssWatch(server.proc.pid, tree=args.workers > 1)
            watch.start()
            results: list[Result] = []
            rss_after: dict[str, float] = {}
            for name in classes:
                paths = ({c: targets.paths[c] for c in MIXED_WEIGHTS} if name == "mixed" else targets.paths[name])
                if args.warmup:
                    run_load(server.base, paths, args.connections, args.warmup, args.seed + 7, name, server.proc.pid)
                if args.single_seconds and name != "mixed":
                    results.append(run_load(server.base, paths, 1, args.single_seconds, args.seed + 1, name,
                                            server.proc.pid))
                    print("  " + table(results[-1:])[-1], flush=True)
                closed = run_load(server.base, paths, args.connections, args.seconds, args.seed, name, server.proc.pid)
                results.append(closed)
                print("  " + table(results[-1:])[-1], flush=True)
                if args.paced:
                    rate = args.paced * closed.requests / closed.seconds
                    results.append(run_load(server.base, paths, args.connections, args.seconds, args.seed + 2, name,
                                            server.proc.pid, rate=rate))
                    print("  " + table(results[-1:])[-1], flush=True)
                rss_after[name] = status_of(server.proc.pid)["VmRSS"] / 1024
            spy_lines = []
            if args.profile:
                out = args.profile_out or Path(tmp) / f"py-spy-{args.profile_class}.txt"
                spy_lines = profile(server, args.profile_class, targets.paths[args.profile_class],
                                    args.connections, args.profile, out)
            watch.done.set()
            status = status_of(server.proc.pid)
        finally:
            server.stop()
        print()
        for line in table(results):
            print(line)
        print("load: 1 conn = the reference (one request at a time); N conns = closed loop (each connection"
              " sends again when answered); R/s ≤Nc = requests started at R per second (Poisson) over at most"
              " N connections, latency from when each was due. CPU in % of one core over the run: the server"
              " process (all threads), this process (the load), "
              + ("the PostgreSQL server (db), " if DB_PID else "") + "everything else on the machine.")
        print("server RSS after each class: " + ", ".join(f"{k} {v:.0f} MiB" for k, v in rss_after.items()))
        peak = max(status["VmHWM"], watch.peak_kib) / 1024
        summed = ", summed over the processes" if args.workers > 1 else ""
        print(f"server peak RSS (VmHWM{summed}): {peak:.0f} MiB (goal ≤ {GOAL_RSS_MIB} MiB: "
              f"{'met' if peak <= GOAL_RSS_MIB else 'NOT met'}); threads at the end: {status['Threads']}")
        errors = [(r, kind, n) for r in results for kind, n in r.errors.items()]
        if errors:
            print("errors:")
            for r, kind, n in errors:
                print(f"  {r.name} ({r.load}): {n:,} × {kind}, e.g. GET {r.examples[kind]}")
        retried = [f"{r.name} ({r.load}) {r.retries:,}" for r in results if r.retries]
        if retried:
            print("requests sent again after the server dropped a kept-alive connection without a word"
                  " (browsers and curl do so too): " + ", ".join(retried))
        for what, n in server.tracebacks().most_common(5):
            print(f"  server log: {n:,} × {what}")
        for line in spy_lines:
            print(line)


if __name__ == "__main__":
    main()
