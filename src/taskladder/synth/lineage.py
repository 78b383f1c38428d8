"""Moved to ``taskladder.lineage`` (layer 0), so finetune/ can use it without importing synth/."""

from ..lineage import Lineage, prompt_hash

__all__ = ["Lineage", "prompt_hash"]
