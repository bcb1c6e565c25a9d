"""Search on real records: titles, typo'd names, paraphrases, hostile input, incremental index."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import orjson
import pytest

from conftest import FIXTURES, connect, copy_database, invoke, new_database
from paperscope.search import MAX_QUERY_CHARS, SemanticIndex, query_terms, search
from paperscope.store import Store, open_store

LISTINGS = str(FIXTURES / "arxiv" / "daily-cs-sample.jsonl.gz")
CONFERENCES = FIXTURES / "conferences" / "papers-slice.jsonl.gz"
SNAPSHOT = str(FIXTURES / "arxiv" / "snapshot-sample.jsonl")
GUN_DETECTION = "Gun Detection Using Combined Human Pose and Weapon Appearance"


@pytest.fixture(scope="module")
def built(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Path | str:
    """arXiv listings and conference papers, resolved (which indexes them) and scored."""
    path = new_database(backend, tmp_path_factory.mktemp("search"), "base.db")
    invoke(path, "ingest", "listings", LISTINGS)
    invoke(path, "ingest", "conferences", str(CONFERENCES))
    assert "search: 330 papers indexed" in invoke(path, "resolve").stdout
    assert "search: 0 papers indexed" in invoke(path, "score").stdout
    return path


@pytest.fixture(scope="module")
def store(built: Path) -> Iterator[Store]:
    s = open_store(built)
    yield s
    s.close()


@pytest.fixture
def own_copy(built: Path | str, tmp_path: Path) -> Path | str:
    """A copy of the built database that a test may change."""
    return copy_database(built, tmp_path)


def paper_id(store: Store, title: str) -> int:
    found = store.search.papers_with_title_key(title.casefold())
    assert len(found) == 1, title
    return found[0]


def test_a_papers_title_finds_it_first(store: Store) -> None:
    pid = paper_id(store, GUN_DETECTION)
    exact = search(store, GUN_DETECTION)
    assert exact["papers"][0]["id"] == pid
    assert exact["papers"][0]["match"]["exact"] == "title" and exact["papers"][0]["match"]["fts_rank"] == 1
    # Its words in another order and case: found by full text, first.
    first = search(store, "weapon appearance, human POSE gun detection")["papers"][0]
    assert first["id"] == pid and first["match"]["exact"] is None and first["match"]["fts_rank"] == 1
    assert first["title"] == GUN_DETECTION and first["first_date"] == "2025-03-18"
    assert first["primary_category"] == "cs.CV"
    assert first["authors"] and first["author_count"] >= len(first["authors"])
    assert first["scores"]["impact"]["value"] is not None
    assert set(first["scores"]) == {"impact", "novelty"}


def test_an_arxiv_id_finds_its_paper_first(store: Store) -> None:
    first = search(store, "2503.11731v1")["papers"][0]
    assert first["arxiv_id"] == "2503.11731" and first["match"]["exact"] == "identifier"
    assert first["primary_category"] == "cs.CV" and first["first_date"]


def test_a_typod_researcher_name_finds_the_researcher(store: Store) -> None:
    for query in ("Fredo Durnad", "durand frédo", "FRÉDO DURAND", "F. Durand"):
        found = search(store, query)["researchers"]
        assert found and found[0]["name"] == "Frédo Durand", query
    typo = search(store, "Fredo Durnad")["researchers"][0]
    assert typo["papers"] == 2 and 85 <= typo["match_score"] < 100
    assert typo["h_index"] is None  # no provider profile in this database
    assert search(store, "Laura Leal Taixe")["researchers"][0]["name"] == "Laura Leal-Taixé"


def test_researchers_are_ranked_by_match_then_papers(store: Store) -> None:
    found = search(store, "wang", researchers=20)["researchers"]
    assert len(found) >= 5
    assert all("wang" in r["name"].casefold() for r in found)
    assert [(-r["match_score"], -r["papers"]) for r in found] == sorted(
        (-r["match_score"], -r["papers"]) for r in found)


def test_a_paraphrase_sharing_no_word_finds_its_paper_by_meaning(store: Store) -> None:
    pid = paper_id(store, GUN_DETECTION)
    query = "spotting pistols and rifles in camera video"
    # No word of the query but "and" and "in" is a word (stemmed) of the paper's title,
    # abstract or authors.
    for term in set(query_terms(query)) - {"and", "in"}:
        assert pid not in {p for p, _ in store.search.match_papers([term], every_term=True, limit=1000)}, term
    papers = search(store, query)["papers"]
    ranked = [p["id"] for p in papers]
    assert pid in ranked[:3]
    match = papers[ranked.index(pid)]["match"]
    assert match["fts_rank"] is None and match["semantic_rank"] == 1 and match["similarity"] > 0.4


@pytest.mark.parametrize("query", [
    '"foo', "a AND (", "<script>alert(1)</script>", "C++", "cs.LG", "NEAR(a b)", "title:gun", "*", "^x",
    "-", "'", '""', "((((", "a OR", "NOT", "\\", "%_%", "\x00", "🙂 emoji", "ｆｕｌｌ　ｗｉｄｔｈ",
    "x" * MAX_QUERY_CHARS, "   ", "", "gun OR", "AND AND", "col:* NOT -x",
])
def test_hostile_queries_never_raise(store: Store, query: str) -> None:
    result = search(store, query)
    assert set(result) >= {"query", "researchers", "papers"}
    assert all(set(p["match"]) == {"exact", "fts_rank", "semantic_rank", "similarity", "rrf"}
               for p in result["papers"])


def test_limits_are_checked_with_a_clear_message(store: Store) -> None:
    with pytest.raises(ValueError, match=f"201 characters long; the most is {MAX_QUERY_CHARS}"):
        search(store, "x" * 201)
    with pytest.raises(ValueError, match="limit 101: must be 1 to 100"):
        search(store, "gun", limit=101)
    with pytest.raises(ValueError, match="offset -1"):
        search(store, "gun", offset=-1)


def test_pages_follow_one_another(store: Store) -> None:
    whole = [p["id"] for p in search(store, "gaussian splatting", limit=20)["papers"]]
    pages = [p["id"] for offset in (0, 10)
             for p in search(store, "gaussian splatting", limit=10, offset=offset)["papers"]]
    assert len(whole) == 20 and pages == whole


def test_the_semantic_index_is_exact(store: Store) -> None:
    (model,) = store.search.embedding_models()
    index = SemanticIndex.from_store(store, model)
    ids, vectors = store.scores.embeddings(model)
    query = vectors[17]
    found = index.search(query, 5)
    truth = np.argsort(-(vectors @ query), kind="stable")[:5]
    assert [pid for pid, _ in found] == [ids[i] for i in truth]
    assert found[0] == (ids[17], pytest.approx(1.0, abs=1e-5))


def test_refresh_indexes_only_what_is_new(own_copy: Path) -> None:
    with open_store(own_copy) as s:
        assert search(s, "Marcus Michelin")["researchers"] == []  # builds this process's name index
        again = s.search.refresh()
        assert (again.indexed, again.removed, again.researchers) == (0, 0, 0)
        before, generation = s.stats()["papers"], again.generation
    invoke(own_copy, "ingest", "snapshot", SNAPSHOT)
    with open_store(own_copy) as s:
        new = s.stats()["papers"] - before
        assert new > 10
        refreshed = s.search.refresh()
        assert (refreshed.indexed, refreshed.removed) == (new, 0)
        assert refreshed.researchers == 0 and refreshed.generation == generation + 1
        assert s.search.refresh().indexed == 0
    # `resolve` ends by refreshing the index: the new researchers' names are searchable
    # at once, not only after the next `score`.
    resolved = invoke(own_copy, "resolve").output
    assert "search: 0 papers indexed, 0 removed;" in resolved
    assert re.search(r"search: .*; [\d,]+ researcher names", resolved), resolved
    with open_store(own_copy) as s:
        assert s.search.generation() == generation + 2
        assert s.search.refresh().researchers == 0
        title = "Zeros of a growing number of derivatives of random polynomials with independent roots"
        assert search(s, title)["papers"][0]["arxiv_id"] == "2212.11867"
        # The new researchers are found, typo and all: in-memory indexes follow the refresh.
        assert search(s, "Marcus Michelin")["researchers"][0]["name"] == "Marcus Michelen"


def _megdet_record() -> dict[str, object]:
    with gzip.open(CONFERENCES, "rt", encoding="utf-8") as lines:
        return next(r for r in map(json.loads, lines) if (r.get("title") or "").startswith("MegDet"))


def test_a_merged_away_or_deleted_paper_leaves_the_index(own_copy: Path, tmp_path: Path) -> None:
    record = _megdet_record()  # stored with its CVPR id and its arXiv id
    # The same paper under another CVPR id and no arXiv id: stored as a second paper ...
    twin = {**record, "id": "megdet-elsewhere"}
    twin.pop("arxiv")
    (tmp_path / "twin.jsonl").write_text(json.dumps(twin), encoding="utf-8")
    invoke(own_copy, "ingest", "conferences", str(tmp_path / "twin.jsonl"))
    with open_store(own_copy) as s:
        assert s.search.refresh().indexed == 1
        both = [p["id"] for p in search(s, "MegDet")["papers"] if p["title"].startswith("MegDet")]
        assert len(both) == 2
    # ... until a record carries both the twin's id and the arXiv id: the two merge.
    (tmp_path / "both.jsonl").write_text(json.dumps({**twin, "arxiv": record["arxiv"]}), encoding="utf-8")
    invoke(own_copy, "ingest", "conferences", str(tmp_path / "both.jsonl"))
    with open_store(own_copy) as s:
        refreshed = s.search.refresh()
        assert refreshed.removed == 1 and refreshed.indexed == 1  # the survivor, rewritten
        left = [p["id"] for p in search(s, "MegDet")["papers"] if p["title"].startswith("MegDet")]
        assert left == [min(both)]
        assert max(both) not in {p for p, _ in s.search.match_papers(["megdet"], every_term=True, limit=10)}
    conn = connect(own_copy)  # the store's connection: foreign keys on, as always
    conn.execute("DELETE FROM papers WHERE id = ?", (min(both),))
    conn.commit()
    conn.close()
    with open_store(own_copy) as s:
        assert s.search.refresh().removed == 1
        assert not [p for p in search(s, "MegDet")["papers"] if p["title"].startswith("MegDet")]


def test_the_search_command(own_copy: Path) -> None:
    data = orjson.loads(invoke(own_copy, "search", GUN_DETECTION, "--limit", "3", "--format", "json").stdout)
    assert data["query"] == GUN_DETECTION and len(data["papers"]) == 3
    assert data["papers"][0]["title"] == GUN_DETECTION and data["semantic_model"].startswith("minilm-static")
    text = invoke(own_copy, "search", "Fredo Durnad").stdout
    assert text.startswith("Researchers\n") and "Frédo Durand · 2 papers" in text and "Papers 1–" in text
    assert "Gun Detection" in invoke(own_copy, "search", "gun detection pose").stdout
    refused = invoke(own_copy, "search", "gun", "--limit", "101", expect_exit=1)
    assert "search limit 101: must be 1 to 100" in refused.output and "Traceback" not in refused.output


def test_an_empty_database_answers_with_nothing(tmp_path: Path) -> None:
    with open_store(tmp_path / "empty.db") as s:
        assert search(s, "gun detection")["notes"] == [
            "the search index was never built: run `paperscope score` or store.search.refresh()"]
        refreshed = s.search.refresh()
        assert (refreshed.indexed, refreshed.generation) == (0, 1)
        result = search(s, "gun detection")
        assert (result["researchers"], result["papers"], result["notes"], result["semantic_model"]) == (
            [], [], [], None)


def test_a_researchers_h_index_is_a_providers_with_its_source(own_copy: Path) -> None:
    conn = connect(own_copy)
    (rid,) = conn.execute("SELECT id FROM researchers WHERE name = 'Frédo Durand'").fetchone()
    for author_id, h_index in (("A1", 71), ("A2", 12)):  # one person, two provider profiles
        conn.execute(
            "INSERT INTO author_profiles (source, author_id, name, h_index, as_of, run_id)"
            " VALUES ('openalex', ?, 'Frédo Durand', ?, '2026-11-20', 1)", (author_id, h_index))
        conn.execute("INSERT INTO researcher_ids (researcher_id, scheme, value) VALUES (?, 'openalex', ?)",
                     (rid, author_id))
    conn.commit()
    conn.close()
    with open_store(own_copy) as s:
        found = search(s, "Fredo Durand")["researchers"][0]
        assert found["h_index"] == {"value": 71, "source": "openalex", "as_of": "2026-11-20"}
    assert "h-index 71 (openalex, 2026-11-20)" in invoke(own_copy, "search", "Fredo Durand").stdout


def test_a_paper_written_by_a_run_still_going_is_looked_at_again(own_copy: Path) -> None:
    # As a refresh that runs while an ingest writes: the run may write the paper again.
    conn = connect(own_copy)
    (run,) = conn.execute("INSERT INTO ingest_runs (source, command, started_at) VALUES"
                          " ('arxiv-listing', 'ingest', '2026-11-23') RETURNING id").fetchone()
    conn.execute("UPDATE papers SET updated_run = ?, title = 'A zymurgy title from the run'"
                 " WHERE id = 1", (run,))
    conn.commit()
    with open_store(own_copy) as s:
        assert s.search.refresh().indexed == 1
        assert [pid for pid, _ in s.search.match_papers(["zymurgy"], every_term=True, limit=5)] == [1]
        conn.execute("UPDATE papers SET title = 'Its title when the run ended' WHERE id = 1")
        conn.execute("UPDATE ingest_runs SET status = 'done' WHERE id = ?", (run,))
        conn.commit()
        assert s.search.refresh().indexed == 1
        assert s.search.refresh().indexed == 0
        assert search(s, "its title when the run ended")["papers"][0]["id"] == 1
        assert not s.search.match_papers(["zymurgy"], every_term=True, limit=5)
    conn.close()
