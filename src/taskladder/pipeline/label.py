"""What a pipeline is called wherever a run is listed: every technique its spec uses, with counts.

One place for it, so `eval`, `runs`, `arena` and the progress bar name a run alike:
``gen · zero-shot · vote of 5 (T=0.7)``, ``gen · knn-shots 8 (mmr, rationales)``,
``gen · rag 4 (bm25) · knn-shots 4 (bm25)``. Demo counts are the demos the prompts really
carried once the run has them (a max-shots spec asks for up to 1000 and packs what fits),
else the spec's ``k`` (``≤k`` for max-shots, whose count is only known after packing).
"""

from __future__ import annotations

from pydantic import ValidationError

from ..store.records import RunInfo
from .spec import FEW_SHOT, KNN_SHOTS, MAX_SHOTS, NEAREST_STRATEGIES, ZERO_SHOT, PipelineSpec

# Rung names whose technique the label already spells out; any other rung name (a plugin
# rung, say) is added to the label, since it may stand for something the spec cannot show.
SPELLED_OUT_RUNGS = frozenset({ZERO_SHOT, FEW_SHOT, MAX_SHOTS, KNN_SHOTS, "rag", "cot", "knn-cot", "consensus"})


def pipeline_label(spec: PipelineSpec, shots_used: float | None = None) -> str:
    """``model · technique · technique …``; ``shots_used``: the mean demos per prompt of a run."""
    if spec.is_baseline:
        return spec.model
    return " · ".join([spec.model, *techniques(spec, shots_used)])


def techniques(spec: PipelineSpec, shots_used: float | None = None) -> list[str]:
    """Each technique ``spec`` uses, in the order a call goes through them."""
    parts: list[str] = []
    if spec.retrieval:
        parts.append(f"rag {spec.retrieval.get('k', 4)} ({spec.retrieval.get('strategy', 'bm25')})")
    parts.append(_demos(spec, shots_used))
    if spec.reasoning:
        parts.append("cot")
    if spec.sampling is not None:
        parts.append(_sampling(spec))
    if spec.guard is not None:
        parts.append("guard")
    if spec.instructions is not None:
        parts.append("own instructions")
    if spec.rung and spec.rung not in SPELLED_OUT_RUNGS:
        parts.append(f"rung {spec.rung}")
    return parts


def run_label(run: RunInfo) -> str:
    """The label of a stored run: its spec's label with the demos its prompts really carried
    for an LLM pipeline, ``model · rung`` for anything else (a cascade, steps, an arena)."""
    pipeline = run.pipeline if isinstance(run.pipeline, dict) else {}
    if pipeline.get("kind") in ("llm", "baseline"):
        try:
            spec = PipelineSpec.model_validate({k: v for k, v in pipeline.items() if k != "kind"})
        except ValidationError:
            spec = None  # written by another version: fall back to what the run names itself
        if spec is not None:
            measured = run.summary.n and run.summary.shots_used_mean is not None  # a run that has records
            return pipeline_label(spec, run.summary.shots_used_mean if measured else None)
    rung = pipeline.get("rung")
    return f"{run.model} · {rung}" if rung else run.model


def _demos(spec: PipelineSpec, shots_used: float | None) -> str:
    demos = spec.demos
    if demos is None or not demos.k:
        return ZERO_SHOT
    if shots_used is not None:
        count = _count(shots_used)
    else:
        count = f"≤{demos.k}" if demos.max_shots else str(demos.k)
    if demos.max_shots:
        kind = MAX_SHOTS
    else:
        kind = KNN_SHOTS if demos.strategy in NEAREST_STRATEGIES else FEW_SHOT
    how = [demos.strategy, *(["rationales"] if demos.rationales else []), *([demos.order] if demos.order else [])]
    return f"{kind} {count} ({', '.join(how)})"


def _sampling(spec: PipelineSpec) -> str:
    s = spec.sampling
    assert s is not None
    how = [f"judge {s.judge}", s.schedule] if s.select == "judge" else [f"T={s.temperature:g}"]
    if s.shuffle_choices:
        how.append("shuffled choices")
    head = f"best of {s.n}" if s.select == "judge" else f"vote of {s.n}"
    return f"{head} ({', '.join(how)})"


def _count(mean: float) -> str:
    """A mean number of demos: whole when every prompt carried the same number, else ≈ one decimal."""
    return str(round(mean)) if abs(mean - round(mean)) < 1e-9 else f"≈{mean:.1f}"
