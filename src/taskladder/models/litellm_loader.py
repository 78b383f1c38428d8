"""Import LiteLLM the one way taskladder does: lazily, offline, quietly.

It costs ~4 s and ~200 MB, so only paths that price or call a hosted model import it; it
must read its bundled price map (``LITELLM_LOCAL_MODEL_COST_MAP``) rather than fetch one;
and its import-time warnings from pydantic about its own types are not the user's concern.
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_COST_MAP_ENV = "LITELLM_LOCAL_MODEL_COST_MAP"


@functools.lru_cache(maxsize=1)
def load_litellm() -> Any:
    # Raised lazily, at LiteLLM's first call, about LiteLLM's own TypedDicts: a narrow filter
    # for exactly that message, so no other warning of the user's process is hidden.
    warnings.filterwarnings("ignore", message=r".*using the `ReadOnly` qualifier.*", category=UserWarning)
    with _bundled_cost_map():
        import litellm

    litellm.suppress_debug_info = True
    return litellm


@contextmanager
def _bundled_cost_map() -> Iterator[None]:
    """LiteLLM reads its price map once, while it is imported: ask for the bundled one for that
    import only (a value the user set wins), then leave the environment as it was."""
    if _COST_MAP_ENV in os.environ:
        yield
        return
    os.environ[_COST_MAP_ENV] = "True"
    try:
        yield
    finally:
        os.environ.pop(_COST_MAP_ENV, None)
