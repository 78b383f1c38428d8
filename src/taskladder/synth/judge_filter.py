"""LLM-judge filter: a model scores each demonstration 1–10; rows below a threshold go.

The score is parsed robustly, since judges reply in many shapes: a JSON object
(``{"score": 7}``, fenced or inside prose), ``Score: 7``, ``7/10``, ``Rating: 7 out of 10``, or a
bare number. A reply with no score in 1–10 removes the row under ``judge_unparsed`` (a filter
that cannot tell keeps nothing it has not checked); a failed call under ``judge_error``.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from ..prompt.extract import find_key, is_missing, json_objects, loads_whole, unfence
from ..prompt.render import render_query
from .context import StepContext, StepReport
from .render import render_row
from .report import _Collector
from .rows import SynthRow

SYSTEM = (
    "You grade demonstrations for training a model on the task below. Judge the output for the "
    "input: is it correct and complete, does it follow the instructions and the answer format, and "
    "would you want a model to learn from it? Score from 1 (wrong or useless) to 10 (exemplary).\n"
    'Reply with one JSON object: {{"score": <integer 1-10>, "reason": "<one sentence>"}}.\n\n'
    "Task instructions: {instructions}"
)

_SCORE_KEYS = ("score", "rating", "grade")
_LABELLED = re.compile(r"(?i)\b(?:score|rating|grade)\b\s*(?:is|of|=|:)?\s*\**\s*(\d+(?:\.\d+)?)")
_OUT_OF = re.compile(r"(?i)(?<![\d.])(\d+(?:\.\d+)?)\s*(?:/|out of)\s*10\b")
_BARE = re.compile(r"^\s*\**(\d+(?:\.\d+)?)\**\s*\.?\s*$")


def _in_range(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        score = float(value)
    except (TypeError, ValueError):
        return None
    return score if 1.0 <= score <= 10.0 else None


def parse_score(text: str | None) -> float | None:
    """The 1–10 score in a judge's reply, or ``None`` when there is none."""
    if not text or not text.strip():
        return None
    body = unfence(text)
    whole = loads_whole(body)
    if isinstance(whole, (int, float)):
        return _in_range(whole)  # a bare number
    objects = [whole] if isinstance(whole, dict) else json_objects(body) or json_objects(text)
    for obj in objects:
        for key in _SCORE_KEYS:
            value = find_key(obj, key)
            if not is_missing(value):
                return _in_range(value)
    for pattern in (_LABELLED, _OUT_OF, _BARE):
        m = pattern.search(body)
        if m:
            return _in_range(m.group(1))
    return None


def judge_messages(row: SynthRow, instructions: str, input_text: str, rubric: str | None = None) -> list[dict[str, str]]:
    system = SYSTEM.format(instructions=instructions.strip())
    if rubric:
        system += f"\nWhat matters most: {rubric.strip()}"
    user = f"Input:\n{input_text}\n\nOutput:\n{row.answer}"
    if row.rationale:
        user += f"\n\nReasoning given before the output:\n{row.rationale}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


async def judge_filter(
    rows: list[SynthRow], ctx: StepContext, *, model: str, threshold: float = 7.0, rubric: str | None = None,
    params: dict[str, Any] | None = None, name: str = "judge",
) -> tuple[list[SynthRow], StepReport]:
    """Keep task rows the judge scores at least ``threshold``; general chat rows pass."""

    jobs: list[tuple[int, list[dict[str, str]]]] = []
    for i, row in enumerate(rows):
        if not row.is_task_row:
            continue
        spec = ctx.spec(row.view)
        rendered = render_row(row, ctx)
        query = render_query(spec, row.example(), row.context)["content"]
        jobs.append((i, judge_messages(rendered, spec.instructions or spec.name, query, rubric)))
    before = ctx.calls.counts(model)
    results = await asyncio.gather(*(ctx.calls.call(model, m, params) for _, m in jobs))
    out = _Collector(name, len(rows), rule=f"LLM judge {model}: score >= {threshold:g} of 10")
    scores: dict[int, float | None] = {}
    for (i, _), (outcome, _key) in zip(jobs, results):
        if outcome.error:
            out.remove(rows[i].id, "judge_error")
            scores[i] = None
            continue
        score = parse_score(outcome.text)
        scores[i] = score
        if score is None:
            out.remove(rows[i].id, "judge_unparsed")
        elif score < threshold:
            out.remove(rows[i].id, f"judge_below_{threshold:g}")
    kept: list[SynthRow] = []
    for i, row in enumerate(rows):
        if i not in scores:
            kept.append(row)
            continue
        judged = scores[i]
        if judged is not None and judged >= threshold:
            kept.append(row.model_copy(update={"judge_score": judged}))
    c = ctx.calls.counts(model).minus(before)
    rep = out.report
    return kept, StepReport(name=name, step="judge", rows_in=len(rows), rows_out=len(kept), removed=rep.removed,
                            reasons=dict(rep.reasons), model=model, calls=c.calls, cached_calls=c.cached_calls,
                            errors=c.errors, filter=rep)


__all__ = ["judge_filter", "judge_messages", "parse_score"]
