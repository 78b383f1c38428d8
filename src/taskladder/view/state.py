"""What every page handler shares: the store, the optional task/models for rebuilding messages,
who is using the viewer, the CSRF secret, and a small cache of finished runs' records."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from ..models.config import ModelConfig
from ..store import Record, RunInfo, Store
from ..task import Task

RECORD_CACHE_RUNS = 16  # finished runs whose records stay parsed in memory


@dataclass
class ViewState:
    store: Store
    csrf: str
    user: str = "you"
    task: Task | None = None
    models: dict[str, ModelConfig] = field(default_factory=dict)
    poll_seconds: float = 2.0
    _records: "OrderedDict[str, dict[str, Record]]" = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, run_id: str) -> RunInfo | None:
        return self.store.get_run(run_id)

    def records(self, info: RunInfo) -> dict[str, Record]:
        """The run's records by example id. A finished run's records no longer change, so they
        are parsed once and kept (a few runs); a running one's are read afresh each time."""
        with self._lock:
            hit = self._records.get(info.run_id)
            if hit is not None:
                self._records.move_to_end(info.run_id)
                return hit
        by_id = {r.example_id: r for r in self.store.iter_records(info.run_id)}
        if info.status in ("finished", "failed"):
            with self._lock:
                self._records[info.run_id] = by_id
                while len(self._records) > RECORD_CACHE_RUNS:
                    self._records.popitem(last=False)
        return by_id

    def context(self, **values: Any) -> dict[str, Any]:
        return {"csrf": self.csrf, "user": self.user, **values}
