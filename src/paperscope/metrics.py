"""Researcher metrics from per-paper facts: pure functions, no database.

The figures a researcher page shows (h-index, citations, papers per year…) are computed
here from plain values so that they can be tested on hand-made inputs and recomputed for
any date. The store gathers the facts; this module only counts.

Definitions and the conventions chosen where the literature varies:

- **h-index** (Hirsch 2005): the largest h such that h papers have ≥ h citations each.
- **g-index** (Egghe 2006): the largest g such that the g most cited papers have
  ≥ g² citations together. Egghe lets g exceed the number of papers by padding with
  uncited "fictitious" papers; we do not: g is capped at the number of papers, so that
  g ≥ h always holds and g never counts papers that do not exist.
- **i10-index** (Google Scholar): the number of papers with ≥ 10 citations.
- **m-quotient** (Hirsch 2005): h divided by the number of years since the first
  publication, counting the first year as year 1 (first paper in 2020, as of 2024 → 5
  years), so it is defined in the first year and never divides by zero.

Citation counts come from several sources (OpenAlex, Semantic Scholar, Google Scholar),
each observed on a date. They count differently (Google Scholar counts preprints and
versions), so each source gets its own figures and **counts are never summed or mixed
across sources**: a paper with 40 citations on OpenAlex and 55 on Google Scholar is
neither 95 nor "55 (max)". A figure computed "as of" a date uses, per paper and source,
the newest observation on or before that date.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "SOURCE_PREFERENCE",
    "PaperFacts",
    "ResearcherMetrics",
    "SourceMetrics",
    "citations_per_year",
    "compute_metrics",
    "g_index",
    "h_index",
    "i10_index",
    "latest_observation",
    "m_quotient",
    "per_year",
]

# The source a page leads with when several cover the same number of papers. OpenAlex and
# Semantic Scholar count citing works they can list; Google Scholar also counts versions
# and preprints, so its numbers run higher and are harder to check.
SOURCE_PREFERENCE: tuple[str, ...] = ("openalex", "semantic-scholar", "google-scholar")

# A citation observation as the store keeps it: (count, source, as_of ISO dt.date).
Observation = tuple[int, str, str]


# --- indices over one list of counts --------------------------------------------------------


def _sorted_counts(counts: Iterable[int]) -> list[int]:
    """Counts most cited first; a negative count is a bug upstream (-1 means unknown there)."""
    values = list(counts)
    for value in values:
        if value < 0:
            raise ValueError(f"citation count {value} is negative; drop unknown counts first")
    return sorted(values, reverse=True)


def h_index(counts: Iterable[int]) -> int:
    """The largest h such that h papers have at least h citations each (0 for none)."""
    h = 0
    for rank, count in enumerate(_sorted_counts(counts), start=1):
        if count < rank:
            break
        h = rank
    return h


def g_index(counts: Iterable[int]) -> int:
    """The largest g ≤ number of papers whose g most cited papers have ≥ g² citations together."""
    g = 0
    total = 0
    for rank, count in enumerate(_sorted_counts(counts), start=1):
        total += count
        if total >= rank * rank:
            g = rank
    return g


def i10_index(counts: Iterable[int]) -> int:
    """The number of papers with at least 10 citations."""
    return sum(1 for count in _sorted_counts(counts) if count >= 10)


def m_quotient(h: int, first_year: int | None, as_of_year: int) -> float | None:
    """h per year of career, the first publication year counting as year 1.

    None where the first year is unknown or after ``as_of_year`` (no career yet to divide by).
    """
    if first_year is None or first_year > as_of_year:
        return None
    return h / (as_of_year - first_year + 1)


# --- per-year series -----------------------------------------------------------------------


def per_year(years: Iterable[int | None]) -> dict[int, int]:
    """Papers per year, oldest year first; papers of unknown year are left out."""
    return dict(sorted(Counter(y for y in years if y is not None).items()))


def citations_per_year(
    per_paper: Iterable[Mapping[int, int]], *, until_year: int | None = None
) -> dict[int, int]:
    """Citations received per year, summed over papers, oldest year first.

    Each mapping is one paper's yearly counts from **one** source (OpenAlex's
    ``counts_by_year``); pass the papers of a single source only. Years after
    ``until_year`` are left out.
    """
    totals: Counter[int] = Counter()
    for yearly in per_paper:
        for year, count in yearly.items():
            if count < 0:
                raise ValueError(f"citations in {year}: {count} is negative")
            if until_year is None or year <= until_year:
                totals[year] += count
    return dict(sorted(totals.items()))


# --- observations as of a date -------------------------------------------------------------


def _iso_date(text: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"{what}: {text!r} is not an ISO date") from None


def latest_observation(
    observations: Iterable[Observation], source: str, as_of: dt.date
) -> tuple[int, str] | None:
    """The newest (count, as_of ISO) of ``source`` observed on or before ``as_of``, else None.

    Two observations on the same date keep the larger count: a provider's count only
    shrinks by a correction, and the same-day pair is most often one count seen twice.
    """
    best: tuple[dt.date, int, str] | None = None
    for count, obs_source, observed in observations:
        if obs_source != source:
            continue
        day = _iso_date(observed, f"{source} observation")
        if day > as_of:
            continue
        if best is None or (day, count) > (best[0], best[1]):
            best = (day, count, observed)
    return None if best is None else (best[1], best[2])


# --- a researcher's figures ----------------------------------------------------------------


@dataclass(slots=True)
class PaperFacts:
    """What the metrics need to know about one of a researcher's papers."""

    paper_id: str
    year: int | None
    date: str | None  # ISO date of the first version (or of publication)
    primary_category: str | None
    citations: list[Observation] = field(default_factory=list)  # (count, source, as_of ISO)
    coauthors: list[str] = field(default_factory=list)  # everyone but the researcher
    affiliation_tags: list[str] = field(default_factory=list)
    # Citations received per calendar year, by source: {"openalex": {2023: 8, 2024: 21}}.
    citations_by_year: dict[str, dict[int, int]] = field(default_factory=dict)

    def published_on(self) -> dt.date | None:
        """The first-version date; failing that, 1 January of the year; else None."""
        if self.date:
            return _iso_date(self.date, f"paper {self.paper_id} date")
        return dt.date(self.year, 1, 1) if self.year is not None else None

    def publication_year(self) -> int | None:
        """The stated year; failing that, the year of the first-version date."""
        if self.year is not None:
            return self.year
        on = self.published_on()
        return on.year if on else None


@dataclass(slots=True)
class SourceMetrics:
    """One citation source's figures: never mixed with another source's."""

    source: str
    citations: int  # total over the papers this source has a count for
    h_index: int
    g_index: int
    i10_index: int
    coverage: int  # papers this source has a count for, of ResearcherMetrics.papers
    as_of: str  # ISO date of the newest observation used
    citations_per_year: dict[int, int] = field(default_factory=dict)


@dataclass(slots=True)
class ResearcherMetrics:
    """A researcher's figures as of one date, each citation figure with its source."""

    as_of: str  # ISO dt.date
    papers: int  # published on or before as_of
    by_source: dict[str, SourceMetrics]
    primary_source: str | None  # the source a page leads with; None without any count
    first_year: int | None
    last_year: int | None
    m_quotient: float | None  # from the primary source's h-index
    papers_per_year: dict[int, int]
    primary_category: str | None
    top_affiliation_tags: list[tuple[str, int]]  # (tag, papers), most common first
    top_coauthors: list[tuple[str, int]]  # (name, shared papers), most common first

    @property
    def primary(self) -> SourceMetrics | None:
        """The primary source's figures, or None where no source has a count."""
        return self.by_source.get(self.primary_source) if self.primary_source else None


def compute_metrics(
    papers: Sequence[PaperFacts], as_of: dt.date, *, top_n: int = 10
) -> ResearcherMetrics:
    """A researcher's figures from their papers, counting only what was known on ``as_of``.

    Papers first published after ``as_of`` are left out; a paper with neither date nor
    year is kept (it cannot be placed in time, and dropping it would hide it from every
    profile). Citation observations after ``as_of`` are ignored; a paper a source has
    no count for is left out of that source's indices, not counted as zero, and the
    source's ``coverage`` says how many papers it covered.
    """
    seen: set[str] = set()
    for paper in papers:
        if paper.paper_id in seen:
            raise ValueError(f"paper {paper.paper_id} is listed twice")
        seen.add(paper.paper_id)

    kept = [p for p in papers if (on := p.published_on()) is None or on <= as_of]
    by_source = {
        source: figures
        for source in sorted({s for p in kept for _, s, _ in p.citations})
        if (figures := _source_metrics(kept, source, as_of)) is not None
    }
    primary_source = _primary_source(by_source)
    years = [y for p in kept if (y := p.publication_year()) is not None]
    first_year = min(years, default=None)
    primary = by_source.get(primary_source) if primary_source else None
    return ResearcherMetrics(
        as_of=as_of.isoformat(),
        papers=len(kept),
        by_source=by_source,
        primary_source=primary_source,
        first_year=first_year,
        last_year=max(years, default=None),
        m_quotient=m_quotient(primary.h_index, first_year, as_of.year) if primary else None,
        papers_per_year=per_year(years),
        primary_category=_primary_category(kept),
        top_affiliation_tags=_most_common((set(p.affiliation_tags) for p in kept), top_n),
        top_coauthors=_most_common((set(p.coauthors) for p in kept), top_n),
    )


def _source_metrics(papers: Sequence[PaperFacts], source: str, as_of: dt.date) -> SourceMetrics | None:
    """One source's indices over the papers it has a count for as of the date."""
    counts: list[int] = []
    newest = ""
    for paper in papers:
        observed = latest_observation(paper.citations, source, as_of)
        if observed is not None:
            counts.append(observed[0])
            newest = max(newest, observed[1][:10])
    if not counts:
        return None  # every observation of this source came after as_of
    yearly = [p.citations_by_year[source] for p in papers if source in p.citations_by_year]
    return SourceMetrics(
        source=source,
        citations=sum(counts),
        h_index=h_index(counts),
        g_index=g_index(counts),
        i10_index=i10_index(counts),
        coverage=len(counts),
        as_of=newest,
        citations_per_year=citations_per_year(yearly, until_year=as_of.year),
    )


def _source_rank(source: str) -> tuple[int, str]:
    """Preferred sources first, in SOURCE_PREFERENCE order; any other after, by name."""
    if source in SOURCE_PREFERENCE:
        return (SOURCE_PREFERENCE.index(source), "")
    return (len(SOURCE_PREFERENCE), source)


def _primary_source(by_source: Mapping[str, SourceMetrics]) -> str | None:
    """The source covering most papers; ties go to the preferred source."""
    if not by_source:
        return None
    return min(by_source.values(), key=lambda m: (-m.coverage, _source_rank(m.source))).source


def _primary_category(papers: Sequence[PaperFacts]) -> str | None:
    """The most frequent primary category; a tie goes to the category of the newest paper."""
    counts: Counter[str] = Counter()
    newest: dict[str, dt.date] = {}
    for paper in papers:
        if not paper.primary_category:
            continue
        counts[paper.primary_category] += 1
        on = paper.published_on() or dt.date.min
        newest[paper.primary_category] = max(newest.get(paper.primary_category, dt.date.min), on)
    if not counts:
        return None
    # Name last, so that equal dates still give one answer on every run.
    return max(counts, key=lambda c: (counts[c], newest[c], c))


def _most_common(per_paper: Iterable[set[str]], top_n: int) -> list[tuple[str, int]]:
    """(value, papers) most common first, then by value; each paper counts a value once."""
    counts: Counter[str] = Counter()
    for values in per_paper:
        counts.update(v for v in values if v)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top_n]
