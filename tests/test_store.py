"""The store's contract, on both backends: one set of tests, run once on SQLite and once on
PostgreSQL (``backend`` is parametrised in conftest). What a caller may rely on, whatever
engine is behind the store: opening and migrating, writes that land whole or not at all,
lookups, the JSON contract of a paper, searches, the feed, scores, vectors, locks,
artifacts and the data version.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from conftest import AS_OF, FIXTURES, SAMPLE, connect, invoke, query
from paperscope.errors import StageBusy, StoreError
from paperscope.models import Origin, PaperRecord, Rejected
from paperscope.store import open_store
from paperscope.store.feed import FeedFilter
from paperscope.store.migrations import available_migrations
from paperscope.store.scores import ScoreRow


def _record(n: int, **fields: object) -> PaperRecord:
    base: dict[str, object] = {
        "source": "arxiv-snapshot", "origin": Origin("contract.jsonl", f"line {n}"), "title": f"A paper {n}",
        "arxiv_id": f"2401.{n:05d}", "arxiv_version": 1, "first_date": f"2024-01-{n % 28 + 1:02d}",
    }
    base.update(fields)
    return PaperRecord(**base)  # type: ignore[arg-type]


# --- opening ---------------------------------------------------------------------------------


def test_a_new_database_is_migrated_to_the_newest_schema(db_path: Path | str, backend: str) -> None:
    with open_store(db_path) as store:
        assert store.backend == backend
        newest = available_migrations(backend)[-1].version  # type: ignore[arg-type]
        assert store.schema_version() == newest == available_migrations("sqlite")[-1].version
        assert store.migrations_applied == [] or store.migrations_applied[-1].version == newest
    with open_store(db_path) as again:
        assert again.migrations_applied == []  # recorded: nothing applied twice


def test_both_dialects_ship_the_same_migrations() -> None:
    sqlite, postgres = available_migrations("sqlite"), available_migrations("postgresql")
    assert [(m.version, m.name) for m in sqlite] == [(m.version, m.name) for m in postgres]


def test_a_read_only_store_refuses_writes(db_path: Path | str) -> None:
    open_store(db_path).close()
    with open_store(db_path, read_only=True) as store, pytest.raises(Exception, match=r"(?i)read.?only|query_only"):
        store.db.execute("DELETE FROM papers")


def test_an_unreachable_postgresql_server_is_one_store_error() -> None:
    with pytest.raises(StoreError) as raised:
        open_store("postgresql://nobody@127.0.0.1:1/none")
    assert "cannot reach the PostgreSQL server" in str(raised.value)
    with pytest.raises(StoreError, match="names no database"):
        open_store("postgresql://nobody@127.0.0.1:1")


def test_sqlite_urls_and_paths_open_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "via-url.db"
    with open_store(f"sqlite:///{path}") as store:
        store.write_batch(store.begin_run("arxiv-snapshot", "test"), [_record(1)])
    with open_store(path, read_only=True) as store:
        assert store.stats()["papers"] == 1 and store.backend == "sqlite"


# --- writes -----------------------------------------------------------------------------------


def test_a_batch_lands_whole_and_a_failed_one_not_at_all(db_path: Path | str) -> None:
    with open_store(db_path) as store:
        run = store.begin_run("arxiv-snapshot", "contract")
        store.write_batch(run, [_record(1), _record(2)], rejects=[
            Rejected("arxiv-snapshot", Origin("contract.jsonl", "line 9"), "no title", "{}")])
        with pytest.raises(ZeroDivisionError), store.transaction() as db:
            db.execute("DELETE FROM rejects")
            1 / 0  # noqa: B018
        store.finish_run(run, 2, 1)
        assert store.stats()["papers"] == 2 and store.stats()["rejected"] == 1
        assert store.rejects()[0]["reason"] == "no title"
        assert store.stats()["runs"] == {"done": 1}
        # The same input again: nothing duplicated (merge by identifier).
        store.write_batch(store.begin_run("arxiv-snapshot", "again"), [_record(1), _record(2)])
        assert store.stats()["papers"] == 2


def test_a_harvest_cursor_only_moves_forward(db_path: Path | str) -> None:
    with open_store(db_path) as store:
        run = store.begin_run("arxiv-oai", "contract")
        store.write_batch(run, [], cursor=("arxiv-oai", "cs", "2024-02-01"))
        store.write_batch(run, [], cursor=("arxiv-oai", "cs", "2024-01-01"))
        assert store.harvest_cursor("arxiv-oai", "cs") == "2024-02-01"
        assert store.harvest_cursor("arxiv-oai", "math") is None


def test_text_with_a_nul_character_is_stored(db_path: Path | str) -> None:
    with open_store(db_path) as store:
        store.write_batch(store.begin_run("arxiv-snapshot", "nul"), [_record(3, title="Broken\x00 title")])
        title = store.paper(store.find_paper("2401.00003"))["title"]  # type: ignore[arg-type]
    assert title.replace("\x00", "") == "Broken title"


def test_a_record_naming_two_stored_papers_merges_them(db_path: Path | str) -> None:
    with open_store(db_path) as store:
        run = store.begin_run("conference", "contract")
        store.write_batch(run, [_record(4, code_urls=["https://github.com/a/b"]),
                                _record(5, arxiv_id=None, dois=["10.1234/contract.x"], source="conference",
                                        code_urls=["https://github.com/c/d"])])
        store.write_batch(run, [_record(6, arxiv_id="2401.00004", dois=["10.1234/contract.x"])])
        assert store.stats()["papers"] == 1
        paper = store.paper(store.find_paper("10.1234/contract.x"))  # type: ignore[arg-type]
        assert paper["arxiv_id"] == "2401.00004" and paper["dois"] == ["10.1234/contract.x"]
        assert paper["code_urls"] == ["https://github.com/a/b", "https://github.com/c/d"]  # learnt order


def test_a_paper_is_found_by_every_spelling_arxiv_accepts(db_path: Path | str) -> None:
    # The spellings arXiv's own id parser cleans up (arXiv/arxiv-browse browse/domain/identifier.py).
    with open_store(db_path) as store:
        store.write_batch(store.begin_run("arxiv-snapshot", "spellings"), [
            _record(7, arxiv_id="2101.00016"), _record(8, arxiv_id="math/0309136"),
            _record(9, arxiv_id="hep-th/9901001")])  # fmt: skip
        new, old, hep = (store.find_paper(i) for i in ("2101.00016", "math/0309136", "hep-th/9901001"))
        assert None not in (new, old, hep) and len({new, old, hep}) == 3
        for name in ("/2101.00016", "arXiv:2101.00016v2/", "2101.00016/anything", "2101.00016#abstract"):
            assert store.find_paper(name) == new, name
        for name in ("MATH/0309136", "math//0309136", "math.GT/0309136v1", "/math/0309136.pdf"):
            assert store.find_paper(name) == old, name
        assert store.find_paper("hepth/9901001") == store.find_paper("HEP-TH/9901001/extra") == hep
        # Ids that cannot exist find nothing, and are no error.
        assert store.find_paper("0612.0016") is None and store.find_paper("math/0309000") is None


# --- reads on the shared database ---------------------------------------------------------


def test_lookups_find_a_paper_by_any_of_its_names(web_db: Path | str) -> None:
    with open_store(web_db, read_only=True) as store:
        pid, key = store.db.execute("SELECT id, key FROM papers WHERE key LIKE 'arxiv:%' ORDER BY id").fetchone()
        arxiv = key.removeprefix("arxiv:")
        for name in (arxiv, f"arXiv:{arxiv}", f"https://arxiv.org/abs/{arxiv}v1", key, str(pid)):
            assert store.find_paper(name) == pid, name
        assert store.find_paper("2401.99999") is None and store.find_paper("") is None


def test_a_paper_reads_as_its_json_contract(web_db: Path | str) -> None:
    with open_store(web_db, read_only=True) as store:
        (pid,) = store.db.execute(
            "SELECT paper_id FROM paper_scores WHERE kind = 'novelty' AND value IS NOT NULL ORDER BY paper_id"
        ).fetchone()
        paper = store.paper(pid)
        with pytest.raises(KeyError):
            store.paper(10**9)
    assert set(paper) >= {"id", "key", "arxiv_id", "dois", "identifiers", "title", "abstract", "authors",
                          "categories", "first_date", "latest_date", "year", "versions", "code_urls",
                          "citations", "claims", "scores", "provenance"}
    assert isinstance(paper["categories"], list) and paper["authors"][0]["position"] == 0
    assert 0 <= paper["scores"]["novelty"]["value"] <= 100 and paper["scores"]["novelty"]["explanation"]


def test_newest_papers_come_newest_first_and_undated_last(web_db: Path | str) -> None:
    with open_store(web_db, read_only=True) as store:
        total = store.stats()["papers"]
        papers = store.newest_papers(limit=total)
    dates = [p["first_date"] or p["latest_date"] or (str(p["year"]) if p["year"] else None) for p in papers]
    dated = [d for d in dates if d is not None]
    assert len(papers) == total and dated == sorted(dated, reverse=True)
    assert dates[: len(dated)] == dated  # no undated paper before a dated one


def test_stats_and_researcher_pages(web_db: Path | str) -> None:
    with open_store(web_db, read_only=True) as store:
        stats = store.stats()
        pages = store.researcher_pages()
    assert stats["papers"] > 300 and stats["identifiers"]["arxiv"] > 100
    assert {"seed-page", "arxiv-listing", "conference"} <= set(stats["sources"])
    assert len(pages) == len(list((FIXTURES / "seeds").glob("*.txt"))) and all(p["papers"] for p in pages)


def test_search_matches_words_and_names(web_db: Path | str) -> None:
    with open_store(web_db, read_only=True) as store:
        assert store.search.pending() == 0
        found = store.search.match_papers(["language", "models"], every_term=True, limit=10)
        some = store.search.match_papers(["language", "xqzzyv"], every_term=False, limit=10)
        (name,) = store.db.execute("SELECT name_key FROM researchers ORDER BY mentions DESC, id").fetchone()
        words = name.split()
        people = store.search.match_researchers([(w, False) for w in words], 5)
        prefix = store.search.match_researchers([(words[-1][:3], True)], 50)
        texts = {pid: store.paper(pid) for pid, _ in found}
    assert found and [s for _, s in found] == sorted(s for _, s in found)  # best (lowest) first
    assert all("language" in (p["title"] + (p["abstract"] or "")).lower() for p in texts.values())
    assert some and people and people[0] in prefix
    assert store.search.match_papers([], every_term=True, limit=5) == []


def test_the_feed_filters_and_sorts(web_db: Path | str) -> None:
    with open_store(web_db, read_only=True) as store:
        newest = store.feed.newest_date()
        ids, total = store.feed.page("score", FeedFilter(), 10, 0)
        scored = store.scores.values(ids)
        coded, n_coded = store.feed.page("newest", FeedFilter(has_code=True), 50, 0)
        categories = store.feed.categories(5)
        cat_ids, cat_total = store.feed.page("newest", FeedFilter(category=categories[0]), 500, 0)
        rid = store.db.execute("SELECT id FROM researchers ORDER BY mentions DESC, id").fetchone()[0]
        coauthors = store.feed.coauthors(rid, 5)
        rising = store.feed.rising(since="2025-01-01", limit=5)
        with pytest.raises(ValueError, match="sort must be one of"):
            store.feed.page("bogus", FeedFilter(), 1, 0)
    values = [scored[i]["impact"]["value"] for i in ids]
    assert total > 300 and values == sorted(values, reverse=True)
    assert 0 < n_coded < total and len(coded) == min(50, n_coded)
    assert newest is not None and cat_total == len(cat_ids) > 0
    assert coauthors and all(c["papers"] >= 1 for c in coauthors)
    assert all(r["recent_papers"] >= 2 for r in rising)


def test_researchers_read_back_as_resolved(web_db: Path | str) -> None:
    with open_store(web_db, read_only=True) as store:
        rid, name_key = store.db.execute("SELECT id, name_key FROM researchers ORDER BY mentions DESC, id").fetchone()
        person = store.researchers.get(rid)
        assert person is not None and rid in store.researchers.find(name_key)
        summary = store.researchers.summaries([rid])[0]
        mentions = store.researchers.mentions_of(rid)
        papers = store.researchers.profile_papers([p for p, _ in mentions])
        assert store.researchers.get(10**9) is None and store.researchers.any()
    assert summary["papers"] == person["mentions"] == len(mentions) == len(papers)
    assert summary["first_year"] <= summary["last_year"]


# --- scores and vectors ----------------------------------------------------------------------


def test_vectors_and_scores_round_trip_exactly(db_path: Path | str) -> None:
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((3, 8)).astype(np.float32)
    with open_store(db_path) as store:
        store.write_batch(store.begin_run("arxiv-snapshot", "v"), [_record(n) for n in (1, 2, 3)])
        pids = sorted(p for (p,) in store.db.execute("SELECT id FROM papers"))
        with store.transaction():
            store.scores.write_embeddings("m@1", [(p, f"h{p}", v) for p, v in zip(pids, vectors, strict=True)])
            store.scores.write_embeddings("m@1", [(pids[0], "h-new", vectors[2])])  # replaced, not added
            store.scores.write_scores("impact", "ai@1", [ScoreRow(p, 10.0 * i, "top", {"why": i}, f"in{p}")
                                                        for i, p in enumerate(pids)])
        ids, matrix = store.scores.embeddings("m@1")
        top = store.scores.top_scored("impact", since="2024-01-01", limit=2)
        assert store.scores.embedded_hashes("m@1")[pids[0]] == "h-new"
        assert store.scores.scores(pids)[pids[1]]["impact"]["explanation"] == {"why": 1}
        assert store.scores.scored("impact") == (set(pids), {"ai@1"})
    assert ids == pids and matrix.dtype == np.float32
    assert np.array_equal(matrix, np.stack([vectors[2], vectors[1], vectors[2]]))  # bit for bit
    assert top == [(pids[2], 20.0), (pids[1], 10.0)]


# --- running beside other processes --------------------------------------------------------


def test_the_data_version_moves_with_another_connections_commit(db_path: Path | str) -> None:
    with open_store(db_path) as watcher, open_store(db_path) as writer:
        before = watcher.data_version()
        assert watcher.data_version() == before  # reading moves nothing
        writer.write_batch(writer.begin_run("arxiv-snapshot", "dv"), [_record(7)])
        assert watcher.data_version() != before


def test_a_stage_lock_is_refused_to_a_second_holder_naming_the_first(db_path: Path | str, backend: str) -> None:
    with open_store(db_path) as first, open_store(db_path) as second:
        with first.locks.hold("resolve", "paperscope resolve --full"):
            with first.locks.hold("resolve", "nested"):  # re-entrant in one store
                pass
            if backend == "postgresql":  # another session; SQLite's lock is per process
                with (pytest.raises(StageBusy, match="resolve is already running") as busy,
                      second.locks.hold("resolve", "paperscope resolve")):
                    pass
                assert "paperscope resolve --full" in str(busy.value)
        with second.locks.hold("resolve", "paperscope resolve"):  # released: free again
            assert second.locks.holder("resolve") is not None
        assert second.locks.holder("resolve") is None


def test_artifacts_publish_a_generation(db_path: Path | str) -> None:
    with open_store(db_path) as store:
        assert store.artifacts.current("ann:m@1") is None
        store.artifacts.publish("ann:m@1", 1)
        store.artifacts.publish("ann:m@1", 2)
        assert store.artifacts.current("ann:m@1") == 2
        assert store.artifact_root() is not None


# --- the two backends agree ------------------------------------------------------------------


@pytest.mark.sqlite_only  # builds a PostgreSQL twin itself
@pytest.mark.timeout(1200)  # the whole sample, twice: ~3 minutes on an idle 2-core machine
def test_the_backends_give_the_same_papers_and_researchers(tmp_path: Path) -> None:
    """The bundled sample through the whole pipeline (as scripts/demo.sh runs it) on both
    backends: the JSON of every paper and every researcher is the same, and so are the web
    API's answers."""
    from fastapi.testclient import TestClient

    from conftest import new_database
    from paperscope.profiles import build_profile
    from paperscope.web.app import create_app

    twins = [new_database(b, tmp_path) for b in ("sqlite", "postgresql")]
    for db in twins:
        invoke(db, "ingest", "listings", str(SAMPLE / "arxiv-daily-cs.jsonl.gz"))
        invoke(db, "ingest", "snapshot", str(SAMPLE / "arxiv-snapshot.jsonl"))
        invoke(db, "ingest", "conferences", str(SAMPLE / "conferences.jsonl.gz"))
        invoke(db, "ingest", "seeds", str(SAMPLE / "seeds"), "--as-of", AS_OF.isoformat())
        invoke(db, "resolve")
        invoke(db, "score")
    views: list[tuple[list[dict], list[dict], list[object]]] = []
    for db in twins:
        with connect(db) as conn:
            store = conn.store
            papers = [store.paper(p) for (p,) in store.db.execute("SELECT id FROM papers ORDER BY id")]
            for p in papers:  # when it was computed differs, not what
                for score in p["scores"].values():
                    score.pop("computed")
            people = [build_profile(store, r, dt.date(2026, 11, 23)) for (r,) in
                      store.db.execute("SELECT id FROM researchers ORDER BY id")]
            busiest = [r for (r,) in store.db.execute("SELECT id FROM researchers ORDER BY mentions DESC, id LIMIT 25")]
        with TestClient(create_app(db, as_of=AS_OF)) as client:
            answers = [client.get(f"/api/researchers/{r}").json() for r in busiest]
            answers.append(client.get("/api/feed", params={"limit": 50}).json())
        views.append((papers, people, answers))
    (papers_a, people_a, web_a), (papers_b, people_b, web_b) = views
    assert len(papers_a) > 9000 and len(people_a) > 30_000
    assert papers_a == papers_b
    assert people_a == people_b
    assert web_a == web_b


def test_two_ingests_at_once_store_every_paper_once(db_path: Path | str, tmp_path: Path) -> None:
    """Writers side by side (two processes' worth of connections): nothing lost, nothing doubled."""
    import threading

    from paperscope.pipeline.ingest import ingest_files
    from paperscope.sources import arxiv_listings, conferences

    listings = str(FIXTURES / "embed" / "arxiv-cs-every60.jsonl.gz")
    papers = str(FIXTURES / "conferences" / "papers-slice.jsonl.gz")
    open_store(db_path).close()
    errors: list[BaseException] = []

    def ingest(source: str, read: object, path: str) -> None:
        try:
            with open_store(db_path) as store:
                ingest_files(store, source, read, [path], "test", read_in_child=False)  # type: ignore[arg-type]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=ingest, args=("arxiv-listing", lambda p: arxiv_listings.read(Path(p)), listings)),
        threading.Thread(target=ingest, args=("conference", lambda p: conferences.read(Path(p)), papers)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    together = query(db_path, "SELECT key FROM papers ORDER BY key")
    one_by_one = new_database_like(db_path, tmp_path)
    invoke(one_by_one, "ingest", "listings", listings)
    invoke(one_by_one, "ingest", "conferences", papers)
    assert together == query(one_by_one, "SELECT key FROM papers ORDER BY key") and len(together) > 200
    assert query(db_path, "SELECT count(*) FROM paper_ids") == query(one_by_one, "SELECT count(*) FROM paper_ids")


def new_database_like(db: Path | str, folder: Path) -> Path | str:
    from conftest import new_database

    return new_database("sqlite" if isinstance(db, Path) else "postgresql", folder, "one-by-one.db")
