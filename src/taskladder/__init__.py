"""taskladder: evaluate every reasonable option on your own task, cheapest first.

The public API is small and stable; everything else lives in private modules of the
domain packages (``task``, ``models``, ``runner``, ``store``, ``metrics`` ...).
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "load_task", "evaluate", "TaskladderError"]

from .errors import TaskladderError


def __getattr__(name: str):
    # Lazy so `import taskladder` stays cheap (no pandas / litellm at import time).
    if name == "load_task":
        from .task import load_task

        return load_task
    if name == "evaluate":
        from .runner import evaluate

        return evaluate
    raise AttributeError(name)
