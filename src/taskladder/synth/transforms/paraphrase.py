"""Paraphrase/augment inputs: each selected row gives ``n`` rows whose input field(s) are
reworded by a model and whose outputs stay the same."""

from __future__ import annotations

import asyncio
from typing import Any

from ...prompt.extract import unfence
from ...prompt.values import value_text
from ..context import StepContext, StepReport, select_rows
from ..lineage import prompt_hash
from ..rows import SynthRow, child_lineage
from ..text import normalize

SYSTEM = (
    "You rewrite inputs for a training dataset of the task below. Keep the meaning, and every "
    "fact, name, number and detail that decides the answer; change the wording and the sentence "
    "structure. Keep the language of the original. Reply with the rewritten text only."
)


def paraphrase_messages(instructions: str, text: str, style: str | None = None) -> list[dict[str, str]]:
    system = SYSTEM + (f"\nStyle: {style.strip()}" if style else "") + f"\n\nTask: {instructions.strip()}"
    return [{"role": "system", "content": system}, {"role": "user", "content": text}]


_QUOTE_PAIRS = {'"': '"', "'": "'", "\u201c": "\u201d", "\u00ab": "\u00bb", "`": "`"}


def reply_text(reply: str) -> str:
    """The rewritten text: the reply without a code fence or quotes wrapped round all of it
    (punctuation inside is kept: it is part of the paraphrase)."""
    text = unfence(reply or "").strip()
    if len(text) >= 2 and _QUOTE_PAIRS.get(text[0]) == text[-1]:
        text = text[1:-1].strip()
    return text


async def paraphrase_rows(
    rows: list[SynthRow], ctx: StepContext, *, model: str, n: int = 1, fields: list[str] | None = None,
    of: list[str] | None = None, temperature: float = 0.7, style: str | None = None,
    params: dict[str, Any] | None = None, name: str = "paraphrase",
) -> tuple[list[SynthRow], StepReport]:
    """Append ``n`` paraphrased variants of every selected task row (variant ``i`` is sample
    ``i`` of the same prompt, so variants differ yet each one is cached)."""
    call_params = {"temperature": temperature, **(params or {})}
    jobs: list[tuple[SynthRow, int, str, list[dict[str, str]]]] = []
    for idx in select_rows(rows, of):
        row = rows[idx]
        if row.context:
            continue  # a recast row's question is tied to its passage
        spec = ctx.spec(row.view)
        names = fields or [f for f in spec.inputs if isinstance(row.inputs.get(f), str)]
        for field in names:
            text = value_text(row.inputs.get(field))
            if not text.strip():
                continue
            for i in range(n):
                jobs.append((row, i, field, paraphrase_messages(spec.instructions or spec.name, text, style)))

    before = ctx.calls.counts(model)
    results = await asyncio.gather(*(ctx.calls.call(model, m, call_params, sample_index=i) for _, i, _, m in jobs))
    times = ctx.calls.times([key for _, key in results])
    model_id = ctx.calls.model_id(model)
    made: list[SynthRow] = []
    reasons: dict[str, int] = {}
    seen: set[tuple[str, str, str]] = set()
    for (row, i, field, messages), (outcome, key) in zip(jobs, results):
        new = reply_text(outcome.text) if not outcome.error else ""
        reason = None
        if outcome.error:
            reason = "call_error"
        elif not new:
            reason = "empty_reply"
        elif normalize(new) == normalize(value_text(row.inputs.get(field))):
            reason = "unchanged"
        elif (row.id, field, normalize(new)) in seen:
            reason = "repeated_variant"
        if reason:
            reasons[reason] = reasons.get(reason, 0) + 1
            continue
        seen.add((row.id, field, normalize(new)))
        made.append(row.model_copy(update={
            "id": f"{row.id}~para-{field}-{i}", "inputs": {**row.inputs, field: new},
            "rationale": None, "rejected": [], "judge_score": None,
            "lineage": child_lineage(row, transform="paraphrase", created_at=times[key], model=model_id,
                                     prompt_hash=prompt_hash(messages), params={"field": field, "variant": i}),
        }))
    c = ctx.calls.counts(model).minus(before)
    report = StepReport(name=name, step="paraphrase", rows_in=len(rows), rows_out=len(rows) + len(made),
                        added=len(made), reasons=reasons, model=model, calls=c.calls,
                        cached_calls=c.cached_calls, errors=c.errors)
    return rows + made, report
