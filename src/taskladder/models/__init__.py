"""Models: everything that answers an example (LLMs, baselines, scripted models)."""

from .base import BatchPredictor, Prediction, Usage

__all__ = ["BatchPredictor", "Prediction", "Usage"]
