"""Embeddings of papers (title + abstract) for nearest neighbours and Novelty.

See docs/embeddings.md for the embedders, their measured speed and quality.
"""

from paperscope.embed.models import (
    EMBED_EXTRA,
    Embedder,
    EmbedderArtifactError,
    EmbedderUnavailableError,
    MiniLMEmbedder,
    StaticEmbedder,
    get_embedder,
    paper_text,
)

__all__ = [
    "EMBED_EXTRA",
    "Embedder",
    "EmbedderArtifactError",
    "EmbedderUnavailableError",
    "MiniLMEmbedder",
    "StaticEmbedder",
    "get_embedder",
    "paper_text",
]
