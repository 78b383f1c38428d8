"""Moved to ``taskladder.textsim`` (layer 0), so metrics/ and sampling/ can use it without importing verify/."""

from ..textsim import chrf

__all__ = ["chrf"]
