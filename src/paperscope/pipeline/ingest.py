"""The ingest stage: records from any source → batches → the store.

A run is recorded in the store; every batch is one transaction, so a killed ingest
leaves a consistent database and re-running it completes the work (writes are
idempotent). Bad records are rejected with file, position and reason; every good record
of the same input is stored.
"""

from __future__ import annotations

import gc
import marshal
import os
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

from paperscope.engine import Engine
from paperscope.models import Origin, PaperRecord, Record, Rejected, ResearcherPage
from paperscope.pipeline.read_ahead import can_read_ahead, read_ahead
from paperscope.sources.jsonlines import InvalidRecord, SourceError, id_and_title, json_object, read_lines
from paperscope.store import Store
from paperscope.store.rows import PaperRows, paper_rows

__all__ = ["IngestSummary", "ingest", "ingest_files", "marked_run"]

BATCH_SIZE = 2000


@dataclass(slots=True)
class IngestSummary:
    """What one ingest run did."""

    run_id: int
    source: str
    stored: int = 0
    rejected: int = 0
    pages: int = 0
    failed_inputs: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed_inputs

    def line(self) -> str:
        """The one-line summary a command ends with."""
        rate = self.stored / self.seconds if self.seconds > 0 else 0.0
        text = (
            f"{self.source}: stored {self.stored:,} records, rejected {self.rejected:,}"
            f" (run {self.run_id}, {self.seconds:.1f} s, {rate:,.0f} records/s)"
        )
        if self.pages:
            text += f", {self.pages} researcher pages"
        if self.failed_inputs:
            text += f"; could not read {len(self.failed_inputs)} input(s)"
        return text


Progress = Callable[[int], None]


def ingest(
    store: Store,
    source: str,
    records: Iterable[Record | PaperRows],
    command: str,
    *,
    cursor_scope: str | None = None,
    batch_size: int = BATCH_SIZE,
    on_progress: Progress | None = None,
    summary: IngestSummary | None = None,
) -> IngestSummary:
    """Store every record of one source; with `cursor_scope`, remember the newest datestamp.

    The harvest cursor is written with the last batch only, so an interrupted harvest
    restarts from the previous cursor rather than skipping what it never saw.
    """
    if summary is None:
        summary = IngestSummary(store.begin_run(source, command), source)
        with _run_marked(store, summary):
            return ingest(store, source, records, command, cursor_scope=cursor_scope,
                          batch_size=batch_size, on_progress=on_progress, summary=summary)
    started = time.perf_counter()
    papers: list[PaperRecord | PaperRows] = []
    rejects: list[Rejected] = []
    pages: list[ResearcherPage] = []  # written last: they refer to papers by key
    newest: str | None = None
    with _collector_paused():
        try:
            for record in records:
                if isinstance(record, PaperRecord):
                    papers.append(record)
                    if record.datestamp and (newest is None or record.datestamp > newest):
                        newest = record.datestamp
                elif isinstance(record, PaperRows):  # a paper record read ahead
                    papers.append(record)
                elif isinstance(record, Rejected):
                    rejects.append(record)
                else:
                    pages.append(record)
                if len(papers) + len(rejects) >= batch_size:
                    _flush(store, summary, papers, rejects, on_progress)
        except SourceError as e:
            summary.failed_inputs.append(str(e))
        cursor = (source, cursor_scope, newest) if cursor_scope and newest and summary.ok else None
        _flush(store, summary, papers, rejects, on_progress, pages, cursor)
    summary.seconds += time.perf_counter() - started
    return summary


def _flush(
    store: Store,
    summary: IngestSummary,
    papers: list[PaperRecord | PaperRows],
    rejects: list[Rejected],
    on_progress: Progress | None,
    pages: list[ResearcherPage] = (),  # type: ignore[assignment]
    cursor: tuple[str, str, str] | None = None,
) -> None:
    store.write_batch(summary.run_id, papers, rejects, pages, cursor)
    n = len(papers) + len(rejects)
    summary.stored += len(papers)
    summary.rejected += len(rejects)
    summary.pages += len(pages)
    papers.clear()
    rejects.clear()
    if on_progress and n:
        on_progress(n)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector, run rarely while the block runs.

    Records hold no reference cycles: reference counting frees each batch once it is
    stored. The collector, run as usual (every 700 new objects), would walk the live
    records of the batch being filled again and again: a tenth of a bulk ingest's time.
    Run every 200,000 new objects instead, it costs nothing and still frees any cycle a
    source might make.
    """
    thresholds = gc.get_threshold()
    gc.set_threshold(200_000, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def ingest_files(
    store: Store,
    source: str,
    reader: Callable[[str], Iterator[Record]],
    paths: Iterable[str],
    command: str,
    *,
    on_progress: Progress | None = None,
    on_file: Callable[[str], None] | None = None,
    read_in_child: bool | None = None,
    engine: Engine | None = None,
) -> IngestSummary:
    """Ingest several files of one source as one run; unreadable files are reported, not fatal.

    A file is unreadable when it cannot be opened or parsed at all, and also when not one
    record could be read from it (empty, or every record rejected: a binary file given
    as JSON lines): its rejects are stored all the same. With ``read_in_child`` (by
    default, where there is a second core) each file is read in a child process while
    this one writes: see pipeline/read_ahead.py. With an ``engine`` that shares the work,
    a JSON-lines file's lines are parsed into rows on its workers, a partition of
    ``BATCH_SIZE`` lines each, and written here in the file's order.
    """
    if read_in_child is None:
        read_in_child = can_read_ahead()
    summary = IngestSummary(store.begin_run(source, command), source)
    with _run_marked(store, summary):
        for path in paths:
            if on_file:
                on_file(path)
            stored, pages, rejected = summary.stored, summary.pages, summary.rejected
            failed = len(summary.failed_inputs)
            records: Iterator[Record | PaperRows]
            try:
                if engine is not None and source in JSON_LINES and engine.shares(_big(path)):
                    records = _parsed_by(engine, source, path)
                else:
                    records = read_ahead(reader, path, BATCH_SIZE) if read_in_child else reader(path)
            except SourceError as e:
                summary.failed_inputs.append(str(e))
                continue
            ingest(store, source, records, command, on_progress=on_progress, summary=summary)
            if (summary.stored, summary.pages, len(summary.failed_inputs)) == (stored, pages, failed):
                seen = summary.rejected - rejected
                summary.failed_inputs.append(
                    f"{path}: could not read input: no {source} records in it"
                    + (f" ({seen:,} rejected: `paperscope rejects --source {source}` says why)" if seen else "")
                )
    return summary


# --- JSON lines parsed on an engine's workers ----------------------------------------------

# Sources read as JSON lines, by the module whose parse_record reads one line's object.
JSON_LINES = {
    "arxiv-snapshot": "paperscope.sources.arxiv_snapshot",
    "arxiv-listing": "paperscope.sources.arxiv_listings",
    "conference": "paperscope.sources.conferences",
}
# Files smaller than this are parsed here: a local pool would cost more than it saves.
_SHARE_FROM_BYTES = 32 << 20
# A partition of a plain file: about this many bytes of whole lines (~2,500 snapshot records).
_SPAN_BYTES = 4 << 20


@dataclass(slots=True)
class LinesPartition:
    """Consecutive lines of a JSON-lines file for a worker to parse: the lines themselves
    (a .gz file, decompressed here), or where they lie in a plain file, which the worker
    reads itself (so the input does not travel through the scheduler)."""

    source: str
    path: str
    first_line: int
    lines: list[bytes] | None = None
    span: tuple[int, int] | None = None  # (offset, length) in bytes
    read_from: str = ""  # the file's absolute path, for a worker that reads the span


@dataclass(slots=True)
class ParsedPartition:
    """A partition's paper rows (marshalled: plain tuples travel ~3× faster so than
    pickled, as in pipeline/read_ahead.py) and its rejects."""

    rows: bytes
    rejects: list[Rejected]


def parse_partition(part: LinesPartition) -> ParsedPartition:
    """The partition's lines as rows and rejects (each naming its line), on a worker: what
    the source's reader gives for those lines, line for line."""
    module = import_module(JSON_LINES[part.source])
    excerpt = getattr(module, "reject_excerpt", id_and_title)
    lines = part.lines if part.lines is not None else _read_span(part.read_from, *part.span)  # type: ignore[misc]
    rows: list[tuple[object, ...]] = []
    rejects: list[Rejected] = []
    for lineno, line in enumerate(lines, start=part.first_line):
        item = json_object(line, Origin(part.path, f"line {lineno}"), part.source)
        if item is None or type(item) is Rejected:
            if item is not None:
                rejects.append(item)
            continue
        origin, obj = item  # type: ignore[misc]
        try:
            rows.append(tuple(paper_rows(module.parse_record(obj, origin))))
        except InvalidRecord as e:
            rejects.append(Rejected(part.source, origin, str(e), excerpt(obj)))
    return ParsedPartition(marshal.dumps(rows, 2), rejects)


def _read_span(path: str, offset: int, length: int) -> list[bytes]:
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read(length)
    if offset == 0 and data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = data.split(b"\n")
    return lines[:-1] if lines and not lines[-1] else lines


def _partitions(source: str, path: str) -> Iterator[LinesPartition]:
    """The file in partitions: spans of a plain file, lines of a compressed one."""
    with open(path, "rb") as f:
        compressed = f.read(2) == b"\x1f\x8b"
    if compressed:
        for first, lines in read_lines(Path(path), BATCH_SIZE):
            yield LinesPartition(source, path, first, lines=lines)
        return
    with open(path, "rb") as f:
        offset, line = 0, 1
        while block := f.read(_SPAN_BYTES):
            block += f.readline()  # on to the end of the line the block cut
            yield LinesPartition(source, path, line, span=(offset, len(block)), read_from=os.path.abspath(path))
            line += block.count(b"\n")
            offset += len(block)


def _big(path: str) -> bool:
    try:
        return os.path.getsize(path) >= _SHARE_FROM_BYTES
    except OSError:
        return False  # read here, where the error is reported as for any other file


def _parsed_by(engine: Engine, source: str, path: str) -> Iterator[PaperRows | Rejected]:
    """The file's records, parsed on the engine's workers, in the file's order. A file that
    cannot be read on (a truncated .gz) ends as a SourceError after every line before the
    damage was given, as its reader in this process would."""
    failed: list[SourceError] = []

    def partitions() -> Iterator[LinesPartition]:
        try:
            yield from _partitions(source, path)
        except SourceError as e:
            failed.append(e)
        except OSError as e:
            failed.append(SourceError(f"{path}: read failed: {e}"))

    for parsed in engine.map(parse_partition, partitions()):
        yield from map(PaperRows._make, marshal.loads(parsed.rows))  # noqa: S302 - our own workers' bytes
        yield from parsed.rejects
    if failed:
        raise failed[0]


@contextmanager
def _run_marked(store: Store, summary: IngestSummary) -> Iterator[None]:
    with marked_run(store, summary.run_id, lambda: (summary.stored, summary.rejected, summary.ok)):
        yield


@contextmanager
def marked_run(
    store: Store, run_id: int, outcome: Callable[[], tuple[int, int, bool]]
) -> Iterator[None]:
    """Finish a run's row whatever happens: done, failed (an input could not be read, or
    the store failed: a full disk) or interrupted (Ctrl-C). ``outcome()`` gives (stored,
    rejected, ok) as they stand. Batches already committed are kept."""
    try:
        yield
    except BaseException as exc:
        status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        stored, rejected, _ = outcome()
        # Should the store be failing too (a full disk), the first error stands.
        with suppress(Exception):
            store.finish_run(run_id, stored, rejected, status)
        raise
    stored, rejected, ok = outcome()
    store.finish_run(run_id, stored, rejected, "done" if ok else "failed")
