"""The AI Score: predicted impact (TNCSI_SP, a topic- and time-normalised citation
percentile) of a paper from its title and abstract. See docs/impact-model.md."""

from paperscope.impact.model import MODEL_VERSION, ImpactArtifactError, load_model, predict

__all__ = ["MODEL_VERSION", "ImpactArtifactError", "load_model", "predict"]
