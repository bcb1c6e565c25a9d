"""The enrich stage: what OpenAlex and Semantic Scholar say about stored papers.

Works from a provider (read from files, or fetched live for the stored papers that have
no observation from it yet) enrich the paper they match: citation counts as dated
observations, counts by year, the provider's authorships (author ids, ORCIDs,
institutions), references, topics. A work that matches no stored paper is counted and
skipped: enrichment never invents papers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

from paperscope.engine import Engine
from paperscope.models import AuthorProfile, EnrichmentRecord, Rejected, WorkRecord
from paperscope.pipeline.ingest import marked_run
from paperscope.sources.jsonlines import SourceError
from paperscope.store import Store

__all__ = ["EnrichSummary", "enrich", "read_files"]

BATCH_SIZE = 500


@dataclass(slots=True)
class EnrichSummary:
    run_id: int
    source: str
    enriched: int = 0
    unmatched: int = 0
    profiles: int = 0
    rejected: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures

    def line(self) -> str:
        text = (
            f"{self.source}: enriched {self.enriched:,} papers, {self.unmatched:,} works matched"
            f" no stored paper, {self.profiles:,} author profiles, rejected {self.rejected:,}"
            f" (run {self.run_id}, {self.seconds:.1f} s)"
        )
        if self.failures:
            text += f"; stopped: {self.failures[0]}"
        return text


def enrich(
    store: Store,
    source: str,
    records: Iterable[EnrichmentRecord],
    command: str,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> EnrichSummary:
    """Store every work and profile of one provider; one transaction per batch."""
    started = time.perf_counter()
    summary = EnrichSummary(store.begin_run(source, command), source)
    works: list[WorkRecord] = []
    profiles: list[AuthorProfile] = []
    rejects: list[Rejected] = []

    def flush() -> None:
        unmatched = store.write_enrichment(summary.run_id, works, profiles, rejects)
        summary.enriched += len(works) - unmatched
        summary.unmatched += unmatched
        summary.profiles += len(profiles)
        summary.rejected += len(rejects)
        if on_progress:
            on_progress(len(works) + len(profiles) + len(rejects))
        works.clear()
        profiles.clear()
        rejects.clear()

    with marked_run(store, summary.run_id, lambda: (summary.enriched, summary.rejected, summary.ok)):
        try:
            for record in records:
                if isinstance(record, WorkRecord):
                    works.append(record)
                elif isinstance(record, AuthorProfile):
                    profiles.append(record)
                else:
                    rejects.append(record)
                if len(works) + len(profiles) + len(rejects) >= BATCH_SIZE:
                    flush()
        except SourceError as e:
            summary.failures.append(str(e))
        flush()
        summary.seconds = time.perf_counter() - started
    return summary


# --- provider files read on an engine's workers ------------------------------------------------

# The reader of each provider's files, by the module that holds it.
READERS = {"openalex": "paperscope.sources.openalex", "semantic-scholar": "paperscope.sources.semantic_scholar"}


def read_files(source: str, paths: Iterable[str], engine: Engine | None = None) -> Iterator[EnrichmentRecord]:
    """Every record of the provider's files, in order: each file read by one of the engine's
    workers where it shares the work (a provider's snapshot comes as many files), else here.
    A file that cannot be read on ends the records with its SourceError, after what was
    read of it, as in this process."""
    paths = list(paths)
    if engine is None or not engine.shares(len(paths) > 1):
        read = import_module(READERS[source]).read
        for path in paths:
            yield from read(Path(path))
        return
    for records, failure in engine.map(read_file, ((source, path) for path in paths)):
        yield from records
        if failure:
            raise SourceError(failure)


def read_file(part: tuple[str, str]) -> tuple[list[EnrichmentRecord], str | None]:
    """One provider file's records, on a worker, and the error that stopped it if one did."""
    source, path = part
    records: list[EnrichmentRecord] = []
    try:
        records.extend(import_module(READERS[source]).read(Path(path)))
    except SourceError as e:
        return records, str(e)
    return records, None
