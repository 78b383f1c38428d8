"""Recast documents into question/answer demonstrations for tasks that answer from documents.

Each passage (a chunk of the task's documents, cut by ``taskladder.retrieval`` with the same
settings the RAG rung uses) goes to a model that writes questions the passage answers, with
their answers. The passage becomes the row's context, shown with the input exactly as the
retrieval rung shows retrieved chunks; the answer is the row's output.
"""

from __future__ import annotations

import asyncio
import json
import random
from typing import TYPE_CHECKING, Any

from ...errors import ConfigError
from ...retrieval import chunk_documents, load_documents
from ..context import StepContext, StepReport
from ..lineage import prompt_hash
from ..rows import TASK_VIEW, SynthRow, child_lineage
from .common import add_reasons, parse_rows, row_keys, task_brief

if TYPE_CHECKING:
    from ...retrieval.chunking import ChunkMode

SYSTEM = (
    "You turn a document passage into demonstrations for the task below: inputs a user would "
    "really send that the passage alone answers, each with the correct output, written exactly as "
    "the task's output format asks.\n\n"
)


def recast_messages(brief: str, chunk: dict[str, str], k: int, keys: list[str]) -> list[dict[str, str]]:
    user = (
        f"Passage [source: {chunk['id']}]:\n{chunk['text']}\n\n"
        f"Write {k} demonstration(s) answered by this passage. Reply with a JSON array of {k} "
        f"object(s), each with exactly the keys {json.dumps(keys)}."
    )
    return [{"role": "system", "content": SYSTEM + brief}, {"role": "user", "content": user}]


async def recast_rows(
    rows: list[SynthRow], ctx: StepContext, *, model: str, per_chunk: int = 1, max_chunks: int | None = None,
    chunking: ChunkMode = "tokens", size: int = 200, overlap: int = 40, documents: list[str] | None = None,
    params: dict[str, Any] | None = None, name: str = "recast",
) -> tuple[list[SynthRow], StepReport]:
    """Append ``per_chunk`` rows per passage (up to ``max_chunks`` passages, a seeded sample).

    ``chunking``/``size``/``overlap`` are the retrieval settings (tokens or sections; size and
    overlap in tokens); ``documents`` overrides the task's, resolved from the recipe's folder.
    """

    paths = documents or ctx.task.spec.documents
    if not paths:
        raise ConfigError(f"step '{name}': the task lists no `documents` and the step names none")
    base = ctx.task.base_dir if not documents else ctx.base_dir
    found = chunk_documents(load_documents(paths, base), mode=chunking, size=size, overlap=overlap)
    chunks = [{"id": c.id, "text": c.display_text} for c in found]
    if max_chunks is not None and len(chunks) > max_chunks:
        keep = sorted(random.Random(f"{ctx.seed}:{name}").sample(range(len(chunks)), max_chunks))
        chunks = [chunks[i] for i in keep]
    spec = ctx.spec(TASK_VIEW)
    labels = ctx.labels(TASK_VIEW)
    keys = row_keys(spec)
    brief = task_brief(spec, labels)
    jobs = [(chunk, recast_messages(brief, chunk, per_chunk, keys)) for chunk in chunks]

    before = ctx.calls.counts(model)
    results = await asyncio.gather(*(ctx.calls.call(model, m, params) for _, m in jobs))
    times = ctx.calls.times([key for _, key in results])
    model_id = ctx.calls.model_id(model)
    made: list[SynthRow] = []
    reasons: dict[str, int] = {}
    for (chunk, messages), (outcome, key) in zip(jobs, results):
        if outcome.error:
            reasons["call_error"] = reasons.get("call_error", 0) + 1
            continue
        parsed, why = parse_rows(outcome.text, spec, labels)
        add_reasons(reasons, why)
        for j, (inputs, outputs) in enumerate(parsed[:per_chunk]):
            made.append(SynthRow(
                id=f"{name}~{chunk['id']}-{j}", inputs=inputs, outputs=outputs, context=[dict(chunk)],
                lineage=child_lineage(None, transform="recast", created_at=times[key], model=model_id,
                                      prompt_hash=prompt_hash(messages), source_ids=[f"doc:{chunk['id']}"],
                                      params={"chunk": chunk["id"], "item": j}),
            ))
    c = ctx.calls.counts(model).minus(before)
    report = StepReport(name=name, step="recast", rows_in=len(rows), rows_out=len(rows) + len(made),
                        added=len(made), reasons=reasons, model=model, calls=c.calls, cached_calls=c.cached_calls,
                        errors=c.errors, note=f"{len(chunks)} passages")
    return rows + made, report
