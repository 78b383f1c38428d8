"""Encoding texts somewhere else than this process (``--backend ray``), and what a worker runs.

``embed_texts`` keeps the cache in the calling process: it looks every text up, and only the
misses are encoded. When an ``Encoder`` is active (``use_encoder``, entered by the Ray backend's
scope), the misses are handed to it instead of the local model, in shards that it may answer in
any order; each shard is written to the cache as it arrives, so a run killed halfway keeps the
shards already done. ``encode_shard`` is what both paths run on one shard: in this process, or
on a worker, where ``load_model``'s per-process cache means a worker loads the embedder once
and keeps it for every shard it is given.

Why batches are formed here, not by sentence-transformers: a batch is padded to its longest
text, and a different padding changes a vector in its last bits (and a classifier's confidence
with it). Batches are cut once from all the misses sorted by length (as sentence-transformers
sorts), shards are runs of whole batches, and each batch is encoded on its own; so a text's
vector is the same bits whichever shard size, worker or backend encoded it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

import numpy as np

from .model import load_model


class Encoder(Protocol):
    """Encodes shards of texts somewhere else."""

    def shard_size(self, n: int, batch_size: int) -> int:
        """How many texts (whole batches) one shard of ``n`` misses should hold."""
        ...

    def encode(
        self, name: str, shards: list[list[str]], batch_size: int, options: dict[str, Any]
    ) -> Iterator[tuple[int, np.ndarray]]:
        """``(shard index, vectors)`` for every shard, in any order."""
        ...


_ACTIVE: ContextVar[Encoder | None] = ContextVar("taskladder_encoder", default=None)


def active_encoder() -> Encoder | None:
    """The encoder ``embed_texts`` sends its cache misses to here, or None (this process)."""
    return _ACTIVE.get()


@contextmanager
def use_encoder(encoder: Encoder | None) -> Iterator[None]:
    """Send the cache misses of every ``embed_texts`` call inside to ``encoder``."""
    token = _ACTIVE.set(encoder)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def plan_shards(texts: list[str], batch_size: int, shard_size: int) -> list[list[int]]:
    """Indices of ``texts`` in shards of ``shard_size`` (rounded up to whole batches): longest
    first, so each batch holds texts of similar length and pads little."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))  # stable: ties keep input order
    step = max(1, -(-shard_size // batch_size)) * batch_size
    return [order[s : s + step] for s in range(0, len(order), step)]


def encode_shard(name: str, texts: list[str], batch_size: int, options: dict[str, Any]) -> np.ndarray:
    """float32 unit rows for ``texts`` (a shard); ``options`` are ``load_model``'s (``load_options``)."""
    return encode_batches(load_model(name, **options), texts, batch_size)


def encode_batches(model: Any, texts: list[str], batch_size: int) -> np.ndarray:
    """float32 unit rows for ``texts``, encoded ``batch_size`` at a time, each batch on its own."""
    parts = [
        model.encode(
            texts[s : s + batch_size],
            batch_size=batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        for s in range(0, len(texts), batch_size)
    ]
    return np.concatenate([np.asarray(p, dtype=np.float32) for p in parts]) if parts else np.zeros((0, 0), np.float32)
