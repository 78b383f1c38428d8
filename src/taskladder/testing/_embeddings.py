"""Deterministic pseudo-embeddings for ``POST /v1/embeddings``.

Feature hashing of lower-cased words (signed buckets, L2-normalised): the same text always gets
the same vector, and texts that share words get a higher cosine similarity, so retrieval code
sees meaningful neighbours without a model.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import struct
from typing import Any

_WORDS = re.compile(r"\w+")


def pseudo_embedding(text: str, dim: int) -> list[float]:
    vec = [0.0] * dim
    tokens = _WORDS.findall(text.lower()) or [text]
    for token in tokens:
        h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
        vec[h % dim] += 1.0 if (h >> 63) & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vec))
    if norm == 0.0:  # every word cancelled out: fall back to one bucket picked by the whole text
        h = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
        vec[h % dim], norm = 1.0, 1.0
    return [v / norm for v in vec]


def encode_vector(vec: list[float], encoding_format: str) -> list[float] | str:
    """Floats, or the SDK's default ``base64`` format (little-endian float32)."""
    if encoding_format == "base64":
        return base64.b64encode(struct.pack(f"<{len(vec)}f", *vec)).decode()
    return vec


def embedding_inputs(raw: Any) -> list[str]:
    """``input`` as texts: a string, a list of strings, or token ids (rendered as text)."""
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list):
        if raw and all(isinstance(x, int) for x in raw):
            return [" ".join(map(str, raw))]
        return [x if isinstance(x, str) else " ".join(map(str, x)) for x in raw]
    raise ValueError("'input' must be a string or a list")


def embeddings_body(model: str, vectors: list[list[float] | str], tokens: int) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(vectors)],
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }
