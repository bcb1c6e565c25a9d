"""The records that flow from sources through the pipeline into the store.

Sources yield these and know nothing of storage; the store persists them and knows
nothing of where they came from beyond the provenance fields they carry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath


@dataclass(slots=True)
class Origin:
    """Where a record was read: the file (or URL) and the line/record position in it."""

    file: str
    position: str  # "line 812", "record 5", "entry 3 of page 2"

    def __str__(self) -> str:
        return f"{self.file} {self.position}"


@dataclass(slots=True)
class Author:
    """One authorship as the source states it, parsed into name parts."""

    raw: str
    given: str | None = None
    family: str | None = None
    suffix: str | None = None
    affiliations: list[str] = field(default_factory=list)
    # Position in the author list, 0-based. None: the source names the paper as this
    # person's but hides them behind "et al." (a seed page's own researcher).
    position: int | None = None


@dataclass(slots=True)
class Version:
    """One arXiv version: number, submission date (ISO 8601) and size as arXiv reports it."""

    version: int
    submitted: str | None = None
    size: str | None = None


@dataclass(slots=True)
class CitationCount:
    """A citation count observed at one source on one date; sources may disagree."""

    count: int
    source: str
    as_of: str  # ISO date


@dataclass(slots=True)
class Claim:
    """A figure a page reports (a seed page's h-index, a paper's 87.0): kept, never computed."""

    subject: str  # "paper" or "researcher"
    field: str  # "score", "h_index", "novelty_pct", ...
    value: str
    source: str  # the page it was read from
    as_of: str | None = None


@dataclass(slots=True)
class PaperRecord:
    """A paper as one source describes it; the store merges records by identifier."""

    source: str  # "arxiv-snapshot", "arxiv-atom", "arxiv-oai", "arxiv-listing", "conference", "seed-page"
    origin: Origin
    title: str
    abstract: str | None = None
    arxiv_id: str | None = None  # unversioned: "2101.00016", "hep-th/9108002"
    arxiv_version: int | None = None  # the latest version this record describes
    versions: list[Version] = field(default_factory=list)
    dois: list[str] = field(default_factory=list)
    # Identifiers besides arXiv and DOI, by scheme: {"openreview": "05T81ScPFb",
    # "venue": "3dv2025/05T81ScPFb"}. A record with no arXiv id or DOI needs one here.
    other_ids: dict[str, str] = field(default_factory=dict)
    categories: list[str] = field(default_factory=list)  # full codes, in source order
    primary_category: str | None = None
    # A short code read where the full one is unknowable (a seed page's "LO").
    category_code: str | None = None
    first_date: str | None = None  # ISO date of v1 (or publication for non-arXiv papers)
    latest_date: str | None = None  # ISO date of the latest version
    year: int | None = None
    comments: str | None = None
    journal_ref: str | None = None
    license: str | None = None
    venue: str | None = None
    code_urls: list[str] = field(default_factory=list)
    authors: list[Author] = field(default_factory=list)
    # Person ids the source gives per listed author: (position, scheme, id), e.g.
    # (0, "openreview", "~Sergey_Levine1"), (2, "ieee", "37085950646"), (1, "orcid", "0000-…").
    author_ids: list[tuple[int, str, str]] = field(default_factory=list)
    citations: list[CitationCount] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    # The source's own change stamp (OAI datestamp, Atom <updated>), for incremental harvests.
    datestamp: str | None = None

    @property
    def key(self) -> str:
        """A stable identifier for this record within the store: arXiv id, DOI, or another id."""
        if self.arxiv_id:
            return f"arxiv:{self.arxiv_id}"
        if self.dois:
            return f"doi:{self.dois[0]}"
        for scheme, value in sorted(self.other_ids.items()):
            return f"{scheme}:{value}"
        raise ValueError(f"{self.origin}: record has no identifier")


@dataclass(slots=True)
class ResearcherPage:
    """A researcher page (a seed): who it is about and the figures it reports."""

    source: str
    origin: Origin
    name: str | None
    name_inferred: bool  # True where the page has no name and it was taken from its papers
    as_of: str  # ISO date the page's figures refer to
    claims: list[Claim] = field(default_factory=list)
    paper_keys: list[str] = field(default_factory=list)

    @property
    def page(self) -> str:
        """The page's name (its file name): the same page read from elsewhere is the same page."""
        return PurePath(self.origin.file).name


@dataclass(slots=True)
class Institution:
    """An institution as a provider identifies it (OpenAlex: ROR id, country)."""

    name: str
    source_id: str | None = None  # OpenAlex "I27837315"
    ror: str | None = None  # "https://ror.org/00cvxb145"
    country: str | None = None  # ISO 3166-1 alpha-2


@dataclass(slots=True)
class ProviderAuthorship:
    """One authorship on a provider's work: the provider's author id, ORCID, institutions."""

    name: str
    position: int | None
    source_id: str | None = None  # OpenAlex "A5023888391", Semantic Scholar "1741101"
    orcid: str | None = None  # bare, "0000-0001-6187-6610"
    institutions: list[Institution] = field(default_factory=list)
    raw_affiliations: list[str] = field(default_factory=list)


@dataclass(slots=True)
class WorkRecord:
    """What a citation provider (OpenAlex, Semantic Scholar) says about one paper.

    It enriches a stored paper found by identifier; it never creates one on its own.
    """

    source: str  # "openalex", "semantic-scholar"
    origin: Origin
    source_id: str  # OpenAlex "W2741809807", S2 paperId
    as_of: str  # ISO date the figures were observed
    title: str | None = None
    year: int | None = None
    arxiv_id: str | None = None
    dois: list[str] = field(default_factory=list)
    cited_by_count: int | None = None
    influential_citation_count: int | None = None  # Semantic Scholar only
    counts_by_year: dict[int, int] = field(default_factory=dict)  # citations received per year
    references: list[str] = field(default_factory=list)  # the provider's ids of cited works
    authorships: list[ProviderAuthorship] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    venue: str | None = None


@dataclass(slots=True)
class AuthorProfile:
    """A provider's own figures about a researcher: shown beside ours, never blended."""

    source: str
    origin: Origin
    source_id: str
    name: str
    as_of: str
    orcid: str | None = None
    h_index: int | None = None
    i10_index: int | None = None
    works_count: int | None = None
    citation_count: int | None = None
    affiliations: list[Institution] = field(default_factory=list)
    work_ids: list[str] = field(default_factory=list)  # the provider's ids of their works


@dataclass(slots=True)
class Rejected:
    """A record that failed validation: where it was, why, and what it looked like."""

    source: str
    origin: Origin
    reason: str
    excerpt: str = ""

    def __post_init__(self) -> None:
        # NUL means nothing in an excerpt (a binary file's bytes) and PostgreSQL's text
        # cannot hold it: dropped here, so that both backends keep the same excerpt.
        if "\x00" in self.excerpt:
            self.excerpt = self.excerpt.replace("\x00", "")

    def __str__(self) -> str:
        return f"{self.origin}: {self.reason}"


Record = PaperRecord | ResearcherPage | Rejected
EnrichmentRecord = WorkRecord | AuthorProfile | Rejected
