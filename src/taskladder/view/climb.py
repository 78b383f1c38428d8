"""The climb's decision for a task, read from the ``climb.json`` that ``taskladder climb`` writes
(``taskladder-out/TASK/climb.json`` by default). Read as plain, tolerant data: a file written by
another version shows what it has, and a missing or unreadable one shows nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def climb_decision(folder: Path | None, task: str) -> dict[str, Any] | None:
    """{"recommendation": {...} | None, "split", "test", "path"} for ``task``, or None."""
    if folder is None:
        return None
    path = folder / task / "climb.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("task", task) != task:
        return None
    rec = data.get("recommendation")
    test = data.get("test")
    return {"recommendation": rec if isinstance(rec, dict) else None, "split": data.get("split") or "dev",
            "test": test if isinstance(test, dict) else None, "path": str(path)}
