"""What the loopback server received, for tests to inspect."""

from __future__ import annotations

import threading
from typing import Any

from pydantic import BaseModel, ConfigDict


class ReceivedRequest(BaseModel):
    """One request as received. The Authorization header's value is never kept, only its presence."""

    model_config = ConfigDict(frozen=True)

    index: int  # position in arrival order; the index ``FaultPlan.by_index`` refers to
    method: str
    path: str
    body: Any = None  # parsed JSON, or None (no body / not JSON)
    received_at: float  # time.time() when the request was fully read
    has_authorization: bool
    fault: str | None = None  # the fault injected into the answer, if any


class RequestLog:
    """A thread-safe, append-only list of ``ReceivedRequest`` (the server thread appends)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[ReceivedRequest] = []

    @property
    def lock(self) -> threading.Lock:
        return self._lock

    def append_locked(self, item: ReceivedRequest) -> None:
        """Append; the caller holds ``lock`` (so index assignment and append are one step)."""
        self._items.append(item)

    def next_index_locked(self) -> int:
        return len(self._items)

    def snapshot(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._items)

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def clear_locked(self) -> None:
        self._items.clear()
