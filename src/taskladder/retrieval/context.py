"""Retrieved chunks in the shape ``taskladder.prompt.render_messages(context=...)`` reads."""

from __future__ import annotations

from collections.abc import Sequence

from ..task import Example
from .base import Retriever, ScoredChunk


def as_context(hits: Sequence[ScoredChunk]) -> list[dict[str, str]]:
    """``[{"id": chunk id, "text": ...}]``, best first: the prompt shows each text under
    ``[source: <id>]`` so the model (and a reader of the record) can cite where it came from."""
    return [{"id": hit.chunk.id, "text": hit.chunk.display_text} for hit in hits]


def context_for(example: Example, retriever: Retriever, k: int | None = None) -> list[dict[str, str]]:
    """The top-``k`` chunks for ``example``'s input text, as prompt context."""
    return as_context(retriever.search(example.input_text(), k))


def contexts_for(examples: Sequence[Example], retriever: Retriever, k: int | None = None) -> list[list[dict[str, str]]]:
    """``context_for`` for many examples, with the query-side work batched."""
    return [as_context(hits) for hits in retriever.search_many([e.input_text() for e in examples], k)]
