"""Train the AI Score model and write the numpy-only artifact that :mod:`.model` reads.

Needs scikit-learn and scipy (the ``[train]`` extra); inference does not. Deterministic:
the split is a hash of the NAID id, the folds use a fixed seed, and the solvers are exact or
run to a fixed tolerance.

The model is a stack of three ridge regressions over the same hashed TF-IDF features, which
collapses into one linear function because every part is linear:

* ``main``: TNCSI_SP of the NAID v1 training rows in the train part of the split;
* ``naid2023``: TNCSI of the NAID early-2023 release (other papers, an earlier label);
* ``conferences``: citation percentile within venue and year of Paper Copilot's conference
  papers (optional).

The blend weights are fitted on out-of-fold predictions of ``main`` (5 folds) over the train
part only; the validation part is scored once, at the end, and never used to choose anything.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from paperscope.impact.evaluate import evaluate
from paperscope.impact.model import (
    ARTIFACT_NAME,
    MODEL_VERSION,
    N_FEATURES,
    WORD_BITS,
    count_matrix,
    load_model,
    paper_text,
)

__all__ = ["HYPERPARAMETERS", "TrainingResult", "split_of", "train"]

SEED = 0
HYPERPARAMETERS: dict[str, Any] = {
    "min_df": 2,             # a hashed feature must occur in 2 training texts to get an idf
    "char_weight": 0.5,      # the char block's weight next to the word block
    "alpha_main": 1.0,
    "alpha_naid2023": 3.0,
    "alpha_conferences": 1.0,
    "conference_min_group": 50,  # venue-years with fewer cited papers give no percentile
    "folds": 5,
}
# Chosen by 5-fold cross-validation on the train part (see docs/impact-model.md). The
# NAID early-2022 release is left out on purpose: 1,167 of its papers are not NAID v1
# training papers and may be in the held-back v1 test split.

NAID_V1 = "naid_v1_train_2022.csv"
NAID_2023 = "naid_early_2023_tncsi.csv"

Progress = Callable[[str], None]


def split_of(naid_id: str) -> str:
    """Give "validation" for one NAID id in five (by SHA-1 of the id), else "train"."""
    digest = hashlib.sha1(naid_id.encode("utf-8"), usedforsecurity=False).hexdigest()
    return "validation" if int(digest, 16) % 5 == 0 else "train"


def _title_key(title: str) -> str:
    return re.sub(r"\W+", " ", title.lower()).strip()


@dataclass
class _Papers:
    titles: list[str] = field(default_factory=list)
    abstracts: list[str] = field(default_factory=list)
    labels: list[float] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    def add(self, title: str, abstract: str, label: float, paper_id: str = "") -> None:
        self.titles.append(title)
        self.abstracts.append(abstract)
        self.labels.append(label)
        self.ids.append(paper_id)

    @property
    def y(self) -> np.ndarray:
        return np.asarray(self.labels, dtype=np.float64)


def _read_csv(path: Path) -> Iterable[dict[str, str]]:
    csv.field_size_limit(1 << 30)
    if not path.is_file():
        raise FileNotFoundError(f"training data not found: {path}")
    with open(path, encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def read_naid_v1(path: Path) -> tuple[_Papers, _Papers]:
    """Give the (train, validation) parts of the NAID v1 training rows, label TNCSI_SP."""
    parts = {"train": _Papers(), "validation": _Papers()}
    for row in _read_csv(path):
        parts[split_of(row["id"])].add(row["title"], row["abstract"], float(row["TNCSI_SP"]), row["id"])
    return parts["train"], parts["validation"]


def read_naid_2023(path: Path, exclude_titles: set[str]) -> _Papers:
    """Give the NAID early-2023 papers with their TNCSI (titles in ``exclude_titles`` dropped)."""
    papers = _Papers()
    for row in _read_csv(path):
        if _title_key(row["title"]) not in exclude_titles and row["abstract"].strip():
            papers.add(row["title"], row["abstract"], float(row["TNCSI"]), row["id"])
    return papers


def read_conferences(path: Path, exclude_titles: set[str], min_group: int) -> _Papers:
    """Give conference papers labelled with their citation percentile within venue-year."""
    groups: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
    import orjson

    with gzip.open(path, "rb") as handle:
        for line in handle:
            paper = orjson.loads(line)
            cites, abstract, title = paper.get("gs_citation"), paper.get("abstract") or "", paper.get("title") or ""
            if cites is None or cites < 0 or not abstract.strip() or not title:
                continue
            groups[f"{paper['venue']}{paper['year']}"].append((title, abstract, float(cites)))
    papers = _Papers()
    for group in sorted(groups):
        members = groups[group]
        if len(members) < min_group:
            continue
        cites = np.array([m[2] for m in members])
        # Mid-rank percentile: ties share the mean of the ranks they span.
        order = np.argsort(cites, kind="stable")
        below = np.searchsorted(cites[order], cites, side="left")
        upto = np.searchsorted(cites[order], cites, side="right")
        percentile = (below + upto) / (2.0 * len(cites))
        for (title, abstract, _), label in zip(members, percentile, strict=True):
            if _title_key(title) not in exclude_titles:
                papers.add(title, abstract, float(label))
    return papers


def _counts(papers: _Papers) -> Any:
    import scipy.sparse as sp

    texts = [paper_text(t, a) for t, a in zip(papers.titles, papers.abstracts, strict=True)]
    indptr, indices, counts = count_matrix(texts)
    return sp.csr_matrix((counts, indices, indptr), shape=(len(papers.titles), N_FEATURES))


def _idf(matrices: list[Any], min_df: int) -> np.ndarray:
    df = np.zeros(N_FEATURES, dtype=np.int64)
    n = 0
    for matrix in matrices:
        df += np.bincount(matrix.indices, minlength=N_FEATURES)
        n += matrix.shape[0]
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    idf[df < min_df] = 0.0
    return idf


def _tfidf(counts: Any, idf: np.ndarray, char_weight: float) -> Any:
    """Apply the same transform as model.tfidf_values, with the char block scaled."""
    from paperscope.impact.model import tfidf_values

    matrix = counts.copy().astype(np.float64)
    matrix.data = tfidf_values(matrix.indptr, matrix.indices, matrix.data, idf)
    matrix.data *= np.where(matrix.indices >= (1 << WORD_BITS), char_weight, 1.0)
    matrix.eliminate_zeros()
    return matrix


def _ridge(features: Any, labels: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import Ridge

    # sparse_cg: deterministic, and fast on 10^5 rows x 2*10^6 sparse columns.
    model = Ridge(alpha=alpha, solver="sparse_cg").fit(features, labels)
    return np.asarray(model.coef_, dtype=np.float64), float(model.intercept_)


@dataclass
class TrainingResult:
    """What training wrote and measured."""

    artifact: Path
    validation: dict[str, float | int]
    train_rows: dict[str, int]
    blend: dict[str, float]
    cross_validation: dict[str, float | int]
    seconds: float


def train(naid_dir: Path, out_dir: Path, conferences: Path | None = None,
          holdout: bool = True, progress: Progress = lambda _: None) -> TrainingResult:
    """Train on ``naid_dir`` (and ``conferences`` if given), write the artifact to ``out_dir``.

    With ``holdout`` (the default, and the shipped model) the validation part of the split is
    never trained on and is scored at the end; without it, the model is refitted on all rows
    (same hyperparameters) and no validation figures are produced.
    """
    from sklearn.linear_model import LinearRegression
    from sklearn.model_selection import KFold

    started = time.perf_counter()
    hp = HYPERPARAMETERS
    train_part, validation = read_naid_v1(naid_dir / NAID_V1)
    if not holdout:
        for i in range(len(validation.titles)):
            train_part.add(validation.titles[i], validation.abstracts[i], validation.labels[i], validation.ids[i])
    v1_titles = {_title_key(t) for t in train_part.titles + validation.titles}
    sources = {"naid2023": read_naid_2023(naid_dir / NAID_2023, v1_titles)}
    if conferences is not None:
        progress(f"reading {conferences}")
        sources["conferences"] = read_conferences(conferences, v1_titles, hp["conference_min_group"])
    progress("featurising " + ", ".join(f"{k} {len(v.titles):,}" for k, v in
                                        {"naid_v1": train_part, **sources}.items()))
    counts_main = _counts(train_part)
    counts_aux = {name: _counts(papers) for name, papers in sources.items()}
    idf = _idf([counts_main, *counts_aux.values()], hp["min_df"])
    x_main = _tfidf(counts_main, idf, hp["char_weight"])
    y_main = train_part.y

    # Auxiliary models: fitted on other papers, so their predictions on NAID v1 are honest.
    weights: dict[str, tuple[np.ndarray, float]] = {}
    for name, papers in sources.items():
        progress(f"fitting {name} ({len(papers.titles):,} papers)")
        weights[name] = _ridge(_tfidf(counts_aux[name], idf, hp["char_weight"]), papers.y, hp[f"alpha_{name}"])

    progress(f"fitting main ({len(y_main):,} papers, {hp['folds']}-fold out-of-fold)")
    out_of_fold = np.zeros(len(y_main))
    for fit_rows, held_rows in KFold(hp["folds"], shuffle=True, random_state=SEED).split(x_main):
        coef, intercept = _ridge(x_main[fit_rows], y_main[fit_rows], hp["alpha_main"])
        out_of_fold[held_rows] = x_main[held_rows] @ coef + intercept
    weights["main"] = _ridge(x_main, y_main, hp["alpha_main"])
    names = ["main", *sources]
    stacked = np.column_stack([out_of_fold] + [x_main @ weights[n][0] + weights[n][1] for n in sources])
    blender = LinearRegression().fit(stacked, y_main)
    cv_scores = evaluate(y_main, np.clip(blender.predict(stacked), 0, 1))

    coef = np.zeros(N_FEATURES)
    intercept = float(blender.intercept_)
    for name, b in zip(names, blender.coef_, strict=True):
        coef += b * weights[name][0]
        intercept += b * weights[name][1]
    coef[1 << WORD_BITS:] *= hp["char_weight"]  # the model applies un-scaled per-block tf-idf

    out_dir.mkdir(parents=True, exist_ok=True)
    artifact = out_dir / ARTIFACT_NAME
    np.savez_compressed(
        artifact, idf=idf.astype(np.float32), coef=coef.astype(np.float32),
        intercept=np.float64(intercept), calib_x=np.array([0.0, 1.0]), calib_y=np.array([0.0, 1.0]),
        version=np.str_(MODEL_VERSION))
    load_model.cache_clear()
    model = load_model(artifact)

    validation_scores: dict[str, float | int] = {}
    if holdout:
        progress(f"scoring the validation part ({len(validation.titles):,} papers)")
        validation_scores = evaluate(validation.y, model.predict(validation.titles, validation.abstracts))
    return TrainingResult(
        artifact=artifact, validation=validation_scores,
        train_rows={"naid_v1": len(y_main), **{k: len(v.titles) for k, v in sources.items()}},
        blend={n: float(b) for n, b in zip(names, blender.coef_, strict=True)}
        | {"intercept": float(blender.intercept_)},
        cross_validation=cv_scores, seconds=time.perf_counter() - started)
