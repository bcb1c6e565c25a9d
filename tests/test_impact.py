"""The AI Score model: shipped artifact, numpy-only inference, the eval protocol's figures."""

from __future__ import annotations

import csv
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import orjson
import pytest
from click.testing import CliRunner

from paperscope.cli_eval import eval_group
from paperscope.impact import MODEL_VERSION, ImpactArtifactError, load_model, predict
from paperscope.impact.evaluate import evaluate, mae, ndcg_at_k, read_labelled_csv, spearman

SLICE = Path(__file__).parent / "fixtures" / "naid" / "naid_v1_validation_slice.csv"


def _slice_rows() -> list[dict[str, str]]:
    with open(SLICE, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _plain_ndcg(true: list[float], pred: list[float], k: int) -> float:
    # Textbook NDCG without tie handling: valid when the predictions are all distinct.
    order = sorted(range(len(pred)), key=lambda i: -pred[i])[:k]
    dcg = sum(true[i] / math.log2(rank + 2) for rank, i in enumerate(order))
    ideal = sum(g / math.log2(rank + 2) for rank, g in enumerate(sorted(true, reverse=True)[:k]))
    return dcg / ideal


# --- metrics -----------------------------------------------------------------------------
def test_perfect_prediction_scores_one_and_known_values() -> None:
    true = [0.9, 0.1, 0.5, 0.3]
    assert ndcg_at_k(true, true, k=20) == pytest.approx(1.0)
    assert spearman(true, true) == pytest.approx(1.0)
    assert spearman(true, [-x for x in true]) == pytest.approx(-1.0)
    assert mae(true, [x + 0.1 for x in true]) == pytest.approx(0.1)
    # Reversed ranking of gains 1, 0: DCG = 0/1 + 1/log2(3); ideal = 1.
    assert ndcg_at_k([1.0, 0.0], [0.0, 1.0], k=20) == pytest.approx(1 / math.log2(3))


def test_ndcg_matches_scikit_learn_including_ties() -> None:
    from sklearn import metrics  # a test extra: the protocol's own definition
    rng = np.random.default_rng(7)
    true = rng.random(300)
    for pred in (rng.random(300), np.round(rng.random(300), 1), np.full(300, 0.5)):
        for k in (5, 20, 300):
            assert ndcg_at_k(true, pred, k) == pytest.approx(metrics.ndcg_score([true], [pred], k=k))


# --- model -------------------------------------------------------------------------------
def test_shipped_model_predicts_deterministically_in_unit_interval() -> None:
    rows = _slice_rows()
    titles, abstracts = [r["title"] for r in rows], [r["abstract"] for r in rows]
    first = predict(titles, abstracts)
    again = load_model().predict(titles, abstracts, categories=["cs.CV"] * len(rows))
    assert first.shape == (len(rows),)
    assert np.all((first >= 0) & (first <= 1))
    assert np.array_equal(first, again)
    assert len(set(np.round(first, 6))) > len(rows) // 2  # varies with the text: not a constant
    assert load_model().version == MODEL_VERSION
    # Batch order does not change a paper's score.
    assert predict(titles[::-1], abstracts[::-1])[::-1] == pytest.approx(first, abs=1e-12)


def test_empty_batch_and_empty_text() -> None:
    assert predict([], []).shape == (0,)
    score = predict([""], [""])
    assert score.shape == (1,) and 0.0 <= score[0] <= 1.0


def test_model_loads_offline_without_scikit_learn() -> None:
    code = ("import sys; from paperscope.impact import predict; "
            "p = predict(['Attention is all you need'], ['We propose the Transformer.']); "
            "assert 0 <= p[0] <= 1; assert 'sklearn' not in sys.modules and 'torch' not in sys.modules; "
            "print(round(float(p[0]) * 100, 1))")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert 0.0 <= float(done.stdout) <= 100.0


def test_missing_artifact_names_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "impact_model.npz"
    with pytest.raises(ImpactArtifactError, match=r"impact_model\.npz"):
        load_model(missing)


@pytest.mark.parametrize("content", [b"not a zip file at all", b""])
def test_corrupt_artifact_names_the_file(tmp_path: Path, content: bytes) -> None:
    corrupt = tmp_path / "broken.npz"
    corrupt.write_bytes(content)
    with pytest.raises(ImpactArtifactError, match=r"broken\.npz"):
        load_model(corrupt)


def test_artifact_with_wrong_shapes_or_version_is_refused(tmp_path: Path) -> None:
    shipped = load_model()
    arrays = {"idf": shipped.idf[:10], "coef": shipped.coef[:10], "intercept": shipped.intercept,
              "calib_x": shipped.calib_x, "calib_y": shipped.calib_y, "version": MODEL_VERSION}
    small = tmp_path / "small.npz"
    np.savez(small, **arrays)
    with pytest.raises(ImpactArtifactError, match=r"small\.npz.*features"):
        load_model(small)
    other = tmp_path / "other.npz"
    np.savez(other, **(arrays | {"idf": shipped.idf, "coef": shipped.coef, "version": "impact-x-0"}))
    with pytest.raises(ImpactArtifactError, match="retrain"):
        load_model(other)


# --- eval command ------------------------------------------------------------------------
def test_eval_impact_json_on_the_slice() -> None:
    result = CliRunner().invoke(eval_group, ["impact", "--data", str(SLICE), "--format", "json"])
    assert result.exit_code == 0, result.output
    scores = orjson.loads(result.stdout)
    assert set(scores) == {"n", "ndcg@20", "mae", "spearman"}
    rows = _slice_rows()
    true = [float(r["TNCSI_SP"]) for r in rows]
    pred = [float(p) for p in predict([r["title"] for r in rows], [r["abstract"] for r in rows])]
    assert scores["n"] == len(rows) == 40
    assert scores["ndcg@20"] == pytest.approx(_plain_ndcg(true, pred, 20))
    assert scores["mae"] == pytest.approx(sum(abs(t - p) for t, p in zip(true, pred, strict=True)) / len(rows))
    assert -1.0 <= scores["spearman"] <= 1.0
    assert scores == pytest.approx(evaluate(true, pred))


def test_eval_impact_skips_unknown_labels_and_reports_them(tmp_path: Path) -> None:
    rows = _slice_rows()[:5]
    path = tmp_path / "with_unknown.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "title", "abstract", "TNCSI_SP"])
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row[k] for k in writer.fieldnames})
        writer.writerow({"id": "x", "title": "T", "abstract": "A", "TNCSI_SP": "-1.0"})
    papers = read_labelled_csv(path)
    assert len(papers.labels) == 5 and len(papers.skipped) == 1 and "row 6" in papers.skipped[0]
    result = CliRunner().invoke(eval_group, ["impact", "--data", str(path), "--format", "json"])
    assert result.exit_code == 0
    assert orjson.loads(result.stdout)["n"] == 5


def test_eval_impact_with_missing_model_fails_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.npz"
    result = CliRunner().invoke(
        eval_group, ["impact", "--data", str(SLICE), "--format", "json", "--model", str(missing)])
    assert result.exit_code != 0
    assert "nowhere.npz" in result.output


def test_eval_impact_rejects_csv_without_label(tmp_path: Path) -> None:
    path = tmp_path / "unlabelled.csv"
    path.write_text("id,title,abstract\n1,T,A\n", encoding="utf-8")
    result = CliRunner().invoke(eval_group, ["impact", "--data", str(path)])
    assert result.exit_code != 0
    assert "unlabelled.csv: missing column(s) TNCSI_SP" in result.output
