"""The web app in a real browser: Playwright drives Debian's Chromium against uvicorn on
127.0.0.1, for what only a browser shows — the script that expands abstracts, links and forms
followed by clicks, markup in the data staying text with no dialog, and pages that run with no
console error or Content-Security-Policy violation.

Chromium comes from Debian (``apt-get install chromium``, as ``.ci/run`` does); Playwright's own
browser download is never used. Full-page screenshots of the pages visited land in
``test-artifacts/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, sync_playwright

from conftest import AS_OF, HOSTILE_ID, HOSTILE_TITLE, query
from paperscope.tex import MATH
from paperscope.web import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def base_url(web_db: Path) -> Iterator[str]:
    """The app served by uvicorn from a thread, on a free port of 127.0.0.1."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(web_db, as_of=AS_OF, admin_token=""), log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started or not thread.is_alive():
                break
            time.sleep(0.05)
        assert server.started, "uvicorn did not start serving the app within 10 s"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's Chromium. Install it with"
                    " `apt-get install -y chromium` (.ci/run does); never `playwright install`.", pytrace=False)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Watched:
    """A page and what it did that a person would call broken: console errors (CSP violations
    among them), uncaught exceptions, dialogs, and requests that left 127.0.0.1."""

    page: Page
    base_url: str
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    outside_requests: list[str] = field(default_factory=list)

    def goto(self, path: str) -> None:
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        self.collect_csp()

    def collect_csp(self) -> None:
        self.csp_violations += self.page.evaluate("window.__cspViolations.splice(0)")

    def assert_clean(self) -> None:
        self.collect_csp()
        assert not self.console_errors, f"console errors: {self.console_errors}"
        assert not self.page_errors, f"uncaught errors: {self.page_errors}"
        assert not self.csp_violations, f"Content-Security-Policy violations: {self.csp_violations}"
        assert not self.dialogs, f"dialogs opened: {self.dialogs}"
        assert not self.outside_requests, f"requests beyond 127.0.0.1: {self.outside_requests}"

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=ARTIFACTS / name, full_page=True)


# Recorded before any page script runs; the page's own CSP does not apply to an init script.
RECORD_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__cspViolations.push(
    `${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture
def watched(browser: Browser, base_url: str) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    w = Watched(page, base_url)
    page.add_init_script(RECORD_CSP)
    page.on("console", lambda m: m.type == "error" and w.console_errors.append(f"{m.text} ({m.location})"))
    page.on("pageerror", lambda e: w.page_errors.append(str(e)))
    page.on("dialog", lambda d: (w.dialogs.append(f"{d.type}: {d.message}"), d.dismiss()))

    def only_local(route, request) -> None:  # type: ignore[no-untyped-def]
        if request.url.startswith(base_url + "/"):
            route.continue_()
        else:
            w.outside_requests.append(request.url)
            route.abort()

    page.route("**/*", only_local)
    yield w
    context.close()


def squash(text: str) -> str:
    return " ".join(text.split())


def paper_ids(page: Page) -> list[str]:
    return page.locator("section.papers article.paper").evaluate_all("els => els.map(e => e.dataset.paper)")


# --- a researcher, followed by clicks ------------------------------------------------------


def test_researcher_page_sorts_expands_links_and_searches(watched: Watched, web_db: Path) -> None:
    page = watched.page
    [(rid, name)] = query(web_db, "SELECT id, name FROM researchers ORDER BY mentions DESC, id LIMIT 1")
    profile = page.request.get(f"{watched.base_url}/researchers/{rid}.json").json()
    assert profile["papers_total"] >= 5, "the busiest researcher should have several papers"

    watched.goto(f"/researchers/{rid}")
    assert squash(page.locator("h1.name").inner_text()) == squash(name)
    figures = {
        cls: page.locator(f"dl.figures dd.{cls}") for cls in ("h-index", "papers", "citations", "novelty", "ai-score")
    }
    for cls, figure in figures.items():
        assert figure.is_visible(), f"header figure {cls} not shown"
        assert figure.inner_text().strip(), f"header figure {cls} is empty"
    assert figures["papers"].inner_text().strip() == str(profile["metrics"]["papers"]["value"])
    assert page.locator("nav.sort strong").inner_text() == "Date"
    by_date = paper_ids(page)
    assert by_date == [str(p["id"]) for p in profile["papers"]]
    watched.screenshot("researcher.png")

    # A sort link reloads the page sorted by AI Score, in the JSON's order. (Not citations: the
    # fixtures carry no citation counts, so that order is the date order.)
    page.locator('nav.sort a[data-sort="score"]').click()
    page.wait_for_url(re.compile(r"[?&]sort=score"))
    watched.collect_csp()
    assert parse_qs(urlsplit(page.url).query)["sort"] == ["score"]
    assert page.locator("nav.sort strong").inner_text() == "AI Score"
    by_score = paper_ids(page)
    expected = page.request.get(f"{watched.base_url}/researchers/{rid}.json?sort=score").json()["papers"]
    assert by_score == [str(p["id"]) for p in expected]
    assert by_score != by_date and sorted(by_score) == sorted(by_date)
    shown = [float(s) for s in page.locator("section.papers article.paper .score").all_inner_texts()]
    assert shown == sorted(shown, reverse=True) and len(shown) == len(by_score)

    # "more" expands a clamped abstract: the class goes, the paragraph grows, aria says so.
    clamped = page.locator("article.paper p.abstract.collapsed").evaluate_all(
        "els => els.map((e, i) => e.scrollHeight > e.clientHeight + 1 ? i : -1).filter(i => i >= 0)")
    assert clamped, "no abstract is long enough to be clamped"
    block = page.locator("section.papers article.paper").filter(has=page.locator("p.abstract")).nth(clamped[0])
    abstract, more = block.locator("p.abstract"), block.locator("button.more")
    collapsed_height = abstract.bounding_box()["height"]  # type: ignore[index]
    # Shown "more", the button's accessible name says what it expands.
    assert more.get_attribute("aria-expanded") == "false" and more.text_content() == "more of this abstract"
    assert block.get_by_role("button", name="more of this abstract").count() == 1
    more.click()
    assert "collapsed" not in (abstract.get_attribute("class") or "").split()
    assert more.get_attribute("aria-expanded") == "true" and more.text_content() == "less of this abstract"
    assert abstract.bounding_box()["height"] > collapsed_height + 10  # type: ignore[index]
    more.click()
    assert "collapsed" in (abstract.get_attribute("class") or "").split()
    assert more.get_attribute("aria-expanded") == "false"

    # A title leads to its paper page.
    link = block.locator("h3.title a")
    title = squash(link.inner_text())
    link.click()
    page.wait_for_url(re.compile(r"/papers/"))
    watched.collect_csp()
    assert squash(page.locator("h1.title").inner_text()) == title
    assert page.title().startswith(title[:40])
    watched.screenshot("paper.png")

    # The header search box finds the researcher by name.
    box = page.locator('header form.search input[name="q"]')
    box.fill(name)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q="))
    watched.collect_csp()
    assert page.locator('header form.search input[name="q"]').input_value() == name
    hits = page.locator("section.search-results ul.researchers li a")
    assert hits.count() >= 1
    assert f"/researchers/{rid}" in hits.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    watched.screenshot("search.png")
    hits.filter(has_text=name).first.click()
    page.wait_for_url(re.compile(rf"/researchers/{rid}$"))
    watched.assert_clean()


# --- the feed ------------------------------------------------------------------------------


def test_feed_shows_papers_ranked_by_ai_score(watched: Watched) -> None:
    page = watched.page
    watched.goto("/feed")
    blocks = page.locator("section.feed article.paper")
    assert blocks.count() >= 5
    scores = [float(s) for s in page.locator("section.feed article.paper .score").all_inner_texts()]
    assert scores == sorted(scores, reverse=True) and len(scores) == blocks.count()
    assert page.locator("aside.rising li a").count() >= 1
    watched.screenshot("feed.png")
    watched.assert_clean()


def feed_ids(page: Page) -> list[str]:
    return page.locator("section.feed article.paper").evaluate_all("els => els.map(e => e.dataset.paper)")


def test_feed_filter_form_applies_as_filled_in(watched: Watched) -> None:
    page = watched.page
    watched.goto("/feed")
    # A number typed in applies with "Apply" (each keystroke must not load a page).
    page.locator('form.filters input[name="min_novelty"]').fill("50")
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url(re.compile(r"min_novelty=50"))
    assert page.locator("main h1").first.inner_text() != "422", page.locator("main").inner_text()[:300]
    assert page.locator('form.filters input[name="min_novelty"]').input_value() == "50"
    shown = page.locator("section.feed article.paper .novelty").all_inner_texts()
    novelty = [int(t.split()[1].rstrip("%")) for t in shown]
    assert len(novelty) >= 5 and min(novelty) >= 50
    watched.assert_clean()


def test_feed_sort_and_filters_apply_as_they_change(watched: Watched) -> None:
    page = watched.page
    watched.goto("/feed")
    by_score = feed_ids(page)
    # A sort picked from the select loads the sorted page: no "Apply" needed.
    page.locator('form.filters select[name="sort"]').select_option("newest")
    page.wait_for_url(re.compile(r"[?&]sort=newest"))
    watched.collect_csp()
    assert page.locator('form.filters select[name="sort"]').input_value() == "newest"
    expected = page.request.get(f"{watched.base_url}/feed.json?sort=newest").json()["papers"]
    assert feed_ids(page) == [str(p["id"]) for p in expected] != by_score
    watched.screenshot("feed-newest.png")
    # A box ticked with the pointer applies too, keeping the sort.
    page.locator('form.filters input[name="has_code"]').click()
    page.wait_for_url(re.compile(r"[?&]has_code=true"))
    watched.collect_csp()
    assert parse_qs(urlsplit(page.url).query)["sort"] == ["newest"]
    papers = page.locator("section.feed article.paper")
    assert papers.count() == papers.locator(".code").count() > 0
    # With the keyboard, arrow keys step through a select without loading a page; Enter applies.
    category = page.locator('form.filters select[name="category"]')
    category.focus()
    before = page.url
    page.keyboard.press("ArrowDown")
    chosen = category.input_value()
    page.wait_for_timeout(400)
    assert chosen and page.url == before
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"[?&]category=[^&]"))
    assert parse_qs(urlsplit(page.url).query)["category"] == [chosen]
    watched.assert_clean()


def test_feed_filters_work_without_script(browser: Browser, base_url: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(base_url + "/feed")
        page.locator('form.filters select[name="sort"]').select_option("newest")
        page.wait_for_timeout(300)
        assert "sort=" not in page.url  # nothing applies by itself without script
        page.get_by_role("button", name="Apply filters").click()
        page.wait_for_url(re.compile(r"[?&]sort=newest"))
        assert page.locator('form.filters select[name="sort"]').input_value() == "newest"
    finally:
        context.close()


# --- hostile data --------------------------------------------------------------------------


def test_markup_in_titles_and_abstracts_stays_text_and_runs_nothing(watched: Watched) -> None:
    page = watched.page
    day = page.request.get(f"{watched.base_url}/papers/{HOSTILE_ID}.json").json()["latest_date"]
    # Search results show no abstracts; the paper page and the feed do.
    for path, heading, with_abstract in ((f"/papers/{HOSTILE_ID}", "h1.title", True),
                                         (f"/feed?since={day}&until={day}&limit=100", "article.paper h2.title", True),
                                         ("/search?q=Escaping+titles+names", "article.paper h3.title", False)):
        watched.goto(path)
        titles = [squash(t) for t in page.locator(heading).all_inner_texts()]
        assert squash(HOSTILE_TITLE) in titles, path
        assert page.get_by_text("<script>alert(1)</script>", exact=False).first.is_visible(), path
        if with_abstract:
            shown = page.locator("p.abstract").filter(has_text='onerror="alert(2)"')
            assert shown.count() == 1 and '<img src=x onerror="alert(2)">' in shown.inner_text(), path
        scripts = page.locator("script").evaluate_all("els => els.map(e => e.textContent + ' ' + (e.src || ''))")
        assert not [s for s in scripts if "alert" in s], f"{path}: {scripts}"
        assert page.locator("img[onerror], p.abstract b").count() == 0, path
        if path.startswith("/papers/"):
            watched.screenshot("hostile-paper.png")
    watched.assert_clean()


# --- every screen width ----------------------------------------------------------------------
OVERFLOWING = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1
               && !e.closest('table'))  /* a wide table scrolls inside its own box */
  .map(e => `${e.tagName.toLowerCase()}.${e.className}: ${(e.innerText || '').slice(0, 40)}`)"""


@pytest.mark.parametrize("width", [360, 390, 1280])
def test_no_page_is_wider_than_the_screen(watched: Watched, web_db: Path, width: int) -> None:
    """From a phone's 360 px up, no page scrolls sideways (a wide table scrolls in its box)."""
    watched.page.set_viewport_size({"width": width, "height": 900})
    [(busiest,), (next_busiest,)] = query(
        web_db, "SELECT researcher_id FROM researcher_mentions GROUP BY researcher_id"
                " ORDER BY count(*) DESC, researcher_id LIMIT 2")
    [(key,)] = query(web_db, "SELECT key FROM papers ORDER BY length(title) DESC, id LIMIT 1")
    pages = {"researcher": f"/researchers/{busiest}", "paper": f"/papers/{key}", "feed": "/feed",
             "search": "/search?q=learning", "compare": f"/compare?ids={busiest},{next_busiest}",
             "docs": "/docs"}
    for name, path in pages.items():
        watched.goto(path)
        width_shown = watched.page.evaluate("document.documentElement.scrollWidth")
        wide = watched.page.evaluate(OVERFLOWING)
        assert width_shown <= width, f"{path} is {width_shown} px wide at {width} px: {wide}"
        if name == "researcher":  # on a phone the papers come before the charts and co-authors
            tops = watched.page.evaluate("['article.paper', 'section.side'].map("
                                         "s => document.querySelector(s).getBoundingClientRect().top)")
            assert (tops[0] < tops[1]) == (width < 800), tops
        if width != 360:
            watched.screenshot(f"{name}-{width}.png")
    watched.assert_clean()


def test_math_in_titles_and_abstracts_is_typeset_with_the_vendored_katex(watched: Watched, web_db: Path) -> None:
    """TeX math is typeset in the page by KaTeX served from /static (no CDN, CSP kept)."""
    rows = query(web_db, "SELECT key, title FROM papers WHERE title LIKE '%$%$%' ORDER BY id")
    key, title = next((k, t) for k, t in rows if MATH.search(t))
    watched.goto(f"/papers/{key}")
    spans = watched.page.locator("h1.title span.math")
    assert spans.count() == len(MATH.findall(title))
    watched.page.wait_for_function("document.querySelectorAll('h1.title span.math .katex').length > 0")
    assert watched.page.locator("h1.title span.math .katex-error").count() == 0
    watched.screenshot("paper-math.png")
    watched.assert_clean()
