"""Evaluate one pipeline (an LLM pipeline or an offline baseline) on one split of a task.

The run is keyed by (task content, split, limit, pipeline, model identity) and driven by
the run kernel: rerunning the same command after a crash finds the unfinished run and
carries on, skipping examples that already have records; calls made before the crash
come back from the cache.
"""

from __future__ import annotations

from typing import Any

from ..baselines import make_baseline
from ..errors import ConfigError
from ..metrics import get_metric
from ..models.base import Predictor
from ..models.config import ModelConfig, resolve_model
from ..pipeline.label import run_label
from ..pipeline.llm import LLMPipeline
from ..pipeline.spec import PipelineSpec
from ..store import Store
from ..task import Task
from .budget import Budget
from .calls import ModelCaller, RunStats
from .gold import with_gold_patches
from .health import DEFAULT_MAX_ERROR_RATE
from .kernel import RunPlan, RunResult, execute
from .predictors import PipelinePredictor
from .preflight import check_provider

# The result of ``evaluate``: a stored run and its records (the kernel's ``RunResult``).
EvalResult = RunResult


def evaluate(
    task: Task,
    pipeline: PipelineSpec | str | Predictor,
    *,
    split: str = "dev",
    limit: int | None = None,
    models: dict[str, ModelConfig] | None = None,
    store: Store | None = None,
    concurrency: int | None = None,
    progress: bool = True,
    client: Any = None,
    metric: str | None = None,
    budget: Budget | None = None,
    max_error_rate: float = DEFAULT_MAX_ERROR_RATE,
) -> EvalResult:
    """Run ``pipeline`` over ``task``'s ``split`` and return its run and records.

    ``pipeline`` is a model or baseline name, a ``PipelineSpec``, or any ``Predictor`` (your
    own object with ``aprepare``/``apredict``; its ``describe()`` keys the run for resume).
    ``budget`` is a hard cap shared across runs: no provider call starts unless its
    worst-case cost still fits (see ``runner.budget``). A run with more than ``max_error_rate``
    of its examples errored comes back with ``run.status == "failed"`` (see ``runner.health``).
    """
    store = store or Store.default()
    task, patches_used = with_gold_patches(task, store, split)  # repairs made in `view`
    scorer = get_metric(metric or task.spec.default_metric(), task.spec)
    if not isinstance(pipeline, (str, PipelineSpec)):
        return _evaluate_predictor(task, pipeline, split, limit, store, scorer, progress, max_error_rate,
                                   patches_used)
    spec = PipelineSpec(model=pipeline) if isinstance(pipeline, str) else pipeline
    cfg = None if spec.is_baseline else resolve_model(spec.model, models or {})
    if cfg is not None and client is None:
        check_provider(cfg)  # before a run is stored: an unroutable model string is a typo, not a run
    stats = RunStats()
    plan = RunPlan.for_task(
        task, split, limit, scorer=scorer, model=spec.model, label=f"{task.name} · {spec.label()}",
        identity={"pipeline": spec.canonical(), "model": cfg.identity() if cfg else {}},
        pipeline={**spec.model_dump(exclude_none=True), "kind": "baseline" if spec.is_baseline else "llm",
                  "rung": spec.rung or spec.shape()},
        gold_patches=patches_used,
    )
    predictor: Predictor
    if cfg is None:
        predictor = make_baseline(spec.model, spec.params)
    else:
        caller = ModelCaller(cfg, store, stats, client=client, concurrency=concurrency, budget=budget)
        predictor = PipelinePredictor(LLMPipeline(spec, task, models), caller, check=client is None)
    result = execute(plan, predictor, store=store, stats=stats, progress=progress, max_error_rate=max_error_rate)
    result.run.label = run_label(result.run)  # named once its records say how many demos were packed
    store.save_run(result.run, plan.key)
    return result


def _evaluate_predictor(task: Task, predictor: Predictor, split: str, limit: int | None, store: Store, scorer,
                        progress: bool, max_error_rate: float, patches_used: int = 0) -> EvalResult:
    if not isinstance(predictor, Predictor):
        raise ConfigError(f"evaluate() takes a model name, a PipelineSpec or a Predictor, not {type(predictor).__name__}")
    described = predictor.describe()
    plan = RunPlan.for_task(task, split, limit, scorer=scorer, model=predictor.name,
                            label=f"{task.name} · {predictor.name}", identity={"predictor": described},
                            pipeline={**described, "kind": described.get("kind", "predictor")},
                            gold_patches=patches_used)
    return execute(plan, predictor, store=store, progress=progress, max_error_rate=max_error_rate)
