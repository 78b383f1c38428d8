"""Retrieval (RAG): a task's documents, chunked and indexed, searched for each example.

    docs = load_documents(["docs/"], base_dir=task_folder)
    chunks = chunk_documents(docs, mode="sections", size=200, overlap=40)
    retriever = make_retriever("bm25", k=4).fit(chunks)
    context = context_for(example, retriever)       # -> render_messages(..., context=context)
    report = retrieval_recall(task.dev, retriever)  # recall@k when rows name gold sources

or in one step from a pipeline's ``retrieval:`` block: ``build_retriever_for_task(task, spec)``.
"""

from .base import Retriever, ScoredChunk
from .chunking import CHUNK_MODES, Chunk, chunk_documents
from .context import as_context, context_for, contexts_for
from .dense import EmbeddingRetriever
from .documents import SUPPORTED, Document, document_files, load_documents, read_document
from .factory import STRATEGIES, build_retriever_for_task, make_retriever, task_chunks
from .gold import Gold, example_recall, gold_from_extra, passage_matches, source_matches
from .hybrid import HybridRetriever
from .index_cache import DEFAULT_INDEX_CACHE, IndexCache, chunks_digest
from .lexical import BM25Retriever
from .recall import RecallReport, key_matches, recall_at_k, retrieval_recall
from .spec import RetrievalSpec, parse_retrieval_spec
from .tokens import count_tokens

__all__ = [
    "Document", "load_documents", "document_files", "read_document", "SUPPORTED",
    "Chunk", "chunk_documents", "CHUNK_MODES", "count_tokens",
    "Retriever", "ScoredChunk", "BM25Retriever", "EmbeddingRetriever", "HybridRetriever",
    "make_retriever", "build_retriever_for_task", "task_chunks", "STRATEGIES",
    "RetrievalSpec", "parse_retrieval_spec",
    "IndexCache", "DEFAULT_INDEX_CACHE", "chunks_digest",
    "context_for", "contexts_for", "as_context",
    "Gold", "gold_from_extra", "source_matches", "passage_matches", "example_recall",
    "recall_at_k", "key_matches", "retrieval_recall", "RecallReport",
]
