"""Demo-set candidates drawn from train: label-stratified seeded sets, nearest neighbours, and
self-generated rationales kept only when they led to the correct answer (STaR).

Each set is a ``DemoSpec`` (strategy, k, seed), so the chosen prompt saves as a pipeline spec
that draws exactly the same demos again.
"""

from __future__ import annotations

from ..pipeline import DemoSpec
from ..task import Task
from .candidate import Candidate
from .options import OptimizeOptions


def demo_candidates(task: Task, options: OptimizeOptions) -> list[Candidate]:
    if options.shots <= 0 or not task.train:
        return []
    has_label = any(o.type == "label" for o in task.spec.outputs.values())
    spread = "stratified" if has_label else "random"
    k = options.shots
    out = [Candidate(None, DemoSpec(strategy=spread, k=k, seed=options.seed + i), f"{spread} demos seed {options.seed + i}")
           for i in range(options.demo_seeds)]
    out += [Candidate(None, spec, f"nearest (bm25) demos k={spec.k}") for spec in knn_sets(options)]
    if options.rationales:
        out.append(Candidate(None, DemoSpec(strategy=spread, k=k, seed=options.seed, rationales=True,
                                            rationale_pool=options.rationale_pool),
                             "self-generated rationale demos (STaR)"))
    return out


def knn_sets(options: OptimizeOptions) -> list[DemoSpec]:
    """The nearest-neighbour demo sets, ``shots`` first: each input gets its own demos."""
    if not options.knn or options.shots <= 0:
        return []
    sizes = dict.fromkeys([options.shots, *options.knn_sizes])
    return [DemoSpec(strategy="bm25", k=k, seed=options.seed) for k in sizes if k > 0]
