"""``make_retriever``: a retriever by strategy name, and one for a task's documents."""

from __future__ import annotations

from typing import Any

from ..embeddings.cache import EmbeddingCache
from ..embeddings.model import DEFAULT_MODEL
from ..errors import ConfigError
from ..task import Task
from .base import Retriever
from .chunking import Chunk, chunk_documents
from .dense import EmbeddingRetriever, EmbedFn
from .documents import document_files, read_document
from .hybrid import HybridRetriever
from .index_cache import DEFAULT_INDEX_CACHE, IndexCache
from .lexical import BM25Retriever
from .spec import RetrievalSpec, parse_retrieval_spec

STRATEGIES = ("bm25", "embedding", "hybrid")


def make_retriever(
    strategy: str = "bm25",
    k: int = 4,
    *,
    embed_fn: EmbedFn | None = None,
    model: str = DEFAULT_MODEL,
    cache: IndexCache | None = DEFAULT_INDEX_CACHE,
    embedding_cache: EmbeddingCache | None = None,
) -> Retriever:
    """An unfitted retriever; call ``.fit(chunks)`` before searching.

    ``embed_fn`` replaces the embedding model (tests, provider embeddings); ``cache`` shares
    built indices between retrievers over the same chunks (None: always build);
    ``embedding_cache`` is where the default model's vectors persist (None: the settings').
    """
    if strategy == "bm25":
        return BM25Retriever(k, cache=cache)
    if strategy == "embedding":
        return EmbeddingRetriever(k, embed_fn=embed_fn, model=model, cache=cache, embedding_cache=embedding_cache)
    if strategy == "hybrid":
        return HybridRetriever(
            k,
            lexical=BM25Retriever(k, cache=cache),
            dense=EmbeddingRetriever(k, embed_fn=embed_fn, model=model, cache=cache, embedding_cache=embedding_cache),
        )
    raise ConfigError(f"retrieval strategy '{strategy}' is unknown; use one of {', '.join(STRATEGIES)}")


def build_retriever_for_task(
    task: Task,
    retrieval_spec: RetrievalSpec | dict[str, Any] | None = None,
    *,
    embed_fn: EmbedFn | None = None,
    cache: IndexCache | None = DEFAULT_INDEX_CACHE,
    embedding_cache: EmbeddingCache | None = None,
) -> Retriever | None:
    """A fitted retriever over the task's ``documents:`` (paths resolve from the task YAML's
    folder), or None when the task declares no documents."""
    if not task.spec.documents:
        return None
    spec = parse_retrieval_spec(retrieval_spec)
    chunks = task_chunks(task, spec, cache=cache)
    return make_retriever(spec.strategy, spec.k, embed_fn=embed_fn, model=spec.model, cache=cache,
                          embedding_cache=embedding_cache).fit(chunks)


def task_chunks(task: Task, spec: RetrievalSpec, *, cache: IndexCache | None = DEFAULT_INDEX_CACHE) -> list[Chunk]:
    """The task's documents, chunked as ``spec`` says. Cached by the files' paths, sizes and
    modification times with the chunking settings: every rung of a climb reuses one
    chunking, and an edited document is read again."""
    files = document_files(task.spec.documents or [], task.base_dir)

    def build() -> list[Chunk]:
        docs = [read_document(path, doc_id) for path, doc_id in files]
        return chunk_documents(docs, mode=spec.chunking, size=spec.size, overlap=spec.overlap)

    if cache is None:
        return build()
    stamp = tuple((doc_id, str(path.resolve()), path.stat().st_mtime_ns, path.stat().st_size) for path, doc_id in files)
    return cache.get_or_build(("chunks", stamp, spec.chunking, spec.size, spec.overlap), build)
