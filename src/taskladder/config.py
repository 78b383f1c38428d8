"""Kept for importers of ``taskladder.config.home_dir``; settings live in ``taskladder.settings``."""

from __future__ import annotations

from pathlib import Path

from .settings import Settings


def home_dir() -> Path:
    """``TASKLADDER_HOME`` or ``./.taskladder``; created on first use. Prefer ``Settings.home_dir()``."""
    return Settings.from_env().home_dir()
