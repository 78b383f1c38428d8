"""``taskladder tune``: LoRA fine-tuning of a local model into a new ``local/NAME`` model."""

from .data import ChatPair, pairs_from_jsonl, pairs_from_task
from .train import TuneConfig, TuneResult, tune

__all__ = ["ChatPair", "TuneConfig", "TuneResult", "pairs_from_jsonl", "pairs_from_task", "tune"]
