"""The AI Score model: predicted TNCSI_SP (0–1) of a paper from its title and abstract.

Inference is numpy and the standard library only, so the default install needs no
scikit-learn. Features are hashed TF-IDF of title+abstract (word 1–2-grams and character
3–5-grams inside words, each block L2-normalised); the model is one linear function of them
followed by a monotone calibration curve. Training (:mod:`paperscope.impact.train`) writes the
artifact; this module reads it and must featurise text exactly as training did.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from pathlib import Path

import numpy as np

__all__ = [
    "ARTIFACT_NAME",
    "MODEL_VERSION",
    "ImpactArtifactError",
    "ImpactModel",
    "default_artifact_path",
    "hashed_counts",
    "load_model",
    "paper_text",
    "predict",
]

MODEL_VERSION = "impact-tfidf-ridge-1"
ARTIFACT_NAME = "impact_model.npz"

# Hash spaces: word n-grams in [0, 2**WORD_BITS), character n-grams in the next 2**CHAR_BITS.
WORD_BITS = 20
CHAR_BITS = 20
N_FEATURES = (1 << WORD_BITS) + (1 << CHAR_BITS)
CHAR_NGRAMS = (3, 4, 5)

_WORD = re.compile(r"(?u)\b\w\w+\b")
_ARTIFACT_KEYS = ("idf", "coef", "intercept", "calib_x", "calib_y", "version")


class ImpactArtifactError(RuntimeError):
    """The model artifact is missing, unreadable or not the one this code expects."""


def paper_text(title: str, abstract: str) -> str:
    """Give the one lower-cased text the features are computed from."""
    return f"{title or ''} . {abstract or ''}".lower()


def _hash(token: str, bits: int) -> int:
    # crc32 is stable across processes and Python versions (str hash() is salted).
    return zlib.crc32(token.encode("utf-8")) & ((1 << bits) - 1)


def hashed_counts(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Give (feature index, count) of a text's word 1–2-grams and in-word char 3–5-grams."""
    words = _WORD.findall(text)
    keys: list[int] = [_word_key(w) for w in words]
    keys += [_hash(f"{a} {b}", WORD_BITS) for a, b in pairwise(words)]
    # Counted once per distinct word: the char block describes vocabulary, not length.
    parts = [np.asarray(keys, dtype=np.int64), *(_char_keys(word) for word in set(words))]
    found = np.concatenate(parts)
    if not len(found):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    index, count = np.unique(found, return_counts=True)
    return index, count.astype(np.float64)


# Words recur across papers (Zipf): their hashes are kept rather than computed again; the
# features are the same (benchmarks/impact_features.py). ~130k words: ~40 MB per process.
@lru_cache(maxsize=1 << 17)
def _word_key(word: str) -> int:
    return _hash(word, WORD_BITS)


@lru_cache(maxsize=1 << 17)
def _char_keys(word: str) -> np.ndarray:
    """The char 3–5-gram features of one word, padded with a space each side."""
    padded = f" {word} "
    offset = 1 << WORD_BITS
    return np.array([offset + _hash(padded[i:i + n], CHAR_BITS)
                     for n in CHAR_NGRAMS for i in range(len(padded) - n + 1)], dtype=np.int64)


def count_matrix(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Give the raw counts of many texts as CSR arrays (indptr, indices, counts)."""
    indptr = [0]
    indices: list[np.ndarray] = []
    counts: list[np.ndarray] = []
    for text in texts:
        index, count = hashed_counts(text)
        indices.append(index)
        counts.append(count)
        indptr.append(indptr[-1] + len(index))
    if not indices:
        return np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.asarray(indptr, dtype=np.int64), np.concatenate(indices), np.concatenate(counts)


def tfidf_values(indptr: np.ndarray, indices: np.ndarray, counts: np.ndarray,
                 idf: np.ndarray) -> np.ndarray:
    """Give the TF-IDF values of CSR counts: sublinear tf × idf, each block L2-normalised."""
    values = (1.0 + np.log(counts)) * idf[indices]
    rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    block = (indices >= (1 << WORD_BITS)).astype(np.int64)
    slot = rows * 2 + block
    norms = np.sqrt(np.bincount(slot, weights=values * values, minlength=2 * (len(indptr) - 1)))
    norms[norms == 0] = 1.0
    return values / norms[slot]


@dataclass(frozen=True)
class ImpactModel:
    """A loaded artifact: idf and linear weights over the hashed features, and calibration."""

    idf: np.ndarray
    coef: np.ndarray
    intercept: float
    calib_x: np.ndarray
    calib_y: np.ndarray
    version: str
    path: Path

    def raw_scores(self, titles: Sequence[str], abstracts: Sequence[str]) -> np.ndarray:
        """Give the uncalibrated linear scores (used for ranking; calibration is monotone)."""
        if len(titles) != len(abstracts):
            raise ValueError(f"{len(titles)} titles but {len(abstracts)} abstracts")
        texts = [paper_text(t, a) for t, a in zip(titles, abstracts, strict=True)]
        indptr, indices, counts = count_matrix(texts)
        values = tfidf_values(indptr, indices, counts, self.idf)
        rows = np.repeat(np.arange(len(texts)), np.diff(indptr))
        return np.bincount(rows, weights=values * self.coef[indices], minlength=len(texts)) + self.intercept

    def predict(self, titles: Sequence[str], abstracts: Sequence[str],
                categories: Sequence[str | None] | None = None) -> np.ndarray:
        """Give predicted TNCSI_SP in [0, 1] for each paper.

        ``categories`` is accepted for a stable signature; this version does not use it (the
        NAID training data carries no arXiv categories).
        """
        del categories
        calibrated = np.interp(self.raw_scores(titles, abstracts), self.calib_x, self.calib_y)
        return np.clip(calibrated, 0.0, 1.0)


def default_artifact_path() -> Path:
    """Give the path of the artifact shipped inside the package."""
    return Path(str(resources.files("paperscope").joinpath("data", "impact", ARTIFACT_NAME)))


def _read_artifact(path: Path) -> ImpactModel:
    if not path.is_file():
        raise ImpactArtifactError(
            f"impact model artifact not found: {path} (train one with `paperscope train impact`)")
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in _ARTIFACT_KEYS if k not in npz.files]
            if missing:
                raise ImpactArtifactError(f"{path}: impact model artifact lacks {', '.join(missing)}")
            arrays = {k: npz[k] for k in _ARTIFACT_KEYS}
    except ImpactArtifactError:
        raise
    except Exception as exc:  # zipfile/zlib/ValueError: any unreadable file is the same problem
        raise ImpactArtifactError(f"{path}: impact model artifact is unreadable ({exc})") from exc
    idf, coef = arrays["idf"].astype(np.float64), arrays["coef"].astype(np.float64)
    if idf.shape != (N_FEATURES,) or coef.shape != (N_FEATURES,):
        raise ImpactArtifactError(
            f"{path}: expected {N_FEATURES} features, found idf {idf.shape} and coef {coef.shape}")
    calib_x, calib_y = arrays["calib_x"].astype(np.float64), arrays["calib_y"].astype(np.float64)
    if calib_x.ndim != 1 or calib_x.shape != calib_y.shape or len(calib_x) < 2 \
            or np.any(np.diff(calib_x) < 0):
        raise ImpactArtifactError(f"{path}: calibration curve is malformed")
    if not (np.all(np.isfinite(idf)) and np.all(np.isfinite(coef)) and np.isfinite(arrays["intercept"])):
        raise ImpactArtifactError(f"{path}: impact model artifact holds non-finite numbers")
    version = str(arrays["version"])
    if version != MODEL_VERSION:
        raise ImpactArtifactError(
            f"{path}: artifact is {version!r} but this code featurises for {MODEL_VERSION!r}; retrain")
    return ImpactModel(idf=idf, coef=coef, intercept=float(arrays["intercept"]), calib_x=calib_x,
                       calib_y=calib_y, version=version, path=path)


@lru_cache(maxsize=4)
def load_model(path: Path | None = None) -> ImpactModel:
    """Give the model stored at ``path`` (default: the shipped artifact), read once per path."""
    return _read_artifact(Path(path) if path is not None else default_artifact_path())


def predict(titles: Sequence[str], abstracts: Sequence[str],
            categories: Sequence[str | None] | None = None) -> np.ndarray:
    """Give predicted TNCSI_SP in [0, 1] per paper from the shipped model (AI Score / 100)."""
    return load_model().predict(titles, abstracts, categories)
