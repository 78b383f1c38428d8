"""What every page handler shares: the store, the optional task/models for rebuilding messages,
who is using the viewer, the CSRF secret, and a small cache of finished runs' record digests."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from ..models.config import ModelConfig
from ..store import Record, RunInfo, Store
from ..task import Task

DIGEST_CACHE_RUNS = 64  # finished runs whose digests stay in memory


@lru_cache(maxsize=4096)
def parse_expected(text: str) -> dict[str, Any]:
    """An expected output from its key. Cached: a label task has a handful of distinct ones.
    The dict is shared, so callers copy it before changing it."""
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


class Digest(NamedTuple):
    score: float | None
    parse_status: str
    error: str | None
    answer: str  # the answer key (store/keys.py): equal keys, same answer
    expected_key: str  # the expected output as canonical JSON (parsed only when a filter needs it)

    @property
    def expected(self) -> dict[str, Any]:
        return parse_expected(self.expected_key)

    @property
    def wrong(self) -> bool:
        return self.error is not None or self.parse_status != "ok" or (self.score is not None and self.score < 1.0)

    @property
    def failed(self) -> bool:
        return self.error is not None or self.parse_status != "ok"


@dataclass
class ViewState:
    store: Store
    csrf: str
    user: str = "you"
    task: Task | None = None
    models: dict[str, ModelConfig] = field(default_factory=dict)
    poll_seconds: float = 2.0
    climbs: Path | None = None  # where climb.json files live (taskladder-out), for each task's decision
    plans: dict[tuple[str, str], Any] = field(default_factory=dict)  # messages.py: (run, example) -> plan
    _digests: "OrderedDict[str, dict[str, Digest]]" = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, run_id: str) -> RunInfo | None:
        return self.store.get_run(run_id)

    def digests(self, info: RunInfo) -> dict[str, Digest]:
        """What a comparison filters on, per example id, without parsing whole records.
        A finished run's records no longer change, so its digests are kept (a few dozen runs);
        a running one's are read afresh each time."""
        with self.lock:
            hit = self._digests.get(info.run_id)
            if hit is not None:
                self._digests.move_to_end(info.run_id)
                return hit
        out = {eid: Digest(score, status, error, answer, expected or "{}")
               for eid, score, status, error, answer, expected in self.store.record_digests(info.run_id)}
        if info.status in ("finished", "failed"):
            with self.lock:
                self._digests[info.run_id] = out
                while len(self._digests) > DIGEST_CACHE_RUNS:
                    self._digests.popitem(last=False)
        return out

    def record(self, info: RunInfo, example_id: str) -> Record | None:
        return self.store.get_record(info.run_id, example_id)

    def context(self, **values: Any) -> dict[str, Any]:
        return {"csrf": self.csrf, "user": self.user, **values}
