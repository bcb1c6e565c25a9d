"""``paperscope eval``: score paperscope's stages against public gold sets. Thin: the work
is in :mod:`paperscope.evaluation`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import orjson

__all__ = ["eval_group", "eval_impact"]

# The benchmark layouts paperscope.evaluation.disambiguation.READERS reads; named here so
# that every other command starts without importing the resolver (numpy).
INPUT_FORMATS = ("lagos-and", "name-xml", "s2and")


@click.group(name="eval")
def eval_group() -> None:
    """Evaluate paperscope against public benchmarks."""


@eval_group.command("disambiguation")
@click.argument("directory", type=click.Path(exists=True, file_okay=True, path_type=Path))
@click.option("--input-format", "input_format", type=click.Choice(INPUT_FORMATS),
              default="name-xml", show_default=True, help="The benchmark's layout.")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text",
              show_default=True, help="json is the stable machine contract; text is for people.")
@click.option("--split", type=click.Choice(["all", "train", "validation"]), default="all",
              show_default=True,
              help="Only the names of this part of the 70/30 split by name hash (the resolver "
                   "was tuned on qian-dblp's train part).")
@click.option("--limit-names", type=int, default=None, metavar="N",
              help="Evaluate only the first N names (in the reader's order).")
def disambiguation(
    directory: Path, input_format: str, fmt: str, split: str, limit_names: int | None
) -> None:
    """Resolve each ambiguous name of a benchmark and print B³ and pairwise scores."""
    from paperscope.evaluation.disambiguation import READERS, evaluate, split_of

    try:
        bench = READERS[input_format](directory)
    except (OSError, ValueError, KeyError) as exc:  # a file the format needs is missing or unreadable
        raise click.ClickException(
            f"{directory}: cannot be read as {input_format}: {exc}; is --input-format right?"
        ) from exc
    if not bench.sets:
        for problem in bench.unread:
            click.echo(f"  not read: {problem}", err=True)
        raise click.ClickException(
            f"{directory}: no name with labelled publications read as {input_format}"
            f" ({len(bench.empty)} files without publications, {len(bench.unread)} problems above);"
            " is --input-format right?"
        )
    sets = [s for s in bench.sets if split == "all" or split_of(s.name) == split]
    sets = sets[:limit_names] if limit_names is not None else sets
    scores = evaluate(sets)
    scores["unread"] = bench.unread
    scores["names_without_publications"] = len(bench.empty)
    if fmt == "json":
        sys.stdout.buffer.write(orjson.dumps(scores, option=orjson.OPT_INDENT_2) + b"\n")
        return
    click.echo(
        f"{scores['names']:,} names, {scores['papers']:,} papers "
        f"({scores['people_gold']:,} people in the gold, {scores['people_predicted']:,} found)\n"
        f"B3        P {scores['b3_precision']:.4f}  R {scores['b3_recall']:.4f}  F1 {scores['b3_f1']:.4f}\n"
        f"pairwise  P {scores['pairwise_precision']:.4f}  R {scores['pairwise_recall']:.4f}"
        f"  F1 {scores['pairwise_f1']:.4f}\n"
        f"{scores['seconds']:.2f} s; {len(bench.unread)} publications not read"
    )
    for problem in bench.unread:
        click.echo(f"  not read: {problem}", err=True)


@eval_group.command("impact")
@click.option("--data", "csv_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              required=True, help="CSV with columns id, title, abstract, TNCSI_SP (others ignored).")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text",
              show_default=True, help="json is the stable machine contract; text is for people.")
@click.option("--model", "model_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="An impact_model.npz to use instead of the shipped one.")
def eval_impact(csv_path: Path, fmt: str, model_path: Path | None) -> None:
    """Predict TNCSI_SP from title and abstract; print n, NDCG@20, MAE and Spearman."""
    from paperscope.impact.evaluate import evaluate, read_labelled_csv
    from paperscope.impact.model import ImpactArtifactError, load_model

    try:
        papers = read_labelled_csv(csv_path)
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(str(exc)) from exc
    for problem in papers.skipped:
        click.echo(f"  skipped: {problem}", err=True)
    if len(papers.labels) < 2:
        raise click.ClickException(f"{csv_path}: fewer than 2 rows with a TNCSI_SP in [0, 1]")
    try:
        model = load_model(model_path)
    except ImpactArtifactError as exc:
        raise click.ClickException(str(exc)) from exc
    scores = evaluate(papers.labels, model.predict(papers.titles, papers.abstracts))
    if fmt == "json":
        sys.stdout.buffer.write(orjson.dumps(scores, option=orjson.OPT_INDENT_2) + b"\n")
        return
    click.echo(f"{scores['n']:,} papers ({len(papers.skipped)} skipped), model {model.version}\n"
               f"NDCG@20 {scores['ndcg@20']:.4f}  MAE {scores['mae']:.4f}  Spearman {scores['spearman']:.4f}")


@eval_group.command("novelty")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--input-format", "input_format", type=click.Choice(["listings", "snapshot"]),
              default="listings", show_default=True, help="arXiv daily listings or bulk snapshot lines.")
@click.option("--embedder", type=click.Choice(["static", "minilm"]), default="static", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True, help="Which papers get planted copies.")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
def eval_novelty(files: tuple[Path, ...], input_format: str, embedder: str, seed: int, fmt: str) -> None:
    """Plant near-duplicates (later versions, paraphrases, cross-lists) into the real papers of
    FILES and print how well Novelty tells them from the originals (AUROC)."""
    from importlib import import_module

    from paperscope.embed import get_embedder, paper_text
    from paperscope.models import PaperRecord
    from paperscope.novelty import evaluate_planted

    module = import_module(f"paperscope.sources.{'arxiv_listings' if input_format == 'listings' else 'arxiv_snapshot'}")
    texts, dates = [], []
    for path in files:
        for record in module.read(path):
            if isinstance(record, PaperRecord) and record.abstract and record.first_date:
                texts.append(paper_text(record.title, record.abstract))
                dates.append(record.first_date[:10])
    result = evaluate_planted(texts, dates, get_embedder(embedder), seed=seed)
    if fmt == "json":
        sys.stdout.buffer.write(orjson.dumps(result, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY) + b"\n")
    else:
        click.echo("\n".join(f"{k}: {v}" for k, v in result.items()))
