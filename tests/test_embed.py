"""The embedders: the static embedder in the default install, checked against the reference
runtimes (Hugging Face tokenizers, model2vec) through recorded outputs in fixtures/embed/."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import EMBED_FIXTURES
from paperscope.embed import (
    Embedder,
    EmbedderArtifactError,
    EmbedderUnavailableError,
    StaticEmbedder,
    get_embedder,
    paper_text,
)
from paperscope.embed.models import STATIC_DIR

FIXTURES = EMBED_FIXTURES


@pytest.fixture(scope="module")
def texts(records: list[dict]) -> list[str]:
    return [paper_text(r["title"], r["abstract"]) for r in records]


@pytest.fixture(scope="module")
def reference() -> dict:
    return json.loads((FIXTURES / "reference.json").read_text())


@pytest.fixture(scope="module")
def static() -> StaticEmbedder:
    return StaticEmbedder()


def test_paper_text_joins_title_and_abstract_and_folds_whitespace() -> None:
    assert paper_text("Attention Is All You Need", "The dominant\nsequence  models") == (
        "Attention Is All You Need. The dominant sequence models"
    )
    assert paper_text("Why?", "Because.") == "Why? Because."
    assert paper_text("  A title ", None) == "A title"


def test_pooled_tokens_are_the_recorded_ones_cut_to_512(
    static: StaticEmbedder, texts: list[str], reference: dict
) -> None:
    # reference: Hugging Face tokenizers' ids for these texts, no special tokens, ≤ 512.
    unk = static.tokenizer.token_to_id("[UNK]")
    assert [static.token_ids(t) for t in texts] == [
        [i for i in ids if i != unk] for ids in reference["token_ids"]]


def test_tokenizer_non_ascii_and_special_tokens(static: StaticEmbedder) -> None:
    encoding = static.tokenizer.encode("Naïve Café [UNK] x\x0by 数", add_special_tokens=False)
    # Accents stripped, a written [UNK] kept whole, the control character dropped inside
    # the word, a character outside the vocabulary unknown (and left out of the pooling).
    assert encoding.tokens == ["naive", "cafe", "[UNK]", "x", "##y", "[UNK]"]
    assert [static.tokenizer.id_to_token(i) for i in static.token_ids("Naïve [UNK] 数")] == ["naive"]


def test_static_embeddings_match_model2vec(static: StaticEmbedder, texts: list[str], reference: dict) -> None:
    ours = static.embed(texts[:5])
    theirs = np.array(reference["static_vectors"], dtype=np.float32)
    theirs /= np.linalg.norm(theirs, axis=1, keepdims=True)
    assert ours.dtype == np.float32 and ours.shape == (5, 256)
    # model2vec pools in float16; we pool the same float16 table in float32.
    assert np.all((ours * theirs).sum(axis=1) > 0.9995)


def test_static_embeddings_are_deterministic_unit_rows(static: StaticEmbedder, texts: list[str]) -> None:
    first = static.embed(texts[:20])
    again = StaticEmbedder().embed(list(reversed(texts[:20])))[::-1]
    assert np.array_equal(first, again)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert static.name == "minilm-static-256" and static.dim == 256 and len(static.version) == 12
    assert isinstance(static, Embedder)


def test_empty_text_gives_a_zero_row(static: StaticEmbedder) -> None:
    out = static.embed(["", "graph neural networks"])
    assert not out[0].any() and abs(np.linalg.norm(out[1]) - 1) < 1e-5


def test_static_neighbours_agree_with_minilm_on_real_abstracts(
    static: StaticEmbedder, texts: list[str], reference: dict
) -> None:
    """The distilled model keeps MiniLM's notion of "close": top-5 neighbour sets overlap."""
    minilm = np.array(reference["minilm_vectors"], dtype=np.float32)
    ours = static.embed(texts)

    def top5(vectors: np.ndarray) -> np.ndarray:
        scores = vectors @ vectors.T
        np.fill_diagonal(scores, -np.inf)
        return np.argsort(-scores, axis=1)[:, :5]

    overlap = np.mean([len(set(a) & set(b)) / 5 for a, b in zip(top5(ours), top5(minilm), strict=True)])
    assert overlap > 0.2  # measured 0.30 here; chance is 5/118 ≈ 0.04


def copy_artifact(tmp_path: Path) -> Path:
    target = tmp_path / "minilm-static-256"
    shutil.copytree(STATIC_DIR, target)
    return target


def test_missing_artifact_file_is_named(tmp_path: Path) -> None:
    directory = copy_artifact(tmp_path)
    (directory / "model.safetensors").unlink()
    with pytest.raises(EmbedderArtifactError, match=r"model\.safetensors: missing"):
        StaticEmbedder(directory)


def test_damaged_weights_are_named(tmp_path: Path) -> None:
    directory = copy_artifact(tmp_path)
    weights = directory / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    with pytest.raises(EmbedderArtifactError, match=r"model\.safetensors: checksum"):
        StaticEmbedder(directory)
    with pytest.raises(EmbedderArtifactError, match=r"model\.safetensors: not a valid safetensors"):
        StaticEmbedder(directory, expected_sha256=None)


def test_damaged_tokenizer_is_named(tmp_path: Path) -> None:
    directory = copy_artifact(tmp_path)
    (directory / "tokenizer.json").write_text("{not json")
    with pytest.raises(EmbedderArtifactError, match=r"tokenizer\.json: unreadable tokenizer"):
        StaticEmbedder(directory)


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown embedder 'bert'"):
        get_embedder("bert")


def test_minilm_without_the_extra_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    # As on a default install, whatever this machine has: the extra cannot be imported.
    for module in ("torch", "sentence_transformers"):
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(EmbedderUnavailableError, match=r"pip install 'paperscope\[embed\]'"):
        get_embedder("minilm")
