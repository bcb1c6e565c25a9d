"""The batch stages give the same answers whatever runs them: this process, a spawn-started
local pool, or a Dask LocalCluster of two workers (paperscope/engine.py)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from conftest import FIXTURES, SAMPLE, content, copy_database, invoke, new_database
from paperscope.engine import EngineError, open_engine
from paperscope.pipeline import ingest, resolve, score
from paperscope.store import open_store


@pytest.fixture(scope="module")
def ingested(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Path | str:
    """The sample's conference slice and seed pages, ingested (not resolved, not scored)."""
    db = new_database(backend, tmp_path_factory.mktemp("engine"), "ingested.db")
    invoke(db, "ingest", "conferences", str(SAMPLE / "conferences.jsonl.gz"))
    invoke(db, "ingest", "seeds", str(SAMPLE / "seeds"), "--as-of", "2026-11-23")
    return db


def outcome(db: Path | str) -> dict[str, list[tuple[object, ...]]]:
    """Every researcher, mention and score, as comparable rows."""
    with open_store(db, read_only=True) as store:
        q = store.db.execute
        return {
            "researchers": q("SELECT id, name, name_key, block, orcid FROM researchers ORDER BY id").fetchall(),
            "mentions": q("SELECT paper_id, mention, researcher_id FROM researcher_mentions"
                          " ORDER BY paper_id, mention").fetchall(),
            "scores": q("SELECT paper_id, kind, model, value, label, explanation FROM paper_scores"
                        " ORDER BY paper_id, kind").fetchall(),
            "embeddings": [(pid, bytes(v) if isinstance(v, (bytes, memoryview)) else str(v)) for pid, v in
                           q("SELECT paper_id, vector FROM embeddings ORDER BY paper_id").fetchall()],
        }


def run(db: Path | str, *engine: str) -> dict[str, list[tuple[object, ...]]]:
    invoke(db, "resolve", *engine)
    invoke(db, "score", *engine)
    return outcome(db)


def test_resolve_and_score_answer_the_same_on_every_engine(
    ingested: Path | str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    alone = run(copy_database(ingested, tmp_path, "alone.db"), "--engine", "local", "--workers", "1")
    assert len(alone["researchers"]) > 4_000 and len(alone["scores"]) > 3_000
    # The local pool only starts for large jobs: here every job is large enough.
    monkeypatch.setattr(resolve, "_PARALLEL_FROM", 0)
    monkeypatch.setattr(score, "_PARALLEL_FROM", 0)
    pool = run(copy_database(ingested, tmp_path, "pool.db"), "--engine", "local", "--workers", "2")
    cluster = run(copy_database(ingested, tmp_path, "dask.db"), "--engine", "dask", "--workers", "2")
    for name in alone:
        assert pool[name] == alone[name], f"local pool: {name} differ"
        assert cluster[name] == alone[name], f"dask: {name} differ"


def inputs(folder: Path) -> list[tuple[str, Path]]:
    """Plain and compressed JSON lines of each kind, bad lines and a byte-order mark too."""
    with gzip.open(FIXTURES / "conferences" / "papers-slice.jsonl.gz", "rb") as f:
        good = f.read().splitlines()
    bad = [b'{"venue": "iclr", "year": 2024, "id": "x1"', b'["a", "list"]', b"",
           b'{"venue": "iclr", "year": 2024, "id": "x2", "authors": []}', b'{"title": "caf\xe9"}']
    mixed = folder / "mixed.jsonl"
    mixed.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(good[:30] + bad + good[30:]) + b"\r\n")
    return [("conferences", mixed), ("conferences", SAMPLE / "conferences.jsonl.gz"),
            ("snapshot", SAMPLE / "arxiv-snapshot.jsonl"),
            ("listings", FIXTURES / "arxiv" / "daily-cs-sample.jsonl.gz")]


def test_ingest_parsed_on_workers_stores_what_one_process_stores(
    backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = inputs(tmp_path)
    alone = new_database(backend, tmp_path, "alone.db")
    for kind, path in files:
        invoke(alone, "ingest", kind, str(path), expect_exit=0)
    # Every file is shared out, in partitions of a few lines.
    monkeypatch.setattr(ingest, "_SHARE_FROM_BYTES", 0)
    monkeypatch.setattr(ingest, "_SPAN_BYTES", 5_000)
    monkeypatch.setattr(ingest, "BATCH_SIZE", 7)
    for engine in ("local", "dask"):
        shared = new_database(backend, tmp_path, f"{engine}.db")
        for kind, path in files:
            invoke(shared, "ingest", kind, str(path), "--engine", engine, "--workers", "2")
        assert content(shared) == content(alone), engine
    assert len(content(alone)["rejects"]) >= 4  # the bad lines, and what the files hold


def test_a_truncated_file_keeps_every_record_before_the_damage_on_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = (SAMPLE / "conferences.jsonl.gz").read_bytes()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    monkeypatch.setattr(ingest, "_SHARE_FROM_BYTES", 0)
    counts = []
    for engine in ("default", "dask"):
        db = new_database("sqlite", tmp_path, f"{engine}.db")
        extra = ["--engine", "dask", "--workers", "2"] if engine == "dask" else []
        out = invoke(db, "ingest", "conferences", str(cut), *extra, expect_exit=1)
        assert "read failed" in out.output
        counts.append(len(content(db)["papers"]))
    assert counts[0] == counts[1] > 500


def test_provider_files_read_on_workers_give_the_same_records(tmp_path: Path) -> None:
    from paperscope.pipeline.enrich import read_files

    openalex = [str(FIXTURES / "openalex" / n) for n in ("W2741809807.json", "A5023888391.json", "W-api-response.json")]
    s2 = [str(FIXTURES / "semanticscholar" / "Paper.json.gz"), str(FIXTURES / "semanticscholar" / "Author.json")]
    here = {"openalex": list(read_files("openalex", openalex)), "s2": list(read_files("semantic-scholar", s2))}
    assert len(here["openalex"]) == 3 and len(here["s2"]) == 2
    with open_engine("dask", 2) as engine:
        assert list(read_files("openalex", openalex, engine)) == here["openalex"]
        assert list(read_files("semantic-scholar", s2, engine)) == here["s2"]


def test_an_engine_that_cannot_be_used_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(EngineError, match="unknown engine 'spark'"):
        open_engine("spark")
    with pytest.raises(EngineError, match="needs a PostgreSQL database"):
        open_engine("dask://10.0.0.1:8786", db_url="/data/paperscope.db")
    monkeypatch.setenv("PAPERSCOPE_WORKERS", "many")
    with pytest.raises(EngineError, match=r"\$PAPERSCOPE_WORKERS must be a number"):
        open_engine("local")
    monkeypatch.setenv("PAPERSCOPE_ENGINE", "local")
    monkeypatch.setenv("PAPERSCOPE_WORKERS", "3")
    with open_engine() as engine:
        assert (engine.name, engine.workers) == ("local", 3)
        assert list(engine.map(abs, [-3, 2, -1])) == [3, 2, 1]  # in order, from a spawned pool


def test_the_cli_reports_a_bad_engine_in_one_line(tmp_path: Path) -> None:
    db = new_database("sqlite", tmp_path)
    invoke(db, "ingest", "seeds", str(SAMPLE / "seeds"), "--as-of", "2026-11-23")
    out = invoke(db, "resolve", "--engine", "spark", expect_exit=1)
    assert out.output.strip().splitlines()[-1].startswith("error: unknown engine 'spark'")
