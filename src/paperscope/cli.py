"""The ``paperscope`` command line: parses arguments and calls the library."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from importlib import import_module
from pathlib import Path
from typing import Any, NoReturn

import click
import orjson
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from paperscope import render
from paperscope.errors import PaperscopeError, shorten
from paperscope.models import Record
from paperscope.pipeline.ingest import IngestSummary, ingest, ingest_files
from paperscope.store import Store, default_db_path, is_store_failure, open_store, store_error

err = Console(stderr=True)
# An error line is cut to this many characters: one line, whatever the input echoed.
ERROR_CHARS = 300
# Exit code of a resolve that finished but saw new mentions arrive that it could not take in.
EXIT_INCOMPLETE = 3

# CLI name → (source name stored with each record, module whose read(path) parses a file).
FILE_SOURCES = {
    "snapshot": ("arxiv-snapshot", "paperscope.sources.arxiv_snapshot"),
    "atom": ("arxiv-atom", "paperscope.sources.arxiv_api"),
    "oai": ("arxiv-oai", "paperscope.sources.arxiv_oai"),
    "listings": ("arxiv-listing", "paperscope.sources.arxiv_listings"),
    "conferences": ("conference", "paperscope.sources.conferences"),
}


def _store(ctx: click.Context, *, read_only: bool = False) -> Store:
    """The command's store: read commands open it read-only (nothing created or changed)."""
    store: Store = ctx.find_root().obj["store"](read_only)
    return store


def _note(text: str) -> None:
    """A line for people on stderr, never wrapped."""
    click.echo(text, err=True)


def _error_line(exc: BaseException, db: str) -> str:
    """The one line a failed command ends with: ``error: <what> (<where>)``."""
    from paperscope.ann import IndexFileError
    from paperscope.embed.models import EmbedderArtifactError, EmbedderUnavailableError
    from paperscope.impact.model import ImpactArtifactError
    from paperscope.sources.jsonlines import SourceError

    if isinstance(exc, PaperscopeError):
        text = str(exc)
    elif is_store_failure(exc):
        text = str(store_error(exc, db))
    elif isinstance(exc, OSError):
        text = f"{exc.strerror or exc}" + (f" ({exc.filename})" if exc.filename else "")
    elif isinstance(exc, (SourceError, IndexFileError, EmbedderUnavailableError, EmbedderArtifactError,
                          ImpactArtifactError)):
        text = str(exc)
    else:
        text = (f"internal error: {type(exc).__name__}: {exc} (a bug: run with --debug for the"
                " traceback, and please report it)")
    text = " ".join(text.split())
    if len(text) > ERROR_CHARS:
        text = text[: ERROR_CHARS - 1] + "…"
    return f"{click.style('error:', fg='red')} {text}"


class _Cli(click.Group):
    """The command group, with paperscope's one error path: whatever a command raises ends
    as one line on stderr and exit code 1 (the traceback too with --debug)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:
            # The reader went away (`… | head`): stop quietly, as shell tools do. Stdout
            # points at /dev/null so that the interpreter's last flush cannot fail again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(141)
        except Exception as exc:  # noqa: BLE001 - the one error path: any failure is one line
            if ctx.params.get("debug") or os.environ.get("PAPERSCOPE_DEBUG") == "1":
                import traceback

                traceback.print_exception(exc, file=sys.stderr)
            click.echo(_error_line(exc, str((ctx.obj or {}).get("db", ""))), err=True)
            ctx.exit(1)


def fail(what: str, where: str | None = None) -> NoReturn:
    """End the command with ``error: <what> (<where>)`` and exit code 1."""
    raise PaperscopeError(what, where)


def _emit(data: Any, fmt: str, text: Callable[[Any], str]) -> None:
    if fmt == "json":
        sys.stdout.buffer.write(orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS) + b"\n")
    else:
        click.echo(text(data))


format_option = click.option(
    "--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True,
    help="json is the stable machine contract; text is for people.",
)
iso_date = click.DateTime(formats=["%Y-%m-%d"])


@click.group(cls=_Cli)
@click.option(
    "--db", "db", metavar="PATH", envvar="PAPERSCOPE_DB", default=None,
    help="Database file (default: $PAPERSCOPE_DB, else ./paperscope.db).",
)
@click.option("--debug", is_flag=True, help="On an error, show the traceback too (also $PAPERSCOPE_DEBUG=1).")
@click.version_option(package_name="paperscope")
@click.pass_context
def main(ctx: click.Context, db: str | None, debug: bool) -> None:
    """paperscope: open research intelligence over arXiv and conference papers."""
    path = db or default_db_path()
    opened: dict[bool, Store] = {}

    def get_store(read_only: bool) -> Store:
        if read_only not in opened:
            opened[read_only] = open_store(path, read_only=read_only)
            ctx.call_on_close(opened[read_only].close)
        return opened[read_only]

    ctx.obj = {"store": get_store, "db": path}


# --- ingest ---------------------------------------------------------------------------
@main.group(name="ingest")
def ingest_group() -> None:
    """Read papers from a source into the database (idempotent; safe to re-run)."""


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("{task.fields[records]:,} records"), TimeElapsedColumn(),
        console=err, transient=True, disable=not err.is_terminal,
    )


def _counting(bar: Progress, label: str) -> Callable[[int], None]:
    task = bar.add_task(label, total=None, records=0)
    seen = [0]

    def on_progress(n: int) -> None:
        seen[0] += n
        bar.update(task, records=seen[0])

    return on_progress


# --- where batch work runs -----------------------------------------------------------------
def engine_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--engine and --workers: where a batch stage's partitions run (paperscope/engine.py)."""
    command = click.option("--workers", type=click.IntRange(min=1), default=None,
                           help="Worker processes (default: $PAPERSCOPE_WORKERS, else the cores, at most 4).")(command)
    return click.option("--engine", "engine", default=None, metavar="local|dask|dask://HOST:PORT",
                        help="Where partitions run: local (this process and a process pool), dask"
                             " (a LocalCluster), or a Dask scheduler's address. Default: $PAPERSCOPE_ENGINE,"
                             " else local.")(command)


def _engine(store: Store, engine: str | None, workers: int | None) -> Any:
    from paperscope.engine import open_engine

    return open_engine(engine, workers, db_url=store.url)


@contextmanager
def _engine_if_asked(store: Store, engine: str | None, workers: int | None) -> Iterator[Any]:
    """The engine asked for (--engine, --workers, $PAPERSCOPE_ENGINE/WORKERS), else None:
    commands whose default needs none (ingest reads ahead in a child; enrich reads here)."""
    asked = engine or workers or os.environ.get("PAPERSCOPE_ENGINE") or os.environ.get("PAPERSCOPE_WORKERS")
    if not asked:
        yield None
        return
    with _engine(store, engine, workers) as runner:
        yield runner


def _run_files(ctx: click.Context, name: str, paths: tuple[str, ...], engine: str | None = None,
               workers: int | None = None) -> None:
    source, module = FILE_SOURCES[name]
    reader = import_module(module).read
    _finish(ctx, _ingest_files(ctx, source, lambda p: reader(Path(p)), paths, engine, workers))


def _ingest_files(
    ctx: click.Context, source: str, reader: Callable[[str], Iterator[Record]], paths: tuple[str, ...],
    engine: str | None = None, workers: int | None = None,
) -> IngestSummary:
    """Ingest files as one run. An engine is opened only when asked for (--engine,
    --workers, $PAPERSCOPE_ENGINE): by default a file is read in a child process while
    this one writes (pipeline/read_ahead.py), which is as fast on one machine."""
    store = _store(ctx)
    with _engine_if_asked(store, engine, workers) as runner:
        return _ingest_files_with(store, source, reader, paths, runner)


def _ingest_files_with(
    store: Store, source: str, reader: Callable[[str], Iterator[Record]], paths: tuple[str, ...], engine: Any
) -> IngestSummary:
    command = " ".join(sys.argv[1:]) or f"ingest {source}"
    with _progress() as bar:
        task = bar.add_task(source, total=len(paths), records=0)
        seen = {"records": 0, "files": 0}

        def on_file(path: str) -> None:
            bar.update(task, completed=seen["files"], description=f"{source} {Path(path).name}")
            seen["files"] += 1

        def on_progress(n: int) -> None:
            seen["records"] += n
            bar.update(task, records=seen["records"])

        summary = ingest_files(store, source, reader, paths, command,
                               on_progress=on_progress, on_file=on_file, engine=engine)
        bar.update(task, completed=len(paths))
    return summary


def _finish(ctx: click.Context, summary: IngestSummary) -> None:
    """Report an ingest: its summary; each input that could not be read is an error line
    and makes the exit code 1. (What it stored is searchable after `resolve` or `score`,
    which refresh the search index: ingest itself stays as fast as it can be.)"""
    click.echo(summary.line())
    if summary.rejected:
        click.echo(f"see the rejects with: paperscope rejects --source {summary.source}")
    for failure in summary.failed_inputs:
        click.echo(_error_line(PaperscopeError(failure), ""), err=True)
    if not summary.ok:
        ctx.exit(1)


@ingest_group.command("snapshot")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@engine_options
@click.pass_context
def ingest_snapshot(ctx: click.Context, files: tuple[str, ...], engine: str | None, workers: int | None) -> None:
    """arXiv bulk-snapshot JSON lines (arxiv-metadata-oai-snapshot), plain or .gz."""
    _run_files(ctx, "snapshot", files, engine, workers)


@ingest_group.command("listings")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@engine_options
@click.pass_context
def ingest_listings(ctx: click.Context, files: tuple[str, ...], engine: str | None, workers: int | None) -> None:
    """arXiv daily-listing JSON lines (id, title, authors[], categories[], …)."""
    _run_files(ctx, "listings", files, engine, workers)


@ingest_group.command("conferences")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@engine_options
@click.pass_context
def ingest_conferences(ctx: click.Context, files: tuple[str, ...], engine: str | None, workers: int | None) -> None:
    """Conference corpus JSON lines (authors, affiliations, citations, code links)."""
    _run_files(ctx, "conferences", files, engine, workers)


@ingest_group.command("seeds")
@click.argument("directory", type=click.Path(file_okay=False, exists=True))
@click.option("--as-of", type=iso_date, default=None,
              help="Date of the pages (decides dates shown without a year); default: each file's date.")
@click.pass_context
def ingest_seeds(ctx: click.Context, directory: str, as_of: Any) -> None:
    """Researcher pages (the seeds): header figures, papers, and whose papers they are."""
    from paperscope.sources import seed_pages

    day = as_of.date() if as_of else None
    _finish(ctx, _ingest_files(ctx, "seed-page", lambda p: seed_pages.read_dir(Path(p), as_of=day),
                               (directory,)))


@ingest_group.command("atom")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--query", help="arXiv search_query, e.g. 'ti:transformer AND au:bengio'.")
@click.option("--category", help="Restrict to a category, e.g. cs.LG.")
@click.option("--from", "from_date", type=iso_date, help="Submitted on or after this date.")
@click.option("--until", "until_date", type=iso_date, help="Submitted on or before this date.")
@click.option("--max", "max_results", type=int, default=None, help="Stop after this many results.")
@click.option("--base-url", default=None, help="API endpoint (default: arXiv's export API).")
@click.option("--delay", type=float, default=3.0, show_default=True,
              help="Seconds between requests; arXiv's terms ask for at least 3.")
@click.pass_context
def ingest_atom(ctx: click.Context, files: tuple[str, ...], query: str | None, category: str | None,
                from_date: Any, until_date: Any, max_results: int | None, base_url: str | None,
                delay: float) -> None:
    """arXiv API Atom feeds: saved files, or live with --query/--category/--from."""
    if files:
        if query or category or from_date:
            raise click.UsageError("give either FILES or --query/--category/--from, not both")
        _run_files(ctx, "atom", files)
        return
    if not (query or category or from_date):
        raise click.UsageError("give FILES, or --query/--category/--from for a live search")
    from paperscope.sources import arxiv_api, arxiv_api_client

    search_query = arxiv_api.build_query(
        query, category, from_date.date() if from_date else None,
        until_date.date() if until_date else None,
    )
    options: dict[str, Any] = {"delay_seconds": delay}
    if base_url:
        options["base_url"] = base_url
    with arxiv_api_client.ArxivApiClient(**options) as client:
        records = client.search(search_query, max_results=max_results)
        _finish(ctx, _live(ctx, "arxiv-atom", records, scope=None))


@ingest_group.command("oai")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--set", "set_spec", help="OAI set, e.g. cs, math, physics:hep-th.")
@click.option("--from", "from_date", type=iso_date,
              help="Harvest records changed on or after this date (default: resume from the last harvest).")
@click.option("--until", "until_date", type=iso_date)
@click.option("--metadata-prefix", type=click.Choice(["arXiv", "arXivRaw"]), default="arXivRaw",
              show_default=True, help="arXivRaw carries the version history.")
@click.option("--base-url", default=None, help="OAI-PMH endpoint (default: arXiv's).")
@click.option("--delay", type=float, default=3.0, show_default=True,
              help="Seconds between requests (be polite: arXiv asks for at least 3).")
@click.pass_context
def ingest_oai(ctx: click.Context, files: tuple[str, ...], set_spec: str | None, from_date: Any,
               until_date: Any, metadata_prefix: str, base_url: str | None, delay: float) -> None:
    """OAI-PMH ListRecords: saved responses, or a live, incremental harvest with --set."""
    if files:
        _run_files(ctx, "oai", files)
        return
    if not set_spec:
        raise click.UsageError("give FILES, or --set for a live harvest")
    from paperscope.sources import arxiv_oai

    store = _store(ctx)
    scope = f"{set_spec}:{metadata_prefix}"
    start = from_date.date() if from_date else None
    if start is None:
        cursor = store.harvest_cursor("arxiv-oai", scope)
        start = date.fromisoformat(cursor[:10]) if cursor else None
        if cursor:
            _note(f"resuming from the last stored datestamp {cursor}")
    harvester = (arxiv_oai.OaiHarvester(base_url, metadata_prefix=metadata_prefix, delay_seconds=delay)
                 if base_url else arxiv_oai.OaiHarvester(metadata_prefix=metadata_prefix, delay_seconds=delay))
    records = harvester.list_records(set_spec, start, until_date.date() if until_date else None)
    _finish(ctx, _live(ctx, "arxiv-oai", records, scope=scope))


def _live(ctx: click.Context, source: str, records: Iterator[Record], scope: str | None) -> IngestSummary:
    store = _store(ctx)
    with _progress() as bar:
        task = bar.add_task(f"{source} (live)", total=None, records=0)
        seen = [0]

        def on_progress(n: int) -> None:
            seen[0] += n
            bar.update(task, records=seen[0])

        return ingest(store, source, records, " ".join(sys.argv[1:]), cursor_scope=scope,
                      on_progress=on_progress, batch_size=200)


# --- enrich ---------------------------------------------------------------------------
@main.group(name="enrich")
def enrich_group() -> None:
    """Citations, references, author ids and institutions from OpenAlex / Semantic Scholar."""


def _enrich(ctx: click.Context, source: str, records: Iterator[Any]) -> None:
    from paperscope.pipeline.enrich import enrich

    store = _store(ctx)
    with _progress() as bar:
        summary = enrich(store, source, records, " ".join(sys.argv[1:]), on_progress=_counting(bar, source))
    click.echo(summary.line())
    if not summary.ok:
        ctx.exit(1)


def _enrich_files(ctx: click.Context, source: str, files: tuple[str, ...], engine: str | None,
                  workers: int | None) -> None:
    """Enrich from provider files; with --engine (or $PAPERSCOPE_ENGINE), read on its workers."""
    from paperscope.pipeline.enrich import read_files

    store = _store(ctx)
    with _engine_if_asked(store, engine, workers) as runner:
        _enrich(ctx, source, read_files(source, files, runner))


@enrich_group.command("openalex")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--limit", type=click.IntRange(1), default=1000, show_default=True,
              help="Look up at most this many stored papers (live).")
@click.option("--budget", type=click.IntRange(1), default=None,
              help="Stop after this many API requests (live).")
@click.option("--base-url", default=None, help="API endpoint (default: api.openalex.org).")
@engine_options
@click.pass_context
def enrich_openalex(ctx: click.Context, files: tuple[str, ...], limit: int, budget: int | None,
                    base_url: str | None, engine: str | None, workers: int | None) -> None:
    """OpenAlex works for stored papers: from FILES (JSON lines, .gz), or live with $OPENALEX_API_KEY."""
    if files:
        _enrich_files(ctx, "openalex", files, engine, workers)
        return
    from paperscope.sources.openalex_client import OpenAlexClient

    targets = _store(ctx).papers_to_enrich("openalex", limit)
    options: dict[str, Any] = {"budget": budget}
    if base_url:
        options["base_url"] = base_url
    with OpenAlexClient(os.environ.get("OPENALEX_API_KEY"), **options) as client:
        dois = [d for _, arxiv_id, ds in targets for d in ds[:1] if not arxiv_id]
        arxiv_ids = [arxiv_id for _, arxiv_id, _ in targets if arxiv_id]
        _enrich(ctx, "openalex", client.works_by_ids(dois, arxiv_ids))
        if client.stopped:
            _note(client.stopped)


@enrich_group.command("s2")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--limit", type=click.IntRange(1), default=1000, show_default=True,
              help="Look up at most this many stored papers (live).")
@click.option("--base-url", default=None, help="API endpoint (default: the Graph API).")
@engine_options
@click.pass_context
def enrich_s2(ctx: click.Context, files: tuple[str, ...], limit: int, base_url: str | None,
              engine: str | None, workers: int | None) -> None:
    """Semantic Scholar papers for stored papers: from FILES, or live (≤ 1 request/s; $S2_API_KEY optional)."""
    if files:
        _enrich_files(ctx, "semantic-scholar", files, engine, workers)
        return
    from paperscope.sources.semantic_scholar_client import SemanticScholarClient

    targets = _store(ctx).papers_to_enrich("semantic-scholar", limit)
    ids = [f"ARXIV:{arxiv_id}" if arxiv_id else f"DOI:{dois[0]}" for _, arxiv_id, dois in targets]
    options: dict[str, Any] = {"api_key": os.environ.get("S2_API_KEY") or None}
    if base_url:
        options["base_url"] = base_url
    with SemanticScholarClient(**options) as client:
        _enrich(ctx, "semantic-scholar", client.papers_batch(ids))


# --- read commands --------------------------------------------------------------------
@main.command()
@format_option
@click.pass_context
def stats(ctx: click.Context, fmt: str) -> None:
    """What the database holds: papers, authorships, rejects, by source."""
    _emit(_store(ctx, read_only=True).stats(), fmt, render.stats_text)


@main.command()
@click.argument("identifier")
@format_option
@click.option("--explain", is_flag=True,
              help="Show the scores with their explanation: nearest earlier papers, label, model.")
@click.pass_context
def paper(ctx: click.Context, identifier: str, fmt: str, explain: bool) -> None:
    """One paper by any of its ids: arXiv id (with or without version), DOI, or key."""
    store = _store(ctx, read_only=True)
    paper_id = store.find_paper(identifier)
    if paper_id is None:
        fail(f"no paper with id {shorten(identifier)}", store.location)
    data = store.paper(paper_id)
    if explain:
        novelty = data["scores"].get("novelty")
        for neighbour in (novelty["explanation"] if novelty else {}).get("nearest_earlier", []):
            other = store.paper(neighbour["paper_id"])
            neighbour.update(title=other["title"], key=other["key"], date=other["first_date"] or other["year"])
    _emit(data, fmt, render.paper_explained if explain else render.paper_text)


@main.command()
@click.option("--limit", type=click.IntRange(1, 10_000), default=10, show_default=True)
@click.option("--category", help="Only papers whose primary category is this, e.g. cs.LG.")
@click.option("--sort", type=click.Choice(["newest", "score", "novelty"]), default="newest",
              show_default=True, help="newest first, or the highest AI Score / Novelty % first.")
@click.option("--since", type=iso_date, default=None, help="With --sort score|novelty: only papers from this date on.")
@format_option
@click.pass_context
def papers(ctx: click.Context, limit: int, category: str | None, sort: str, since: Any, fmt: str) -> None:
    """The newest papers in the database, or the top-scored ones."""
    store = _store(ctx, read_only=True)
    if sort == "newest":
        rows = store.newest_papers(limit, category)
    else:
        kind = "impact" if sort == "score" else "novelty"
        found = store.scores.top_scored(kind, since.date().isoformat() if since else None, limit, category)
        rows = [store.paper(pid) for pid, _ in found]
    _emit(rows, fmt, lambda ps: "\n\n".join(render.paper_line(p) for p in ps) or "no papers")


@main.command()
@click.option("--limit", type=click.IntRange(1, 1_000_000), default=1000, show_default=True)
@click.option("--source", help="Only rejects of this source, e.g. arxiv-snapshot.")
@format_option
@click.pass_context
def rejects(ctx: click.Context, limit: int, source: str | None, fmt: str) -> None:
    """Records that failed validation: file, position and reason."""
    _emit(_store(ctx, read_only=True).rejects(limit, source), fmt, render.rejects_text)


# --- researchers -------------------------------------------------------------------------
@main.command()
@click.option("--full", is_flag=True, help="Cluster every name block again, not only changed ones.")
@engine_options
@click.pass_context
def resolve(ctx: click.Context, full: bool, engine: str | None, workers: int | None) -> None:
    """(Re)build researchers from author mentions; only changed name blocks are clustered again."""
    from paperscope.pipeline.resolve import resolve_store

    store = _store(ctx)
    with _engine(store, engine, workers) as runner, _progress() as bar:
        summary = resolve_store(store, full=full, on_progress=_counting(bar, "resolve"),
                                command=_command("resolve"), engine=runner)
    click.echo(summary.line())
    if summary.arrived:
        ctx.exit(EXIT_INCOMPLETE)


def _command(default: str) -> str:
    """The command line that runs, as a lock names its holder by it."""
    return "paperscope " + (" ".join(sys.argv[1:]) or default)


def _one_researcher(store: Store, query: str) -> int:
    """The one researcher a query names, or exit with the candidates."""
    from paperscope.profiles import find_researchers

    found = find_researchers(store, query)
    if len(found) == 1:
        return found[0]
    if not found:
        _no_researcher(store, query)
    click.echo(render.researcher_matches_text(store.researchers.summaries(found)))
    fail(f"{shorten(query)} names {len(found)} researchers (listed on stdout); use an id", store.location)


def _no_researcher(store: Store, query: str) -> NoReturn:
    hint = "" if store.researchers.any() else "; run `paperscope resolve` first"
    fail(f"no researcher matches {shorten(query)}{hint}", store.location)


@main.group(name="researchers")
def researchers_group() -> None:
    """Correct the resolver by hand: merge, split, claim. Stored; re-applied on every resolve."""


@researchers_group.command("merge")
@click.argument("queries", nargs=-1, required=True)
@click.pass_context
def researchers_merge(ctx: click.Context, queries: tuple[str, ...]) -> None:
    """These researchers (ids or names, two or more) are one person."""
    from paperscope import corrections

    if len(queries) < 2:
        raise click.UsageError("merge needs two researchers or more")
    store = _store(ctx)
    ids = list(dict.fromkeys(_one_researcher(store, q) for q in queries))
    if len(ids) < 2:
        raise click.UsageError("these name one researcher only")
    oid, summary = corrections.merge(store, ids)
    click.echo(f"override #{oid}: merge {', '.join(map(str, ids))}")
    click.echo(summary.line())


@researchers_group.command("split")
@click.argument("query")
@click.option("--paper", "papers", multiple=True, required=True,
              help="A paper (any id) to move to a new researcher; repeat for several.")
@click.pass_context
def researchers_split(ctx: click.Context, query: str, papers: tuple[str, ...]) -> None:
    """The researcher's mentions on these papers are someone else."""
    from paperscope import corrections

    store = _store(ctx)
    rid = _one_researcher(store, query)
    paper_ids = set()
    for p in papers:
        pid = store.find_paper(p)
        if pid is None:
            fail(f"--paper: no paper with id {shorten(p)}", store.location)
        paper_ids.add(pid)
    try:
        oid, moved, summary = corrections.split(store, rid, paper_ids)
    except corrections.CorrectionError as exc:
        fail(f"--paper: {exc}", store.location)
    click.echo(f"override #{oid}: split {moved} mention(s) off researcher {rid}")
    click.echo(summary.line())


@researchers_group.command("claim")
@click.argument("query")
@click.argument("orcid")
@click.pass_context
def researchers_claim(ctx: click.Context, query: str, orcid: str) -> None:
    """This researcher has this ORCID (0000-0002-1825-0097)."""
    from paperscope import corrections
    from paperscope.profiles import normalize_orcid

    value = normalize_orcid(orcid)
    if value is None:
        fail(f"{shorten(orcid)} is not an ORCID (0000-0000-0000-000X)")
    store = _store(ctx)
    rid = _one_researcher(store, query)
    oid, summary = corrections.claim(store, rid, value)
    click.echo(f"override #{oid}: researcher {rid} claims ORCID {value}")
    click.echo(summary.line())


@researchers_group.command("mentions")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True,
              help="One line per author mention: JSON objects, or CSV with a header.")
@click.pass_context
def researchers_mentions(ctx: click.Context, fmt: str) -> None:
    """Every author mention and the researcher it was resolved to (paper, arxiv_id, position,
    name, researcher_id), streamed: to score resolution against your own ground truth."""
    import csv

    import orjson

    store = _store(ctx, read_only=True)
    if not store.researchers.any():
        fail("no researchers yet: run `paperscope resolve` first", store.location)
    out = sys.stdout
    fields = ["paper", "arxiv_id", "position", "name", "researcher_id"]
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n") if fmt == "csv" else None
    if writer:
        writer.writeheader()
    for row in store.researchers.resolved_mentions():
        if writer:
            writer.writerow(row)
        else:
            out.write(orjson.dumps(row).decode() + "\n")


@researchers_group.command("overrides")
@format_option
@click.pass_context
def researchers_overrides(ctx: click.Context, fmt: str) -> None:
    """The manual corrections stored, in the order every resolve applies them."""
    rows = [
        {"id": oid, "action": action, "payload": payload}
        for oid, action, payload in _store(ctx, read_only=True).researchers.overrides()
    ]

    def text(items: list[dict[str, Any]]) -> str:
        lines = []
        for o in items:
            lines.append(f"#{o['id']} {o['action']}: {_override_text(o['action'], o['payload'])}")
        return "\n".join(lines) or "no overrides"

    _emit(rows, fmt, text)


@main.command()
@click.argument("query")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text",
              show_default=True, help="text: the seed pages' layout; json: the machine contract.")
@click.option("--sort", type=click.Choice(["date", "citations", "score", "novelty"]), default="date",
              show_default=True, help="Paper order: newest first, or highest citations, AI Score or Novelty % first.")
@click.option("--as-of", "as_of", type=iso_date, default=None,
              help="Compute as of this date (default: today).")
@click.option("--limit", type=click.IntRange(0), default=None,
              help="Show only the first N papers (the figures still count them all).")
@click.pass_context
def researcher(ctx: click.Context, query: str, fmt: str, sort: str, as_of: Any, limit: int | None) -> None:
    """A researcher's profile, by name (fuzzy, diacritics aside), id or ORCID."""
    from paperscope.profiles import build_profile, find_researchers

    store = _store(ctx, read_only=True)
    found = find_researchers(store, query)
    if not found:
        _no_researcher(store, query)
    if len(found) > 1:
        matches = store.researchers.summaries(found)
        _emit({"query": query, "matches": matches}, "json" if fmt == "json" else "text",
              lambda d: render.researcher_matches_text(d["matches"]))
        return
    day = as_of.date() if as_of else date.today()
    profile = build_profile(store, found[0], day, sort)
    if limit is not None:
        profile["papers_shown"] = limit
        profile["papers"] = profile["papers"][:limit]
    if fmt == "md":
        click.echo(render.profile_markdown(profile), nl=False)
    else:
        _emit(profile, fmt, render.profile_text)


# --- scores ---------------------------------------------------------------------------------
embedder_option = click.option(
    "--embedder", type=click.Choice(["static", "minilm"]), default="static", show_default=True,
    help="static: fast, distilled from MiniLM (default install); minilm: all-MiniLM-L6-v2 itself"
         " (pip install 'paperscope[embed]').",
)


@main.command()
@embedder_option
@engine_options
@click.pass_context
def embed(ctx: click.Context, embedder: str, engine: str | None, workers: int | None) -> None:
    """Embed papers whose title/abstract or the model changed (stored; incremental)."""
    from paperscope.embed import get_embedder
    from paperscope.pipeline.score import score_store

    model = get_embedder(embedder)
    store = _store(ctx)
    with _engine(store, engine, workers) as runner, _progress() as bar:
        summary = score_store(store, embedder=model, steps=("embed", "index"), engine=runner,
                              on_progress=_counting(bar, f"embed ({model.name})"), command=_command("embed"))
    click.echo(summary.line())


@main.command()
@embedder_option
@click.option("--only", "steps", type=click.Choice(["embed", "index", "novelty", "impact"]), multiple=True,
              help="Run only these steps (repeatable); default: embed, index, novelty, impact.")
@engine_options
@click.pass_context
def score(ctx: click.Context, embedder: str, steps: tuple[str, ...], engine: str | None, workers: int | None) -> None:
    """Novelty % and AI Score for every paper: embed → index → novelty → impact, over what changed."""
    from paperscope.pipeline.score import score_store

    wanted = steps or ("embed", "index", "novelty", "impact")
    model = None
    if {"embed", "index", "novelty"} & set(wanted):
        from paperscope.embed import get_embedder

        model = get_embedder(embedder)
        # novelty reads the index, the index the embeddings: bring what they read up to date.
        wanted = ("embed", *(("index",) if "novelty" in wanted else ()), *wanted)
    store = _store(ctx)
    with _engine(store, engine, workers) as runner, _progress() as bar:
        summary = score_store(store, embedder=model, steps=wanted, on_progress=_counting(bar, "score"),
                              command=_command("score"), engine=runner)
    click.echo(summary.line())


# --- search --------------------------------------------------------------------------------
@main.command(name="search")
@click.argument("query")
@click.option("--limit", type=int, default=20, show_default=True, help="Papers per page (at most 100).")
@click.option("--offset", type=int, default=0, show_default=True, help="Papers to skip (paging).")
@format_option
@click.pass_context
def search_command(ctx: click.Context, query: str, limit: int, offset: int, fmt: str) -> None:
    """Researchers and papers for a query: names forgiving typos; papers by words and meaning."""
    from paperscope.search import search, search_text

    store = _store(ctx, read_only=True)
    try:
        result = search(store, query, limit=limit, offset=offset)
    except ValueError as e:
        fail(str(e))
    _emit(result, fmt, search_text)
    pending = store.search.pending()
    if pending:
        _note(f"note: {pending:,} papers are not in the search index yet; `paperscope score` or"
              " `paperscope resolve` indexes them")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--as-of", type=iso_date, default=None, help="Date profiles are computed for (default: today).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes (each its own app; for a PostgreSQL database, where they share no file locks).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, as_of: Any, workers: int) -> None:
    """Serve the web app and JSON API over the database (read-only; admin API needs
    $PAPERSCOPE_ADMIN_TOKEN)."""
    import uvicorn

    from paperscope.web.app import create_app, warm

    db = ctx.obj["db"]
    app = create_app(db, as_of=as_of.date() if as_of else None)  # checks the database first
    if workers == 1:  # (several: each worker warms its own app, and this one is not served)
        warm(app)  # reads what every page needs: a damaged database ends here, in one line
    where = app.state.paperscope.watch.location
    click.echo(f"paperscope: serving {where} at http://{host}:{port}/  (API docs: http://{host}:{port}/docs)")
    if workers == 1:
        uvicorn.run(app, host=host, port=port, log_level="warning")
        return
    # Several processes: uvicorn starts each from the factory, which reads these.
    app.state.paperscope.watch.close()
    os.environ["PAPERSCOPE_DB"] = str(db)
    if as_of:
        os.environ["PAPERSCOPE_AS_OF"] = as_of.date().isoformat()
    uvicorn.run("paperscope.web.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level="warning")


@main.command()
@click.pass_context
def migrate(ctx: click.Context) -> None:
    """Bring the database's schema up to this version of paperscope (any writing command
    does it too; read commands and `serve` never do)."""
    store = _store(ctx)
    applied = store.migrations_applied
    click.echo(f"migrate: applied {len(applied)} migration(s)"
               + (f" ({', '.join(f'{m.version} {m.name}' for m in applied)})" if applied else "")
               + f"; {store.location} is at schema version {store.schema_version()}")


@main.command(name="copy")
@click.argument("src", metavar="SRC")
@click.argument("dst", metavar="DST")
@click.option("--batch", type=click.IntRange(1, 1_000_000), default=5000, show_default=True,
              help="Rows read and written per transaction.")
@format_option
def copy_command(src: str, dst: str, batch: int, fmt: str) -> None:
    """Copy a whole database to another (paths or postgresql:// URLs; --db is not used):
    SQLite → PostgreSQL and back. Resumable: run it again after an interruption. Verified:
    every table's rows and checksum are compared at the end."""
    import shlex

    from paperscope.store.copy import copy_database, same_database

    if same_database(src, dst):
        fail("SRC and DST are the same database")
    with open_store(src, read_only=True) as source, open_store(dst) as target:

        def on_table(done: Any) -> None:
            if fmt == "text":
                click.echo(done.line())

        summary = copy_database(source, target, batch=batch, on_table=on_table)
    minilm = any(m.startswith("all-MiniLM") for m in summary.embedding_models)
    shown = shlex.quote(dst) if summary.destination == dst else "DST"  # never echo a password
    score = f"paperscope --db {shown} score" + (" --embedder minilm" if minilm else "")
    note = ("the nearest-neighbour index is not copied (it is a file beside a database, not in it):"
            f" `{score}` builds it for DST from the copied vectors, without embedding or scoring"
            " anything again; until then semantic search and novelty compute exactly (slower)")
    if fmt == "json":
        _emit({**summary.as_dict(), "note": note}, fmt, str)
        return
    click.echo(summary.search)
    click.echo(summary.line())
    click.echo(f"note: {note}")


def _register_eval() -> None:
    from paperscope.cli_eval import eval_group
    from paperscope.cli_train import train_group
    from paperscope.cli_works import works_group

    main.add_command(eval_group)
    main.add_command(train_group)
    main.add_command(works_group)


_register_eval()


if __name__ == "__main__":
    main()


def _override_text(action: str, p: dict[str, Any]) -> str:
    """One override, as `researchers overrides` lists it."""
    if action == "merge":
        return f"{len(p['groups'])} researchers into one"
    if action == "split":
        return f"{len(p['move'])} mention(s) off a researcher of {len(p['from'])}"
    if action == "claim":
        return f"ORCID {p['orcid']} for a researcher of {len(p['mentions'])} mentions"
    return ""
