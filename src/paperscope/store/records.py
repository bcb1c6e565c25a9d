"""What the store's reads return: the JSON contract, in one place.

Each read of :class:`~paperscope.store.store.Store` and its parts that returns plain data
returns one of these dicts, built the same on SQLite and PostgreSQL; the CLI prints them
as JSON and the web app serves them. The methods that return them are declared in
``store/interface.py``. Dates are ISO text (``"2024-05-01"``, or just a year where only
that is known); JSON columns arrive parsed.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict

__all__ = [
    "CitationObservation",
    "ClaimedValue",
    "Coauthor",
    "HiddenAuthor",
    "ListedAuthor",
    "Paper",
    "PaperAuthor",
    "PaperClaim",
    "PaperVersion",
    "ProfilePaper",
    "ProvenanceEntry",
    "ProviderHIndex",
    "ProviderProfile",
    "Researcher",
    "ResearcherSummary",
    "ResolvedMention",
    "RisingResearcher",
    "Score",
    "ScoreValue",
    "SearchPaper",
    "SearchScore",
    "SourceStats",
    "StoreStats",
    "StoredReject",
    "StoredResearcherPage",
]


# --- pieces of a paper ---------------------------------------------------------------------
class PaperAuthor(TypedDict):
    """One author of a paper as ``Store.paper`` gives it."""

    name: str  # the name as the source wrote it
    given: str | None
    family: str | None
    suffix: str | None
    affiliations: list[str]
    position: int | None  # 0-based; None for one a researcher page hid behind "et al."


class PaperVersion(TypedDict):
    """One arXiv version of a paper."""

    version: int
    submitted: str | None
    size: str | None  # as arXiv writes it: "1234kb"


class CitationObservation(TypedDict):
    """A citation count one source reported on one day."""

    count: int
    source: str
    as_of: str


class PaperClaim(TypedDict):
    """A figure a source claims about a paper (a venue, an award…), as text."""

    field: str
    value: str
    source: str
    as_of: str | None


class ClaimedValue(TypedDict):
    """The value claimed for one field, and who claimed it when."""

    value: str
    source: str
    as_of: str | None


class ProvenanceEntry(TypedDict):
    """One source record that went into a paper."""

    source: str
    record_id: str  # the id the source gave the record
    origin: str  # the file and position it was read from
    run_id: int


class Score(TypedDict):
    """A paper's score of one kind (novelty, impact), with what explains it."""

    value: float | None
    label: str | None
    explanation: dict[str, Any]  # the scoring stage's own JSON (nearest earlier papers, …)
    model: str
    computed: str


class ScoreValue(TypedDict):
    """A score as lists show it: its value and label."""

    value: float | None
    label: str | None


class SearchScore(TypedDict):
    """A score as a search result shows it."""

    value: float | None
    label: str | None
    model: str


class Paper(TypedDict):
    """Everything stored about one paper (``Store.paper``; the CLI's ``paper --format json``)."""

    id: int
    key: str  # "arxiv:2101.00016", "doi:…", "venue:…", "title:…"
    arxiv_id: str | None
    dois: list[str]
    identifiers: dict[str, list[str]]  # scheme → values, arXiv and DOIs included
    title: str
    abstract: str | None
    authors: list[PaperAuthor]  # listed authors by position, then hidden ones
    categories: list[str]
    primary_category: str | None
    category_code: str | None  # a short code where only that is known ("CV")
    first_date: str | None
    latest_date: str | None
    year: int | None
    versions: list[PaperVersion]
    comments: str | None
    journal_ref: str | None
    license: str | None
    venue: str | None
    code_urls: list[str]
    citations: list[CitationObservation]  # newest first
    claims: list[PaperClaim]
    scores: dict[str, Score]  # kind → score
    provenance: list[ProvenanceEntry]


# --- the store as a whole ----------------------------------------------------------------
class SourceStats(TypedDict):
    """What one source contributed; a figure is absent where the source has none."""

    papers: NotRequired[int]
    rejected: NotRequired[int]
    runs: NotRequired[int]


class StoreStats(TypedDict):
    """Counts of what the store holds (``Store.stats``)."""

    papers: int
    authorships: int  # listed and hidden
    rejected: int
    identifiers: dict[str, int]  # scheme → identifiers
    citation_observations: int
    code_links: int
    researcher_pages: int
    runs: dict[str, int]  # status → ingest runs
    sources: dict[str, SourceStats]


class StoredReject(TypedDict):
    """A record that failed validation (``Store.rejects``)."""

    run_id: int
    source: str
    file: str
    position: str  # where in the file: a line, an offset, a record id
    reason: str
    excerpt: str


class StoredResearcherPage(TypedDict):
    """A researcher page read so far (``Store.researcher_pages``)."""

    page: str  # the page's file name
    source: str
    name: str | None
    name_inferred: bool
    as_of: str
    claims: dict[str, str]  # field → value
    papers: list[str]  # paper keys, in the page's order


# --- researchers -------------------------------------------------------------------------
class ResolvedMention(TypedDict):
    """One author mention and the researcher resolve gave it (``researchers mentions``)."""

    paper: str  # the paper's key
    arxiv_id: str | None
    position: int | None  # 0-based; None for one a researcher page hid behind "et al."
    name: str  # as the source wrote it
    researcher_id: int


class Researcher(TypedDict):
    """A resolved researcher (``researchers.get``)."""

    id: int
    name: str
    block: str  # family name + first initial, folded
    orcid: str | None
    page: str | None  # the researcher page about this person
    mentions: int
    ids: dict[str, list[str]]  # scheme → values


class ResearcherSummary(TypedDict):
    """A short description that tells researchers of one name apart (``researchers.summaries``)."""

    id: int
    name: str
    papers: int  # mentions
    first_year: int | None
    last_year: int | None
    primary_category: str | None  # the one most of their papers have
    orcid: str | None
    page: str | None


class ProviderProfile(TypedDict):
    """What a provider reports about one author id (``researchers.provider_profiles``)."""

    source: str
    author_id: str
    name: str
    h_index: int | None
    i10_index: int | None
    works_count: int | None
    citation_count: int | None
    as_of: str


class ListedAuthor(TypedDict):
    """An author of a profile's paper, at a position of its author list."""

    name: str
    position: int
    affiliations: list[str]


class HiddenAuthor(TypedDict):
    """An author of a profile's paper that a researcher page hid behind "et al."."""

    name: str
    affiliations: list[str]


class ProfilePaper(TypedDict):
    """A paper as a profile reads it (``researchers.profile_papers``)."""

    id: int
    key: str
    arxiv_id: str | None
    title: str
    abstract: str | None
    primary_category: str | None
    category_code: str | None
    first_date: str | None
    latest_date: str | None
    year: int | None
    venue: str | None
    authors: list[ListedAuthor]
    hidden_authors: list[HiddenAuthor]
    code_urls: list[str]
    citations: list[CitationObservation]  # newest first
    claims: dict[str, ClaimedValue]  # field → the claim read last
    citations_by_year: dict[str, dict[int, int]]  # source → year → citations


class ProviderHIndex(TypedDict):
    """The highest h-index a provider reports for a researcher (``search.provider_h_index``)."""

    value: int
    source: str
    as_of: str


# --- the web app's lists -------------------------------------------------------------------
class Coauthor(TypedDict):
    """A researcher who shares papers with another (``feed.coauthors``)."""

    id: int
    name: str
    papers: int  # papers shared


class RisingResearcher(TypedDict):
    """A researcher whose recent papers score above their earlier ones (``feed.rising``)."""

    id: int
    name: str
    recent_ai_score: float | None  # mean AI Score of the recent papers, 1 decimal
    recent_papers: int
    earlier_ai_score: float | None  # None for a newcomer
    earlier_papers: int
    gain: float | None  # recent mean − earlier mean (the corpus mean for a newcomer)


class SearchPaper(TypedDict):
    """What a search result shows of a paper (``search.paper_rows``)."""

    id: int
    key: str
    arxiv_id: str | None
    title: str
    first_date: str | None
    year: int | None
    primary_category: str | None
    category_code: str | None
    venue: str | None
    abstract: str | None  # as stored (search.py shows a snippet of it)
    authors: list[str]  # the first few listed authors' names
    author_count: int  # listed authors in all
    scores: dict[str, SearchScore]  # kind → score
