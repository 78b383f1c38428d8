"""A training run's lineage: stored as a run in the store, and read back from a tuned model's folder.

Both ``taskladder tune`` and the climb's ``finetune`` rung record their training the same
way, so ``taskladder runs`` lists every tuned model with its dataset hash, base model,
hyper-parameters, seed, wall time, tokens and cost.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..local.source import models_dir
from ..store.records import RunInfo

if TYPE_CHECKING:
    from ..store import Store
    from ..task import Task

LINEAGE_FILE = "taskladder-tune.json"


def store_tune_run(store: "Store", task: "Task", lineage: dict[str, Any]) -> str:
    """Save one training run (``TuneResult.lineage()``) as a finished run; its run id."""
    run_id = f"tune-{lineage['name']}-{int(time.time())}"
    info = RunInfo(run_id=run_id, task=task.name, task_fingerprint=task.fingerprint(),
                   model=f"local/{lineage['name']}", split="train", pipeline={"kind": "tune", **lineage},
                   status="finished", created_at=time.time())
    store.save_run(info, run_key=run_id)
    return run_id


def stored_lineage(home: Path, name: str) -> dict[str, Any] | None:
    """The lineage a finished ``tune`` wrote next to ``local/NAME`` (None: no such tuned model)."""
    path = models_dir(home) / name / LINEAGE_FILE
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def tuned_name(task_name: str, base: str, data_hash: str, hyper: dict[str, Any]) -> str:
    """A deterministic name for the model a climb tunes: the same task data, base and settings
    give the same name, so a second climb reuses the model instead of training it again."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", f"{task_name}-{base.removeprefix('local/')}").strip("-").lower()[:40]
    key = hashlib.sha256(json.dumps([data_hash, base, hyper], sort_keys=True).encode()).hexdigest()[:8]
    return f"ft-{slug}-{key}"


def training_cost_usd(seconds: float, price_per_machine_hour: float | None) -> float:
    """Measured compute time at the machine's hourly price ($0 when none is given)."""
    return seconds / 3600 * (price_per_machine_hour or 0.0)
