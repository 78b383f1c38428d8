"""Rationale bootstrapping (STaR-style): the model explains its way to answers on train
examples; a rationale is kept only when its answer is correct — or, for rows without a gold
answer, when it agrees with the majority of several samples. Kept rationales are stored
with lineage and become the demos of the nearest-neighbour + reasoning rung.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..metrics import get_metric
from ..models.caller import Caller
from ..prompt import parse_output, render_messages
from ..task import Example

if TYPE_CHECKING:
    from ..task import Task

SAMPLE_TEMPERATURE = 0.7


@dataclass
class RationaleSet:
    demos: list[Example]  # train examples whose extra["rationale"] is a kept rationale
    tried: int = 0
    kept: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)


async def bootstrap_rationales(task: "Task", caller: Caller, *, n: int = 64, seed: int = 0,
                               samples: int = 1, require_gold: bool = True,
                               params: dict[str, Any] | None = None) -> RationaleSet:
    """Generate rationales on up to ``n`` train examples and keep the ones that check out.

    ``require_gold=False`` (rows without trustworthy gold) draws ``samples`` answers at a
    temperature and keeps the rationales whose answer agrees with the majority.
    """
    pool = list(task.train)
    random.Random(seed).shuffle(pool)
    pool = pool[:n]
    labels = {k: task.labels(k) for k, o in task.spec.outputs.items() if o.type == "label"}
    metric = get_metric(task.spec.default_metric(), task.spec)

    async def one(example: Example) -> dict[str, Any] | None:
        messages = render_messages(task.spec, example, [], reasoning=True, labels=labels)
        k = 1 if require_gold else max(samples, 3)
        call_params = dict(params or {}) if k == 1 else {**(params or {}), "temperature": SAMPLE_TEMPERATURE}
        outcomes = await asyncio.gather(*(caller.call(messages, call_params, sample_index=i) for i in range(k)))
        parsed = [parse_output(o.text, task.spec, reasoning=True, labels=labels) for o in outcomes if not o.error]
        parsed = [p for p in parsed if p.output is not None and p.reasoning]
        if not parsed:
            return None
        if require_gold:
            chosen = parsed[0] if metric.score(parsed[0].output, example.outputs) >= 1.0 else None
            check = "matches-gold"
        else:
            votes: dict[str, list] = {}
            for p in parsed:
                votes.setdefault(json.dumps(p.output, sort_keys=True), []).append(p)
            best = max(votes.values(), key=len)
            chosen = best[0] if len(best) * 2 > len(parsed) else None
            check = f"majority-of-{len(parsed)}"
        if chosen is None:
            return None
        return {
            "example_id": example.id, "rationale": chosen.reasoning, "answer": chosen.output,
            "lineage": {"source_ids": [example.id], "transform": "cot-bootstrap", "check": check,
                        "model": caller.cfg.model, "created_at": time.time(),
                        "prompt_hash": hashlib.sha256(json.dumps(messages).encode()).hexdigest()[:16]},
        }

    results = await asyncio.gather(*(one(e) for e in pool))
    rows = [r for r in results if r is not None]
    if rows:
        caller.store.put_rationales(task.fingerprint(), caller.cfg.model, rows)
    by_id = {e.id: e for e in pool}
    demos = [
        Example(id=r["example_id"], inputs=by_id[r["example_id"]].inputs, outputs=by_id[r["example_id"]].outputs,
                extra={**by_id[r["example_id"]].extra, "rationale": r["rationale"]})
        for r in rows
    ]
    return RationaleSet(demos=demos, tried=len(pool), kept=len(rows), rows=rows)
