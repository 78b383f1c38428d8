"""Verifier filters: domain checks from ``taskladder.verify`` applied to dataset rows.

* ``json_schema``: every JSON output field with a schema in the task must satisfy it;
* ``back_translation``: a translation row is translated back with a model (the inverse task's
  prompt) and kept when chrF++ between the source and its back-translation reaches the
  threshold (0–1). Translation rows and their inverse (flip) rows are both checked.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from ..errors import ConfigError
from ..prompt import parse_output, render_messages
from ..prompt.values import value_text
from ..task import Example, TaskSpec
from ..verify import back_translation_score, check_json
from .context import StepContext, StepReport
from .report import _Collector
from .rows import FLIP_VIEW, TASK_VIEW, SynthRow
from .transforms.flip import inverse_spec

VERIFIERS = ("json_schema", "back_translation")


def _schema_fields(spec: TaskSpec) -> dict[str, dict[str, Any]]:
    return {n: f.schema_ for n, f in spec.outputs.items() if f.type == "json" and f.schema_}


def json_schema_filter(rows: list[SynthRow], ctx: StepContext, *, name: str = "verify:json_schema") -> tuple[list[SynthRow], StepReport]:
    if not _schema_fields(ctx.spec(TASK_VIEW)):
        raise ConfigError(f"step '{name}': the task has no JSON output field with a `schema` to verify against")
    out = _Collector(name, len(rows), rule="JSON output fields satisfy the task's schema")
    kept: list[SynthRow] = []
    for row in rows:
        fields = _schema_fields(ctx.spec(row.view)) if row.is_task_row else {}
        bad = next((f for f, schema in fields.items()
                    if not check_json(json.dumps(row.outputs.get(f), ensure_ascii=False), schema).passed), None)
        if bad is None:
            kept.append(row)
        else:
            out.remove(row.id, f"schema_violation:{bad}")
    rep = out.report
    return kept, StepReport(name=name, step="verify", rows_in=len(rows), rows_out=len(kept), removed=rep.removed,
                            reasons=dict(rep.reasons), filter=rep)


def _back_spec(ctx: StepContext, view: str, instructions: str | None) -> TaskSpec:
    """The spec that translates a ``view`` row's output back into its input."""
    if view == FLIP_VIEW:
        return ctx.spec(TASK_VIEW)
    if FLIP_VIEW in ctx.views and not instructions:
        return ctx.views[FLIP_VIEW]
    spec = ctx.spec(TASK_VIEW)
    if len(spec.inputs) != 1 or len(spec.outputs) != 1:
        raise ConfigError("back_translation: the task needs exactly one input and one output field")
    if not instructions:
        raise ConfigError("back_translation: give `instructions` for the way back (or run a `flip` step first)")
    return inverse_spec(spec, {spec.inputs[0]: next(iter(spec.outputs))}, instructions)


async def back_translation_filter(
    rows: list[SynthRow], ctx: StepContext, *, model: str, threshold: float = 0.5, instructions: str | None = None,
    params: dict[str, Any] | None = None, name: str = "verify:back_translation",
) -> tuple[list[SynthRow], StepReport]:
    jobs: list[tuple[int, str, TaskSpec, list[dict[str, str]]]] = []
    for i, row in enumerate(rows):
        if not row.is_task_row or row.context:
            continue
        spec = ctx.spec(row.view)
        if len(spec.inputs) != 1 or len(spec.outputs) != 1:
            continue
        back = _back_spec(ctx, row.view, instructions)
        out_value = value_text(next(iter(row.outputs.values())))
        ex = Example(id=row.id, inputs={back.inputs[0]: out_value})
        jobs.append((i, value_text(row.inputs.get(spec.inputs[0])), back, render_messages(back, ex, [])))
    before = ctx.calls.counts(model)
    results = await asyncio.gather(*(ctx.calls.call(model, m, params) for *_, m in jobs))
    out = _Collector(name, len(rows), rule=f"chrF++ of the back-translation by {model} >= {threshold:g} (0-1)")
    drop: set[int] = set()
    for (i, source, back, _), (outcome, _key) in zip(jobs, results):
        if outcome.error:
            out.remove(rows[i].id, "verify_error")
            drop.add(i)
            continue
        parsed = parse_output(outcome.text, back)
        text = value_text(next(iter(parsed.output.values()))) if parsed.output else ""
        if back_translation_score(source, text) < threshold:
            out.remove(rows[i].id, f"back_translation_below_{threshold:g}")
            drop.add(i)
    kept = [r for i, r in enumerate(rows) if i not in drop]
    c = ctx.calls.counts(model).minus(before)
    rep = out.report
    return kept, StepReport(name=name, step="verify", rows_in=len(rows), rows_out=len(kept), removed=rep.removed,
                            reasons=dict(rep.reasons), model=model, calls=c.calls, cached_calls=c.cached_calls,
                            errors=c.errors, filter=rep)
