"""Researchers end to end: resolve the stored mentions, show profiles, keep manual overrides.

The golden tests ingest the seed pages and render each page's researcher as of the
day the pages were read: every paper block must equal the page's own block (the
site's leading per-paper score aside, which is its own figure).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import orjson
import pytest
from click.testing import Result

from conftest import FIXTURES, SAMPLE, copy_database, invoke, new_database
from paperscope.store import open_store

SEEDS = FIXTURES / "seeds"
AS_OF = "2026-11-23"  # the pages were read in 2026: "Mar 1" is 2026-03-01
# A paper block starts with [score]CODE + date [+ Code], e.g. "87.0LGMar 13Code".
_BLOCK_HEAD = re.compile(r"^(?:\d+\.\d)?([A-Z]{2,3})([A-Z][a-z]{2} \d{1,2}(?:, \d{4})?)(Code)?$")
STANDARD_PAGES = ["000_a0a0c56183404ee7.txt", "003_39bbd0f104a05994.txt", "004_91b26bd0b8dbb123.txt"]


def seed_blocks(page: Path) -> list[str]:
    """The paper blocks of a page in the standard layout, without the site's scores."""
    lines = page.read_text("utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if _BLOCK_HEAD.match(line)]
    blocks = []
    for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
        head = re.sub(r"^\d+\.\d", "", lines[start])
        body = "\n".join(lines[start + 1 : end]).strip("\n")
        blocks.append(f"{head}\n{body}")
    return blocks


def profile_blocks(text: str) -> list[str]:
    """The paper blocks of a rendered profile (same splitting as the page's)."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if _BLOCK_HEAD.match(line)]
    return [
        "\n".join(lines[start:end]).strip("\n")
        for start, end in zip(starts, [*starts[1:], len(lines)], strict=True)
    ]


@pytest.fixture
def seeded(cli: Callable[..., Result]) -> Callable[..., Result]:
    cli("ingest", "seeds", str(SEEDS), "--as-of", AS_OF)
    cli("resolve")
    return cli


@pytest.mark.parametrize("page", STANDARD_PAGES)
def test_profile_paper_blocks_equal_the_seed_pages(seeded: Callable[..., Result], page: str) -> None:
    text = seeded("researcher", f"page:{page}", "--as-of", AS_OF).stdout
    expected = seed_blocks(SEEDS / page)
    assert len(expected) >= 10
    rendered = profile_blocks(text)
    missing = [b for b in expected if b not in rendered]
    assert not missing, f"{len(missing)} of {len(expected)} blocks differ; first:\n{missing[0]}"
    # The page's researcher has no paper the page does not list (only the seeds are stored,
    # and other pages' papers that name them are theirs too: those count as extra here).
    assert len(rendered) >= len(expected)


def test_profile_header_follows_the_seed_layout(seeded: Callable[..., Result]) -> None:
    text = seeded("researcher", "Zixin Wen", "--as-of", AS_OF).stdout
    lines = text.splitlines()
    assert lines[0] == "Zixin Wen"
    assert lines[1] == ""
    assert re.fullmatch(r"[A-Z]{2,3}", lines[2])
    assert lines[3].startswith("h-index")
    assert re.fullmatch(r"[\d,]+papers", lines[4])
    assert re.fullmatch(r"(?:[\d,]+|—)citations", lines[5])
    assert lines[6:8] == ["Novelty—", "AI Score—"]   # until the scores issue lands
    n = int(lines[4].removesuffix("papers").replace(",", ""))
    assert lines[9] == f"{n} Papers"


def test_a_partial_citation_figure_gets_a_footnote_in_text_and_a_coverage_object(
    seeded: Callable[..., Result],
) -> None:
    checked = 0
    for page in sorted(p.name for p in SEEDS.glob("0*.txt")):
        profile = orjson.loads(seeded("researcher", f"page:{page}", "--as-of", AS_OF, "--format", "json").stdout)
        covered = profile["coverage"]["citations"]
        assert covered["papers"] == profile["metrics"]["papers"]["value"]
        assert covered["partial"] == (covered["papers_counted"] < covered["papers"])
        text = seeded("researcher", f"page:{page}", "--as-of", AS_OF).stdout
        footnote = [line for line in text.splitlines() if line.startswith("* h-index and citations:")]
        assert footnote == ([f"* h-index and citations: {covered['text']}"] if covered["partial"] else [])
        checked += covered["partial"]
    assert checked, "some seed researcher's counts cover only part of their papers"


def test_profile_json_contract(seeded: Callable[..., Result]) -> None:
    profile = orjson.loads(seeded("researcher", "Zixin Wen", "--as-of", AS_OF, "--format", "json").stdout)
    for key in ("name", "ids", "primary_category", "metrics", "novelty_pct", "ai_score",
                "affiliations", "coauthors", "papers"):
        assert key in profile
    assert profile["name"] == "Zixin Wen"
    page = "000_a0a0c56183404ee7.txt"
    assert profile["ids"]["page"] == [page] or page in profile["ids"]["page"]
    for figure in profile["metrics"].values():
        assert set(figure) >= {"value", "source", "as_of"}
    paper = profile["papers"][0]
    for key in ("id", "arxiv_id", "title", "authors", "category", "date", "has_code", "code_urls",
                "affiliation_tags", "citations", "ai_score", "novelty_pct", "abstract"):
        assert key in paper
    # The page's own header figures are shown as its claims, apart from computed ones.
    assert profile["page_claims"]["h_index"]["value"] == "56"
    assert profile["page_claims"]["h_index"]["source"] == "000_a0a0c56183404ee7.txt"


def test_name_search_is_fuzzy_and_diacritic_insensitive(seeded: Callable[..., Result]) -> None:
    want = orjson.loads(seeded("researcher", "Zixin Wen", "--format", "json", "--as-of", AS_OF).stdout)["id"]
    for query in ("zixin wen", "Zíxin Wén", "Wen Zixin", "Zixin Wenn"):
        got = orjson.loads(seeded("researcher", query, "--format", "json", "--as-of", AS_OF).stdout)
        assert got.get("id") == want, query
    seeded("researcher", "Nobody Atall", expect_exit=1)


def test_as_of_drops_later_papers_and_shows_the_year(seeded: Callable[..., Result]) -> None:
    late = orjson.loads(seeded("researcher", "Zixin Wen", "--format", "json", "--as-of", AS_OF).stdout)
    early = orjson.loads(seeded("researcher", "Zixin Wen", "--format", "json", "--as-of", "2024-01-01").stdout)
    assert len(early["papers"]) < len(late["papers"])
    assert all(p["date"] <= "2024-01-01" for p in early["papers"])
    text = seeded("researcher", "Zixin Wen", "--as-of", "2024-06-01").stdout
    assert "Mar 1, 2024" in text or ", 2023" in text  # years other than 2024 are printed


def test_resolve_is_incremental(seeded: Callable[..., Result]) -> None:
    again = seeded("resolve").stdout
    assert "0 clustered this run" in again
    full = seeded("resolve", "--full").stdout
    assert "0 clustered this run" not in full
    # Where the time went, step by step, in the order they ran.
    steps = re.search(r"steps: (.*)", full)
    assert steps is not None
    assert [s.split()[0] for s in steps.group(1).split(", ")] == [
        "works", "read", "cluster", "researchers", "write", "search"]


# --- manual overrides on the bundled conference sample ---------------------------------------


@pytest.fixture(scope="module")
def conferences_db(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Path | str:
    """The sample's conference papers, resolved: built once, copied for each test."""
    db = new_database(backend, tmp_path_factory.mktemp("conferences"), "resolved.db")
    invoke(db, "ingest", "conferences", str(SAMPLE / "conferences.jsonl.gz"))
    invoke(db, "resolve")
    return db


@pytest.fixture
def conferences(conferences_db: Path | str, tmp_path: Path) -> Callable[..., Result]:
    """The CLI on a copy of the resolved conference sample."""
    copy = copy_database(conferences_db, tmp_path)
    return lambda *args, expect_exit=0: invoke(copy, *args, expect_exit=expect_exit)


def test_the_mentions_export_lists_every_mention_with_its_researcher(conferences_db, conferences) -> None:
    lines = conferences("researchers", "mentions").stdout.splitlines()
    rows = [orjson.loads(line) for line in lines]
    with open_store(conferences_db, read_only=True) as store:
        (mentions,) = store.db.execute("SELECT count(*) FROM researcher_mentions").fetchone()
        stored = {(k, m): r for k, m, r in store.db.execute(
            "SELECT p.key, m.mention, m.researcher_id FROM researcher_mentions m JOIN papers p ON p.id = m.paper_id")}
        # Windows of whole papers: any window size gives the same stream.
        assert list(store.researchers.resolved_mentions(batch=5)) == rows
    assert len(rows) == mentions > 9_000
    assert set(rows[0]) == {"paper", "arxiv_id", "position", "name", "researcher_id"}
    assert all(stored[(r["paper"], f"p{r['position']}")] == r["researcher_id"] for r in rows)
    first = [r for r in rows if r["paper"] == rows[0]["paper"]]
    assert [r["position"] for r in first] == list(range(len(first)))  # in author order, 10 after 9
    with_arxiv = next(r for r in rows if r["paper"].startswith("arxiv:"))
    assert with_arxiv["arxiv_id"] == with_arxiv["paper"].removeprefix("arxiv:")
    csv_lines = conferences("researchers", "mentions", "--format", "csv").stdout.splitlines()
    assert csv_lines[0] == "paper,arxiv_id,position,name,researcher_id" and len(csv_lines) == len(rows) + 1


def test_the_mentions_export_needs_a_resolve_first(cli) -> None:
    cli("ingest", "conferences", str(FIXTURES / "conferences" / "papers-slice.jsonl.gz"))
    out = cli("researchers", "mentions", expect_exit=1)
    assert "run `paperscope resolve` first" in out.output


def largest(cli: Callable[..., Result], name: str) -> dict:
    """The researcher of this name with the most papers."""
    found = profile(cli, name)
    if "matches" in found:
        found = profile(cli, str(max(found["matches"], key=lambda m: m["papers"])["id"]))
    return found


def profile(cli: Callable[..., Result], query: str) -> dict:
    return orjson.loads(cli("researcher", query, "--format", "json").stdout)


def test_an_ambiguous_name_lists_the_candidates(conferences: Callable[..., Result]) -> None:
    # Two people named Jie Zhou publish in the sample (computer vision, and NLP).
    matches = profile(conferences, "Jie Zhou")["matches"]
    assert len(matches) >= 2
    assert {m["name"] for m in matches} == {"Jie Zhou"}
    text = conferences("researcher", "Jie Zhou").stdout
    assert f"{len(matches)} researchers match" in text
    assert str(matches[0]["id"]) in text


def test_merge_is_kept_through_a_full_rebuild(conferences: Callable[..., Result]) -> None:
    first, second = profile(conferences, "Jie Zhou")["matches"][:2]
    conferences("researchers", "merge", str(first["id"]), str(second["id"]))
    conferences("resolve", "--full")
    merged = profile(conferences, str(first["id"]))
    assert merged["name"] == "Jie Zhou"
    assert len(merged["papers"]) == first["papers"] + second["papers"]
    conferences("researcher", str(second["id"]), expect_exit=1)  # one of the two ids is gone
    listed = orjson.loads(conferences("researchers", "overrides", "--format", "json").stdout)
    assert [o["action"] for o in listed] == ["merge"]
    assert len(listed[0]["payload"]["groups"]) == 2
    assert conferences("researchers", "overrides").stdout.startswith("#1 merge: 2 researchers into one")


def test_split_is_kept_through_a_full_rebuild(conferences: Callable[..., Result]) -> None:
    sizes_before = sorted(m["papers"] for m in profile(conferences, "Quanquan Gu")["matches"])
    before = largest(conferences, "Quanquan Gu")
    moved = before["papers"][0]
    conferences("researchers", "split", str(before["id"]), "--paper", moved["key"])
    conferences("resolve", "--full")
    sizes = sorted(m["papers"] for m in profile(conferences, "Quanquan Gu")["matches"])
    assert sizes == sorted([*sizes_before[:-1], 1, sizes_before[-1] - 1])
    kept = profile(conferences, str(before["id"]))  # the larger part keeps the id
    assert moved["key"] not in {p["key"] for p in kept["papers"]}


def test_claimed_orcid_finds_the_researcher_after_a_rebuild(conferences: Callable[..., Result]) -> None:
    before = largest(conferences, "Sham M. Kakade")
    conferences("researchers", "claim", str(before["id"]), "https://orcid.org/0000-0002-1825-0097")
    conferences("resolve", "--full")
    after = profile(conferences, "0000-0002-1825-0097")
    assert after["id"] == before["id"]
    assert after["orcid"] == "0000-0002-1825-0097"
    refused = conferences("researchers", "claim", str(before["id"]), "not-an-orcid", expect_exit=1)
    assert refused.output == "error: 'not-an-orcid' is not an ORCID (0000-0000-0000-000X)\n"


def test_profile_metrics_rest_on_one_dated_source(conferences: Callable[..., Result]) -> None:
    p = largest(conferences, "Quanquan Gu")
    h = p["metrics"]["h_index"]
    # The conference corpus carries Google Scholar counts dated 2025-06-02/12.
    assert h["source"] == "google-scholar"
    assert h["as_of"] in ("2025-06-02", "2025-06-12")
    counts = sorted((max((c["count"] for c in q["citations"]), default=0) for q in p["papers"]), reverse=True)
    assert h["value"] == sum(1 for i, c in enumerate(counts, 1) if c >= i)
    assert p["metrics"]["citations"]["value"] == sum(counts)
    assert p["coauthors"] and p["coauthors"][0]["papers"] >= p["coauthors"][-1]["papers"]


def test_a_name_written_in_both_orders_is_one_block() -> None:
    from paperscope.pipeline.resolve import _NameBlocks

    names = _NameBlocks(["Zhang Wei", "Wei Zhang", "W. Zhang", "Wen Zhang", "the ATLAS Collaboration"])
    found = {name: names.of(name) for name in names.key}
    assert found.pop("the ATLAS Collaboration") is None
    assert len({root for _, root in found.values()}) == 1  # one block resolves them all
    assert found["Zhang Wei"][0] != found["Wei Zhang"][0]  # each keeps its own key


def stored_researchers(db: Path | str) -> list[tuple]:
    """Every researcher as (name, block, mentions, its mentions), ids left out."""
    with open_store(db, read_only=True) as store:
        return sorted(
            (r[1:], tuple(m for m, in store.db.execute(
                "SELECT paper_id || '/' || mention FROM researcher_mentions WHERE researcher_id = ?"
                " ORDER BY 1", (r[0],))))
            for r in store.db.execute("SELECT id, name, block, mentions FROM researchers")
        )


def test_resolving_in_buckets_gives_the_researchers_of_one_overrides_included(
    conferences_db: Path | str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The resolver holds one bucket of blocks at a time: ~20 buckets of ~500 mentions give
    what one gives, and a merge across two name blocks still holds."""
    from paperscope.pipeline import resolve

    with open_store(conferences_db, read_only=True) as store:
        people = [store.db.execute(
            "SELECT id FROM researchers WHERE block = ? ORDER BY mentions DESC, id LIMIT 1", (block,)
        ).fetchone()[0] for block in ("zhou j", "wang y")]
        mentions = {m for (m,) in store.db.execute(
            "SELECT paper_id || '/' || mention FROM researcher_mentions WHERE researcher_id IN (?, ?)", people)}
    one, many = (copy_database(conferences_db, tmp_path, name) for name in ("one.db", "many.db"))
    for db in (one, many):
        invoke(db, "researchers", "merge", *map(str, people))
    invoke(one, "resolve", "--full")
    monkeypatch.setattr(resolve, "_BUCKET_MENTIONS", 500)
    out = invoke(many, "resolve", "--full").output
    assert "override not applied" not in out
    got = stored_researchers(many)
    assert len(got) > 1000 and got == stored_researchers(one)
    assert sum(1 for _, members in got if mentions & set(members)) == 1  # the merge holds


def test_workers_resolve_exactly_as_one_process(
    conferences_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paperscope.pipeline import resolve

    def researchers(db: Path) -> list[tuple]:
        store = open_store(db)
        try:
            return sorted(
                (r[1:], tuple(m for m, in store.db.execute(
                    "SELECT paper_id || '/' || mention FROM researcher_mentions WHERE researcher_id = ?"
                    " ORDER BY 1", (r[0],))))
                for r in store.db.execute("SELECT id, name, block, mentions FROM researchers")
            )
        finally:
            store.close()

    parallel = copy_database(conferences_db, tmp_path)
    monkeypatch.setattr(resolve, "_PARALLEL_FROM", 0)
    store = open_store(parallel)
    summary = resolve.resolve_store(store, full=True)
    store.close()
    assert summary.blocks_clustered == summary.blocks > 1000
    assert researchers(parallel) == researchers(conferences_db)


def test_computed_h_index_equals_the_providers_on_a_complete_works_list() -> None:
    """Semantic Scholar's A. Turing (recorded): all 60 papers listed with their counts."""
    from paperscope.metrics import PaperFacts, compute_metrics

    author = orjson.loads((FIXTURES / "semanticscholar" / "Author.json").read_bytes())
    assert len(author["papers"]) == author["paperCount"]  # the works list is complete
    recorded = "2024-12-01"  # the cassettes were recorded 2023-12 to 2024-12
    facts = [
        PaperFacts(paper_id=p["paperId"], year=p["year"], date=p["publicationDate"],
                   primary_category=None,
                   citations=[(p["citationCount"], "semantic-scholar", recorded)])
        for p in author["papers"]
    ]
    metrics = compute_metrics(facts, date(2024, 12, 31))
    s2 = metrics.by_source["semantic-scholar"]
    assert s2.h_index == author["hIndex"] == 23
    assert abs(s2.citations - author["citationCount"]) <= 1  # 12,416 summed vs 12,415 reported
    assert metrics.papers == 60


def test_a_shared_openreview_or_ieee_id_makes_one_researcher(conferences_db: Path) -> None:
    store = open_store(conferences_db)
    try:
        rows = store.db.execute(
            "SELECT p.source, p.author_id, count(DISTINCT m.researcher_id), count(*)"
            " FROM provider_authorships p JOIN researcher_mentions m"
            " ON m.paper_id = p.paper_id AND m.mention = 'p' || p.position"
            " WHERE p.source IN ('openreview', 'ieee') GROUP BY p.source, p.author_id"
        ).fetchall()
        carried = store.db.execute(
            "SELECT count(*) FROM researcher_ids WHERE scheme IN ('openreview', 'ieee')"
        ).fetchone()[0]
    finally:
        store.close()
    shared = [r for r in rows if r[3] > 1]  # ids on two papers or more
    assert len(shared) > 100
    # Hard evidence against outranks a shared id: the one exception here is IEEE's
    # 38332102000, spelt "Hui Man Yip" once and "Hiu Man Yip" thrice (first names
    # that differ are never joined).
    split = [r[:2] for r in shared if r[2] != 1]
    assert split == [("ieee", "38332102000")]
    assert carried >= len(rows)
