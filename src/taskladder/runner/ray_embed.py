"""Embedding shards encoded as Ray tasks (``--backend ray``): embedding baselines on large tables.

``embed_texts`` keeps the cache on the driver and hands only its misses here (``embeddings.remote``
hook, entered with the Ray backend's scope). They are cut into shards, about two per CPU of the
cluster and at most ``MAX_SHARD`` texts, each encoded by ``embeddings.remote.encode_shard`` on a
worker, which loads the embedder once per worker process and keeps it for the next shard. Each
shard comes back as soon as it is done and the driver caches it at once. The vectors are the
same model's with the same options (the driver's ``load_options``), so baselines fitted on them
predict what they predict locally.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..embeddings.remote import encode_shard
from .ray_tasks import unordered

MAX_SHARD = 2048  # texts per task: the local path's cache-write chunk, so a kill loses as little
SHARDS_PER_CPU = 2  # a little more than one, so a slow node does not hold up the end


class RayEncoder:
    """An ``embeddings.remote.Encoder`` that encodes shards on the Ray cluster's CPUs."""

    def __init__(self, shard_size: int | None = None):
        self._shard_size = shard_size

    def shard_size(self, n: int, batch_size: int) -> int:
        """``SHARDS_PER_CPU`` shards per CPU of the cluster, at most ``MAX_SHARD`` texts."""
        if self._shard_size:
            return self._shard_size
        return max(batch_size, min(MAX_SHARD, math.ceil(n / (_cluster_cpus() * SHARDS_PER_CPU))))

    def encode(
        self, name: str, shards: list[list[str]], batch_size: int, options: dict[str, Any]
    ) -> Iterator[tuple[int, np.ndarray]]:
        yield from unordered(encode_shard, [(name, shard, batch_size, options) for shard in shards])


def _cluster_cpus() -> int:
    import ray

    return max(1, int(ray.cluster_resources().get("CPU", 1)))
