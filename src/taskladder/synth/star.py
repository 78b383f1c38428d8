"""Rationales for training rows, STaR-style, on top of ``reasoning.bootstrap_rationales``.

``bootstrap_rationales`` does the core: the model reasons its way to an answer on each row and
the rationale is kept only when the answer matches the gold output, or, for rows whose output
no one checked (model-written edge cases, recast documents), when it agrees with the majority of
several samples. This module adds what a dataset needs around it:

* rows of any view (the task or its inverse) and with lineage, not only a task's train split;
* *rationalization* (STaR): a failed row is retried with the gold answer in view; a rationale
  that then reaches the gold answer is kept and marked ``rationalized`` in its lineage;
* the model's wrong answer is kept as the row's ``rejected`` reply (a DPO pair against gold);
* rows that still have no verified rationale are dropped (counted by reason) unless
  ``keep_unverified``.

Rows with document context are left as they are (counted as ``skipped_has_context``):
``bootstrap_rationales`` renders prompts without context.
"""

from __future__ import annotations

from typing import Any

from ..metrics import get_metric
from ..prompt import parse_output, render_messages, render_output
from ..reasoning import bootstrap_rationales
from ..reasoning.bootstrap import SAMPLE_TEMPERATURE
from ..task import Example, Task
from .context import StepContext, StepReport, select_rows
from .lineage import prompt_hash
from .rows import TASK_VIEW, SynthRow, child_lineage

RATIONALIZE_HINT = (
    "(Hint: the correct answer is: {answer}\n"
    "Reason step by step to that answer as if you had worked it out yourself; do not mention the hint.)"
)


def _view_task(ctx: StepContext, view: str, examples: list[Example]) -> Task:
    """A task holding ``examples`` as its train split; the real task's rows sit in dev/test so
    label sets (and so prompts) match the ones the ladder renders."""
    t = ctx.task
    if view == TASK_VIEW:
        return Task(spec=t.spec, train=examples, dev=list(t.train) + list(t.dev), test=list(t.test), base_dir=t.base_dir)
    return Task(spec=ctx.spec(view), train=examples, dev=[], test=[], base_dir=t.base_dir)


def _mode(row: SynthRow, check: str) -> str:
    if check != "auto":
        return check
    # Rows descended from the task's data carry its gold output (a flip or a paraphrase keeps
    # it); rows a model wrote from a description or a document have only the model's word.
    return "gold" if row.origin == "source" else "majority"


async def star_rationales(
    rows: list[SynthRow], ctx: StepContext, *, model: str, check: str = "auto", samples: int = 3,
    rationalize: bool = False, keep_unverified: bool = False, of: list[str] | None = None,
    name: str = "rationales",
) -> tuple[list[SynthRow], StepReport]:
    """Add verified rationales to the selected task rows (see the module docstring)."""

    caller = ctx.calls.caller(model)
    model_id = ctx.calls.model_id(model)
    before = ctx.calls.counts(model)
    reasons: dict[str, int] = {}

    def count(reason: str) -> None:
        reasons[reason] = reasons.get(reason, 0) + 1

    groups: dict[tuple[str, str], list[int]] = {}
    for i in select_rows(rows, of):
        row = rows[i]
        if row.context:
            count("skipped_has_context")
        elif row.rationale:
            count("skipped_has_rationale")
        else:
            groups.setdefault((row.view, _mode(row, check)), []).append(i)

    replaced: dict[int, SynthRow | None] = {}  # index -> new row (None: dropped)
    kept = rationalized = 0
    for (view, mode), idxs in groups.items():
        spec = ctx.spec(view)
        examples = [rows[i].example() for i in idxs]
        vtask = _view_task(ctx, view, examples)
        labels = {k: vtask.labels(k) for k, o in spec.outputs.items() if o.type == "label"}
        gold = mode == "gold"
        result = await bootstrap_rationales(vtask, caller, n=len(examples), seed=ctx.seed, samples=samples,
                                            require_gold=gold)
        k = 1 if gold else max(samples, 3)
        params: dict[str, Any] = {} if k == 1 else {"temperature": SAMPLE_TEMPERATURE}
        found = {r["example_id"]: r for r in result.rows}
        metric = get_metric(spec.default_metric(), spec)
        prompts = {i: render_messages(spec, rows[i].example(), [], reasoning=True, labels=labels) for i in idxs}
        keys = {i: [ctx.calls.key(model, prompts[i], params, s) for s in range(k)] for i in idxs}
        ctx.calls.touch(model, [key for ks in keys.values() for key in ks])
        times = ctx.calls.times([key for ks in keys.values() for key in ks])

        for i in idxs:
            row, ex = rows[i], rows[i].example()
            hit = found.get(row.id)
            if hit is not None:
                outputs = dict(hit["answer"]) if not gold else row.outputs
                replaced[i] = row.model_copy(update={
                    "rationale": hit["rationale"], "outputs": outputs,
                    "lineage": child_lineage(
                        row, transform="rationale", model=model_id, prompt_hash=prompt_hash(prompts[i]),
                        created_at=max(times.get(key, ctx.data_time) for key in keys[i]),
                        params={"check": hit["lineage"].get("check", mode), "rationalized": False},
                    ),
                })
                kept += 1
                continue
            rejected: list[str] = []
            if gold:
                first, _ = await ctx.calls.call(model, prompts[i], params, 0)  # cached: made above
                parsed = parse_output(first.text, spec, reasoning=True, labels=labels) if not first.error else None
                if parsed is None or parsed.output is None:
                    why = "unparsed_reply"
                elif metric.score(parsed.output, ex.outputs) < 1.0:
                    rejected = [render_output(spec, Example(id=ex.id, inputs={}, outputs=parsed.output))]
                    why = "wrong_answer"
                else:
                    why = "no_reasoning"  # right answer, but no rationale came with it
                if rationalize:
                    new = await _rationalize(row, ctx, model, spec, labels, metric, prompts[i], rejected)
                    if new is not None:
                        replaced[i] = new
                        kept += 1
                        rationalized += 1
                        continue
                    why = "rationalize_failed"
            else:
                why = "no_majority"
            count(why)
            if keep_unverified:
                replaced[i] = row.model_copy(update={"rejected": rejected}) if rejected else row
            else:
                replaced[i] = None

    merged = [replaced.get(i, r) for i, r in enumerate(rows)]
    out = [r for r in merged if r is not None]
    c = ctx.calls.counts(model).minus(before)
    tried = sum(len(v) for v in groups.values())
    removed = len(rows) - len(out)
    report = StepReport(
        name=name, step="rationales", rows_in=len(rows), rows_out=len(out), removed=removed, reasons=reasons,
        model=model, calls=c.calls, cached_calls=c.cached_calls, errors=c.errors,
        note=f"{kept} of {tried} rows got a verified rationale ({rationalized} rationalized)",
    )
    return out, report


async def _rationalize(
    row: SynthRow, ctx: StepContext, model: str, spec: Any, labels: dict[str, list[str]], metric: Any,
    prompt: list[dict[str, str]], rejected: list[str],
) -> SynthRow | None:
    """Ask again with the gold answer in view; keep the rationale if it reaches that answer."""
    ex = row.example()
    hint = RATIONALIZE_HINT.format(answer=render_output(spec, ex))
    messages = [dict(m) for m in prompt]
    messages[-1]["content"] = messages[-1]["content"] + "\n\n" + hint
    outcome, key = await ctx.calls.call(model, messages)
    if outcome.error:
        return None
    parsed = parse_output(outcome.text, spec, reasoning=True, labels=labels)
    if parsed.output is None or not parsed.reasoning or metric.score(parsed.output, ex.outputs) < 1.0:
        return None
    created = ctx.calls.times([key]).get(key, ctx.data_time)
    return row.model_copy(update={
        "rationale": parsed.reasoning, "rejected": rejected,
        "lineage": child_lineage(row, transform="rationale", model=ctx.calls.model_id(model),
                                 prompt_hash=prompt_hash(messages), created_at=created,
                                 params={"check": "matches-gold", "rationalized": True}),
    })
