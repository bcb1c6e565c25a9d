"""`paperscope copy SRC DST`: a whole database between SQLite and PostgreSQL, on real data.

The source is built once per module from the recorded fixtures (seed pages, an arXiv
listing crawl), resolved and scored, so every table a user's database fills is filled
here too: papers, authorships, claims, researchers, embeddings (vectors), scores.
"""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path
from typing import Any

import orjson
import pytest

from conftest import AS_OF, EMBED_FIXTURES, FIXTURES, invoke, new_database
from paperscope.errors import StoreError
from paperscope.store import catalog, open_store
from paperscope.store import copy as store_copy

LISTINGS = EMBED_FIXTURES / "arxiv-cs-every60.jsonl.gz"

# What the schema holds that is copied, parents first (ties by name). A table added by a
# migration shows up here as a failure: decide whether it is data (copied) or derived.
EXPECTED_TABLES = [
    "harvest_state", "ingest_runs", "researcher_overrides", "researchers", "resolve_blocks", "work_overrides",
    "author_profiles", "claims", "papers", "rejects", "researcher_ids", "researcher_pages",
    "author_profile_works", "authorships", "citation_counts", "citation_counts_by_year",
    "code_links", "embeddings", "hidden_authorships", "paper_ids", "paper_scores", "paper_topics",
    "provenance", "provider_authorships", "provider_references", "researcher_mentions",
    "researcher_page_papers", "versions", "work_members",
]
IDENTITY_TABLES = {"ingest_runs", "hidden_authorships", "claims", "rejects", "researcher_overrides", "work_overrides"}


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database of real records: seeds, listings, resolved and scored."""
    path = tmp_path_factory.mktemp("copy-source") / "source.db"
    invoke(path, "ingest", "seeds", str(FIXTURES / "seeds"), "--as-of", AS_OF.isoformat())
    invoke(path, "ingest", "listings", str(LISTINGS))
    invoke(path, "resolve")
    invoke(path, "score")
    return path


def copy(src: Path | str, dst: Path | str, *args: str, expect_exit: int = 0) -> Any:
    """`paperscope copy SRC DST` (with a --db that must not matter)."""
    return invoke(Path("/nonexistent/ignored.db"), "copy", str(src), str(dst), *args, expect_exit=expect_exit)


def checksums(db: Path | str) -> dict[str, tuple[int, str]]:
    with open_store(db, read_only=True) as store:
        return {plan.name: store_copy.table_checksum(store, plan) for plan in store_copy.plan_tables(store)}


def rows(db: Path | str, table: str) -> list[tuple[Any, ...]]:
    with open_store(db, read_only=True) as store:
        key = ", ".join(next(p for p in store_copy.plan_tables(store) if p.name == table).key)
        return [tuple(r) for r in store.table_rows(table, key)]


def count(db: Path | str, table: str) -> int:
    with open_store(db, read_only=True) as store:
        return int(store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608


@pytest.fixture(scope="module")
def round_trip(source: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The source copied into PostgreSQL, and that copied back into a new SQLite file."""
    tmp = tmp_path_factory.mktemp("copy-round-trip")
    pg = new_database("postgresql", tmp)
    back = tmp / "back.db"
    there = copy(source, pg, "--batch", "700")
    again = copy(pg, back, "--format", "json")
    return {"pg": pg, "back": back, "there": there.stdout, "again": orjson.loads(again.stdout)}


# --- what is copied --------------------------------------------------------------------------
def test_every_table_of_the_schema_is_copied_but_the_derived_ones(backend: str, tmp_path: Path) -> None:
    db = new_database(backend, tmp_path)
    with open_store(db) as store:
        plans = store_copy.plan_tables(store)
        tables, _, parents, vector_columns = catalog.schema(store)
    assert [p.name for p in plans] == EXPECTED_TABLES
    # Parents first: every table a table references is copied before it.
    seen: set[str] = set()
    for plan in plans:
        assert parents[plan.name] - {plan.name} <= seen, plan.name
        seen.add(plan.name)
    # What is left out is there to leave out (the list is not stale), and nothing else is.
    left_out = set(tables) - set(EXPECTED_TABLES)
    expected_out = store_copy.NOT_COPIED - ({"data_version"} if backend == "sqlite" else set())
    assert left_out == expected_out
    embeddings = next(p for p in plans if p.name == "embeddings")
    assert embeddings.key == ("paper_id", "model")
    if backend == "postgresql":
        assert vector_columns == {"embeddings": {"vector"}}


# --- SQLite → PostgreSQL → SQLite ----------------------------------------------------------------
def test_a_round_trip_through_postgresql_keeps_every_table(source: Path, round_trip: dict[str, Any]) -> None:
    back = round_trip["back"]
    original = checksums(source)
    assert original == checksums(round_trip["pg"]) == checksums(back)
    # The source is not a trivial one: every kind of data a database holds is in it.
    for table in ("papers", "authorships", "hidden_authorships", "claims", "researchers",
                  "researcher_mentions", "embeddings", "paper_scores", "rejects", "code_links"):
        assert original[table][0] > 0, table
    # Row by row, the SQLite file that went there and back is the original.
    for table in EXPECTED_TABLES:
        assert rows(back, table) == rows(source, table), table
    # The vectors went through pgvector and came back the same float32 bytes.
    assert rows(back, "embeddings")[0][4] == rows(source, "embeddings")[0][4]
    assert isinstance(rows(back, "embeddings")[0][4], bytes)


def test_the_copy_reports_each_table_and_the_verification(round_trip: dict[str, Any]) -> None:
    lines = round_trip["there"].splitlines()
    by_table = {line.split(":")[0]: line for line in lines}
    assert set(EXPECTED_TABLES) <= set(by_table)
    assert "rows/s" in by_table["papers"] and "253 rows" in by_table["papers"]
    assert by_table["versions"] == "versions: empty"
    final = next(line for line in lines if line.startswith("copy: "))
    assert f"verified: counts and checksums of {len(EXPECTED_TABLES)} tables match" in final
    assert lines[-1].startswith("note: the nearest-neighbour index is not copied")
    assert "score` builds it" in lines[-1]
    # The search indexes were rebuilt by the destination's own engine.
    assert any(line.startswith("search: 253 papers indexed") for line in lines)

    data = round_trip["again"]
    assert data["verified"] is True
    assert [t["table"] for t in data["tables"]] == EXPECTED_TABLES
    assert all(t["verified"] and len(t["checksum"]) == 32 for t in data["tables"])
    assert data["rows"] == sum(t["rows"] for t in data["tables"]) == data["copied"]


def test_researchers_and_papers_read_the_same_on_all_three(source: Path, round_trip: dict[str, Any]) -> None:
    dbs = (source, round_trip["pg"], round_trip["back"])
    with sqlite3.connect(source) as conn:
        researcher_ids = [r for (r,) in conn.execute(
            "SELECT id FROM researchers WHERE page IS NOT NULL ORDER BY id")]
        researcher_ids += [r for (r,) in conn.execute(
            "SELECT id FROM researchers ORDER BY mentions DESC, id LIMIT 3")]
        keys = [k for (k,) in conn.execute("SELECT key FROM papers ORDER BY id LIMIT 40")]
        keys += [k for (k,) in conn.execute(
            "SELECT p.key FROM papers p JOIN hidden_authorships h ON h.paper_id = p.id ORDER BY p.id LIMIT 5")]
    assert len(researcher_ids) >= 5 and len(keys) >= 41
    for rid in researcher_ids:
        profiles = [invoke(db, "researcher", str(rid), "--as-of", AS_OF.isoformat(), "--format", "json").stdout
                    for db in dbs]
        assert profiles[0] == profiles[1] == profiles[2], rid
        assert json.loads(profiles[0])["papers"], rid
    for key in keys:
        papers = [invoke(db, "paper", key, "--format", "json").stdout for db in dbs]
        assert papers[0] == papers[1] == papers[2], key
        assert json.loads(papers[0])["scores"]["novelty"]["value"] is not None, key


def test_score_on_the_copy_builds_the_index_and_computes_nothing_again(
    round_trip: dict[str, Any],
) -> None:
    """What the CLI's note promises: the copied vectors and scores are used as they are."""
    out = invoke(round_trip["back"], "score").stdout
    assert "embedded 0 papers, indexed 253, novelty for 0, AI Score for 0" in out
    assert Path(f"{round_trip['back']}.ann").is_dir()


# --- resuming ------------------------------------------------------------------------------------
class Interrupted(Exception):
    pass


def test_an_interrupted_copy_resumes_where_it_stopped(backend: str, source: Path, tmp_path: Path) -> None:
    dst = new_database(backend, tmp_path)
    done: list[str] = []

    def stop_in_authorships(table: str, n: int) -> None:
        if table == "authorships" and count(dst, "authorships") >= 300:
            raise Interrupted

    with open_store(source, read_only=True) as s, open_store(dst) as d, pytest.raises(Interrupted):
        store_copy.copy_database(s, d, batch=100, on_rows=stop_in_authorships,
                                 on_table=lambda t: done.append(t.name))
    # Killed in the middle of a table: the batches committed stay, nothing after them.
    assert done == EXPECTED_TABLES[: EXPECTED_TABLES.index("authorships")]
    assert count(dst, "authorships") == 300
    assert count(dst, "embeddings") == 0
    assert count(dst, "papers") == count(source, "papers")

    out = copy(source, dst, "--batch", "100").stdout
    lines = {line.split(":")[0]: line for line in out.splitlines()}
    assert lines["papers"] == f"papers: {count(source, 'papers'):,} rows already copied"
    total = count(source, "authorships")
    assert lines["authorships"].startswith(f"authorships: {total - 300:,} rows (resumed after 300)")
    assert "verified: counts and checksums" in out
    assert checksums(dst) == checksums(source)
    # No row twice, whatever the keys: the row counts are the source's.
    for table in ("authorships", "claims", "hidden_authorships", "embeddings", "ingest_runs"):
        assert count(dst, table) == count(source, table), table

    # Once complete, running it again copies nothing and still verifies.
    again = copy(source, dst, "--format", "json").stdout
    data = orjson.loads(again)
    assert data["copied"] == 0 and data["verified"] is True


# --- verification --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pg_copy(source: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A PostgreSQL copy of the source for tests that change it (each undoes its change)."""
    url = new_database("postgresql", tmp_path_factory.mktemp("copy-pg"))
    copy(source, url)
    return str(url)


@pytest.mark.parametrize(("table", "change", "undo"), [
    ("papers", "UPDATE papers SET title = title || '.' WHERE id = 7",
     "UPDATE papers SET title = substr(title, 1, length(title) - 1) WHERE id = 7"),
    # NULL and '' are different values.
    ("papers", "UPDATE papers SET comments = '' WHERE id = (SELECT min(id) FROM papers WHERE comments IS NULL)",
     "UPDATE papers SET comments = NULL WHERE comments = ''"),
    ("paper_scores", "UPDATE paper_scores SET value = value + 1e-9 WHERE paper_id = 3 AND kind = 'impact'",
     "UPDATE paper_scores SET value = value - 1e-9 WHERE paper_id = 3 AND kind = 'impact'"),
    ("embeddings", "UPDATE embeddings SET text_hash = 'x' || text_hash WHERE paper_id = 5",
     "UPDATE embeddings SET text_hash = substr(text_hash, 2) WHERE paper_id = 5"),
])
def test_verification_names_the_table_that_differs(
    source: Path, pg_copy: str, table: str, change: str, undo: str,
) -> None:
    with open_store(source, read_only=True) as s, open_store(pg_copy) as d:
        store_copy.verify(s, d)  # as copied: the same
        with d.transaction():
            assert d.db.execute(change).rowcount == 1
        try:
            with pytest.raises(StoreError, match=f"verification failed: table {table} differs") as failed:
                store_copy.verify(s, d)
            assert "first at key" in str(failed.value)
        finally:
            with d.transaction():
                d.db.execute(undo)
        store_copy.verify(s, d)


def test_a_changed_vector_is_a_difference_too(source: Path, pg_copy: str) -> None:
    with open_store(source, read_only=True) as s, open_store(pg_copy) as d:
        (before,) = d.db.execute("SELECT vector::text FROM embeddings WHERE paper_id = 9").fetchone()
        values = before.strip("[]").split(",")
        values[0] = repr(float(values[0]) + 0.001)
        with d.transaction():
            d.db.execute("UPDATE embeddings SET vector = ?::vector WHERE paper_id = 9", ("[" + ",".join(values) + "]",))
        try:
            with pytest.raises(StoreError, match=r"table embeddings differs.*first at key 9,"):
                store_copy.verify(s, d)
        finally:
            with d.transaction():
                d.db.execute("UPDATE embeddings SET vector = ?::vector WHERE paper_id = 9", (before,))
        store_copy.verify(s, d)


def test_a_copy_changed_afterwards_fails_the_cli_naming_the_table(source: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst.db"
    copy(source, dst)
    middle = "(SELECT paper_id, mention FROM researcher_mentions ORDER BY paper_id, mention LIMIT 1 OFFSET 10)"
    with sqlite3.connect(dst) as conn:  # a row in the middle of the table changed: counts still agree
        changed = conn.execute(
            "UPDATE researcher_mentions SET researcher_id = (SELECT max(id) FROM researchers)"  # noqa: S608
            f" WHERE (paper_id, mention) IN {middle}").rowcount
    assert changed == 1
    result = copy(source, dst, expect_exit=1)
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: verification failed: table researcher_mentions differs")

    with sqlite3.connect(dst) as conn:  # a row in the middle gone: not a prefix of the source any more
        conn.execute(f"DELETE FROM researcher_mentions WHERE (paper_id, mention) IN {middle}")  # noqa: S608
    result = copy(source, dst, expect_exit=1)
    assert result.stderr.count("\n") == 1
    assert "(table researcher_mentions: its " in result.stderr


# --- refusing -------------------------------------------------------------------------------------
def test_an_unrelated_destination_is_refused_and_left_alone(backend: str, source: Path, tmp_path: Path) -> None:
    dst = new_database(backend, tmp_path)
    invoke(dst, "ingest", "seeds", str(FIXTURES / "seeds"), "--as-of", AS_OF.isoformat())
    before = checksums(dst)
    result = copy(source, dst, expect_exit=1)
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: the destination already holds data that is not a copy of the source")
    assert "copy into an empty database" in result.stderr
    assert checksums(dst) == before


def test_a_destination_with_papers_the_source_lacks_is_refused(source: Path, tmp_path: Path) -> None:
    """A partial copy of the source plus papers of its own: not a copy any more."""
    dst = tmp_path / "dst.db"
    copy(source, dst)
    with sqlite3.connect(dst) as conn:
        conn.execute("UPDATE papers SET key = 'arxiv:0000.00000' WHERE id = (SELECT max(id) FROM papers)")
    result = copy(source, dst, expect_exit=1)
    assert "(table papers: the row of key" in result.stderr


def test_the_same_database_twice_is_refused(source: Path) -> None:
    result = copy(source, Path(str(source)).parent / "." / source.name, expect_exit=1)
    assert "SRC and DST are the same database" in result.stderr


def test_schemas_at_different_versions_are_refused_naming_which_to_migrate(source: Path, tmp_path: Path) -> None:
    dst = tmp_path / "newer.db"
    with open_store(dst) as store, store.transaction():
        store.db.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 'x')")
    result = copy(source, dst, expect_exit=1)
    assert "the destination is at schema version 99, newer than this paperscope knows" in result.stderr
    assert "upgrade paperscope" in result.stderr and "newer.db" in result.stderr

    older = tmp_path / "older.db"
    copy(source, older)
    with sqlite3.connect(older) as conn:
        conn.execute("DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)")
    result = copy(older, tmp_path / "new.db", expect_exit=1)
    assert "run `paperscope migrate`" in result.stderr and "older.db" in result.stderr
    assert not (tmp_path / "new.db").exists()  # nothing was created for a copy refused


def test_a_missing_source_creates_no_destination(tmp_path: Path) -> None:
    result = copy(tmp_path / "nothing.db", tmp_path / "dst.db", expect_exit=1)
    assert "no database there" in result.stderr
    assert not (tmp_path / "dst.db").exists()


# --- the copy in use ---------------------------------------------------------------------------------
def test_a_postgresql_copy_takes_new_ingests_and_resolves(source: Path, tmp_path: Path) -> None:
    """Identity columns continue after the copied ids: new runs, claims, rejects and
    overrides get ids of their own, not ones the copy already used."""
    dst = new_database("postgresql", tmp_path)
    out = orjson.loads(copy(source, dst, "--format", "json").stdout)
    assert set(out["sequences"]) == {f"{t}.id" for t in IDENTITY_TABLES if count(source, t)}
    copied = {t: max((r[0] for r in rows(dst, t)), default=0) for t in IDENTITY_TABLES}

    # A new listing record, and one that is rejected.
    with gzip.open(LISTINGS, "rt", encoding="utf-8") as lines:
        record = json.loads(next(lines))
    record.update(id="2512.99992", title="A paper first stored in the PostgreSQL copy")
    listing = tmp_path / "new.jsonl"
    listing.write_text(json.dumps(record) + "\n" + json.dumps({"id": "not an id"}) + "\n", encoding="utf-8")
    invoke(dst, "ingest", "listings", str(listing))
    # Seed pages again, as of another day: their claims are written again (upserts that
    # take a new id from the sequence each time).
    invoke(dst, "ingest", "seeds", str(FIXTURES / "seeds"), "--as-of", "2026-12-01")
    invoke(dst, "resolve")
    author = record["authors"][0]
    claimed = invoke(dst, "researchers", "claim", author if isinstance(author, str) else author["name"],
                     "0000-0002-1825-0097")
    assert "override #" in claimed.stdout

    runs = [r[0] for r in rows(dst, "ingest_runs")]
    assert runs[-2:] == [copied["ingest_runs"] + 1, copied["ingest_runs"] + 2]
    assert max(r[0] for r in rows(dst, "rejects")) == copied["rejects"] + 1
    assert max(r[0] for r in rows(dst, "researcher_overrides")) > copied["researcher_overrides"]
    assert count(dst, "papers") == count(source, "papers") + 1
    stored = json.loads(invoke(dst, "paper", "arxiv:2512.99992", "--format", "json").stdout)
    assert stored["title"] == record["title"]
    assert stored["id"] == max(r[0] for r in rows(source, "papers")) + 1
