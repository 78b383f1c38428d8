"""A small in-process cache of built indices, keyed by the content hash of the chunks.

Every rung of a climb that uses retrieval builds a retriever over the same chunks; with the
cache, the BM25 index or the embedding matrix is built once per process and shared (indices
are read-only after building). Bounded, so a long session does not keep every corpus alive.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .chunking import Chunk

T = TypeVar("T")


def chunks_digest(chunks: Sequence[Chunk]) -> str:
    """sha256 over the chunks' ids and indexed texts, in order."""
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(chunk.id.encode("utf-8"))
        h.update(b"\x00")
        h.update(chunk.display_text.encode("utf-8"))
        h.update(b"\x01")
    return h.hexdigest()


class IndexCache:
    """LRU of built indices; ``get_or_build(key, build)`` builds at most once per key."""

    def __init__(self, max_entries: int = 8):
        self.max_entries = max_entries
        self._items: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_build(self, key: tuple[Any, ...], build: Callable[[], T]) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
        value = build()  # outside the lock: building can take seconds
        with self._lock:
            self.misses += 1
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.max_entries:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# The process-wide default, like the loaded embedding model: a cache, not a setting.
DEFAULT_INDEX_CACHE = IndexCache()
