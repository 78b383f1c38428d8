"""``embed_texts``: sentence embeddings with a persistent content-hash cache."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..settings import Settings
from .cache import EmbeddingCache, content_key
from .model import DEFAULT_MODEL, KNOWN_DIMS, canonical_name, load_model, load_options
from .remote import active_encoder, encode_batches, plan_shards

log = logging.getLogger(__name__)

# Texts embedded between two cache writes: a run killed halfway keeps most of its work.
_WRITE_EVERY = 2048


def embedding_cache(settings: Settings | None = None) -> EmbeddingCache:
    """The cache at ``settings.embeddings_path``; without settings, the environment's
    (``<TASKLADDER_HOME>/embeddings.sqlite``). The one fallback for callers given no cache."""
    return EmbeddingCache((settings or Settings.from_env()).embeddings_path)


def embed_texts(
    texts: list[str],
    model: str = DEFAULT_MODEL,
    batch_size: int = 64,
    *,
    cache: EmbeddingCache | None = None,
    settings: Settings | None = None,
) -> np.ndarray:
    """Embed ``texts``: float32 array of shape (n, dim) with L2-normalised rows.

    Each distinct text is embedded at most once across runs: vectors are looked up in the
    SQLite cache by sha256(model, text), and only the misses go through the model.
    ``cache`` (default: ``embedding_cache(settings)``) says where vectors persist; ``settings``
    also says whether the model may contact a hub and how many torch threads it gets.
    """
    name = canonical_name(model)
    texts = [str(t) for t in texts]
    if not texts:
        dim = KNOWN_DIMS.get(name) or load_model(name, **load_options(settings or Settings.from_env())).get_sentence_embedding_dimension()
        return np.zeros((0, dim), dtype=np.float32)
    keys = [content_key(name, t) for t in texts]
    if cache is None:
        cache = embedding_cache(settings)
    found = cache.get_many(keys)
    missing = list(dict.fromkeys(k for k in keys if k not in found))
    if missing:
        text_of = dict(zip(keys, texts))
        log.info("embedding %d new texts with %s (%d cached)", len(missing), name, len(found))
        options = load_options(settings or Settings.from_env())
        for chunk, vectors in _encoded(name, missing, [text_of[k] for k in missing], batch_size, options):
            new = dict(zip(chunk, vectors))
            cache.put_many(name, new)
            found.update(new)
    out = np.stack([found[k] for k in keys]).astype(np.float32, copy=False)
    # Re-normalise: cached rows from a model that did not normalise stay unit length too.
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms == 0, 1.0, norms)


def _encoded(name: str, keys: list[str], texts: list[str], batch_size: int,
             options: dict[str, Any]) -> Iterator[tuple[list[str], np.ndarray]]:
    """(keys, vectors) shards of ``texts``: encoded here, or by the active remote encoder
    (``--backend ray``) in the order its shards finish. The same batches either way (``plan_shards``)."""
    remote = active_encoder()
    shards = plan_shards(texts, batch_size, remote.shard_size(len(texts), batch_size) if remote else _WRITE_EVERY)
    if remote is not None:
        for i, vectors in remote.encode(name, [[texts[j] for j in shard] for shard in shards], batch_size, options):
            yield [keys[j] for j in shards[i]], vectors
        return
    model = load_model(name, **options)
    for shard in shards:
        yield [keys[j] for j in shard], encode_batches(model, [texts[j] for j in shard], batch_size)
