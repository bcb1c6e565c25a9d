"""``paperscope train``: fit paperscope's models from public data. Thin: the work is in
:mod:`paperscope.impact.train` (which needs the ``[train]`` extra: scikit-learn)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import orjson
from rich.console import Console

__all__ = ["train_group", "train_impact"]

err = Console(stderr=True)


@click.group(name="train")
def train_group() -> None:
    """Train paperscope's models."""


@train_group.command("impact")
@click.option("--data", "naid_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              required=True, help="Folder holding the NAID CSV files (naid_v1_train_2022.csv, …).")
@click.option("--conferences", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Paper Copilot papers.jsonl.gz: adds a citation-percentile model.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("impact-model"), show_default=True,
              help="Folder to write impact_model.npz to (the shipped one is src/paperscope/data/impact).")
@click.option("--holdout/--no-holdout", default=True, show_default=True,
              help="Keep the validation fifth out of training and score it (the shipped model does).")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text", show_default=True)
def train_impact(naid_dir: Path, conferences: Path | None, out_dir: Path, holdout: bool, fmt: str) -> None:
    """Train the AI Score model (predicted TNCSI_SP) and write its artifact."""
    try:
        from paperscope.impact.train import train
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise click.ClickException(f"{exc}; install the training extra: pip install 'paperscope[train]'") from exc

    with err.status("training the impact model") as status:
        result = train(naid_dir, out_dir, conferences=conferences, holdout=holdout,
                       progress=lambda message: status.update(message))
    summary = {"artifact": str(result.artifact), "validation": result.validation,
               "cross_validation": result.cross_validation, "train_rows": result.train_rows,
               "blend": result.blend, "seconds": round(result.seconds, 1)}
    if fmt == "json":
        sys.stdout.buffer.write(orjson.dumps(summary, option=orjson.OPT_INDENT_2) + b"\n")
        return
    v = result.validation
    figures = (f"validation n={v['n']} NDCG@20 {v['ndcg@20']:.4f} MAE {v['mae']:.4f} "
               f"Spearman {v['spearman']:.4f}" if v else "no holdout")
    click.echo(f"wrote {result.artifact} in {result.seconds:.0f} s; {figures}")
