"""Reading a file in a child process gives what reading it here gives, errors included."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Iterator
from pathlib import Path

import pytest

from paperscope.models import Origin, PaperRecord, Record, Rejected
from paperscope.pipeline.ingest import ingest_files
from paperscope.pipeline.read_ahead import read_ahead
from paperscope.sources import arxiv_snapshot
from paperscope.sources.jsonlines import SourceError
from paperscope.store import open_store
from paperscope.store.rows import PaperRows, paper_rows

SAMPLE = Path(__file__).parent.parent / "sample" / "arxiv-snapshot.jsonl"

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="read_ahead forks"
)


@pytest.fixture
def snapshot(tmp_path: Path) -> Path:
    """The sample snapshot, five times over with fresh ids, and two bad lines."""
    lines = SAMPLE.read_text("utf-8").splitlines()
    path = tmp_path / "snapshot.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for copy in range(5):
            for i, line in enumerate(lines):
                record = json.loads(line)
                record["id"] = f"2301.{copy * 100 + i + 1:05d}"
                record["title"] = f"{record['title']} ({copy})"
                record.pop("doi", None)
                f.write(json.dumps(record) + "\n")
            f.write('{"id": "2301.99999", "title": 42}\n' if copy == 2 else "not json\n")
    return path


def _read(path: str) -> Iterator[Record]:
    return arxiv_snapshot.read(Path(path))


@pytest.mark.parametrize("batch_size", [7, 1000])
def test_the_child_yields_what_the_reader_yields(snapshot: Path, batch_size: int) -> None:
    here = list(_read(str(snapshot)))
    there = list(read_ahead(_read, str(snapshot), batch_size))
    # Paper records arrive as their rows; within a message, rejects come after them.
    assert [r for r in there if type(r) is PaperRows] == [
        paper_rows(r) for r in here if type(r) is PaperRecord
    ]
    assert [r for r in there if type(r) is Rejected] == [r for r in here if type(r) is Rejected]
    assert len(there) == len(here) == 130


def _failing_reader(error: Exception) -> object:
    def read(path: str) -> Iterator[Record]:
        for i, record in enumerate(arxiv_snapshot.read(Path(path))):
            if i == 30:
                raise error
            yield record

    return read


def test_a_source_error_arrives_after_the_records_read_before_it(snapshot: Path) -> None:
    reader = _failing_reader(SourceError(f"{snapshot}: read failed: truncated"))
    seen = []
    with pytest.raises(SourceError, match="read failed: truncated"):
        for item in read_ahead(reader, str(snapshot), 7):  # type: ignore[arg-type]
            seen.append(item)
    assert len(seen) == 30


def test_an_unexpected_error_in_the_child_is_raised_here(snapshot: Path) -> None:
    reader = _failing_reader(ValueError("a bug in a reader"))
    with pytest.raises(ValueError, match="a bug in a reader") as raised:
        list(read_ahead(reader, str(snapshot), 1000))  # type: ignore[arg-type]
    assert any("child process" in note for note in raised.value.__notes__)


def test_stopping_early_ends_the_child(snapshot: Path) -> None:
    records = read_ahead(_read, str(snapshot), 7)
    next(records)
    records.close()
    assert multiprocessing.active_children() == []


def test_ingest_with_and_without_the_child_stores_the_same(snapshot: Path, tmp_path: Path) -> None:
    contents = []
    for read_in_child in (True, False):
        db = tmp_path / f"child-{read_in_child}.db"
        with open_store(db) as store:
            summary = ingest_files(
                store, arxiv_snapshot.SOURCE, _read, [str(snapshot)], "test",
                read_in_child=read_in_child,
            )
            assert (summary.stored, summary.rejected) == (125, 5)
            contents.append({
                table: list(store.table_rows(table, order))
                for table, order in [
                    ("papers", "id"), ("paper_ids", "scheme, value"), ("versions", "paper_id, version"),
                    ("authorships", "paper_id, position"), ("provenance", "paper_id, source, record_id"),
                ]
            } | {"rejects": [r[2:] for r in store.table_rows("rejects", "id")]})
    with_child, without = contents
    for table in with_child:
        if table == "papers":  # created_run and updated_run are the only differences
            assert [r[:-2] for r in with_child[table]] == [r[:-2] for r in without[table]]
        elif table != "provenance":
            assert with_child[table] == without[table], table
    assert [r[:4] for r in with_child["provenance"]] == [r[:4] for r in without["provenance"]]


def test_hidden_authorships_follow_the_listed_ones(tmp_path: Path) -> None:
    """An author hidden behind "et al." has position null in the paper's JSON, after the list."""
    from paperscope.models import Author

    with open_store(tmp_path / "p.db") as store:
        run = store.begin_run("seed-page", "test")
        record = PaperRecord(
            "seed-page", Origin("page.md", "entry 1"), "A paper", other_ids={"title": "a paper"},
            authors=[Author("Ada Lovelace", position=0), Author("Alan Turing", position=None),
                     Author("Grace Hopper", position=1), Author("Edsger Dijkstra", position=None)],
        )
        store.write_batch(run, [record])
        paper = store.paper(store.find_paper("title:a paper"))  # type: ignore[arg-type]
        assert [(a["name"], a["position"]) for a in paper["authors"]] == [
            ("Ada Lovelace", 0), ("Grace Hopper", 1), ("Alan Turing", None), ("Edsger Dijkstra", None),
        ]
        assert store.stats()["authorships"] == 4
        # The same record again changes nothing; a full list naming a hidden author un-hides them.
        store.write_batch(run, [record])
        assert store.stats()["authorships"] == 4
        full = PaperRecord(
            "seed-page", Origin("page2.md", "entry 1"), "A paper", other_ids={"title": "a paper"},
            authors=[Author("Ada Lovelace", position=0), Author("Alan Turing", position=1)],
        )
        store.write_batch(run, [full])
        paper = store.paper(paper["id"])
        assert [(a["name"], a["position"]) for a in paper["authors"]] == [
            ("Ada Lovelace", 0), ("Alan Turing", 1), ("Edsger Dijkstra", None),
        ]
