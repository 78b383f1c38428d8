"""Retrieval: the task's documents searched for an example, as prompt context with source ids."""

from __future__ import annotations

from typing import Any

from ...errors import ConfigError
from ...retrieval import as_context, build_retriever_for_task, example_recall, gold_from_extra
from ...task import Example, Task


def retriever_for(task: Task, retrieval: dict[str, Any]):
    retriever = build_retriever_for_task(task, retrieval)
    if retriever is None:
        raise ConfigError(f"task '{task.name}': the pipeline asks for retrieval but the task lists no `documents`")
    return retriever


def retrieve(retriever, example: Example, k: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The context passages for ``example`` and what to trace: their ids and, when the row
    names its evidence, how much of it was retrieved."""
    hits = retriever.search(example.input_text(), k)
    context = as_context(hits)
    trace: dict[str, Any] = {"context_ids": [c["id"] for c in context]}
    gold = gold_from_extra(example.extra)
    if gold is not None:
        trace["retrieval_recall"] = example_recall(gold, [h.chunk for h in hits])
    return context, trace
