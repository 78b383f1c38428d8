"""``local/...`` models answered by Ray ``ModelWorker`` actors (``--backend ray``).

The driver keeps everything a local run keeps: the ``ModelCaller`` (cache, claims, budget,
limits), the run kernel (records, checkpoint, progress) and the client's batching, since
``RayLocalClient`` is a ``LocalClient`` that gathers the calls arriving together exactly as a
local one does. Only answering a gathered batch moves: it goes to the least busy of the model's
workers, Ray actors that each loaded the model once and answer batch after batch. Left padding
changes no answer (tests/test_local_models.py), so which worker or batch answered a call does not
change its record.

The model is resolved on the driver, so a bad name fails there before any run; each worker
loads it again from the same name and the driver's taskladder home, so on a cluster of several
machines the model's path must exist on every node. A model's workers start on its first call,
one per alive node unless ``BackendSpec.workers`` says how many, and stop with the backend scope.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from ..local.client import LocalClient
from ..local.source import resolve_local
from ..models.client import CallResult
from ..models.config import ModelConfig
from ..models.errors import ProviderError
from ..settings import Settings

MODEL_WORKER_CPUS = 1  # torch in a worker runs one thread per reserved CPU (Ray sets OMP_NUM_THREADS)
READY_TIMEOUT_S = 300.0  # a cold worker imports torch and loads (or de-quantises) the model


class ModelWorker:
    """One Ray actor holding one local model, loaded once when the actor starts."""

    def __init__(self, cfg_data: dict[str, Any], home: str):
        self._client = LocalClient(ModelConfig.model_validate(cfg_data), home=Path(home))
        self._client.model()
        self.served = 0

    def ready(self) -> dict[str, Any]:
        """Where this worker runs (its pid and Ray node) and how many calls it answered."""
        import ray

        return {"pid": os.getpid(), "node": ray.get_runtime_context().get_node_id(), "served": self.served}

    def generate(self, prompts: list[list[dict[str, str]]], max_tokens: int) -> list[dict[str, Any]]:
        results = self._client.generate_batch(prompts, max_tokens)
        self.served += len(results)
        return [r.model_dump() for r in results]

    def score(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        result = self._client.score(messages)
        self.served += 1
        return result.model_dump()


class ModelPool:
    """The ``ModelWorker`` actors of one local model."""

    def __init__(self, cfg: ModelConfig, home: Path, count: int, nodes: list[str]):
        import ray

        from .ray_backend import node_placement

        # Each worker reserves a CPU, so heavy tasks are not scheduled over it; when the cluster
        # has no free CPU left (another model's workers hold them all) the workers share CPUs, as
        # two local models in one process do, rather than wait forever for one.
        cpus = MODEL_WORKER_CPUS if ray.available_resources().get("CPU", 0) >= count * MODEL_WORKER_CPUS else 0
        self._cfg_data, self._home = cfg.model_dump(mode="json"), str(home)
        self._cpus = cpus
        self.actors = [self._new(node_placement(nodes, i)) for i in range(count)]
        self.in_flight = [0] * count
        self._started = False

    def _new(self, placement: Any) -> Any:
        import ray

        options: dict[str, Any] = {"num_cpus": self._cpus}
        if placement is not None:
            options["scheduling_strategy"] = placement
        return ray.remote(ModelWorker).options(**options).remote(self._cfg_data, self._home)

    async def wait_ready(self) -> None:
        """Every worker has loaded the model, or a one-line, non-retryable error. (Checked on each
        event loop until it once succeeds: a climb runs each rung on a loop of its own.)"""
        if self._started:
            return
        try:
            await asyncio.wait_for(asyncio.gather(*(a.ready.remote() for a in self.actors)), READY_TIMEOUT_S)
        except Exception as exc:
            raise ProviderError(
                f"local model workers did not start on Ray ({_cause_line(exc)})", retryable=False
            ) from None
        self._started = True

    async def call(self, method: str, *args: Any) -> Any:
        from ray.exceptions import RayActorError, RayError

        await self.wait_ready()
        index = min(range(len(self.actors)), key=self.in_flight.__getitem__)
        actor = self.actors[index]
        self.in_flight[index] += 1
        try:
            return await getattr(actor, method).remote(*args)
        except RayError as exc:
            if isinstance(exc, RayActorError) and self.actors[index] is actor:
                self.actors[index] = self._new(None)  # the lost worker's calls are retried on its successor
            raise ProviderError(f"Ray model worker lost mid-call ({_cause_line(exc)})", retryable=True) from None
        finally:
            self.in_flight[index] -= 1

    def workers(self) -> list[dict[str, Any]]:
        import ray

        return ray.get([a.ready.remote() for a in self.actors])

    def close(self) -> None:
        import ray

        for actor in self.actors:
            ray.kill(actor)
        self.actors = []


class RayLocalClient(LocalClient):
    """A ``LocalClient`` whose gathered batches and scored calls are answered by a ``ModelPool``."""

    def __init__(self, cfg: ModelConfig, pool: ModelPool):
        super().__init__(cfg)
        self._pool = pool

    async def _run_batch(self, prompts: list[list[dict[str, str]]], max_tokens: int) -> list[CallResult]:
        replies = await self._pool.call("generate", prompts, max_tokens)
        return [CallResult.model_validate(r) for r in replies]

    async def _run_score(self, messages: list[dict[str, str]]) -> CallResult:
        return CallResult.model_validate(await self._pool.call("score", messages))


def local_client(pools: dict[str, ModelPool], cfg: ModelConfig, count: int, nodes: list[str]) -> RayLocalClient:
    """``cfg``'s client, answered by the pool of its model in ``pools`` (started here on first use:
    every caller of one model, such as a climb's rungs, shares its workers)."""
    home = Settings.from_env().home
    key = str(resolve_local(cfg.model, home).path.resolve())  # a bad name fails here, on the driver
    if key not in pools:
        pools[key] = ModelPool(cfg, home, count, nodes)
    return RayLocalClient(cfg, pools[key])


def is_local_model(cfg: ModelConfig) -> bool:
    """True when taskladder's own ``local`` provider answers ``cfg`` (not a plugin, not LiteLLM)."""
    from ..models.providers import model_prefix, provider_for

    provider = provider_for(cfg)
    return provider is not None and provider.builtin and model_prefix(cfg) == "local"


def _cause_line(exc: BaseException) -> str:
    cause = getattr(exc, "cause", None) or exc
    text = str(cause).strip().splitlines()
    return (text[-1] if text else type(cause).__name__)[:300]
