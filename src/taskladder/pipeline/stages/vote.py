"""Vote: one answer from n parsed samples — majority vote, or for a single free-text output
the medoid of the largest group of similar answers; the agreement is kept as confidence."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ...sampling import majority_vote, text_consensus
from ...task import TaskSpec

Output = dict[str, Any] | None


@dataclass
class VoteResult:
    winner: Output
    confidence: float | None
    trace_key: str  # "consensus" (free text) or "vote"
    trace: dict[str, Any]


def vote(task_spec: TaskSpec, outputs: list[Output]) -> VoteResult:
    free_text = [k for k, f in task_spec.outputs.items() if f.type == "text"]
    if len(task_spec.outputs) == 1 and free_text:
        name = free_text[0]
        result = text_consensus([o[name] if o else None for o in outputs])
        winner = None if result.index is None else outputs[result.index]
        return VoteResult(winner, result.support, "consensus", {"group_size": result.group_size, "n": result.n})
    counted = majority_vote(outputs, normalise=lambda o: json.dumps(o, sort_keys=True) if o else None)
    winner = json.loads(counted.answer) if counted.answer is not None else None
    return VoteResult(winner, counted.margin, "vote", {"counts": counted.counts, "margin": counted.margin,
                                                      "tie_broken_by": counted.tie_broken_by})
