"""Where taskladder keeps its state. Passed explicitly; no global mutable settings."""

from __future__ import annotations

import os
from pathlib import Path


def home_dir() -> Path:
    """``TASKLADDER_HOME`` or ``./.taskladder``; created on first use."""
    path = Path(os.environ.get("TASKLADDER_HOME", ".taskladder")).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path
