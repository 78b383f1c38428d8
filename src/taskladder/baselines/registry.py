"""Baseline names and the factory that makes them: built-ins and ``taskladder.baselines`` plugins."""

from __future__ import annotations

from typing import Any

from ..embeddings.model import INSTALL_HINT, embed_extra_missing
from ..errors import TaskladderError
from ..models.base import BatchPredictor
from ..plugins import Plugin, registry
from .builtin import EMBED_C, TFIDF_C  # noqa: F401  (their old home; kept for importers)

PREFIX = "baseline/"

# name (after "baseline/") -> factory; pyproject.toml's [project.entry-points."taskladder.baselines"]
# says the same, and tests/test_plugins.py keeps the two equal.
BUILTIN_BASELINES: dict[str, str] = {
    "majority": "taskladder.baselines.majority:MajorityBaseline",
    "knn-bm25": "taskladder.baselines.builtin:knn_bm25",
    "knn-embed": "taskladder.baselines.builtin:knn_embed",
    "tfidf-lr": "taskladder.baselines.builtin:tfidf_lr",
    "embed-lr": "taskladder.baselines.builtin:embed_lr",
    "embed-tuned": "taskladder.baselines.embed_tuned:embed_tuned",
}

# Baselines that need the `embed` extra (torch + the bundled MiniLM model).
EMBEDDING_BASELINES: tuple[str, ...] = ("baseline/knn-embed", "baseline/embed-lr", "baseline/embed-tuned")

# Baselines that train a model for minutes: run when named (and by their own climb rung), left out
# of BASELINE_NAMES, which `eval -m baseline/all` and the climb's baseline rung run.
ON_REQUEST_BASELINES: tuple[str, ...] = ("baseline/embed-tuned",)


def missing_extra(name: str) -> str | None:
    """How to install what baseline ``name`` needs and this environment lacks, or None."""
    if name in EMBEDDING_BASELINES:
        missing = embed_extra_missing()
        if missing:
            return f"the `embed` extra ({INSTALL_HINT}; missing {', '.join(missing)})"
    return None


def baseline_plugins() -> dict[str, Plugin]:
    """Every baseline by its full name (``baseline/majority``), built-ins first."""
    return {PREFIX + name: plugin for name, plugin in registry("baselines", BUILTIN_BASELINES).items()}


def baseline_names() -> tuple[str, ...]:
    return tuple(baseline_plugins())


def default_baseline_names() -> tuple[str, ...]:
    return tuple(n for n in baseline_names() if n not in ON_REQUEST_BASELINES)


# Built-in baselines that take settings from a pipeline spec's ``params`` (keyword arguments of
# their factory): embed-lr the sentence-transformers folder to embed with (a mix the climb chose),
# embed-tuned the contrastive tuning's settings (ContrastiveConfig fields).
PARAM_BASELINES: tuple[str, ...] = ("baseline/embed-lr", "baseline/embed-tuned")


def make_baseline(name: str, params: dict[str, Any] | None = None) -> BatchPredictor:
    """A fresh, unfitted baseline by name (see ``BASELINE_NAMES``); ``params``: its spec's settings."""
    plugins = baseline_plugins()
    if name not in plugins:
        raise TaskladderError(f"unknown baseline '{name}'; use one of: {', '.join(plugins)}")
    if not params:
        return plugins[name].make(name)
    if plugins[name].builtin and name not in PARAM_BASELINES:
        raise TaskladderError(f"baseline '{name}' takes no params (got {', '.join(sorted(params))}); "
                              f"only {', '.join(PARAM_BASELINES)} do")
    return plugins[name].make(name, **params)


def __getattr__(attr: str) -> Any:
    # BASELINE_NAMES includes plugins, so it is read when asked for, not when this module is
    # imported: importing taskladder must not scan installed packages or import plugins.
    if attr == "BASELINE_NAMES":
        return default_baseline_names()
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")
