"""Import LiteLLM the one way taskladder does: lazily, offline, quietly.

It costs ~4 s and ~200 MB, so only paths that price or call a hosted model import it; it
must read its bundled price map (``LITELLM_LOCAL_MODEL_COST_MAP``) rather than fetch one;
and its import-time warnings from pydantic about its own types are not the user's concern.
"""

from __future__ import annotations

import functools
import os
import warnings
from typing import Any


@functools.lru_cache(maxsize=1)
def load_litellm() -> Any:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    # Raised lazily, at LiteLLM's first call, about LiteLLM's own TypedDicts: a narrow filter
    # for exactly that message, so no other warning of the user's process is hidden.
    warnings.filterwarnings("ignore", message=r".*using the `ReadOnly` qualifier.*", category=UserWarning)
    import litellm

    litellm.suppress_debug_info = True
    return litellm
