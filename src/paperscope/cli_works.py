"""``paperscope works``: which papers are versions of one work, and corrections by hand.
Thin: the work is in :mod:`paperscope.works`."""

from __future__ import annotations

from typing import Any

import click

__all__ = ["works_group"]

_format = click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True,
                       help="json is the stable machine contract; text is for people.")


@click.group(name="works")
def works_group() -> None:
    """Versions of one work (preprint, venue, workshop, second track) counted once.

    Grouped by normalised title, shared authors and years (see paperscope/works.py);
    `resolve` and `score` regroup first. Corrections are stored and re-applied on every
    regrouping."""


def _keys(store: Any, papers: tuple[str, ...]) -> list[str]:
    from paperscope import cli
    from paperscope.errors import shorten

    keys = []
    for p in papers:
        pid = store.find_paper(p)
        if pid is None:
            cli.fail(f"no paper with id {shorten(p)}", store.location)
        keys.append(store.researchers.paper_keys([pid])[pid])
    return list(dict.fromkeys(keys))


@works_group.command("build")
@click.pass_context
def works_build(ctx: click.Context) -> None:
    """Group the stored papers into works again (overrides applied)."""
    from paperscope import cli, works

    click.echo(works.build(cli._store(ctx)).line())


@works_group.command("show")
@click.argument("paper")
@_format
@click.pass_context
def works_show(ctx: click.Context, paper: str, fmt: str) -> None:
    """The work a paper (any id) belongs to: its versions, and why they are one."""
    from paperscope import cli, works
    from paperscope.errors import shorten

    store = cli._store(ctx, read_only=True)
    pid = store.find_paper(paper)
    if pid is None:
        cli.fail(f"no paper with id {shorten(paper)}", store.location)
    data = works.describe(store, pid)

    def text(d: dict[str, Any]) -> str:
        if len(d["versions"]) == 1:
            return f"{d['versions'][0]['key']} is a work of its own (no other version known)"
        lines = [f"work #{d['work_id']}: {len(d['versions'])} versions"]
        lines += [f"  {v['key']}  {v['venue'] or '-'}  {v['date'] or '-'}  ({v['evidence']})" for v in d["versions"]]
        return "\n".join(lines)

    cli._emit(data, fmt, text)


@works_group.command("split")
@click.argument("papers", nargs=-1, required=True)
@click.pass_context
def works_split(ctx: click.Context, papers: tuple[str, ...]) -> None:
    """Each of these papers (any id) is a work of its own, now and after every regrouping."""
    from paperscope import cli, works

    store = cli._store(ctx)
    oid, summary = works.split(store, _keys(store, papers))
    click.echo(f"override #{oid}: split {', '.join(papers)}")
    click.echo(summary.line())


@works_group.command("merge")
@click.argument("papers", nargs=-1, required=True)
@click.pass_context
def works_merge(ctx: click.Context, papers: tuple[str, ...]) -> None:
    """These papers (any ids, two or more) are versions of one work."""
    from paperscope import cli, works

    store = cli._store(ctx)
    keys = _keys(store, papers)
    if len(keys) < 2:
        raise click.UsageError("merge needs two papers or more")
    oid, summary = works.merge(store, keys)
    click.echo(f"override #{oid}: merge {', '.join(papers)}")
    click.echo(summary.line())


@works_group.command("overrides")
@_format
@click.pass_context
def works_overrides(ctx: click.Context, fmt: str) -> None:
    """The corrections stored, in the order every regrouping applies them."""
    from paperscope import cli

    rows = [{"id": oid, "action": action, "papers": payload["papers"]}
            for oid, action, payload in cli._store(ctx, read_only=True).works.overrides()]
    cli._emit(rows, fmt, lambda items: "\n".join(
        f"#{o['id']} {o['action']}: {' '.join(o['papers'])}" for o in items) or "no overrides")


@works_group.command("complete")
@click.option("--live", type=click.Choice(["arxiv", "s2"]), default=None,
              help="Also search by title for papers no stored record completes: arXiv's API, or Semantic"
                   " Scholar's title match (for the arXiv id; the record is then arXiv's).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many page-only papers.")
@click.option("--base-url", default=None, help="arXiv API endpoint (default: arXiv's export API).")
@click.option("--s2-base-url", default=None, help="Semantic Scholar Graph API endpoint (with --live s2).")
@click.option("--delay", type=float, default=3.0, show_default=True,
              help="Seconds between live requests; arXiv's terms ask for at least 3.")
@_format
@click.pass_context
def works_complete(ctx: click.Context, live: str | None, limit: int | None, base_url: str | None,
                   s2_base_url: str | None, delay: float, fmt: str) -> None:
    """Papers known only from a researcher page (title and first authors, "et al."): find
    their full records, stored from any source, or live by title; merge them in."""
    import os
    import sys
    from contextlib import ExitStack

    from paperscope import cli
    from paperscope.pipeline.complete import complete

    store = cli._store(ctx)
    with ExitStack() as stack:
        search = None
        if live:
            from paperscope.sources.arxiv_api_client import ArxivApiClient

            options: dict[str, Any] = {"delay_seconds": delay}
            if base_url:
                options["base_url"] = base_url
            arxiv = stack.enter_context(ArxivApiClient(**options))
            if live == "arxiv":
                def search(title: str) -> Any:
                    return arxiv.search(f'ti:"{title}"', max_results=5, sort_by="relevance")
            else:
                from paperscope.sources.semantic_scholar_client import SemanticScholarClient

                s2_options: dict[str, Any] = {"api_key": os.environ.get("S2_API_KEY") or None}
                if s2_base_url:
                    s2_options["base_url"] = s2_base_url
                s2 = stack.enter_context(SemanticScholarClient(**s2_options))

                def search(title: str) -> Any:
                    found = s2.match_title(title)
                    return arxiv.fetch_ids([found.arxiv_id]) if found and found.arxiv_id else []

        summary = complete(store, live=search, limit=limit, command=" ".join(sys.argv[1:]) or "works complete")
    data = {
        "listed": summary.listed, "page_only": summary.page_only, "completed": summary.completed,
        "stored": summary.stored, "live": summary.live, "searched": summary.searched, "failures": summary.failures,
        "matches": [{"title_key": t, "record": k, "evidence": e} for t, k, e in summary.matches],
    }

    def text(d: dict[str, Any]) -> str:
        lines = [f"  {m['record']}  ← {m['title_key']}  ({m['evidence']})" for m in d["matches"]]
        lines.append(summary.line())
        if summary.completed:
            lines.append("run `paperscope resolve` (or `score`) to count them on profiles")
        return "\n".join(lines)

    cli._emit(data, fmt, text)
    if summary.failures:
        ctx.exit(1)
