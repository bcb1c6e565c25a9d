"""The web app in-process: pages parsed as HTML (not substring-matched), their JSON, exports,
feeds, paging and filters, escaping of hostile data, limits, errors and the admin token.

The database is built once from real fixtures (seed pages, arXiv listings, the conference
slice), resolved and scored; one listing record is re-titled with markup to check escaping.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import bibtexparser
import lxml.etree
import lxml.html
import pytest
import rispy
from fastapi.testclient import TestClient

import paperscope.web.views as views
from conftest import AS_OF, FIXTURES, HOSTILE_ABSTRACT, HOSTILE_ID, HOSTILE_TITLE, copy_database, invoke, query
from paperscope.store import open_store
from paperscope.store.feed import FeedFilter, FeedStore
from paperscope.web import create_app
from paperscope.web.app import templates


@pytest.fixture(scope="module")
def client(web_db: Path) -> Iterator[TestClient]:
    with TestClient(create_app(web_db, as_of=AS_OF, admin_token="")) as c:
        yield c


def html(response) -> lxml.html.HtmlElement:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    return lxml.html.fromstring(response.text)


def text(node: lxml.html.HtmlElement, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in node.xpath(xpath)]


@pytest.fixture(scope="module")
def busiest(web_db: Path) -> int:
    """The researcher with most papers (a seed researcher)."""
    return query(web_db, "SELECT id FROM researchers ORDER BY mentions DESC, id LIMIT 1")[0][0]


# --- researcher ---------------------------------------------------------------------------


def test_researcher_page_shows_the_profile_header_and_paper_blocks(client: TestClient, busiest: int) -> None:
    data = client.get(f"/researchers/{busiest}.json").json()
    page = html(client.get(f"/researchers/{busiest}"))
    assert text(page, "//h1[@class='name']") == [data["name"]]
    metrics = data["metrics"]
    assert text(page, "//dd[@class='papers']") == [str(metrics["papers"]["value"])]
    h = metrics["h_index"]["value"]
    assert text(page, "//dd[@class='h-index']") == [str(h) if h is not None else "—"]
    # Each figure says where it comes from on hover.
    titles = page.xpath("//dl[@class='figures']/div/@title")
    assert any("h-index from" in t for t in titles) and any("median Novelty %" in t for t in titles)
    # One block per paper of the first page, in the JSON's order, titles linking paper pages.
    blocks = page.xpath("//article[@class='paper']")
    assert len(blocks) == min(50, data["papers_total"]) == len(data["papers"])
    assert [b.get("data-paper") for b in blocks] == [str(p["id"]) for p in data["papers"]]
    first = data["papers"][0]
    [href] = blocks[0].xpath(".//h3/a/@href")
    assert unquote(href) == f"/papers/{first['key']}"
    assert text(blocks[0], ".//h3/a") == [" ".join(first["title"].split())]
    assert client.get(href + ".json").json()["id"] == first["id"]  # the link leads to that paper


def test_a_paper_a_page_listed_in_part_says_et_al_and_exports_it(client: TestClient, web_db: Path) -> None:
    [(subject,)] = query(web_db, "SELECT min(subject) FROM claims WHERE field = 'authors_truncated'")
    [(key,)] = query(web_db, "SELECT key FROM papers WHERE id = ?", int(subject.removeprefix("paper:")))
    data = client.get(f"/papers/{key}.json").json()
    assert data["authors_incomplete"] is True
    shown = " ".join(text(html(client.get(f"/papers/{key}")), "//p[@class='authors']")[0].split())
    assert shown.endswith(", ".join(a["name"] for a in data["authors"]) + " et al.")
    assert "and others" in client.get(f"/papers/{key}", params={"format": "bibtex"}).text


def test_researcher_sorts_page_and_answer_json_by_accept_header(client: TestClient, busiest: int) -> None:
    by_citations = client.get(f"/researchers/{busiest}", params={"sort": "citations", "limit": 5},
                              headers={"Accept": "application/json"}).json()
    counts = [max([c["count"] for c in p["citations"]] or [0]) for p in by_citations["papers"]]
    assert counts == sorted(counts, reverse=True) and by_citations["sort"] == "citations"
    page = html(client.get(f"/researchers/{busiest}", params={"sort": "citations", "limit": 5}))
    assert [int(b.get("data-paper")) for b in page.xpath("//article[@class='paper']")] == [
        p["id"] for p in by_citations["papers"]]
    assert text(page, "//nav[@class='sort']/strong") == ["Citations"]
    second = client.get(f"/researchers/{busiest}.json", params={"sort": "citations", "limit": 5, "offset": 5}).json()
    assert not {p["id"] for p in second["papers"]} & {p["id"] for p in by_citations["papers"]}
    # The page's JSON is the API's.
    assert client.get(f"/api/researchers/{busiest}", params={"sort": "citations", "limit": 5}).json() == by_citations


def test_coauthors_link_researcher_pages_and_charts_are_drawn(client: TestClient, busiest: int) -> None:
    data = client.get(f"/researchers/{busiest}.json").json()
    page = html(client.get(f"/researchers/{busiest}"))
    links = page.xpath("//ul[@class='coauthors']/li/a")
    assert [a.get("href") for a in links] == [f"/researchers/{c['id']}" for c in data["coauthor_researchers"]]
    assert links, "the busiest researcher has co-authors"
    bars = page.xpath("//figure[@class='chart'][figcaption='Papers per year']//*[local-name()='rect']")
    assert len(bars) == len(data["papers_per_year"])


# --- paper --------------------------------------------------------------------------------


def test_a_paper_is_found_by_any_of_its_ids(client: TestClient) -> None:
    ids = {client.get(f"/papers/{ref}.json").json()["id"] for ref in
           ("2503.11731", "arXiv:2503.11731", "arxiv:2503.11731v1", "arxiv:2503.11731")}
    assert len(ids) == 1
    assert client.get("/papers/9999.99999.json").status_code == 404


def test_paper_page_links_authors_explains_scores_and_lists_similar_papers(client: TestClient, web_db: Path) -> None:
    pid, key = query(web_db, "SELECT p.id, p.key FROM papers p JOIN researcher_mentions m ON m.paper_id = p.id"
                         " JOIN paper_scores s ON s.paper_id = p.id AND s.kind = 'novelty' AND s.value IS NOT NULL"
                         " ORDER BY p.id LIMIT 1")[0]
    data = client.get(f"/papers/{key}.json").json()
    page = html(client.get(f"/papers/{key}"))
    assert text(page, "//h1[@class='title']") == [" ".join(data["title"].split())]
    author_links = page.xpath("//p[@class='authors']/a/@href")
    assert author_links == [f"/researchers/{a['researcher_id']}" for a in data["authors"] if a["researcher_id"]]
    nearest = data["scores"]["novelty"]["explanation"]["nearest_earlier"]
    assert text(page, "//ol[@class='nearest']/li/a") == [" ".join(n["title"].split()) for n in nearest]
    assert data["scores"]["novelty"]["model"] in page.text_content()
    assert data["similar"] and all(s["paper_id"] != pid for s in data["similar"])
    sims = [s["similarity"] for s in data["similar"]]
    assert sims == sorted(sims, reverse=True)
    assert len(page.xpath("//section[@class='similar']//li")) == len(data["similar"])


def test_an_author_hidden_behind_et_al_links_to_their_researcher(client: TestClient, web_db: Path) -> None:
    # A seed page lists its researcher's papers, some with the researcher hidden behind
    # "et al.": the paper page still links them.
    key, name, rid = query(
        web_db,
        "SELECT p.key, m.mention, m.researcher_id FROM researcher_mentions m"
        " JOIN papers p ON p.id = m.paper_id WHERE m.mention LIKE 'h:%' ORDER BY p.id LIMIT 1",
    )[0]
    name = name.removeprefix("h:")
    hidden = [a for a in client.get(f"/papers/{key}.json").json()["authors"] if a["position"] is None]
    assert [(a["name"], a["researcher_id"]) for a in hidden] == [(name, rid)]
    page = html(client.get(f"/papers/{key}"))
    assert page.xpath(f"//p[@class='authors']/a[text()='{name}']/@href") == [f"/researchers/{rid}"]


def test_paper_exports_read_back_as_bibtex_ris_and_csl(client: TestClient) -> None:
    bib = client.get("/papers/arXiv:2503.11731.bib")
    assert bib.headers["content-type"].startswith("application/x-bibtex")
    entry = bibtexparser.parse_string(bib.text).entries[0]
    assert entry.entry_type == "misc" and entry["eprint"] == "2503.11731"
    assert entry["archivePrefix"] == "arXiv" and entry["primaryClass"] == "cs.CV"
    ris = rispy.loads(client.get("/papers/arXiv:2503.11731.ris").text)[0]
    assert ris["type_of_reference"] == "GEN" and len(ris["authors"]) == 16
    csl = client.get("/papers/arXiv:2503.11731.csl.json").json()
    assert csl[0]["issued"]["date-parts"][0][:2] == [2025, 3]
    assert client.get("/papers/arXiv:2503.11731", params={"format": "bibtex"}).text == bib.text
    assert client.get("/papers/arXiv:2503.11731", params={"format": "pdf"}).status_code == 422


# --- feed ---------------------------------------------------------------------------------


def test_feed_ranks_by_ai_score_and_pages(client: TestClient) -> None:
    everything = {"since": "1900-01-01", "limit": 10}
    first = client.get("/feed.json", params=everything).json()
    scores = [p["scores"]["impact"]["value"] for p in first["papers"]]
    assert scores == sorted(scores, reverse=True) and first["total"] > 100
    second = client.get("/api/feed", params={**everything, "offset": 10}).json()
    assert second["papers"][0]["scores"]["impact"]["value"] <= scores[-1]
    assert not {p["id"] for p in first["papers"]} & {p["id"] for p in second["papers"]}
    page = html(client.get("/", params=everything))
    assert text(page, "//article[@class='paper']//span[@class='score']") == [f"{s:.1f}" for s in scores]
    assert page.xpath("//nav[@class='pager']/a[@rel='next']")


def test_feed_filters_and_sorts(client: TestClient) -> None:
    base = {"since": "1900-01-01", "limit": 100}
    newest = client.get("/api/feed", params={**base, "sort": "newest"}).json()["papers"]
    assert [p["date"] for p in newest] == sorted((p["date"] for p in newest), reverse=True)
    novel = client.get("/api/feed", params={**base, "sort": "novelty", "min_novelty": 80}).json()
    values = [p["scores"]["novelty"]["value"] for p in novel["papers"]]
    assert values and min(values) >= 80 and values == sorted(values, reverse=True)
    coded = client.get("/api/feed", params={**base, "has_code": "true"}).json()
    assert coded["papers"] and all(p["code_urls"] for p in coded["papers"])
    lg = client.get("/api/feed", params={**base, "category": "cs.LG"}).json()
    assert lg["papers"] and all(p["primary_category"] == "cs.LG" for p in lg["papers"])
    window = client.get("/api/feed", params={**base, "since": "2025-03-01", "until": "2025-03-31"}).json()
    assert window["papers"] and all("2025-03-01" <= p["date"] <= "2025-03-31" for p in window["papers"])


def test_feed_shows_rising_researchers_with_their_definition(client: TestClient) -> None:
    rising = client.get("/api/rising").json()
    assert "mean AI Score" in rising["definition"]
    assert rising["researchers"], "the fixture corpus has researchers with recent papers"
    gains = [r["gain"] for r in rising["researchers"]]
    assert gains == sorted(gains, reverse=True) and all(r["recent_papers"] >= 2 for r in rising["researchers"])
    page = html(client.get("/"))
    assert [a.get("href") for a in page.xpath("//aside[@class='rising']//li/a")] == [
        f"/researchers/{r['id']}" for r in rising["researchers"][:8]]


def test_atom_and_rss_feeds_parse_and_escape(client: TestClient, busiest: int) -> None:
    atom = client.get("/feed.atom", params={"since": "1900-01-01", "limit": 100})
    assert atom.headers["content-type"].startswith("application/atom+xml")
    tree = lxml.etree.fromstring(atom.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = tree.xpath("//a:entry/a:title/text()", namespaces=ns)
    assert len(titles) == 100
    rss = lxml.etree.fromstring(client.get(f"/researchers/{busiest}.rss").content)
    assert rss.xpath("/rss/channel/item/title/text()")
    day = client.get(f"/papers/{HOSTILE_ID}.json").json()["latest_date"]  # a listing: the day it was listed
    hostile = client.get("/feed.atom", params={"since": day, "until": day, "limit": 100})
    assert HOSTILE_TITLE in lxml.etree.fromstring(hostile.content).xpath("//a:entry/a:title/text()", namespaces=ns)


# --- search and compare --------------------------------------------------------------------


def test_search_page_finds_researchers_with_typos_and_papers(client: TestClient, busiest: int, web_db: Path) -> None:
    name = query(web_db, "SELECT name FROM researchers WHERE id = ?", busiest)[0][0]
    typo = name[:-2] + name[-1] + name[-2]  # two letters swapped
    page = html(client.get("/search", params={"q": typo}))
    assert f"/researchers/{busiest}" in page.xpath("//ul[@class='researchers']/li/a/@href")
    page = html(client.get("/search", params={"q": "Gaussian Splatting sensor simulation"}))
    assert "/papers/arxiv:2503.11731" in page.xpath("//article[@class='paper']//h3/a/@href")


def test_compare_puts_researchers_side_by_side(client: TestClient, web_db: Path) -> None:
    ids = [rid for (rid,) in query(web_db, "SELECT id FROM researchers ORDER BY mentions DESC, id LIMIT 3")]
    page = html(client.get("/compare", params={"ids": ",".join(map(str, ids))}))
    assert page.xpath("//section[@class='compare']//tr[1]/th/a/@href") == [f"/researchers/{i}" for i in ids]
    assert client.get("/api/compare", params={"ids": "1,x"}).status_code == 422


def shown_author_links(web_db: Path | str, paper_id: int) -> list[str]:
    """The researcher pages a paper block should link its names to, read from the store
    itself: the resolved ones among the first three listed authors, in order."""
    return [f"/researchers/{rid}" for (rid,) in query(
        web_db,
        "SELECT m.researcher_id FROM authorships a JOIN researcher_mentions m"
        " ON m.paper_id = a.paper_id AND m.mention = 'p' || a.position"
        " WHERE a.paper_id = ? AND a.position < 3 ORDER BY a.position",
        paper_id,
    )]


def test_author_names_in_paper_lists_link_to_their_researchers(
    client: TestClient, web_db: Path, busiest: int
) -> None:
    lists = {"/feed": {"since": "1900-01-01", "limit": 40}, "/search": {"q": "Gaussian Splatting sensor simulation"},
             f"/researchers/{busiest}": {}}
    for path, params in lists.items():
        blocks = html(client.get(path, params=params)).xpath("//article[@class='paper']")
        assert blocks, path
        for block in blocks:
            expected = shown_author_links(web_db, int(block.get("data-paper")))
            assert block.xpath("./div[@class='authors']/a/@href") == expected, (path, block.get("data-paper"))
        assert any(block.xpath("./div[@class='authors']/a") for block in blocks), path
    # On a profile, the researcher's own name is marked as this page.
    page = html(client.get(f"/researchers/{busiest}"))
    own = page.xpath("//article[@class='paper']/div[@class='authors']/a[@aria-current='page']/@href")
    assert own and set(own) == {f"/researchers/{busiest}"}
    # The JSON says the same: researcher_id per author object (feed), author_ids beside names.
    feed = client.get("/feed.json", params={"since": "1900-01-01", "limit": 5}).json()["papers"]
    for paper in feed:
        ids = [f"/researchers/{a['researcher_id']}" for a in paper["authors"][:3] if a["researcher_id"]]
        assert ids == shown_author_links(web_db, paper["id"])
    found = client.get("/search.json", params={"q": "Gaussian Splatting sensor simulation"}).json()["papers"]
    assert found and all(len(p["author_ids"]) == len(p["authors"]) for p in found)
    assert [f"/researchers/{i}" for i in found[0]["author_ids"] if i] == shown_author_links(web_db, found[0]["id"])


def test_a_page_reads_the_researchers_of_all_its_papers_in_one_query(
    web_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[list[int]] = []
    read = FeedStore.authors_as_researchers_of

    def counted(self: FeedStore, paper_ids: list[int]) -> dict[int, dict[str, int]]:
        asked.append(list(paper_ids))
        return read(self, paper_ids)

    monkeypatch.setattr(FeedStore, "authors_as_researchers_of", counted)
    with open_store(web_db, read_only=True) as store:
        page = views.feed_view(store, where=FeedFilter(since="1900-01-01"), limit=20)
    assert len(asked) == 1 and sorted(asked[0]) == sorted(p["id"] for p in page["papers"])
    assert len(asked[0]) == 20


def test_a_paper_block_links_resolved_authors_and_leaves_the_others_plain() -> None:
    block = templates().env.from_string('{% from "macros.html" import paper_block %}{{ paper_block(p, as_of) }}')

    def byline(paper: dict) -> tuple[list[str], str]:
        node = lxml.html.fragment_fromstring(block.render(p={"id": 1, "key": "k", "title": "T", **paper},
                                                          as_of=AS_OF))
        [authors] = node.xpath("./div[@class='authors']")
        return authors.xpath("./a/@href"), " ".join(authors.text_content().split())

    objects = [{"name": "Ada <Lovelace>", "position": 0, "researcher_id": 7},
               {"name": "Bo & Co", "position": 1, "researcher_id": None},
               {"name": "Cy", "position": 2, "researcher_id": 9}, {"name": "Di", "position": 3, "researcher_id": 4}]
    assert byline({"authors": objects}) == (["/researchers/7", "/researchers/9"], "Ada <Lovelace>, Bo & Co, Cy et al.")
    assert byline({"authors": objects[:2]}) == (["/researchers/7"], "Ada <Lovelace>, Bo & Co")
    names = {"authors": ["A", "B", "C"], "author_ids": [None, 3, None]}
    assert byline({**names, "author_count": 5}) == (["/researchers/3"], "A, B, C et al.")
    assert byline({**names, "author_count": 3}) == (["/researchers/3"], "A, B, C")
    assert byline({"authors": ["A"], "authors_truncated": True}) == ([], "A et al.")  # no ids: all plain


def test_search_counts_the_papers_found_and_shows_snippets_with_the_words_marked(client: TestClient) -> None:
    q = "Gaussian Splatting sensor simulation"
    data = client.get("/search.json", params={"q": q}).json()
    assert data == client.get("/api/search", params={"q": q}).json()
    # The total is all the papers found, not the page: the fixture has 38 for these words.
    assert len(data["papers"]) == 20 < data["total"] and data["total_exact"] is True
    page = html(client.get("/search", params={"q": q}))
    assert text(page, "//h2[starts-with(., 'Papers')]/span") == [f"({data['total']:,})"]
    assert text(page, "//nav[@class='pager']/span") == [f"1–20 of {data['total']:,}"]
    blocks = page.xpath("//article[@class='paper']")
    assert [int(b.get("data-paper")) for b in blocks] == [p["id"] for p in data["papers"]]
    for block, paper in zip(blocks, data["papers"], strict=True):
        shown = block.xpath("./p[@class='snippet']")
        if paper["snippet"] is None:
            assert not shown and not block.xpath("./p[@class='abstract']")
            continue
        snippet = paper["snippet"]
        assert shown[0].text_content() == snippet["text"] and len(snippet["text"]) <= 250
        marked = [snippet["text"][start:end] for start, end in snippet["marks"]]
        assert shown[0].xpath("./mark/text()") == marked
        assert all(word.casefold()[:5] in {"gauss", "splat", "senso", "simul"} for word in marked), marked
    assert any(p["snippet"] and p["snippet"]["marks"] for p in data["papers"])
    # Paged with the pager: next, and past the end a clear message.
    [more] = page.xpath("//nav[@class='pager']/a[@rel='next']/@href")
    assert "offset=20" in more
    past = html(client.get("/search", params={"q": q, "offset": 100}))
    assert text(past, "//nav[@class='pager']/span") == [f"Nothing from 101 on: there are {data['total']:,}."]


def test_a_snippet_keeps_markup_in_an_abstract_as_text(client: TestClient) -> None:
    page = client.get("/search", params={"q": "Escaping titles names markup"})
    [snippet] = [s for s in html(page).xpath("//p[@class='snippet']") if "onerror" in s.text_content()]
    assert snippet.text_content() == HOSTILE_ABSTRACT
    assert snippet.xpath("./mark/text()") == ["markup"] and not snippet.xpath(".//b | .//img")
    assert "&lt;b&gt;<mark>markup</mark>&lt;/b&gt;" in page.text


# --- every page, every keyboard -------------------------------------------------------------


def test_every_page_has_one_h1_and_no_heading_level_skipped(client: TestClient, busiest: int, web_db: Path) -> None:
    [(key,)] = query(web_db, "SELECT p.key FROM papers p JOIN paper_scores s ON s.paper_id = p.id"
                             " AND s.kind = 'novelty' AND s.value IS NOT NULL ORDER BY p.id LIMIT 1")
    ids = [rid for (rid,) in query(web_db, "SELECT id FROM researchers ORDER BY mentions DESC, id LIMIT 2")]
    pages = ["/feed", f"/researchers/{busiest}", f"/papers/{key}", "/search?q=Wen", "/search?q=splatting",
             "/search", f"/compare?ids={ids[0]},{ids[1]}", "/docs", "/researchers/987654"]
    seen = set()
    for path in pages:
        page = lxml.html.fromstring(client.get(path).text)
        levels = [int(h.tag[1]) for h in page.iter("h1", "h2", "h3", "h4", "h5", "h6")]
        assert levels[:1] == [1] and levels.count(1) == 1, (path, levels)
        assert all(later <= earlier + 1 for earlier, later in itertools.pairwise(levels)), (path, levels)
        seen.update(levels)
    assert {1, 2, 3} <= seen  # the pages do go deeper than one level


def test_every_button_names_what_it_does(client: TestClient, busiest: int) -> None:
    for path in ("/feed", f"/researchers/{busiest}", "/search?q=splatting"):
        page = html(client.get(path))
        buttons = page.xpath("//button")
        assert buttons, path
        for button in buttons:
            name = " ".join(button.text_content().split()) or button.get("aria-label")
            assert name and name not in ("more", "less"), (path, lxml.html.tostring(button))
        more = {" ".join(b.text_content().split()) for b in page.xpath("//button[@class='more']")}
        assert more <= {"more of this abstract"}, path
    feed = html(client.get("/feed"))
    assert text(feed, "//form[@class='filters']//button") == ["Apply filters"]
    assert len(feed.xpath("//button[@class='more']")) == len(feed.xpath("//p[@class='abstract collapsed']")) > 0


# --- safety -------------------------------------------------------------------------------


def test_markup_in_data_is_shown_as_text_everywhere(client: TestClient) -> None:
    paper = client.get(f"/papers/{HOSTILE_ID}.json").json()
    assert paper["title"] == HOSTILE_TITLE  # stored verbatim
    day = paper["latest_date"]
    for url, params in ((f"/papers/{HOSTILE_ID}", {}), ("/", {"since": day, "until": day, "limit": 100}),
                        ("/search", {"q": "Escaping titles names"})):
        response = client.get(url, params=params)
        page = html(response)
        assert HOSTILE_TITLE in text(page, "//h1|//h2|//h3"), url
        assert not [s for s in page.xpath("//script") if "alert" in (s.text or "")], url
        assert not page.xpath("//img[@onerror]") and not page.xpath("//b[.='markup']"), url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text, url
    assert "default-src 'self'" in client.get("/").headers["content-security-policy"]


def test_search_and_compare_have_json_twins_and_link_each_other(client: TestClient, busiest: int) -> None:
    found = client.get("/search.json", params={"q": "Wen"}).json()
    assert found == client.get("/api/search", params={"q": "Wen"}).json()
    ids = [r["id"] for r in found["researchers"]]
    assert len(ids) > 1, "a family name several researchers share"
    page = html(client.get("/search", params={"q": "Wen"}))
    assert page.xpath("//p[@class='compare-link']/a/@href") == [f"/compare?ids={','.join(map(str, ids))}"]
    assert text(page, "//h2[starts-with(., 'Researchers')]/span") == [f"({len(ids)})"]
    compared = client.get("/compare.json", params={"ids": ",".join(map(str, ids[:2]))}).json()
    assert [r["id"] for r in compared["researchers"]] == ids[:2]
    # From a profile: compare with its top co-authors; every page starts with a skip link.
    profile = client.get(f"/researchers/{busiest}.json").json()
    page = html(client.get(f"/researchers/{busiest}"))
    expected = ",".join(str(i) for i in [busiest, *(c["id"] for c in profile["coauthor_researchers"][:2])])
    assert f"/compare?ids={expected}" in page.xpath("//p[@class='feeds']/a/@href")
    assert page.xpath("//body/a[1]/@href") == ["#main"] and page.xpath("//main/@id") == ["main"]


def test_an_offset_past_the_end_is_a_clear_empty_page(client: TestClient, busiest: int) -> None:
    total = client.get(f"/researchers/{busiest}.json").json()["papers_total"]
    page = html(client.get(f"/researchers/{busiest}", params={"offset": total + 100}))
    assert page.xpath("//article[@class='paper']") == []
    assert text(page, "//nav[@class='pager']/span") == [f"Nothing from {total + 101:,} on: there are {total:,}."]
    [back] = page.xpath("//nav[@class='pager']/a[@rel='prev']/@href")
    assert f"offset={max(total - 50, 0)}" in back
    feed = html(client.get("/feed", params={"offset": 900}))
    total = int(client.get("/feed.json", params={"offset": 900}).json()["total"])
    assert total < 900, "the fixture feed is shorter than 900 papers"
    assert text(feed, "//nav[@class='pager']/span") == [f"Nothing from 901 on: there are {total:,}."]


def test_limits_and_errors_are_clear_4xx_json(client: TestClient) -> None:
    too_many = client.get("/api/feed", params={"limit": 101})
    assert too_many.status_code == 422 and "query.limit" in too_many.json()["error"]["message"]
    long_query = client.get("/api/search", params={"q": "x" * 201})
    assert long_query.status_code == 422 and "query.q" in long_query.json()["error"]["message"]
    missing = client.get("/api/researchers/987654")
    assert missing.status_code == 404 and missing.json() == {
        "error": {"status": 404, "message": "no researcher with id 987654"}}
    page = client.get("/researchers/987654")
    assert page.status_code == 404 and text(lxml.html.fromstring(page.text), "//h1") == ["404"]
    big = client.post("/api/admin/researchers/merge", content=b"x" * 70_000,
                      headers={"Content-Type": "application/json"})
    assert big.status_code == 413


def test_a_crash_is_a_500_json_error_without_a_traceback(web_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "feed_view", boom)
    with TestClient(create_app(web_db, as_of=AS_OF), raise_server_exceptions=False) as c:
        for accept in ("application/json", "text/html"):
            response = c.get("/feed", headers={"Accept": accept})
            assert response.status_code == 500
            assert "secret internals" not in response.text and "Traceback" not in response.text


def test_the_public_app_cannot_write(client: TestClient) -> None:
    store = client.app.state.paperscope.store()
    with pytest.raises(Exception, match=r"readonly|query_only|read-only"):
        store.db.execute("DELETE FROM papers")
    off = client.post("/api/admin/researchers/merge", json={"ids": [1, 2]})
    assert off.status_code == 403 and "PAPERSCOPE_ADMIN_TOKEN" in off.json()["error"]["message"]


def test_admin_merge_needs_the_token_and_then_applies(web_db: Path, tmp_path: Path) -> None:
    copy = copy_database(web_db, tmp_path)
    a, b = (rid for (rid,) in query(copy, "SELECT id FROM researchers ORDER BY mentions DESC, id LIMIT 2"))
    with TestClient(create_app(copy, as_of=AS_OF, admin_token="s3cret")) as c:
        wrong = c.post("/api/admin/researchers/merge", json={"ids": [a, b]}, headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        bad = c.post("/api/admin/researchers/merge", json={"ids": [a]}, headers={"Authorization": "Bearer s3cret"})
        assert bad.status_code == 422
        done = c.post("/api/admin/researchers/merge", json={"ids": [a, b]}, headers={"Authorization": "Bearer s3cret"})
        assert done.status_code == 200 and done.json()["override"] == 1
    owners = query(
        copy, "SELECT count(DISTINCT researcher_id) FROM researcher_mentions WHERE researcher_id IN (?, ?)", a, b
    )
    assert owners == [(1,)]


# --- API description ------------------------------------------------------------------------


def test_openapi_lists_the_api_and_the_docs_page_loads_nothing_remote(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/feed", "/api/researchers/{researcher_id}", "/api/papers/{identifier}", "/api/search",
            "/api/compare", "/api/rising"} <= set(paths)
    page = html(client.get("/docs"))
    assert "GET /api/feed" in text(page, "//h2")
    assets = page.xpath("//script/@src | //link/@href | //img/@src")
    assert assets and all(a.startswith("/") for a in assets)


def test_a_corpus_dated_by_year_only_has_a_feed(db_path: Path | str) -> None:
    """Conference papers carry a year, no day: the feed's window is then the newest year."""
    db = db_path
    invoke(db, "ingest", "conferences", str(FIXTURES / "conferences" / "papers-slice.jsonl.gz"))
    invoke(db, "resolve")
    invoke(db, "score", "--only", "impact")
    newest = max(y for (y,) in query(db, "SELECT year FROM papers WHERE year IS NOT NULL"))
    with TestClient(create_app(db, as_of=AS_OF)) as c:
        feed = c.get("/api/feed", params={"limit": 100}).json()
        assert feed["filters"]["since"] == str(newest) and feed["papers"]
        assert {p["year"] for p in feed["papers"]} == {newest}
        assert html(c.get("/")).xpath("//article[@class='paper']")
        assert c.get("/api/rising").status_code == 200


def test_kept_views_are_recomputed_after_the_database_changes(web_db: Path, tmp_path: Path) -> None:
    copy = copy_database(web_db, tmp_path)
    rid = query(copy, "SELECT id FROM researchers ORDER BY mentions DESC, id LIMIT 1")[0][0]
    with TestClient(create_app(copy, as_of=AS_OF)) as c:
        before = c.get(f"/api/researchers/{rid}").json()["name"]
        assert c.get(f"/api/researchers/{rid}").json()["name"] == before  # kept
        with open_store(copy) as store, store.transaction() as db:
            db.execute("UPDATE researchers SET name = 'Renamed Person' WHERE id = ?", (rid,))
        assert c.get(f"/api/researchers/{rid}").json()["name"] == "Renamed Person"


# Copies of the database come last: on PostgreSQL a copy ends the connections to the original.
def test_a_partial_figure_says_how_many_papers_it_counts(web_db: Path, tmp_path: Path) -> None:
    """Where the citation source counts some of the papers only, the header says how many,
    and a source without yearly counts says so instead of "no data yet"."""
    copy = copy_database(web_db, tmp_path)
    [(rid, paper_id)] = query(copy, "SELECT researcher_id, min(paper_id) FROM researcher_mentions"
                                    " WHERE researcher_id = (SELECT min(id) FROM researchers) GROUP BY researcher_id")
    with open_store(copy) as store, store.transaction() as db:  # one paper gets a count (no yearly ones)
        [(run_id,)] = db.execute("SELECT max(id) FROM ingest_runs").fetchall()
        db.execute("INSERT INTO citation_counts (paper_id, source, as_of, count, run_id) VALUES (?, ?, ?, ?, ?)",
                   (paper_id, "openalex", "2026-01-02", 17, run_id))
    with TestClient(create_app(copy, as_of=AS_OF, admin_token="")) as client:
        data = client.get(f"/researchers/{rid}.json").json()
        covered = data["coverage"]["citations"]
        papers = data["metrics"]["papers"]["value"]
        assert papers > 1
        assert covered == {"source": "openalex", "as_of": "2026-01-02", "papers_counted": 1, "papers": papers,
                           "partial": True, "text": f"counts for 1 of {papers} papers · openalex 2026-01-02"}
        assert data["coverage"]["citations_per_year"] == {
            "source": "openalex", "available": False, "text": "yearly counts not available from openalex"}
        page = html(client.get(f"/researchers/{rid}"))
        assert text(page, "//dd[@class='coverage']") == [f"1 of {papers} papers counted"] * 2  # h-index, citations
        caption = text(page, "//section[@class='side']/figure[1]/figcaption")
        assert caption == ["Citations per year: yearly counts not available from openalex"]
        # Without any count, no coverage line, and the chart says why it is empty.
        other = client.get(f"/researchers/{rid + 1}.json").json()
        assert other["coverage"]["citations"]["papers_counted"] == 0
        page = html(client.get(f"/researchers/{rid + 1}"))
        assert text(page, "//dd[@class='coverage']") == []
        assert text(page, "//section[@class='side']/figure[1]/figcaption") == [
            "Citations per year: no citation counts stored"]


def test_a_name_not_resolved_to_a_researcher_stays_plain_text(web_db: Path, tmp_path: Path) -> None:
    copy = copy_database(web_db, tmp_path)
    # A paper of the busiest researcher's with three listed authors or more, the second not them.
    [(rid, pid, second)] = query(
        copy,
        "SELECT m.researcher_id, m.paper_id, a.raw_name FROM researcher_mentions m"
        " JOIN authorships a ON a.paper_id = m.paper_id AND a.position = 1"
        " WHERE m.researcher_id = (SELECT researcher_id FROM researcher_mentions GROUP BY researcher_id"
        "   ORDER BY count(*) DESC, researcher_id LIMIT 1) AND m.mention <> 'p1'"
        " AND (SELECT count(*) FROM authorships x WHERE x.paper_id = m.paper_id) >= 3"
        " ORDER BY m.paper_id LIMIT 1",
    )
    with open_store(copy) as store, store.transaction() as db:
        db.execute("DELETE FROM researcher_mentions WHERE paper_id = ? AND mention = 'p1'", (pid,))
    with TestClient(create_app(copy, as_of=AS_OF)) as c:
        page = html(c.get(f"/researchers/{rid}", params={"limit": 500}))
        [block] = page.xpath(f"//article[@data-paper='{pid}']")
        [authors] = block.xpath("./div[@class='authors']")
        linked = authors.xpath("./a/text()")
        assert second in authors.text_content() and second not in linked and len(linked) >= 1
        assert authors.xpath("./a/@href") == shown_author_links(copy, pid)
        papers = c.get(f"/researchers/{rid}.json", params={"limit": 500}).json()["papers"]
        [paper] = [p for p in papers if p["id"] == pid]
        assert paper["author_ids"][1] is None and paper["authors"][1] == second
