"""The predictors a cascade puts in line, cheapest first.

Each tier answers a list of examples with ``Prediction``s (output, cost, latency and, where
it has one, a ``confidence``): an offline baseline (class probability, cost 0), an LLM
pipeline, an LLM pipeline sampled n times (vote margin), or any function (a simulated tier
in benchmarks). LLM tiers call through ``ModelCaller``, so their calls are cached and
costed exactly as ``evaluate`` would, and share that cache with it.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, Callable

from ..baselines import make_baseline
from ..models.base import BatchPredictor, Prediction, Predictor
from ..models.config import ModelConfig, resolve_model
from ..pipeline import PipelineSpec
from ..pipeline.llm import LLMPipeline
from ..pipeline.spec import SamplingSpec
from ..runner.calls import ModelCaller, RunStats
from ..runner.preflight import check_access
from ..store import Store

BATCH = 256  # examples a tier answers per call when it stands alone as a Predictor

if TYPE_CHECKING:
    from ..pipeline.llm import LLMPipeline
    from ..runner.budget import Budget
    from ..runner.calls import ModelCaller, RunStats
    from ..store import Store
    from ..task import Example, Task


class Tier(ABC):
    """One predictor in a cascade's line; a ``Predictor`` itself."""

    name: str = "tier"
    kind: str = "tier"
    batch_size = BATCH
    concurrency = 1

    def fit(self, task: "Task") -> None:  # noqa: B027 - optional hook: most tiers need no fitting
        """Get ready for ``task`` (fit a baseline, build a prompt's demo index)."""

    async def aprepare(self, task: "Task") -> None:
        self.fit(task)

    @abstractmethod
    async def apredict(self, examples: list["Example"]) -> list[Prediction]: ...

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name}


class BaselineTier(Tier):
    """An offline baseline (a name, or any ``BatchPredictor``); its confidence is the predicted
    class's probability. A predictor passed in already fitted (``fitted=True``) is used as is."""

    kind = "baseline"

    def __init__(self, baseline: "str | BatchPredictor", *, fitted: bool = False):
        self.predictor = make_baseline(baseline) if isinstance(baseline, str) else baseline
        self.name = self.predictor.name
        self._fitted_for: object | None = "any" if fitted else None

    def fit(self, task: "Task") -> None:
        if self._fitted_for not in ("any", task):
            self.predictor.fit(task)
            self._fitted_for = task

    async def apredict(self, examples: list["Example"]) -> list[Prediction]:
        return self.predictor.predict(examples) if examples else []


class PipelineTier(Tier):
    """An LLM pipeline; ``samples > 1`` (or a spec with ``sampling``) votes over that many samples
    and reports the vote margin as its confidence."""

    kind = "llm"

    def __init__(self, spec: PipelineSpec | str, *, models: dict[str, ModelConfig] | None = None,
                 store: "Store | None" = None, samples: int = 1, budget: "Budget | None" = None,
                 client: Any = None):
        spec = PipelineSpec(model=spec) if isinstance(spec, str) else spec
        if samples > 1 and spec.sampling is None:
            spec = spec.model_copy(update={"sampling": SamplingSpec(n=samples)})
        self.spec = spec
        self.cfg = resolve_model(spec.model, models or {})
        self.samples = spec.sampling.n if spec.sampling else 1
        self.name = _tier_name(spec) + (f" × {self.samples} samples" if self.samples > 1 else "")
        self._store = store
        self._budget = budget
        self._client = client
        self._task: Task | None = None
        self._pipeline: LLMPipeline | None = None
        self._caller: ModelCaller | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._prepared = False
        self.stats: RunStats | None = None

    def fit(self, task: "Task") -> None:
        if self._task is not task:
            self._pipeline = LLMPipeline(self.spec, task)
            self._task = task
            self._caller = None
            self._prepared = False

    async def _ready(self, pipeline: LLMPipeline) -> ModelCaller:
        loop = asyncio.get_running_loop()
        if self._caller is None or self._loop is not loop:
            if self._client is None:
                check_access(self.cfg)
            self.stats = self.stats or RunStats()
            # A caller per event loop: its semaphore and cache batching belong to one loop.
            self._caller = ModelCaller(self.cfg, self._store or Store.default(), self.stats, client=self._client,
                                       budget=self._budget)
            self._loop = loop
            if not self._prepared:
                await pipeline.aprepare(self._caller)
                self._prepared = True
        return self._caller

    async def apredict(self, examples: list["Example"]) -> list[Prediction]:
        pipeline = self._pipeline
        if pipeline is None:
            raise RuntimeError(f"tier {self.name}: call fit(task) first")
        if not examples:
            return []
        caller = await self._ready(pipeline)
        gate = asyncio.Semaphore(max(caller.concurrency * 4, 64))

        async def one(example: "Example") -> Prediction:
            async with gate:
                return await pipeline.apredict(example, caller)

        return list(await asyncio.gather(*(one(e) for e in examples)))

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "pipeline": self.spec.model_dump(exclude_none=True),
                "samples": self.samples}


class FunctionTier(Tier):
    """Any function from examples to predictions: simulated tiers, remote services, rules."""

    kind = "function"

    def __init__(self, name: str, predict: Callable[[list["Example"]], list[Prediction]],
                 fit: Callable[["Task"], None] | None = None):
        self.name = name
        self._predict = predict
        self._fit = fit

    def fit(self, task: "Task") -> None:
        if self._fit is not None:
            self._fit(task)

    async def apredict(self, examples: list["Example"]) -> list[Prediction]:
        return list(self._predict(examples)) if examples else []


class PredictorTier(Tier):
    """Any ``Predictor`` (a local model, a step graph, a plugin's predictor) as a tier."""

    kind = "predictor"

    def __init__(self, predictor: Predictor):
        self.predictor = predictor
        self.name = predictor.name

    async def aprepare(self, task: "Task") -> None:
        await self.predictor.aprepare(task)

    async def apredict(self, examples: list["Example"]) -> list[Prediction]:
        if not examples:
            return []
        size = max(1, self.predictor.batch_size)
        batches = [examples[i : i + size] for i in range(0, len(examples), size)]
        gate = asyncio.Semaphore(max(1, self.predictor.concurrency))

        async def one(batch: list["Example"]) -> list[Prediction]:
            async with gate:
                return await self.predictor.apredict(batch)

        return [p for answers in await asyncio.gather(*(one(b) for b in batches)) for p in answers]

    def describe(self) -> dict[str, Any]:
        return self.predictor.describe()


def _tier_name(spec: PipelineSpec) -> str:
    """``model · rung`` (or ``model · k-shot``): a tier's name is part of its cascade run's
    identity, so it stays as it was when run labels grew to name every technique."""
    if spec.rung:
        return f"{spec.model} · {spec.rung}"
    if spec.demos and spec.demos.k:
        return f"{spec.model} · {spec.demos.k}-shot"
    return spec.model


def as_tier(item: "Tier | Predictor | str | PipelineSpec", *, models: dict[str, ModelConfig] | None = None,
            store: "Store | None" = None) -> Tier:
    """A tier from a tier, a baseline predictor, any ``Predictor``, a baseline name, a model name or a
    pipeline spec."""
    if isinstance(item, Tier):
        return item
    if isinstance(item, BatchPredictor):
        return BaselineTier(item)
    if isinstance(item, Predictor):
        return PredictorTier(item)
    return make_tier(item, models=models, store=store)


def make_tier(name: str | PipelineSpec, *, models: dict[str, ModelConfig] | None = None,
              store: "Store | None" = None, samples: int = 1, budget: "Budget | None" = None) -> Tier:
    """``baseline/...`` names a baseline; anything else an LLM pipeline (spec or model name)."""
    if isinstance(name, str) and name.startswith("baseline/"):
        return BaselineTier(name)
    return PipelineTier(name, models=models, store=store, samples=samples, budget=budget)
