"""The complete stage: papers known only from a researcher page, matched to full records.

A researcher page names most of its papers by title and first few authors ("et al."),
with no arXiv id, DOI or link. Such a paper is stored under a ``title:`` key and its
author list is marked as cut short. This stage looks for a full record of it:

1. **stored**: among the records any source already stored (listings, snapshot,
   conference corpus). Records of exactly the same normalised title merge at ingest
   already; here the search reaches titles that differ slightly ("An In-depth …" /
   "A Comprehensive …" does not, see :data:`NEAR_TITLE`).
2. **live**, one title search per paper left, politely spaced: ``--live arxiv`` asks
   arXiv's API (``ti:"…"``, relevance order, a few hits); ``--live s2`` asks Semantic
   Scholar's title match for the paper's arXiv id, then arXiv for that record.

A record is the page's paper when :func:`evidence` finds the same or a near title, the
page's authors in the record's list (first initial and surname, as works are grouped) and
years at most :data:`MAX_YEARS_APART` apart. The match is a merge: the paper takes the
record's full author list, identifiers, dates and links, and keeps the page's claims
(score, tag, "et al.") as claims. A page paper no record matches stays as it is: shown
with "et al." and exported as incomplete (see :mod:`paperscope.export`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from paperscope.models import PaperRecord, Rejected
from paperscope.pipeline.ingest import ingest
from paperscope.sources.jsonlines import SourceError
from paperscope.store import Store
from paperscope.text import title_key
from paperscope.works import MAX_YEARS_APART, MIN_AUTHOR_SHARE, author_key

__all__ = ["NEAR_TITLE", "CompleteSummary", "Known", "complete", "evidence"]

# Titles this similar (rapidfuzz ratio of the normalised titles, 0–100) may be one paper's,
# when every author the page names is in the record. Measured on the seed pages against
# the conference corpus: the nearest title that is not the same paper scored below 85, and
# "An in-depth investigation of sparse rate reduction …" against its published "A
# comprehensive investigation …" (the same paper, renamed) scored 89: not taken.
NEAR_TITLE = 92.0
# Candidates read from the stored full-text index per page paper.
STORED_CANDIDATES = 10
# arXiv hits read per title search: the paper, when arXiv has it, is among the first.
LIVE_HITS = 5


@dataclass(frozen=True, slots=True)
class Known:
    """What one side says of a paper: its normalised title, author names and year."""

    title_key: str
    authors: tuple[str, ...]
    year: int | None

    @classmethod
    def of_record(cls, record: PaperRecord) -> Known:
        date = record.first_date or record.latest_date
        year = record.year or (int(date[:4]) if date else None)
        return cls(title_key(record.title), tuple(a.raw for a in record.authors), year)


def evidence(page: Known, record: Known) -> str | None:
    """Why ``record`` is the paper ``page`` names (a line for the log), or None if it is not.

    The same title needs at least half of the page's authors in the record; a near title
    needs all of them. The page's list is the short one: a page shows the first few.
    """
    if not page.title_key or not record.title_key:
        return None
    if page.title_key == record.title_key:
        title, share = "same title", MIN_AUTHOR_SHARE
    else:
        ratio = fuzz.ratio(page.title_key, record.title_key)
        if ratio < NEAR_TITLE:
            return None
        title, share = f"near title ({ratio:.0f})", 1.0
    named = {author_key(a) for a in page.authors} - {""}
    listed = {author_key(a) for a in record.authors} - {""}
    if not named or len(named & listed) < math.ceil(share * len(named)):
        return None
    if page.year is not None and record.year is not None and abs(page.year - record.year) > MAX_YEARS_APART:
        return None
    return f"{title}; {len(named & listed)} of {len(named)} authors named on the page"


@dataclass(slots=True)
class CompleteSummary:
    """What one completion run did."""

    listed: int = 0  # papers the researcher pages list
    page_only: int = 0  # of them, known only from a page before the run (no full record)
    stored: int = 0  # completed by a stored record
    live: int = 0  # completed by a live search
    searched: int = 0  # live searches made
    failures: list[str] = field(default_factory=list)
    matches: list[tuple[str, str, str]] = field(default_factory=list)  # (page title, record key, evidence)
    seconds: float = 0.0

    @property
    def completed(self) -> int:
        return self.stored + self.live

    def line(self) -> str:
        text = (
            f"researcher pages list {self.listed:,} papers, {self.listed - self.page_only:,} with a full record"
            f" already; completed {self.completed:,} of the {self.page_only:,} known only from a page"
            f" ({self.stored:,} by stored records, {self.live:,} by live search of {self.searched:,});"
            f" {self.page_only - self.completed:,} stay marked incomplete ({self.seconds:.1f} s)"
        )
        if self.failures:
            text += f"; stopped: {self.failures[0]}"
        return text


# A live title search: a paper's normalised title → records that may be it.
Search = Callable[[str], Iterable[PaperRecord | Rejected]]


def complete(
    store: Store,
    *,
    live: Search | None = None,
    limit: int | None = None,
    command: str = "works complete",
    on_progress: Callable[[int], None] | None = None,
) -> CompleteSummary:
    """Match the page-only papers to full records: stored ones first, then ``live``
    (a title search: a query string → records), if given."""
    started = time.perf_counter()
    summary = CompleteSummary()
    pending = store.page_only_papers()
    summary.page_only = len(pending)
    summary.listed = len({key for page in store.researcher_pages() for key in page["papers"]})
    if limit is not None:
        pending = pending[:limit]
    if store.search.pending():
        store.search.refresh()
    left = []
    for paper_id in pending:
        page = _page_known(store, paper_id)
        found = _stored_match(store, paper_id, page)
        if found is not None:
            survivor, why = found
            store.absorb_paper(survivor, paper_id)
            summary.stored += 1
            summary.matches.append((page.title_key, store.paper(survivor)["key"], why))
        else:
            left.append((paper_id, page))
        if on_progress:
            on_progress(1)
    if live is not None and left:
        records = list(_live_matches(live, left, summary))
        if records:
            run = ingest(store, "arxiv-atom", (r for _, r in records), command)
            if not run.ok:
                summary.failures.extend(run.failed_inputs)
            for page_id, record in records:
                full_id = store.find_paper(record.key)
                if full_id is not None and full_id != page_id:
                    # A near title: ingest stored the record as a paper of its own (the
                    # same title merged into the page's paper there and then).
                    store.absorb_paper(full_id, page_id)
    summary.seconds = time.perf_counter() - started
    return summary


def _page_known(store: Store, paper_id: int) -> Known:
    paper = store.paper(paper_id)
    return Known(title_key(paper["title"]), tuple(a["name"] for a in paper["authors"]), paper["year"])


def _stored_match(store: Store, paper_id: int, page: Known) -> tuple[int, str] | None:
    """The stored full record of a page paper, and why; None if there is none."""
    words = page.title_key.split()
    hits = store.search.match_papers(words, every_term=False, limit=STORED_CANDIDATES) if words else []
    candidates = dict.fromkeys([*store.search.papers_with_title_key(page.title_key), *(pid for pid, _ in hits)])
    for candidate in candidates:
        if candidate == paper_id:
            continue
        other = store.paper(candidate)
        if other["key"].startswith("title:"):
            continue  # another page's entry: no fuller than this one
        why = evidence(page, Known(title_key(other["title"]), tuple(a["name"] for a in other["authors"]),
                                   other["year"]))
        if why:
            return candidate, why
    return None


def _live_matches(
    search: Search, left: list[tuple[int, Known]], summary: CompleteSummary
) -> Iterator[tuple[int, PaperRecord]]:
    """(page paper id, the record that completes it) for each page paper a search finds."""
    for paper_id, page in left:
        summary.searched += 1
        try:
            hits = [r for r in search(page.title_key) if isinstance(r, PaperRecord)]
        except SourceError as e:  # the source failed: the live pass ends, what it found stays
            summary.failures.append(str(e))
            return
        for record in hits:
            why = evidence(page, Known.of_record(record))
            if why:
                summary.live += 1
                summary.matches.append((page.title_key, record.key, why))
                yield paper_id, record
                break
