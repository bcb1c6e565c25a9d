"""The store's interface: what the rest of paperscope may call, as typed Protocols.

:class:`StoreInterface` is one paperscope database; its parts are :class:`Researchers`,
:class:`Scores`, :class:`Search`, :class:`Feed`, :class:`Artifacts` and :class:`Locks`,
and :class:`Papers` its own methods for runs and papers. What the reads return is declared
in ``store/records.py`` (the JSON contract). :class:`~paperscope.store.store.Store` and
its parts implement these once for both engines; mypy checks that they do (the end of
this module). The implementations' docstrings say more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Self

from paperscope.models import AuthorProfile, PaperRecord, Rejected, ResearcherPage, WorkRecord
from paperscope.store.db import Database
from paperscope.store.feed import FeedFilter
from paperscope.store.migrations import Migration
from paperscope.store.operations import LockHolder
from paperscope.store.records import (
    ClaimedValue,
    Coauthor,
    Paper,
    ProfilePaper,
    ProviderHIndex,
    ProviderProfile,
    Researcher,
    ResearcherSummary,
    ResolvedMention,
    RisingResearcher,
    Score,
    ScoreValue,
    SearchPaper,
    StoredReject,
    StoredResearcherPage,
    StoreStats,
)
from paperscope.store.researchers import MentionRow, PaperContext, ResearcherRow
from paperscope.store.rows import PaperRows
from paperscope.store.scores import PaperText, ScoreRow
from paperscope.store.search import RefreshSummary
from paperscope.store.works import WorkMember, WorkVersion

if TYPE_CHECKING:
    import numpy as np

__all__ = ["Artifacts", "Feed", "Locks", "Papers", "Researchers", "Scores", "Search", "StoreInterface", "Works"]

MentionKey = tuple[int, str]  # (paper id, mention): "p3", or "h:<name>" for a hidden author


class Researchers(Protocol):
    """Author mentions, the researchers resolved from them, and what profiles read."""

    # What the resolver reads.
    def input_marker(self) -> tuple[int, ...]:
        """Differs once anything resolve reads was added or changed."""
        ...

    def mention_names(self) -> Iterator[str]: ...

    def mentions(self, window: int = 20_000) -> Iterator[MentionRow]: ...

    def resolved_mentions(self, batch: int = 10_000) -> Iterator[ResolvedMention]: ...

    def paper_contexts(self, paper_ids: Iterable[int]) -> dict[int, PaperContext]: ...

    def page_papers(self) -> dict[str, tuple[str | None, list[int]]]: ...

    def block_cache(self, blocks: Iterable[str]) -> dict[str, tuple[str, dict[str, Any]]]: ...

    def cached_blocks(self) -> set[str]: ...

    def assignment(self, paper_ids: Iterable[int]) -> dict[MentionKey, int]: ...

    def last_researcher_id(self) -> int: ...

    # Overrides, and writing a resolution.
    def add_override(self, action: str, payload: dict[str, Any]) -> int: ...

    def overrides(self) -> list[tuple[int, str, dict[str, Any]]]: ...

    def paper_keys(self, paper_ids: Iterable[int]) -> dict[int, str]: ...

    def replace(
        self,
        researchers: Iterable[ResearcherRow],
        blocks: Iterable[tuple[str, tuple[str, dict[str, Any]]]],
        stale: Iterable[str],
    ) -> None:
        """Store a full resolution (inside the caller's transaction)."""
        ...

    # Reads for profiles.
    def find(self, name_key: str, limit: int = 20) -> list[int]: ...

    def by_id(self, scheme: str, value: str) -> list[int]: ...

    def any(self) -> bool: ...

    def names(self) -> list[tuple[int, str, int]]: ...

    def get(self, researcher_id: int) -> Researcher | None: ...

    def mentions_of(self, researcher_id: int) -> list[MentionKey]: ...

    def summaries(self, researcher_ids: Sequence[int]) -> list[ResearcherSummary]: ...

    def provider_profiles(self, ids: dict[str, list[str]]) -> list[ProviderProfile]: ...

    def profile_papers(self, paper_ids: Sequence[int]) -> dict[int, ProfilePaper]: ...

    def page_claims(self, page: str) -> dict[str, ClaimedValue]: ...


class Scores(Protocol):
    """Embeddings and scores: what to (re)compute, and the results."""

    def paper_texts(self, window: int = 5_000) -> Iterator[PaperText]: ...

    def embedded_hashes(self, model: str) -> dict[int, str]: ...

    def write_embeddings(self, model: str, rows: Sequence[tuple[int, str, np.ndarray]]) -> None: ...

    def embedding_dim(self, model: str) -> int | None: ...

    def ensure_vector_index(self, model: str, dim: int) -> bool: ...

    def vector_index(self, model: str) -> Any:
        """The engine's own nearest-neighbour index, or None where it keeps none."""
        ...

    def embeddings(self, model: str) -> tuple[list[int], np.ndarray]: ...

    def embedding_windows(self, model: str, window: int = 20_000) -> Iterator[tuple[list[int], np.ndarray]]: ...

    def score_inputs(self, kind: str) -> dict[int, str]: ...

    def scored(self, kind: str) -> tuple[set[int], set[str]]: ...

    def write_scores(self, kind: str, model: str, rows: Iterable[ScoreRow]) -> None: ...

    def scores(self, paper_ids: Sequence[int]) -> dict[int, dict[str, Score]]:
        """paper id → kind → score."""
        ...

    def values(self, paper_ids: Sequence[int]) -> dict[int, dict[str, ScoreValue]]:
        """paper id → kind → value and label."""
        ...

    def top_scored(
        self, kind: str, since: str | None, limit: int, category: str | None = None
    ) -> list[tuple[int, float]]:
        """(paper id, value), highest first."""
        ...


class Search(Protocol):
    """The search indexes, their upkeep, and the queries they answer."""

    def state(self, key: str) -> str | None: ...

    def generation(self) -> int: ...

    def refresh(self, on_progress: Callable[[int], None] | None = None) -> RefreshSummary: ...

    def pending(self) -> int: ...

    def embedding_models(self) -> dict[str, int]: ...

    def match_papers(self, terms: Sequence[str], *, every_term: bool, limit: int) -> list[tuple[int, float]]: ...

    def count_papers(self, terms: Sequence[str]) -> int: ...

    def match_researchers(self, words: Sequence[tuple[str, bool]], limit: int) -> list[int]: ...

    def names_like(self, name_key: str, limit: int) -> list[int] | None: ...

    def papers_with_title_key(self, key: str) -> list[int]: ...

    def researcher_names(self) -> list[tuple[int, str]]: ...

    def researcher_rows(self, researcher_ids: Sequence[int]) -> dict[int, tuple[str, str, int]]: ...

    def provider_h_index(self, researcher_ids: Sequence[int]) -> dict[int, ProviderHIndex]: ...

    def paper_rows(self, paper_ids: Sequence[int]) -> dict[int, SearchPaper]: ...


class Feed(Protocol):
    """What the web app lists: feed pages, categories, co-authors, rising researchers."""

    def newest_date(self) -> str | None: ...

    def page(self, sort: str, where: FeedFilter, limit: int, offset: int) -> tuple[list[int], int]:
        """Paper ids of one feed page, and how many papers match in all."""
        ...

    def categories(self, limit: int) -> list[str]: ...

    def titles(self, paper_ids: list[int]) -> list[tuple[int, str, str, str | None]]: ...

    def authors_as_researchers(self, paper_id: int) -> dict[str, int]: ...

    def authors_as_researchers_of(self, paper_ids: Sequence[int]) -> dict[int, dict[str, int]]: ...

    def coauthors(self, researcher_id: int, limit: int = 10) -> list[Coauthor]: ...

    def rising(self, since: str, limit: int = 10, min_recent: int = 2) -> list[RisingResearcher]: ...


class Artifacts(Protocol):
    """Which generation of each artifact (the nearest-neighbour index) is published."""

    def current(self, name: str) -> int | None: ...

    def publish(self, name: str, generation: int) -> None: ...


class Locks(Protocol):
    """Locks of the stages that must not run twice at once."""

    def holder(self, stage: str) -> LockHolder | None: ...

    def hold(self, stage: str, command: str) -> AbstractContextManager[None]: ...


class Papers(Protocol):
    """Ingest runs, writing batches of records, and reading papers back."""

    def begin_run(self, source: str, command: str) -> int: ...

    def finish_run(self, run_id: int, stored: int, rejected: int, status: str = "done") -> None: ...

    def write_batch(
        self,
        run_id: int,
        papers: list[PaperRecord | PaperRows],
        rejects: list[Rejected] = ...,
        pages: list[ResearcherPage] = ...,
        cursor: tuple[str, str, str] | None = None,
    ) -> None: ...

    def write_enrichment(
        self, run_id: int, works: list[WorkRecord], profiles: list[AuthorProfile], rejects: list[Rejected]
    ) -> int: ...

    def papers_to_enrich(self, source: str, limit: int) -> list[tuple[int, str | None, list[str]]]: ...

    def page_only_papers(self) -> list[int]: ...

    def absorb_paper(self, survivor: int, other: int) -> None: ...

    def harvest_cursor(self, source: str, scope: str) -> str | None: ...

    def find_paper(self, identifier: str) -> int | None: ...

    def paper(self, paper_id: int) -> Paper:
        """Everything stored about one paper; KeyError if there is none."""
        ...

    def newest_papers(self, limit: int = 10, category: str | None = None) -> list[Paper]: ...

    def stats(self) -> StoreStats: ...

    def rejects(self, limit: int = 1000, source: str | None = None) -> list[StoredReject]: ...

    def researcher_pages(self) -> list[StoredResearcherPage]: ...

    def table_rows(self, table: str, order_by: str) -> Iterable[tuple[Any, ...]]: ...


class Works(Protocol):
    """Which papers are versions of one work (paperscope/works.py groups them)."""

    def sharing_titles(self) -> list[list[WorkVersion]]: ...

    def by_key(self, keys: Sequence[str]) -> dict[str, WorkVersion]: ...

    def replace(self, members: Iterable[WorkMember]) -> tuple[int, int]: ...

    def work_ids(self, paper_ids: Sequence[int]) -> dict[int, int]: ...

    def versions(self, work_id: int) -> list[tuple[int, str]]: ...

    def fingerprint(self) -> int: ...

    def counts(self) -> tuple[int, int]: ...

    def add_override(self, action: str, payload: dict[str, Any]) -> int: ...

    def overrides(self) -> list[tuple[int, str, dict[str, Any]]]: ...


class StoreInterface(Papers, Protocol):
    """One paperscope database, whichever engine holds it: its parts and its own methods."""

    @property
    def researchers(self) -> Researchers: ...

    @property
    def scores(self) -> Scores: ...

    @property
    def search(self) -> Search: ...

    @property
    def feed(self) -> Feed: ...

    @property
    def artifacts(self) -> Artifacts: ...

    @property
    def locks(self) -> Locks: ...

    @property
    def works(self) -> Works: ...

    @property
    def backend(self) -> str: ...

    @property
    def location(self) -> str: ...

    @property
    def read_only(self) -> bool: ...

    @property
    def url(self) -> str:
        """What reopens the same database from another process."""
        ...

    @property
    def thread_safe(self) -> bool: ...

    @property
    def migrations_applied(self) -> list[Migration]: ...

    @property
    def identity(self) -> str: ...

    def schema_version(self) -> int: ...

    def artifact_root(self) -> Path | None: ...

    def data_version(self) -> int: ...

    def set_read_cache(self, kib: int) -> None: ...

    def transaction(self) -> AbstractContextManager[Database]: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...


if TYPE_CHECKING:
    from paperscope.store.store import Store

    # What makes mypy prove that the store and each of its parts implement the interface.
    def _conforms(store: Store) -> StoreInterface:
        return store

    def _parts_conform(store: Store) -> tuple[Researchers, Scores, Search, Feed, Artifacts, Locks, Works]:
        return store.researchers, store.scores, store.search, store.feed, store.artifacts, store.locks, store.works
