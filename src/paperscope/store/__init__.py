"""The store: the only code that talks SQL, on SQLite (a laptop) or PostgreSQL (a service).

``open_store(url)`` is the way in: a path or ``sqlite:///path`` opens a SQLite file, a
``postgresql://user@host/db`` URL a PostgreSQL database. Everything else in paperscope
sees a :class:`Store` (its parts' methods are declared as Protocols in
``store/interface.py``, what its reads return as TypedDicts in ``store/records.py``) and
never knows which engine is behind it.
"""

from __future__ import annotations

import os
from pathlib import Path

from paperscope.errors import StoreError
from paperscope.store.errors import is_store_failure, store_error
from paperscope.store.interface import (
    Artifacts,
    Feed,
    Locks,
    Papers,
    Researchers,
    Scores,
    Search,
    StoreInterface,
    Works,
)
from paperscope.store.records import (
    CitationObservation,
    ClaimedValue,
    Coauthor,
    HiddenAuthor,
    ListedAuthor,
    Paper,
    PaperAuthor,
    PaperClaim,
    PaperVersion,
    ProfilePaper,
    ProvenanceEntry,
    ProviderHIndex,
    ProviderProfile,
    Researcher,
    ResearcherSummary,
    ResolvedMention,
    RisingResearcher,
    Score,
    ScoreValue,
    SearchPaper,
    SearchScore,
    SourceStats,
    StoredReject,
    StoredResearcherPage,
    StoreStats,
)
from paperscope.store.store import Store

# The store and how to open one; its Protocols (store/interface.py: Papers, Researchers,
# Scores, Search, Feed, Artifacts, Locks, Works, StoreInterface); what its reads return
# (store/records.py: TypedDicts).
__all__ = [
    "Artifacts", "CitationObservation", "ClaimedValue", "Coauthor", "Feed", "HiddenAuthor", "ListedAuthor",
    "Locks", "Paper", "PaperAuthor", "PaperClaim", "PaperVersion", "Papers", "ProfilePaper", "ProvenanceEntry",
    "ProviderHIndex", "ProviderProfile", "Researcher", "ResearcherSummary", "Researchers", "ResolvedMention",
    "RisingResearcher",
    "Score", "ScoreValue", "Scores", "Search", "SearchPaper", "SearchScore", "SourceStats", "Store", "StoreError",
    "StoreInterface", "StoreStats", "StoredReject", "StoredResearcherPage", "Works", "default_db_path",
    "is_postgres_url", "is_store_failure", "open_store", "store_error",
]


def default_db_path() -> str:
    """``$PAPERSCOPE_DB`` if set, else ``./paperscope.db``."""
    return os.environ.get("PAPERSCOPE_DB") or "paperscope.db"


def is_postgres_url(location: str | Path) -> bool:
    return str(location).startswith(("postgres://", "postgresql://"))


def open_store(location: str | Path, *, read_only: bool = False, pool: int = 0) -> Store:
    """Open the database at a path or URL.

    Writable (the default), it is created and migrated if needed (a SQLite file with the
    folders above it; a PostgreSQL database must exist, and its tables are created).
    Read-only, nothing is created, migrated or refreshed: a missing database, or one this
    version cannot read without migrating it, is a StoreError naming where it is.
    ``pool``: on PostgreSQL, serve every thread from a pool of up to this many connections
    (the web app); SQLite ignores it.
    """
    text = str(location)
    if is_postgres_url(text):
        from paperscope.store.postgres import PostgresDatabase, check_url

        check_url(text)
        return Store(PostgresDatabase(text, read_only=read_only, pool_size=pool))
    from paperscope.store.sqlite import SqliteDatabase

    if text.startswith("sqlite:///"):
        text = text.removeprefix("sqlite:///")
    return Store(SqliteDatabase(text, read_only=read_only))
