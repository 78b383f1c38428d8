"""The LLM judge's verdicts on pairs of runs, read from the task's arena runs.

An arena run stores each comparison in its records (``trace["comparisons"]``, players named
as in ``pipeline["players"]``: name -> run id), with the reasoning the judge wrote. Both
orders of a pair are judged; here they are folded into one verdict per (example, pair): the
run with more points, or a tie, kept with each order's reasoning for the pages to show.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .state import ViewState

PairKey = tuple[str, str, str]  # (example id, run id, run id) with the run ids sorted


@dataclass
class JudgeVerdict:
    winner: str  # the winning run id, or "tie"
    reasons: list[tuple[str, str]] = field(default_factory=list)  # (run id shown first, what the judge wrote)


def pair_key(example_id: str, run_a: str, run_b: str) -> PairKey:
    a, b = sorted((run_a, run_b))
    return (example_id, a, b)


def judge_verdicts(state: ViewState, task: str) -> dict[PairKey, JudgeVerdict]:
    """(example, pair) -> the judge's verdict, with its reasoning in each order."""
    points: dict[PairKey, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    reasons: dict[PairKey, list[tuple[str, str]]] = defaultdict(list)
    for info in state.store.list_runs(task=task, limit=200):
        players = info.pipeline.get("players") if info.pipeline.get("kind") == "arena" else None
        if not isinstance(players, dict):
            continue
        for record in state.store.iter_records(info.run_id):
            for c in record.trace.get("comparisons", []):
                a, b = players.get(c.get("a")), players.get(c.get("b"))
                if not a or not b or c.get("winner") not in ("a", "b", "tie"):
                    continue
                key = pair_key(c.get("item", record.example_id), a, b)
                cell = points[key]
                cell[a] += {"a": 1.0, "b": 0.0, "tie": 0.5}[c["winner"]]
                cell[b] += {"a": 0.0, "b": 1.0, "tie": 0.5}[c["winner"]]
                if c.get("reasoning"):
                    reasons[key].append((b if c.get("first") == "b" else a, str(c["reasoning"])))
    out = {}
    for key, cell in points.items():
        (x, px), (y, py) = (list(cell.items()) + [("", 0.0)])[:2]
        out[key] = JudgeVerdict("tie" if px == py else (x if px > py else y), reasons.get(key, []))
    return out
