"""taskladder: evaluate every reasonable option on your own task, cheapest first.

The public API is small and stable::

    from taskladder import load_task, evaluate, compare, climb

    task = load_task("task.yaml")
    a = evaluate(task, "baseline/tfidf-lr")          # a stored, resumable run
    b = evaluate(task, "baseline/knn-bm25")
    a.summary.score, a.summary.ci_low, a.summary.ci_high
    compare(a, b).p_value                             # paired test on shared examples

Everything else lives in the domain packages (``task``, ``models``, ``runner``, ``store``,
``metrics``, ``ladder`` ...). Names resolve lazily, so ``import taskladder`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .errors import TaskladderError

__version__ = "0.1.0"

# name -> (module, attribute): the whole public surface, loaded on first use.
_PUBLIC = {
    "load_task": ("taskladder.task", "load_task"),
    "load_models": ("taskladder.models.config", "load_models"),
    "evaluate": ("taskladder.runner", "evaluate"),
    "compare": ("taskladder.runner", "compare_runs"),
    "climb": ("taskladder.ladder", "climb"),
    "PipelineSpec": ("taskladder.pipeline", "PipelineSpec"),
    "Predictor": ("taskladder.models.base", "Predictor"),
    "Prediction": ("taskladder.models.base", "Prediction"),
    "Store": ("taskladder.store", "Store"),
    "RunResult": ("taskladder.runner", "RunResult"),
    "RunSummary": ("taskladder.store", "RunSummary"),
}

__all__ = [
    "__version__", "TaskladderError", "load_task", "load_models", "evaluate", "compare", "climb", "PipelineSpec",
    "Predictor", "Prediction", "Store", "RunResult", "RunSummary",
]

if TYPE_CHECKING:
    from .ladder.climb import climb
    from .models.base import Prediction, Predictor
    from .models.config import load_models
    from .pipeline import PipelineSpec
    from .runner import RunResult
    from .runner import compare_runs as compare
    from .runner.evaluate import evaluate
    from .store import RunSummary, Store
    from .task import load_task


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _PUBLIC[name]
    except KeyError:
        raise AttributeError(f"module 'taskladder' has no attribute '{name}'") from None
    value = getattr(import_module(module), attribute)
    globals()[name] = value  # resolved once
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
