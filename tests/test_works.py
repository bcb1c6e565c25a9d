"""Works: versions of one work grouped, counted once, corrections kept across rebuilds."""

from __future__ import annotations

from pathlib import Path

from paperscope.store.works import WorkVersion
from paperscope.works import author_key, group_works


def _v(pid: int, year: int | None, authors: tuple[str, ...], title: str = "one title", date: str | None = None,
       key: str | None = None) -> WorkVersion:
    return WorkVersion(pid, key or f"k{pid}", title, year, date, authors)


def test_author_keys_match_an_initial_to_a_full_given_name() -> None:
    assert author_key("Sergey Levine") == author_key("S. Levine") == "s levine"
    assert author_key("Sébastien Bubeck") == author_key("sebastien bubeck")
    assert author_key("Madonna") == "madonna"
    assert author_key("  ") == author_key("Anonymous") == author_key("Anonymous Authors") == ""


def test_versions_with_the_same_title_shared_authors_and_near_years_are_one_work() -> None:
    submission = _v(10, 2020, ("Sergey Levine", "Aviral Kumar", "Justin Fu"), date="2019-09-25")
    venue = _v(4, 2020, ("S. Levine", "A. Kumar", "J. Fu", "G. Tucker"))  # a lower id, but later
    other_people = _v(7, 2020, ("Jane Roe", "John Doe"))
    members = group_works([[submission, venue, other_people]])
    assert {m.paper_id for m in members} == {4, 10}
    assert {m.work_id for m in members} == {10}  # the earliest version stands for the work
    assert all("3 of 3 authors" in m.evidence for m in members)


def test_years_too_far_apart_or_no_authors_keep_papers_apart() -> None:
    assert group_works([[_v(1, 2015, ("A B", "C D")), _v(2, 2019, ("A B", "C D"))]]) == []
    assert group_works([[_v(1, 2015, ()), _v(2, 2015, ("A B",))]]) == []
    # Half of the shorter list is enough; less is not.
    assert group_works([[_v(1, 2015, ("A B", "C D")), _v(2, 2016, ("A B", "E F", "G H"))]])
    assert not group_works([[_v(1, 2015, ("A B", "C D", "I J")), _v(2, 2016, ("A B", "E F", "G H"))]])


def test_an_anonymous_submission_joins_the_paper_of_its_long_title_within_a_year() -> None:
    title = "communicating via markov decision processes"
    blind = _v(1, 2022, (), title=title)
    placeholder = _v(3, 2022, ("Anonymous",), title=title)
    venue = _v(2, 2022, ("Samuel Sokota", "Christian Schroeder"), title=title)
    members = group_works([[blind, venue, placeholder]])
    assert {m.paper_id for m in members} == {1, 2, 3}
    assert all("no authors listed on one" in m.evidence for m in members)
    # Not a short title, not years apart, and never two papers without authors.
    assert not group_works([[_v(1, 2022, (), title="plenary talks"), _v(2, 2022, ("A B",), title="plenary talks")]])
    assert not group_works([[_v(1, 2020, (), title=title), _v(2, 2022, ("A B",), title=title)]])
    assert not group_works([[_v(1, 2017, (), title=title), _v(2, 2017, ("Anonymous",), title=title)]])


def test_grouping_is_transitive_within_a_title() -> None:
    a, b, c = _v(1, 2019, ("A B", "C D")), _v(2, 2020, ("C D", "E F")), _v(3, 2021, ("E F", "G H"))
    assert {m.work_id for m in group_works([[a, b, c]])} == {1}
    assert len(group_works([[a, b, c]])) == 3


def test_a_split_keeps_a_paper_apart_and_a_later_merge_brings_it_back() -> None:
    a, b, c = _v(1, 2019, ("A B",)), _v(2, 2020, ("A B",)), _v(3, 2020, ("A B",))
    split = [("split", {"papers": ["k2"]})]
    members = group_works([[a, b, c]], split)
    assert {m.paper_id for m in members} == {1, 3}
    merged_again = [*split, ("merge", {"papers": ["k1", "k2"]})]
    by_key = {v.key: v for v in (a, b, c)}
    members = group_works([[a, b, c]], merged_again, by_key)
    assert {m.paper_id for m in members} == {1, 2, 3}
    assert next(m for m in members if m.paper_id == 2).evidence.startswith("merged by hand")


def test_a_merge_joins_papers_whose_titles_differ() -> None:
    a, b = _v(1, 2019, ("A B",), title="short"), _v(2, 2020, ("X Y",), title="a longer title")
    members = group_works([], [("merge", {"papers": ["k1", "k2"]})], {"k1": a, "k2": b})
    assert [(m.paper_id, m.work_id) for m in members] == [(1, 1), (2, 1)]


# --- on a database: real records of the bundled sample (tests/fixtures/works) -------------------
WORKS = Path(__file__).parent / "fixtures" / "works"


def _ingest_versions(cli) -> None:  # type: ignore[no-untyped-def]
    cli("ingest", "conferences", str(WORKS / "conferences.jsonl"))
    cli("ingest", "listings", str(WORKS / "arxiv-daily.jsonl"))


def test_real_versions_become_works_and_a_split_survives_every_rebuild(cli, cli_json, store) -> None:  # type: ignore[no-untyped-def]
    _ingest_versions(cli)
    assert "18 papers are versions of 9 works" in cli("works", "build").stdout  # 9 titles, 2 papers each
    # The AISTATS paper and its OpenReview submission of the year before.
    work = cli_json("works", "show", "venue:aistats2022/6f89de1386")
    assert [v["key"] for v in work["versions"]] == ["openreview:VbCVU10R7K", "venue:aistats2022/6f89de1386"]
    assert "same title" in work["versions"][1]["evidence"]
    # COLM 2025 and its arXiv preprint: the preprint came first.
    work = cli_json("works", "show", "arxiv:2504.11695")
    assert work["versions"][0]["key"] == "arxiv:2504.11695" and work["versions"][1]["venue"] == "COLM 2025"

    before = store.works.fingerprint()
    assert "override #1" in cli("works", "split", "openreview:VbCVU10R7K").stdout
    assert store.works.fingerprint() != before  # read from the rows: what novelty was computed for
    assert len(cli_json("works", "show", "venue:aistats2022/6f89de1386")["versions"]) == 1
    cli("works", "build")  # a rebuild applies the override again
    assert len(cli_json("works", "show", "venue:aistats2022/6f89de1386")["versions"]) == 1
    cli("works", "merge", "openreview:VbCVU10R7K", "venue:aistats2022/6f89de1386")
    assert len(cli_json("works", "show", "venue:aistats2022/6f89de1386")["versions"]) == 2
    assert [o["action"] for o in cli_json("works", "overrides")] == ["split", "merge"]


def test_a_correction_naming_no_paper_fails_in_one_line(cli) -> None:  # type: ignore[no-untyped-def]
    _ingest_versions(cli)
    result = cli("works", "split", "arxiv:9999.99999", expect_exit=1)
    assert "error: no paper with id 'arxiv:9999.99999'" in result.output and len(result.output.splitlines()) == 1
    result = cli("works", "merge", "arxiv:2504.11695", expect_exit=2)
    assert "two papers or more" in result.output


def test_novelty_compares_works_and_a_later_version_has_its_works_figure(cli, store) -> None:  # type: ignore[no-untyped-def]
    _ingest_versions(cli)
    cli("score")
    work_of = store.works.work_ids([pid for (pid,) in store.db.execute("SELECT id FROM papers")])
    assert len(work_of) == 18
    scores = store.scores.scores(list(work_of))
    for pid, work in work_of.items():
        novelty = scores[pid]["novelty"]
        nearest = {n["paper_id"] for n in novelty["explanation"]["nearest_earlier"]}
        assert not {p for p in nearest if work_of.get(p, p) == work}, "a version of its own work as a neighbour"
        if pid != work:
            assert novelty["explanation"]["work_id"] == work
            assert novelty["value"] == scores[work]["novelty"]["value"]
    # A split makes the next score compute the paper's own figure again.
    cli("works", "split", "openreview:qPsmGjpq1j")
    cli("score")
    colm = store.find_paper("openreview:qPsmGjpq1j")
    explanation = store.scores.scores([colm])[colm]["novelty"]["explanation"]
    assert "work_id" not in explanation
    # Apart, the two copies are each other's nearest paper again (the COLM entry is dated
    # by its year only, so before the preprint's day).
    preprint = store.find_paper("arxiv:2504.11695")
    nearest = store.scores.scores([preprint])[preprint]["novelty"]["explanation"]["nearest_earlier"]
    assert nearest[0]["paper_id"] == colm and nearest[0]["similarity"] > 0.95


def test_a_profile_counts_a_work_once_with_the_best_count_of_each_source() -> None:
    from paperscope.profiles import one_per_work

    def paper(pid: int, date: str, venue: str | None, arxiv: str | None, counts: dict[str, int]) -> dict:
        return {"id": pid, "key": f"k{pid}", "first_date": date, "year": int(date[:4]), "venue": venue,
                "arxiv_id": arxiv, "code_urls": [f"https://code/{pid}"] if pid == 2 else [],
                "citations": [{"count": n, "source": s, "as_of": "2026-01-01"} for s, n in counts.items()],
                "citations_by_year": {s: {2025: n} for s, n in counts.items()}}

    preprint = paper(1, "2024-01-05", None, "2401.00001", {"openalex": 40, "s2": 10})
    venue = paper(2, "2024-06-01", "ICML 2024", None, {"openalex": 25, "s2": 31})
    alone = paper(3, "2023-03-03", "NeurIPS 2023", None, {"openalex": 7})
    works = one_per_work([venue, alone, preprint], {1: 1, 2: 1})
    assert [w["id"] for w in works] == [1, 3]
    merged = works[0]
    assert {c["source"]: c["count"] for c in merged["citations"]} == {"openalex": 40, "s2": 31}  # never 65
    assert merged["citations_by_year"] == {"openalex": {2025: 40}, "s2": {2025: 31}}
    assert [v["key"] for v in merged["versions"]] == ["k1", "k2"] and merged["code_urls"] == ["https://code/2"]
    assert works[1]["versions"] == [{"id": 3, "key": "k3", "venue": "NeurIPS 2023", "arxiv_id": None,
                                     "date": "2023-03-03"}]


def test_no_seed_researchers_profile_lists_a_work_twice(tmp_path: Path, backend: str) -> None:
    """On the sample's conference slice and the seed pages: every page's researcher lists
    each work once (one title, once normalised), whatever its versions."""
    import orjson

    from conftest import SAMPLE, invoke, new_database
    from paperscope.text import title_key

    db = new_database(backend, tmp_path)
    invoke(db, "ingest", "conferences", str(SAMPLE / "conferences.jsonl.gz"))
    invoke(db, "ingest", "seeds", str(SAMPLE / "seeds"), "--as-of", "2026-11-23")
    invoke(db, "resolve")
    pages = sorted(p.name for p in (SAMPLE / "seeds").glob("*.txt"))
    assert len(pages) == 5
    for page in pages:
        profile = orjson.loads(invoke(db, "researcher", f"page:{page}", "--format", "json", "--limit", "1000").stdout)
        keys = [title_key(p["title"]) for p in profile["papers"]]
        assert len(keys) >= 10, page
        assert len(keys) == len(set(keys)), (page, [k for k in keys if keys.count(k) > 1])
