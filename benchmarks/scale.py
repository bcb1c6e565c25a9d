"""The whole pipeline at scale: ingest → resolve → score → a paced web load, on a corpus
from benchmarks/make_corpus.py, with resolution scored against the corpus's ground truth.

Each stage is the real command in a subprocess (`paperscope --db DB ingest snapshot …`,
`resolve`, `score`, then benchmarks/web.py), timed, with the peak resident memory of the
largest single process of its tree (sampled every 0.2 s: the command, a spawned pool's
workers, a Dask cluster's) and of the tree as a whole. After resolve, `paperscope
researchers mentions` is joined with the corpus's truth.csv.gz and scored (B³ and
pairwise precision, recall, F1 over every mention, as paperscope eval does).

    python benchmarks/make_corpus.py 300000 --out /tmp/corpus300k
    python benchmarks/scale.py --corpus /tmp/corpus300k                           # SQLite, local
    python benchmarks/scale.py --corpus /tmp/corpus300k --engine dask --workers 2
    python benchmarks/scale.py --corpus /tmp/corpus300k --db postgresql://…/scale300k

Prints one line per stage and, at the end, a JSON summary (also written with --json).
A stage can be skipped (--stages ingest,resolve) to run the rest later on the same --db.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
PAPERSCOPE = [str(Path(sys.executable).parent / "paperscope")]  # the venv's command


class PeakMemory:
    """Samples a process tree's memory: the largest single process, and the tree's sum."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.root = psutil.Process(pid)
        self.every = every
        self.largest = 0
        self.total = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            sizes = []
            for p in procs:
                try:
                    sizes.append(p.memory_info().rss)
                except psutil.NoSuchProcess:
                    continue
            if sizes:
                self.largest = max(self.largest, max(sizes))
                self.total = max(self.total, sum(sizes))
            self._stop.wait(self.every)


def run_stage(name: str, command: list[str], env: dict[str, str]) -> dict[str, object]:
    """Run one command; its wall time, CPU time (its whole process tree), peak memory and
    last output lines. CPU seconds hold when the machine is shared; wall time does not."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with (subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True) as proc,  # noqa: S603
          PeakMemory(proc.pid) as memory):
        out, _ = proc.communicate()
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed ({proc.returncode}):\n{out[-3000:]}")
    lines = [line for line in out.splitlines() if line.strip() and not line.startswith(("\r", " ⠋"))]
    return {"stage": name, "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1),
            "peak_process_mb": round(memory.largest / 2**20), "peak_tree_mb": round(memory.total / 2**20),
            "output": lines[-4:]}


def resolution_quality(db: str, truth: Path, env: dict[str, str]) -> dict[str, float]:
    """B³ and pairwise scores of the stored resolution against the corpus's ground truth."""
    from paperscope.evaluation.disambiguation import b3_scores, pairwise_scores

    gold: dict[tuple[str, int], str] = {}
    with gzip.open(truth, "rt", encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            gold[(row["arxiv_id"], int(row["position"]))] = row["person_id"]
    exported = subprocess.run([*PAPERSCOPE, "--db", db, "researchers", "mentions", "--format", "csv"],  # noqa: S603
                              capture_output=True, text=True, env=env, check=True).stdout
    golds, preds = [], []
    for row in csv.DictReader(io.StringIO(exported)):
        if row["position"] and row["arxiv_id"] and (key := (row["arxiv_id"], int(row["position"]))) in gold:
            golds.append(gold[key])
            preds.append(row["researcher_id"])
    precision, recall, n = b3_scores([(golds, preds)])
    hits, predicted, true = pairwise_scores([(golds, preds)])
    p, r = precision / n, recall / n
    pp, pr = hits / predicted if predicted else 1.0, hits / true if true else 1.0
    return {"mentions_scored": n, "mentions_in_truth": len(gold),
            "b3_precision": round(p, 4), "b3_recall": round(r, 4), "b3_f1": round(2 * p * r / (p + r), 4),
            "pairwise_precision": round(pp, 4), "pairwise_recall": round(pr, 4),
            "pairwise_f1": round(2 * pp * pr / (pp + pr), 4) if pp + pr else 0.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="a make_corpus.py output folder")
    parser.add_argument("--db", default=None, help="SQLite path or postgresql:// URL (default: a new file)")
    parser.add_argument("--engine", default="local", help="local, dask or dask://host:port")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--stages", default="ingest,resolve,score,web")
    parser.add_argument("--web-seconds", type=int, default=10, help="load per page class")
    parser.add_argument("--json", type=Path, default=None, help="also write the summary here")
    args = parser.parse_args()

    stages = args.stages.split(",")
    db = args.db or str(Path(tempfile.mkdtemp(prefix="paperscope-scale-")) / "scale.db")
    env = dict(os.environ)
    engine = ["--engine", args.engine, *(["--workers", str(args.workers)] if args.workers else [])]
    snapshot = args.corpus / "snapshot.jsonl.gz"
    records = None
    if "ingest" in stages:
        with gzip.open(snapshot, "rb") as lines:
            records = sum(1 for _ in lines)
    summary: dict[str, object] = {"corpus": str(args.corpus), "records": records, "db": db,
                                  "engine": args.engine, "workers": args.workers, "stages": []}
    results: list[dict[str, object]] = summary["stages"]  # type: ignore[assignment]

    def stage(name: str, command: list[str]) -> dict[str, object]:
        result = run_stage(name, command, env)
        results.append(result)
        print(f"{name}: {result['seconds']} s ({result['cpu_seconds']} s of CPU),"
              f" largest process {result['peak_process_mb']} MB, tree {result['peak_tree_mb']} MB | {' / '.join(result['output'])[:600]}", flush=True)
        return result

    if "ingest" in stages:
        result = stage("ingest", [*PAPERSCOPE, "--db", db, "ingest", "snapshot", str(snapshot), *engine])
        result["rows_per_s"] = round(records / result["seconds"]) if records else None  # type: ignore[operator]
    if "resolve" in stages:
        stage("resolve", [*PAPERSCOPE, "--db", db, "resolve", "--full", *engine])
        quality = resolution_quality(db, args.corpus / "truth.csv.gz", env)
        summary["resolution"] = quality
        print(f"resolution: {json.dumps(quality)}", flush=True)
    if "score" in stages:
        stage("score", [*PAPERSCOPE, "--db", db, "score", *engine])
    if "web" in stages:
        stage("web", [sys.executable, str(ROOT / "benchmarks" / "web.py"), "--db", db,
                      "--classes", "researcher,paper,feed,search", "--seconds", str(args.web_seconds),
                      "--single-seconds", "3", "--paced", "0.5"])
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
