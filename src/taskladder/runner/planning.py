"""Plans of what a pipeline would send, made without a single provider call.

``--dry-run`` and the report both show the exact messages of a run. Preparing a pipeline
calls the model only for rationale demos (the bootstrap); here that bootstrap is replayed
from the call cache when every one of its calls is there, so the plan is exact. Otherwise
the plan shows placeholder rationales on the rows the bootstrap would try, says so, and
counts the bootstrap's calls.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence

from pydantic import BaseModel, Field, ValidationError

from ..errors import ConfigError
from ..models.config import ModelConfig, resolve_model
from ..pipeline.llm import LLMPipeline
from ..pipeline.plan import PipelinePlan
from ..pipeline.spec import PipelineSpec
from ..pipeline.stages.demos import placeholder_pool
from ..prompt import render_messages
from ..store import Store
from ..task import Example, Task
from .cache_only import CacheOnlyCaller, NotCached


class Bootstrap(BaseModel):
    """The rationale bootstrap that comes before the run's own calls."""

    calls: int
    cached_calls: int
    messages: list[list[dict[str, str]]] = Field(default_factory=list)  # each call's messages, in order
    params: dict = Field(default_factory=dict)
    cache_keys: list[str] = Field(default_factory=list)


class PlanSet(BaseModel):
    plans: list[PipelinePlan]
    bootstrap: Bootstrap | None = None
    # Set when the plans are not exactly what would be sent, and why.
    placeholder: str | None = None


def spec_of_run(pipeline: dict) -> PipelineSpec:
    """The spec a run stored (its ``pipeline`` dict, less what the runner added to it)."""
    try:
        return PipelineSpec.model_validate({k: v for k, v in pipeline.items() if k in PipelineSpec.model_fields})
    except ValidationError as exc:
        raise ConfigError(f"the run's stored pipeline is not a spec this version reads ({exc.error_count()} "
                          "problems)") from None


def bootstrap_of(task: Task, spec: PipelineSpec, caller: CacheOnlyCaller) -> Bootstrap | None:
    """The bootstrap's calls, as ``reasoning.bootstrap_rationales`` makes them (seeded pool,
    one reasoning call per row, the pipeline's params, sample 0)."""
    demos = spec.demos
    if not (demos and demos.k and demos.rationales):
        return None

    labels = {k: task.labels(k) for k, o in task.spec.outputs.items() if o.type == "label"}
    pool = list(task.train)
    random.Random(demos.seed).shuffle(pool)
    messages = [render_messages(task.spec, e, [], reasoning=True, labels=labels) for e in pool[: demos.rationale_pool]]
    params = caller.params(spec.params)
    keys = [caller.key(m, params, 0) for m in messages]
    cached = caller.store.get_calls(keys)
    return Bootstrap(calls=len(keys), cached_calls=sum(k in cached for k in keys), messages=messages,
                     params=params, cache_keys=keys)


def plan_pipeline(task: Task, spec: PipelineSpec, models: dict[str, ModelConfig], store: Store,
                  examples: Sequence[Example]) -> PlanSet:
    """What ``spec`` would send for each of ``examples``; never calls a provider."""
    cfg = resolve_model(spec.model, models)
    caller = CacheOnlyCaller(cfg, store)  # for params, cache keys and cached replays only
    pipeline = LLMPipeline(spec, task, models)
    bootstrap = bootstrap_of(task, spec, caller)
    placeholder = None
    if bootstrap is not None and bootstrap.cached_calls < bootstrap.calls:
        placeholder = (f"rationale demos: {bootstrap.calls - bootstrap.cached_calls} of the {bootstrap.calls} "
                       "bootstrap calls are not cached, so the demos show placeholder rationales on the rows "
                       "the bootstrap would try (all of them, as if every rationale checked out)")
        asyncio.run(pipeline.aprepare(caller, pool=placeholder_pool(task, spec.demos)))  # type: ignore[arg-type]
    else:
        try:
            asyncio.run(pipeline.aprepare(caller))
        except NotCached as exc:  # a cache entry vanished between the check and the replay
            placeholder = f"rationale demos: {exc}; the demos show placeholder rationales"
            asyncio.run(pipeline.aprepare(caller, pool=placeholder_pool(task, spec.demos)))  # type: ignore[arg-type]
    return PlanSet(plans=[pipeline.plan(e) for e in examples], bootstrap=bootstrap, placeholder=placeholder)
