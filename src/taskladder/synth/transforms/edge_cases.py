"""Edge cases: new rows generated from a short written description of the input distribution
and its boundary conditions (the cases a random sample of real data rarely holds)."""

from __future__ import annotations

import asyncio
import json
import math
import random
from typing import Any

from ...errors import ConfigError
from ..context import StepContext, StepReport
from ..lineage import prompt_hash
from ..rows import TASK_VIEW, SynthRow, child_lineage
from .common import add_reasons, parse_rows, row_keys, task_brief

SYSTEM = (
    "You write test cases for the task below: realistic inputs that sit at the boundaries the user "
    "describes (rare, tricky, borderline or malformed-but-real inputs), each with its correct output.\n\n"
)


def edge_case_messages(
    spec_brief: str, description: str, shown: list[dict[str, Any]], k: int, keys: list[str]
) -> list[dict[str, str]]:
    examples = "\n".join(json.dumps(r, ensure_ascii=False, sort_keys=True) for r in shown)
    user = (
        f"How the inputs are distributed, and their boundary conditions:\n{description.strip()}\n\n"
        + (f"Real rows, for the format (do not copy them):\n{examples}\n\n" if shown else "")
        + f"Write {k} new rows that probe these boundaries, each different from the others. Reply with a "
        f"JSON array of {k} objects, each with exactly the keys {json.dumps(keys)}."
    )
    return [{"role": "system", "content": SYSTEM + spec_brief}, {"role": "user", "content": user}]


async def edge_case_rows(
    rows: list[SynthRow], ctx: StepContext, *, model: str, description: str, n: int = 10, per_call: int = 5,
    examples: int = 3, temperature: float = 0.9, params: dict[str, Any] | None = None, name: str = "edge_cases",
) -> tuple[list[SynthRow], StepReport]:
    """Append up to ``n`` generated rows of the task, ``per_call`` per model call."""

    if not description or not description.strip():
        raise ConfigError(f"step '{name}': give `description`: the input distribution and its boundary conditions")
    spec = ctx.spec(TASK_VIEW)
    labels = ctx.labels(TASK_VIEW)
    keys = row_keys(spec)
    pool = [r for r in rows if r.view == TASK_VIEW and r.lineage is None]
    rng = random.Random(f"{ctx.seed}:{name}")
    n_calls = math.ceil(n / per_call) if n > 0 else 0
    call_params = {"temperature": temperature, **(params or {})}
    jobs = []
    for c in range(n_calls):
        shown = rng.sample(pool, min(examples, len(pool))) if pool else []
        k = min(per_call, n - c * per_call)
        payload = [{**r.inputs, **r.outputs} for r in shown]
        jobs.append((shown, k, edge_case_messages(task_brief(spec, labels), description, payload, k, keys)))

    before = ctx.calls.counts(model)
    results = await asyncio.gather(*(ctx.calls.call(model, m, call_params, sample_index=c)
                                     for c, (_, _, m) in enumerate(jobs)))
    times = ctx.calls.times([key for _, key in results])
    model_id = ctx.calls.model_id(model)
    made: list[SynthRow] = []
    reasons: dict[str, int] = {}
    for c, ((shown, k, messages), (outcome, key)) in enumerate(zip(jobs, results)):
        if outcome.error:
            reasons["call_error"] = reasons.get("call_error", 0) + 1
            continue
        parsed, why = parse_rows(outcome.text, spec, labels)
        add_reasons(reasons, why)
        if len(parsed) > k:
            reasons["extra_items"] = reasons.get("extra_items", 0) + len(parsed) - k
            parsed = parsed[:k]
        for j, (inputs, outputs) in enumerate(parsed):
            made.append(SynthRow(
                id=f"{name}~{c}-{j}", inputs=inputs, outputs=outputs,
                lineage=child_lineage(None, transform="edge_cases", created_at=times[key], model=model_id,
                                      prompt_hash=prompt_hash(messages), source_ids=[r.id for r in shown],
                                      params={"call": c, "item": j, "description": prompt_hash(description)[:16]}),
            ))
    cnt = ctx.calls.counts(model).minus(before)
    report = StepReport(name=name, step="edge_cases", rows_in=len(rows), rows_out=len(rows) + len(made),
                        added=len(made), reasons=reasons, model=model, calls=cnt.calls,
                        cached_calls=cnt.cached_calls, errors=cnt.errors)
    return rows + made, report
