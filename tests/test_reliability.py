"""Never crash, never lie: index files replaced whole, one error path, read commands that
only read, stages that say when they overlap, children that die with their parent."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np
import pytest
from click.testing import CliRunner, Result

from conftest import FIXTURES, connect, invoke
from paperscope import ann
from paperscope.cli import main
from paperscope.pipeline.ingest import ingest_files
from paperscope.pipeline.read_ahead import read_ahead
from paperscope.pipeline.resolve import resolve_store
from paperscope.sources import arxiv_snapshot
from paperscope.sources.arxiv_api import ArxivError
from paperscope.sources.jsonlines import SourceError
from paperscope.store import open_store

PAPERSCOPE = [sys.executable, "-m", "paperscope.cli"]
LISTINGS = FIXTURES / "arxiv" / "daily-cs-sample.jsonl.gz"
SNAPSHOT = FIXTURES / "arxiv" / "snapshot-sample.jsonl"
CONFERENCES = FIXTURES / "conferences" / "papers-slice.jsonl.gz"


def run(db: Path | str, *args: str) -> Result:
    """A command in-process, whatever its exit code (exceptions included, as a user sees them)."""
    return CliRunner().invoke(main, ["--db", str(db), *args])


def one_error_line(result: Result) -> str:
    """The output of a failed command: exactly one line, ``error: …``, and no traceback."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert "Traceback" not in result.output and len(lines[0]) <= 300
    return lines[0]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Listings and conference papers, resolved and scored."""
    path = tmp_path_factory.mktemp("reliability") / "base.db"
    invoke(path, "ingest", "listings", str(LISTINGS))
    invoke(path, "ingest", "conferences", str(CONFERENCES))
    invoke(path, "resolve")
    invoke(path, "score")
    return path


@pytest.fixture
def copy(built: Path, tmp_path: Path) -> Path:
    """The built database (and its index) for one test to change."""
    target = tmp_path / "copy.db"
    shutil.copy(built, target)
    if Path(f"{built}.ann").exists():
        shutil.copytree(f"{built}.ann", f"{target}.ann")
    return target


# --- 1. index files replaced whole ------------------------------------------------------------

def unit_vectors(n: int, ndim: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(n, ndim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _index(n: int, seed: int, embedder: str = "test@1") -> ann.AnnIndex:
    index = ann.AnnIndex(16, embedder)
    index.add(np.arange(1, n + 1), [f"2020-01-{1 + i % 28:02d}" for i in range(n)],
              unit_vectors(n, 16, seed), [str(i) for i in range(n)])
    return index


def test_publishing_keeps_the_replaced_generation_and_removes_older_ones(tmp_path: Path) -> None:
    with open_store(tmp_path / "x.db") as store:
        assert ann.published_dir(store, "test@1") is None
        first = ann.publish(store, _index(50, 1))
        second = ann.publish(store, _index(60, 2))
        third = ann.publish(store, _index(70, 3))
        assert ann.published_dir(store, "test@1") == third and third.name == "g000003"
        # The one replaced stays for a reader that read its number a moment ago; older go.
        assert sorted(p.name for p in third.parent.iterdir()) == [second.name, third.name]
        assert not first.exists()
        assert len(ann.load_published(store, "test@1")) == 70  # type: ignore[arg-type]


def test_a_save_killed_midway_leaves_the_published_index_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_store(tmp_path / "x.db") as store:
        ann.publish(store, _index(50, 1))
        shared = ann.open_shared(ann.published_dir(store, "test@1"))
        assert shared is not None and len(shared) == 50

        def dies_after_the_graph(self: ann.AnnIndex, directory: Path) -> None:
            partial = Path(directory).parent / f".{Path(directory).name}.partial-{os.getpid()}"
            partial.mkdir(parents=True)
            self.graph.save(str(partial / "graph.usearch"))
            raise KeyboardInterrupt  # as a kill would: meta files never written, nothing renamed

        monkeypatch.setattr(ann.AnnIndex, "save", dies_after_the_graph)
        with pytest.raises(KeyboardInterrupt):
            ann.publish(store, _index(80, 2))
        monkeypatch.undo()
        assert len(ann.load_published(store, "test@1")) == 50  # type: ignore[arg-type]
        assert ann.open_shared(ann.published_dir(store, "test@1")) is shared
        # The next save clears what the killed one left behind.
        later = ann.publish(store, _index(90, 3))
        assert sorted(p.name for p in later.parent.iterdir()) == ["g000001", later.name]


_PUBLISH_FOREVER = """
import sys, numpy as np
from paperscope import ann
from paperscope.store import open_store
store = open_store(sys.argv[1])
rng = np.random.default_rng(0)
n = 20000
vectors = rng.normal(size=(n, 64)).astype(np.float32)
vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
while True:
    index = ann.AnnIndex(64, "test@1")
    index.add(np.arange(1, n + 1), ["2020-01-01"] * n, vectors, [str(i) for i in range(n)], threads=1)
    print("saving", flush=True)
    ann.publish(store, index)
"""


def test_a_process_killed_while_saving_leaves_a_loadable_index(tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    with open_store(db) as store:
        ann.publish(store, _index(50, 1))
    rng = np.random.default_rng(7)
    for _ in range(3):
        child = subprocess.Popen([sys.executable, "-c", _PUBLISH_FOREVER, str(db)],
                                 stdout=subprocess.PIPE, text=True)
        assert child.stdout is not None and child.stdout.readline() == "saving\n"
        time.sleep(float(rng.uniform(0.0, 0.3)))  # somewhere inside the save
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        with open_store(db, read_only=True) as store:
            index = ann.load_published(store, "test@1")
            assert index is not None and len(index) in (50, 20000)
            assert index.search(unit_vectors(1, index.ndim, 0), 3)[0][0][0] > 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_server_answers_every_request_while_score_rewrites_the_index(copy: Path) -> None:
    keys = [k for (k,) in sqlite3.connect(copy).execute("SELECT key FROM papers ORDER BY id LIMIT 40")]
    port = _free_port()
    server = subprocess.Popen([*PAPERSCOPE, "--db", str(copy), "serve", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    failures: list[str] = []
    answered = [0]
    stop = threading.Event()

    def load(worker: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            i = worker
            while not stop.is_set():
                path = f"/api/papers/{keys[i % len(keys)]}" if i % 3 else "/api/search?q=learning"
                try:
                    response = client.get(path)
                    if response.status_code != 200:
                        failures.append(f"{path}: {response.status_code}")
                except httpx.HTTPError as exc:
                    failures.append(f"{path}: {exc!r}")
                answered[0] += 1
                i += 4

    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/api/feed", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        threads = [threading.Thread(target=load, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        # New papers: score embeds them and publishes a new index generation twice over.
        for step in (["ingest", "snapshot", str(SNAPSHOT)], ["score"],
                     ["ingest", "listings", str(FIXTURES / "embed" / "arxiv-cs-every60.jsonl.gz")], ["score"]):
            done = subprocess.run([*PAPERSCOPE, "--db", str(copy), *step], capture_output=True, text=True)
            assert done.returncode == 0, done.stderr
        stop.set()
        for t in threads:
            t.join()
        alive = server.poll() is None
    finally:
        stop.set()
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    assert alive, f"serve died with {server.returncode}: {stderr.decode()[-2000:]}"
    assert answered[0] > 50 and failures == []
    with open_store(copy, read_only=True) as store:
        assert store.artifacts.current(f"ann/{next(iter(store.search.embedding_models()))}") == 3


# --- 2. one error path -------------------------------------------------------------------------

def test_a_file_that_is_not_a_database_is_one_error_line_for_every_command(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(np.random.default_rng(1).bytes(20_000))
    before = sha256(junk)
    for args in (["stats"], ["paper", "2101.00016"], ["researcher", "x"], ["search", "x"], ["resolve"],
                 ["score"], ["ingest", "listings", str(LISTINGS)], ["serve", "--port", "1"]):
        assert one_error_line(run(junk, *args)) == f"error: not a SQLite database ({junk})", args
    assert sha256(junk) == before


def test_a_damaged_database_is_one_error_line(copy: Path) -> None:
    sqlite3.connect(copy).execute("PRAGMA wal_checkpoint(TRUNCATE)").connection.close()
    size = os.path.getsize(copy)
    with open(copy, "r+b") as f:  # every page after the first 8 (the schema's) overwritten
        f.seek(8 * 8192)
        f.write(b"\x07" * (size - 8 * 8192))
    messages = {one_error_line(run(copy, *args)) for args in (
        ["stats"], ["researcher", "Frédo Durand"], ["search", "learning"], ["resolve", "--full"],
        ["serve", "--port", "1"])}
    assert messages == {f"error: the database file is damaged (malformed); restore a copy or rebuild it ({copy})"}


def test_read_commands_need_an_existing_database_and_create_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "x.db"
    for args in (["stats"], ["papers"], ["rejects"], ["search", "x"], ["researchers", "overrides"],
                 ["serve"]):
        assert one_error_line(run(missing, *args)) == f"error: no database there ({missing})"
    assert not (tmp_path / "no").exists()


def test_read_commands_leave_the_database_as_it_was(copy: Path) -> None:
    with sqlite3.connect(copy) as conn:  # papers the search index does not have yet
        conn.execute("UPDATE papers SET updated_run = updated_run + 100 WHERE id <= 5")
    conn.close()
    sqlite3.connect(copy).execute("PRAGMA wal_checkpoint(TRUNCATE)").connection.close()
    before = sha256(copy)
    for args in (["stats"], ["papers", "--sort", "score"], ["rejects"], ["researchers", "overrides"],
                 ["paper", "2101.00016"], ["researcher", "Frédo Durand"]):
        run(copy, *args)
    searched = run(copy, "search", "learning")
    assert searched.exit_code == 0
    assert "note: 5 papers are not in the search index yet" in searched.output  # said, not done
    assert sha256(copy) == before
    with open_store(copy, read_only=True) as store:
        assert store.search.pending() == 5


def test_a_full_disk_fails_the_ingest_with_one_line_and_keeps_what_was_committed(
    copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import paperscope.store.sqlite as sqlite_store

    papers_before = open_store(copy, read_only=True).stats()["papers"]
    connect = sqlite_store._connect

    def small_disk(path: str, read_only: bool) -> sqlite3.Connection:
        conn = connect(path, read_only)
        if not read_only:  # room for a few pages more: the disk fills during the ingest
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages + 3}")
        return conn

    monkeypatch.setattr(sqlite_store, "_connect", small_disk)
    result = run(copy, "ingest", "listings", str(FIXTURES / "embed" / "arxiv-cs-every60.jsonl.gz"))
    monkeypatch.undo()
    assert one_error_line(result) == f"error: the disk is full; what was committed before is kept ({copy})"
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT status FROM ingest_runs ORDER BY id DESC LIMIT 1").fetchone() == ("failed",)
    assert conn.execute("SELECT count(*) FROM papers").fetchone()[0] == papers_before
    conn.close()


def test_inputs_with_nothing_readable_fail_and_their_rejects_are_kept(db_path: Path, tmp_path: Path) -> None:
    binary = tmp_path / "random.bin"
    binary.write_bytes(np.random.default_rng(3).bytes(30_000))
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    for kind in ("listings", "snapshot", "conferences"):
        result = run(db_path, "ingest", kind, str(binary))
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert f"error: {binary}: could not read input: no " in result.output
    result = run(db_path, "ingest", "listings", str(empty))
    assert result.exit_code == 1
    assert f"error: {empty}: could not read input: no arxiv-listing records in it" in result.output
    for kind in ("atom", "oai"):
        for bad in (empty, binary):
            result = run(db_path, "ingest", kind, str(bad))
            assert result.exit_code == 1 and "Traceback" not in result.output, result.output
            assert f"error: {bad}: " in result.output and "could not read 1 input(s)" in result.output
    with open_store(db_path, read_only=True) as store:
        assert store.stats()["papers"] == 0 and store.stats()["rejected"] > 0
        assert store.stats()["runs"] == {"failed": 8}


def test_an_error_raised_in_the_read_ahead_child_reaches_the_parent(tmp_path: Path) -> None:
    def reader(path: str):  # type: ignore[no-untyped-def]
        yield from ()
        raise ArxivError(f"{path}: not XML", url=path)  # __init__ takes two arguments

    with pytest.raises(SourceError, match=r"x\.xml: not XML"):
        list(read_ahead(reader, str(tmp_path / "x.xml"), 10))


def test_ids_of_any_length_or_alphabet_are_echoed_short(built: Path) -> None:
    long_id = "7" * 100_000
    for args, expected in (
        (["paper", "²"], "error: no paper with id '²'"),
        (["researcher", "²"], "error: no researcher matches '²'"),
        (["researcher", "99999999999999999999999999"], "error: no researcher matches '99999999999999999999999999'"),
        (["paper", long_id], f"error: no paper with id '{'7' * 60}'… (100,000 characters)"),
        (["researcher", "a\udcff"], "error: no researcher matches 'a\\udcff'"),
    ):
        assert one_error_line(run(built, *args)) == f"{expected} ({built})"


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database" * 1000)
    result = run(junk, "--debug", "stats")
    assert result.exit_code == 1 and "Traceback" in result.output
    assert result.output.rstrip().splitlines()[-1] == f"error: not a SQLite database ({junk})"


# --- 4. stages that must not overlap -------------------------------------------------------

def test_a_second_resolve_or_score_is_refused_naming_the_holder(copy: Path) -> None:
    holder = subprocess.Popen(["sleep", "60"])
    try:
        conn = sqlite3.connect(copy)
        for stage in ("resolve", "score"):
            conn.execute("INSERT INTO stage_locks VALUES (?, ?, ?, ?, '2026-12-03T10:00:00+00:00')",
                         (stage, holder.pid, socket.gethostname(), f"paperscope {stage}"))
        conn.commit()
        for stage in ("resolve", "score"):
            assert one_error_line(run(copy, stage)) == (
                f"error: {stage} is already running (process {holder.pid} on {socket.gethostname()}"
                f" since 2026-12-03T10:00:00+00:00: `paperscope {stage}`) (wait for it, or stop it)")
        line = one_error_line(run(copy, "researchers", "claim", "1", "0000-0002-1825-0097"))
        assert line.startswith("error: resolve is already running")
        assert conn.execute("SELECT count(*) FROM researcher_overrides").fetchone()[0] == 0  # nothing stored
    finally:
        holder.kill()
        holder.wait()
    # The holder is gone: its lock is taken over, and released after the run.
    assert "resolve:" in invoke(copy, "resolve").output
    assert conn.execute("SELECT stage FROM stage_locks").fetchall() == [("score",)]
    assert "score:" in invoke(copy, "score").output
    assert conn.execute("SELECT count(*) FROM stage_locks").fetchone() == (0,)
    conn.close()


def _ingest_during(db: Path, source: Path) -> Callable[[int], None]:
    """A progress callback that, the first time it is called (between resolve reading the
    mentions and writing researchers), ingests ``source`` through another connection."""
    done: list[bool] = []

    def on_progress(_: int) -> None:
        if not done:
            done.append(True)
            with open_store(db) as other:
                ingest_files(other, "arxiv-snapshot", lambda p: arxiv_snapshot.read(Path(p)),
                             [str(source)], "test", read_in_child=False)

    return on_progress


def _unresolved(store_path: Path) -> int:
    conn = connect(store_path)
    try:
        return int(conn.execute(
            "SELECT count(*) FROM authorships a WHERE NOT EXISTS (SELECT 1 FROM researcher_mentions m"
            " WHERE m.paper_id = a.paper_id)").fetchone()[0])
    finally:
        conn.close()


def test_mentions_that_arrive_during_resolve_are_resolved_in_another_round(db_path: Path) -> None:
    invoke(db_path, "ingest", "listings", str(LISTINGS))
    with open_store(db_path) as store:
        summary = resolve_store(store, on_progress=_ingest_during(db_path, SNAPSHOT))
    assert (summary.rounds, summary.arrived) == (2, 0) and "2 rounds" in summary.line()
    assert _unresolved(db_path) == 0


def test_mentions_that_arrive_after_the_last_round_are_reported(db_path: Path) -> None:
    invoke(db_path, "ingest", "listings", str(LISTINGS))
    with open_store(db_path) as store:
        summary = resolve_store(store, on_progress=_ingest_during(db_path, SNAPSHOT), rounds=1)
    assert summary.arrived > 0 and _unresolved(db_path) > 0
    assert f"incomplete: {summary.arrived:,} author mentions arrived" in summary.line()
    assert "incomplete" not in invoke(db_path, "resolve").output
    assert _unresolved(db_path) == 0  # the next run takes them in


def test_the_cli_exits_3_when_resolve_could_not_catch_up(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from paperscope.store.researchers import ResearcherStore

    marks = iter(range(10**6))  # every look differs: as if an ingest never stopped writing
    monkeypatch.setattr(ResearcherStore, "input_marker", lambda self: (next(marks),))
    result = run(copy, "resolve")
    assert result.exit_code == 3, result.output
    assert "3 rounds" in result.output and "incomplete: 1 author mentions arrived" in result.output


# --- workers die with their parent -----------------------------------------------------------

_ORPHAN = """
import os, sys, time
from paperscope.pipeline.children import die_with_parent
parent = os.getpid()
child = os.fork()
if child == 0:
    die_with_parent(parent)
    time.sleep(60)
    os._exit(0)
print(child, flush=True)
time.sleep(60)
"""


def test_a_child_dies_with_its_killed_parent() -> None:
    parent = subprocess.Popen([sys.executable, "-c", _ORPHAN], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    time.sleep(0.2)  # the child has set its death signal
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    parent.stdout.close()
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        if not _running(child):
            return
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError):
        os.kill(child, signal.SIGKILL)
    pytest.fail("the child outlived its killed parent by 2 s")


def _running(pid: int) -> bool:
    """Whether a process runs: a dead one not yet reaped by whoever adopted it (a zombie)
    does not."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")
