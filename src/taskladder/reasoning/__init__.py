"""Explicit reasoning: self-generated rationales, kept only when they led to the right answer."""

from .bootstrap import RationaleSet, bootstrap_rationales

__all__ = ["RationaleSet", "bootstrap_rationales"]
