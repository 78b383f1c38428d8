"""Demo-set candidates drawn from train: label-stratified seeded sets, nearest neighbours, and
self-generated rationales kept only when they led to the correct answer (STaR).

Each set is a ``DemoSpec`` (strategy, k, seed), so the chosen prompt saves as a pipeline spec
that draws exactly the same demos again.
"""

from __future__ import annotations

from ..demos.order import DemoOrder
from ..embeddings.model import embed_extra_missing
from ..errors import ConfigError
from ..pipeline import DemoSpec
from ..pipeline.spec import NEAREST_STRATEGIES
from ..task import Task
from .candidate import Candidate
from .options import OptimizeOptions


def demo_candidates(task: Task, options: OptimizeOptions) -> list[Candidate]:
    if options.shots <= 0 or not task.train:
        return []
    has_label = any(o.type == "label" for o in task.spec.outputs.values())
    spread = "stratified" if has_label else "random"
    k = options.shots
    out = [
        Candidate(
            None, DemoSpec(strategy=spread, k=k, seed=options.seed + i), f"{spread} demos seed {options.seed + i}"
        )
        for i in range(options.demo_seeds)
    ]
    out += [Candidate(None, spec, nearest_origin(spec)) for spec in knn_sets(options)]
    if options.rationales:
        out.append(
            Candidate(
                None,
                DemoSpec(
                    strategy=spread, k=k, seed=options.seed, rationales=True, rationale_pool=options.rationale_pool
                ),
                "self-generated rationale demos (STaR)",
            )
        )
    return out


def nearest_origin(spec: DemoSpec) -> str:
    return f"nearest ({spec.strategy}) demos k={spec.k}" + (f", {spec.order}" if spec.order else "")


def nearest_strategies(options: OptimizeOptions) -> list[str]:
    """How the nearest-neighbour sets rank train rows: as asked, else bm25 (always available),
    and embedding and their rank fusion when the embed extra is installed (checked without
    importing torch)."""
    if options.knn_strategies is not None:
        unknown = [s for s in options.knn_strategies if s not in NEAREST_STRATEGIES]
        if unknown:
            raise ConfigError(
                f"optimize: unknown nearest-neighbour strategy {', '.join(unknown)}; "
                f"use {', '.join(NEAREST_STRATEGIES)}"
            )
        return list(dict.fromkeys(options.knn_strategies))
    return ["bm25"] + ([] if embed_extra_missing() else ["embedding", "fusion"])


def knn_sets(options: OptimizeOptions) -> list[DemoSpec]:
    """The nearest-neighbour demo sets, bm25 at ``shots`` first (the knn-shots rung's own set):
    each input gets its own demos; every strategy at every size, in every demo order."""
    if not options.knn or options.shots <= 0:
        return []
    sizes = [k for k in dict.fromkeys([options.shots, *options.knn_sizes]) if k > 0]
    orders: list[DemoOrder | None] = [None, "vote-last"] if options.vote_last else [None]
    return [
        DemoSpec(strategy=s, k=k, seed=options.seed, order=o)
        for o in orders
        for s in nearest_strategies(options)
        for k in sizes
    ]
