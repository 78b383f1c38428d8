"""Gold patches (repairs made in ``taskladder view``) applied the same way by every command.

Eval, steps, cascade and arena all load their task through ``with_gold_patches``, so a
correction or an "ambiguous" mark reaches every kind of run, and each run's summary says how
many patches it used (``RunPlan.gold_patches`` -> ``RunSummary.gold_patches``), which the
report, ``taskladder runs`` and the viewer's runs page show.
"""

from __future__ import annotations

from ..store import Store
from ..task import Task
from ..task.patches import apply_gold_patches


def with_gold_patches(task: Task, store: Store, split: str | None = None) -> tuple[Task, int]:
    """``task`` with the store's patches for it applied, and how many concern ``split``'s examples."""
    return apply_gold_patches(task, store.gold_patches(task.name), split)
