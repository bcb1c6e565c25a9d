"""The store: the only code in paperscope that speaks SQL, on either backend.

:class:`Store` is one paperscope database, whatever engine holds it (a
:class:`~paperscope.store.db.Database`: SQLite or PostgreSQL). Its parts — papers,
researchers, scores, search, feed, artifacts, locks — are written once against that
interface; ``open_store`` (``store/__init__.py``) picks the engine from the URL.

Writes come in batches, each one transaction, so a process killed at any moment leaves
the database as it was after the last whole batch; ingest is idempotent, so re-running
the same input completes the work.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from paperscope.errors import StoreError
from paperscope.ids import (
    InvalidIdentifier,
    arxiv_id_from_doi,
    is_lookup_text,
    is_row_id,
    normalize_doi,
    parse_arxiv_id,
)
from paperscope.models import AuthorProfile, PaperRecord, Rejected, ResearcherPage, WorkRecord
from paperscope.store.db import Database
from paperscope.store.enrichment import EnrichmentWriter
from paperscope.store.errors import is_engine_error, store_error
from paperscope.store.feed import FeedStore
from paperscope.store.migrations import Migration, apply_migrations, missing_migrations
from paperscope.store.operations import ArtifactStore, StageLocks
from paperscope.store.papers import PaperWriter
from paperscope.store.records import (
    Paper,
    PaperAuthor,
    SourceStats,
    StoredReject,
    StoredResearcherPage,
    StoreStats,
)
from paperscope.store.researchers import ResearcherStore
from paperscope.store.rows import PaperRows, claim_rows
from paperscope.store.scores import ScoreStore
from paperscope.store.search import SearchStore
from paperscope.store.works import WorkStore

__all__ = ["Store"]


def _write_rejects(db: Database, run_id: int, rejects: list[Rejected]) -> None:
    """Rejects are kept once per (source, file, position, reason): re-runs add none."""
    db.executemany(
        "INSERT INTO rejects (run_id, source, file, position, reason, excerpt)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [(run_id, r.source, r.origin.file, r.origin.position, r.reason, r.excerpt[:500])
         for r in rejects],
    )


def _check_schema(db: Database) -> None:
    """A read-only store opens only a database this version of paperscope can read."""
    missing = missing_migrations(db)
    if missing is None:
        raise StoreError("not a paperscope database (no schema_migrations table)", db.location)
    if missing:
        raise StoreError(
            f"the database lacks schema migration(s) {', '.join(map(str, missing))}:"
            " run `paperscope migrate` (or any writing command) first", db.location,
        )


_PAPER_COLUMNS = ("id", "key", "title", "abstract", "primary_category", "categories", "category_code",
                  "first_date", "latest_date", "year", "comments", "journal_ref", "license", "venue")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Store:
    """A paperscope database (SQLite file or PostgreSQL database)."""

    def __init__(self, db: Any) -> None:
        self.db: Any = db  # a Database, with the engine's extras (data_version, artifact_root)
        self.backend: str = db.dialect
        self.location: str = db.location
        self.read_only: bool = db.read_only
        # What reopens the same database (another process's store): a path or a full URL.
        self.url: str = getattr(db, "url", db.location)
        # Whether one store may serve every thread (a pooled PostgreSQL store).
        self.thread_safe: bool = bool(getattr(db, "pooled", False))
        try:
            if self.read_only:
                _check_schema(db)
                self.migrations_applied: list[Migration] = []
            else:
                self.migrations_applied = apply_migrations(db)
            db.prepare()
        except BaseException as exc:
            db.close()
            if is_engine_error(exc):
                raise store_error(exc, self.location) from exc
            raise
        self._papers = PaperWriter(db)
        self._enrichment = EnrichmentWriter(db)
        self.researchers = ResearcherStore(db)
        self.scores = ScoreStore(db)
        self.feed = FeedStore(db)
        self.search = SearchStore(db)
        self.artifacts = ArtifactStore(db)
        self.locks = StageLocks(db)
        self.works = WorkStore(db)

    @property
    def identity(self) -> str:
        """Names this database among all a process may open (what in-memory caches key on)."""
        if self.location in ("", ":memory:"):
            return f"memory:{id(self)}"
        return self.location

    def schema_version(self) -> int:
        """The newest schema migration recorded in the database."""
        return int(self.db.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0])

    def artifact_root(self) -> Path | None:
        """The folder where this database's artifacts (the ANN index) live; None for an
        in-memory database, which keeps none."""
        root: Path | None = self.db.artifact_root()
        return root

    def data_version(self) -> int:
        """A number that changes whenever another connection (any process) commits a write:
        what kept views are checked against."""
        return int(self.db.data_version())

    def set_read_cache(self, kib: int) -> None:
        """Give this connection a page cache of ``kib`` KiB where the engine keeps one per
        connection (SQLite); the PostgreSQL server sizes its own."""
        self.db.set_cache_kib(kib)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def transaction(self) -> AbstractContextManager[Database]:
        """One write transaction; everything in it lands or nothing does."""
        cm: AbstractContextManager[Database] = self.db.transaction()
        return cm

    # --- ingest runs ------------------------------------------------------------------
    def begin_run(self, source: str, command: str) -> int:
        with self.transaction() as c:
            row = c.execute(
                "INSERT INTO ingest_runs (source, command, started_at) VALUES (?, ?, ?) RETURNING id",
                (source, command, _now()),
            ).fetchone()
        return int(row[0])

    def finish_run(self, run_id: int, stored: int, rejected: int, status: str = "done") -> None:
        with self.transaction() as c:
            c.execute(
                "UPDATE ingest_runs SET finished_at = ?, status = ?, stored = ?, rejected = ? "
                "WHERE id = ?",
                (_now(), status, stored, rejected, run_id),
            )

    # --- writes -----------------------------------------------------------------------
    def write_batch(
        self,
        run_id: int,
        papers: list[PaperRecord | PaperRows],
        rejects: list[Rejected] = (),  # type: ignore[assignment]
        pages: list[ResearcherPage] = (),  # type: ignore[assignment]
        cursor: tuple[str, str, str] | None = None,
    ) -> None:
        """Store a batch of records, its rejects, and optionally advance a harvest cursor."""
        with self.transaction() as c:
            if papers:
                self._papers.write(run_id, papers)
            for page in pages:
                self._write_page(c, run_id, page)
            if rejects:
                _write_rejects(c, run_id, rejects)
            if cursor is not None:
                source, scope, value = cursor
                c.execute(
                    "INSERT INTO harvest_state (source, scope, cursor, updated) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (source, scope) DO UPDATE SET cursor = excluded.cursor,"
                    " updated = excluded.updated WHERE excluded.cursor > harvest_state.cursor",
                    (source, scope, value, _now()),
                )

    def write_enrichment(
        self,
        run_id: int,
        works: list[WorkRecord],
        profiles: list[AuthorProfile],
        rejects: list[Rejected],
    ) -> int:
        """Store one batch of provider works, author profiles and rejects; return how many
        works matched no stored paper."""
        with self.transaction() as c:
            unmatched = self._enrichment.write_works(run_id, works)
            self._enrichment.write_profiles(run_id, profiles)
            _write_rejects(c, run_id, rejects)
        return len(unmatched)

    def page_only_papers(self) -> list[int]:
        """Papers known only from a researcher page (a ``title:`` key: no arXiv id, DOI or
        venue id), by id."""
        return [pid for (pid,) in self.db.execute("SELECT id FROM papers WHERE key LIKE 'title:%' ORDER BY id")]

    def absorb_paper(self, survivor: int, other: int) -> None:
        """Merge paper ``other`` into ``survivor`` (one transaction): its identifiers, page
        entries, claims, counts and provenance move over; ``survivor``'s own record stands.
        Nothing happens if either is gone or they are the same paper."""
        with self.transaction() as c:
            found = {pid for (pid,) in c.execute("SELECT id FROM papers WHERE id IN (?, ?)", (survivor, other))}
            if survivor != other and found == {survivor, other}:
                self._papers.absorb(survivor, other)

    def papers_to_enrich(self, source: str, limit: int) -> list[tuple[int, str | None, list[str]]]:
        """Stored papers a provider has not enriched yet: (id, arXiv id, DOIs), newest first."""
        return self._enrichment.targets(source, limit)

    def _write_page(self, c: Database, run_id: int, page: ResearcherPage) -> None:
        c.execute(
            "INSERT INTO researcher_pages (page, source, name, name_inferred, as_of, run_id)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (page) DO UPDATE SET name = excluded.name,"
            " name_inferred = excluded.name_inferred, as_of = excluded.as_of, run_id = excluded.run_id",
            (page.page, page.source, page.name, int(page.name_inferred), page.as_of, run_id),
        )
        c.execute("DELETE FROM researcher_page_papers WHERE page = ?", (page.page,))
        for position, key in enumerate(page.paper_keys):
            paper_id = self._papers.find_by_key(key)
            if paper_id is not None:
                c.execute(
                    "INSERT INTO researcher_page_papers (page, position, paper_id)"
                    " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    (page.page, position, paper_id),
                )
        self._papers.write_claims(run_id, f"researcher:{page.page}", claim_rows(page.claims))

    # --- reads ------------------------------------------------------------------------
    def harvest_cursor(self, source: str, scope: str) -> str | None:
        row = self.db.execute(
            "SELECT cursor FROM harvest_state WHERE source = ? AND scope = ?", (source, scope)
        ).fetchone()
        return row[0] if row else None

    def find_paper(self, identifier: str) -> int | None:
        """The paper id for any identifier a user may type: arXiv id (any spelling), DOI, key."""
        s = identifier.strip()
        if not is_lookup_text(s):
            return None
        candidates: list[tuple[str, str]] = []
        with suppress(InvalidIdentifier):
            candidates.append(("arxiv", parse_arxiv_id(s).id))
        try:
            doi = normalize_doi(s)
            candidates.append(("doi", doi))
            from_doi = arxiv_id_from_doi(doi)
            if from_doi:
                candidates.append(("arxiv", from_doi.id))
        except InvalidIdentifier:
            pass
        scheme, sep, value = s.partition(":")
        if sep:
            candidates.append((scheme.lower(), value))
        for scheme, value in candidates:
            row = self.db.execute(
                "SELECT paper_id FROM paper_ids WHERE scheme = ? AND value = ?", (scheme, value)
            ).fetchone()
            if row:
                return int(row[0])
        if is_row_id(s):
            row = self.db.execute("SELECT id FROM papers WHERE id = ?", (int(s),)).fetchone()
            if row:
                return int(row[0])
        return self._papers.find_by_key(s)

    def paper(self, paper_id: int) -> Paper:
        """Everything stored about one paper, as plain data (the JSON contract)."""
        c = self.db
        row = c.execute(f"SELECT {', '.join(_PAPER_COLUMNS)} FROM papers WHERE id = ?", (paper_id,)).fetchone()
        if row is None:
            raise KeyError(paper_id)
        p = dict(zip(_PAPER_COLUMNS, row, strict=True))
        ids: dict[str, list[str]] = {}
        for scheme, value in c.execute(
            "SELECT scheme, value FROM paper_ids WHERE paper_id = ? ORDER BY scheme, value", (paper_id,)
        ):
            ids.setdefault(scheme, []).append(value)
        # The listed authors in order, then those hidden behind "et al." (position null).
        authors: list[PaperAuthor] = [
            {
                "name": raw,
                "given": given,
                "family": family,
                "suffix": suffix,
                "affiliations": orjson.loads(affs),
                "position": position,
            }
            for raw, given, family, suffix, affs, position in c.execute(
                "SELECT raw_name, given, family, suffix, affiliations, position FROM authorships"
                " WHERE paper_id = ? ORDER BY position",
                (paper_id,),
            ).fetchall()
            + c.execute(
                "SELECT raw_name, given, family, suffix, affiliations, NULL FROM hidden_authorships"
                " WHERE paper_id = ? ORDER BY id",
                (paper_id,),
            ).fetchall()
        ]
        return {
            "id": p["id"],
            "key": p["key"],
            "arxiv_id": ids["arxiv"][0] if ids.get("arxiv") else None,
            "dois": ids.get("doi", []),
            "identifiers": ids,
            "title": p["title"],
            "abstract": p["abstract"],
            "authors": authors,
            "categories": orjson.loads(p["categories"]),
            "primary_category": p["primary_category"],
            "category_code": p["category_code"],
            "first_date": p["first_date"],
            "latest_date": p["latest_date"],
            "year": p["year"],
            "versions": [
                {"version": v, "submitted": d, "size": s}
                for v, d, s in c.execute(
                    "SELECT version, submitted, size FROM versions WHERE paper_id = ? ORDER BY version",
                    (paper_id,),
                )
            ],
            "comments": p["comments"],
            "journal_ref": p["journal_ref"],
            "license": p["license"],
            "venue": p["venue"],
            "code_urls": [u for (u,) in c.execute(
                "SELECT url FROM code_links WHERE paper_id = ? ORDER BY position, url", (paper_id,))],
            "citations": [
                {"count": n, "source": s, "as_of": d}
                for n, s, d in c.execute(
                    "SELECT count, source, as_of FROM citation_counts WHERE paper_id = ?"
                    " ORDER BY as_of DESC, source",
                    (paper_id,),
                )
            ],
            "claims": [
                {"field": f, "value": v, "source": s, "as_of": d}
                for f, v, s, d in c.execute(
                    "SELECT field, value, source, as_of FROM claims WHERE subject = ? ORDER BY id",
                    (f"paper:{paper_id}",),
                )
            ],
            "scores": self.scores.scores([paper_id]).get(paper_id, {}),
            "provenance": [
                {"source": s, "record_id": r, "origin": o, "run_id": run}
                for s, r, o, run in c.execute(
                    "SELECT source, record_id, origin, run_id FROM provenance WHERE paper_id = ?"
                    " ORDER BY source, record_id",
                    (paper_id,),
                )
            ],
        }

    def newest_papers(self, limit: int = 10, category: str | None = None) -> list[Paper]:
        """The most recent papers (by latest version date, then first date)."""
        sql = "SELECT id FROM papers"
        args: list[Any] = []
        if category:
            sql += " WHERE primary_category = ?"
            args.append(category)
        sql += " ORDER BY sort_date DESC NULLS LAST, id DESC LIMIT ?"
        args.append(limit)
        return [self.paper(pid) for (pid,) in self.db.execute(sql, args)]

    def stats(self) -> StoreStats:
        """Counts of what the store holds, by source."""
        c = self.db

        def one(sql: str) -> int:
            return int(c.execute(sql).fetchone()[0])

        sources: dict[str, SourceStats] = {}
        for source, n in c.execute("SELECT source, count(DISTINCT paper_id) FROM provenance GROUP BY source"):
            sources.setdefault(source, {})["papers"] = n
        for source, n in c.execute("SELECT source, count(*) FROM rejects GROUP BY source"):
            sources.setdefault(source, {})["rejected"] = n
        for source, n in c.execute("SELECT source, count(*) FROM ingest_runs GROUP BY source"):
            sources.setdefault(source, {})["runs"] = n
        return {
            "papers": one("SELECT count(*) FROM papers"),
            "authorships": one("SELECT count(*) FROM authorships")
            + one("SELECT count(*) FROM hidden_authorships"),
            "rejected": one("SELECT count(*) FROM rejects"),
            "identifiers": dict(c.execute("SELECT scheme, count(*) FROM paper_ids GROUP BY scheme ORDER BY scheme")),
            "citation_observations": one("SELECT count(*) FROM citation_counts"),
            "code_links": one("SELECT count(*) FROM code_links"),
            "researcher_pages": one("SELECT count(*) FROM researcher_pages"),
            "runs": dict(c.execute("SELECT status, count(*) FROM ingest_runs GROUP BY status ORDER BY status")),
            "sources": sources,
        }

    def rejects(self, limit: int = 1000, source: str | None = None) -> list[StoredReject]:
        sql = "SELECT run_id, source, file, position, reason, excerpt FROM rejects"
        args: list[Any] = []
        if source:
            sql += " WHERE source = ?"
            args.append(source)
        sql += " ORDER BY id LIMIT ?"
        args.append(limit)
        return [
            {"run_id": run, "source": src, "file": file, "position": position, "reason": reason, "excerpt": excerpt}
            for run, src, file, position, reason, excerpt in self.db.execute(sql, args)
        ]

    def researcher_pages(self) -> list[StoredResearcherPage]:
        """The researcher pages read so far, with the figures they claim and their papers."""
        rows = self.db.execute(
            "SELECT page, source, name, name_inferred, as_of FROM researcher_pages ORDER BY page"
        ).fetchall()
        out: list[StoredResearcherPage] = []
        for page, source, name, inferred, as_of in rows:
            claims = dict(self.db.execute(
                "SELECT field, value FROM claims WHERE subject = ? ORDER BY id", (f"researcher:{page}",)
            ).fetchall())
            papers = [key for (key,) in self.db.execute(
                "SELECT p.key FROM researcher_page_papers r JOIN papers p ON p.id = r.paper_id"
                " WHERE r.page = ? ORDER BY r.position", (page,))]
            out.append({"page": page, "source": source, "name": name, "name_inferred": bool(inferred),
                        "as_of": as_of, "claims": claims, "papers": papers})
        return out

    def table_rows(self, table: str, order_by: str) -> Iterable[tuple[Any, ...]]:
        """All rows of one table in a fixed order: for comparing two databases' contents."""
        if not table.isidentifier() or not all(p.strip().isidentifier() for p in order_by.split(",")):
            raise ValueError(f"bad table or column name: {table!r} {order_by!r}")
        columns = ", ".join(self.db.table_columns(table))
        return self.db.execute(f"SELECT {columns} FROM {table} ORDER BY {order_by}")
