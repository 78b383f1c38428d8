"""Provider calls answered by a pool of Ray actors (see ``runner.backend`` for what stays on the driver).

Why calls, not batches of examples: every call must pass the driver's cache, claims, budget
and limits before it is paid, and be persisted by the driver before it counts. Shipping
examples to workers would need a round trip back to the driver for each of their calls anyway;
shipping the calls themselves costs the same round trips and keeps every invariant in one
process, with nothing shared to keep consistent across the cluster.

Each ``CallWorker`` actor is an async actor (many calls at once on one event loop) holding one
provider client per model, made on first use and reused for the life of the pool; API keys are
read from each worker's own environment (``api_key_env``), never sent. The driver sends each
call to the worker with the fewest calls in flight. A lost worker (killed, node gone) fails its
calls as retryable errors: the caller's retry policy sends them again to a restarted worker.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

from ..errors import ConfigError
from ..models.client import CallResult
from ..models.config import ModelConfig
from ..models.errors import ProviderError, classify
from ..models.providers import make_client
from .backend import RAY_EXTRA_HINT, BackendSpec

READY_TIMEOUT_S = 120.0  # a cold worker imports taskladder and its provider SDKs


class CallWorker:
    """One Ray worker: answers provider calls with one client per model."""

    def __init__(self) -> None:
        self._clients: dict[str, Any] = {}
        self.served = 0

    async def ready(self) -> dict[str, Any]:
        """Where this worker runs (its pid and Ray node) and how many calls it answered."""
        import ray

        return {"pid": os.getpid(), "node": ray.get_runtime_context().get_node_id(), "served": self.served}

    async def complete(self, cfg_data: dict[str, Any], messages: list[dict[str, str]],
                       params: dict[str, Any]) -> dict[str, Any]:
        key = json.dumps(cfg_data, sort_keys=True, default=str)
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = make_client(ModelConfig.model_validate(cfg_data))
        try:
            result = await client.complete(messages, params)
        except Exception as exc:  # classified here: provider exceptions need not pickle
            err = classify(exc)
            return {"error": {"message": str(err), "retryable": err.retryable, "status": err.status,
                              "retry_after": err.retry_after}}
        self.served += 1
        return {"result": result.model_dump()}


class RayClient:
    """The driver's stand-in for one model's provider client: ``complete`` runs on a worker."""

    def __init__(self, pool: RayTransport, cfg: ModelConfig):
        self._pool = pool
        self._cfg_data = cfg.model_dump(mode="json")

    async def complete(self, messages: list[dict[str, str]], params: dict[str, Any]) -> CallResult:
        from ray.exceptions import RayActorError, RayError

        index = self._pool.least_busy()
        self._pool.in_flight[index] += 1
        actor = self._pool.actors[index]
        try:
            reply = await actor.complete.remote(self._cfg_data, messages, params)
        except RayError as exc:
            if isinstance(exc, RayActorError):
                self._pool.replace(index, actor)
            raise ProviderError(f"Ray worker lost mid-call ({type(exc).__name__}: {_first_line(exc)})",
                                retryable=True) from None
        finally:
            self._pool.in_flight[index] -= 1
        if "error" in reply:
            raise ProviderError(**reply["error"])
        return CallResult.model_validate(reply["result"])


class RayTransport:
    """A pool of ``CallWorker`` actors on a Ray cluster, started or joined for one scope."""

    def __init__(self, actors: list[Any], owns_ray: bool, nodes: list[str] | None = None,
                 workers: int | None = None):
        self.actors = actors
        self.in_flight = [0] * len(actors)
        self._owns_ray = owns_ray
        self._nodes = nodes or []
        self._workers = workers
        self.model_pools: dict[str, Any] = {}  # local model -> its ray_local.ModelPool, started on first use

    @classmethod
    def start(cls, spec: BackendSpec, *, calls: bool = True) -> RayTransport:
        """Start or join Ray and, unless ``calls`` is False (no provider calls to make), the call workers."""
        try:
            import ray
        except ImportError:
            raise ConfigError(RAY_EXTRA_HINT) from None
        owns = not ray.is_initialized()
        if owns:
            try:
                ray.init(address=spec.address, include_dashboard=False, log_to_driver=False,
                         logging_level=logging.WARNING)
            except (ConnectionError, ValueError, RuntimeError) as exc:
                where = spec.address or "a local instance"
                raise ConfigError(f"--backend ray: cannot start or join Ray at {where} ({_first_line(exc)}); "
                                  "start a cluster with `ray start --head` or leave out --address") from None
        nodes = [n["NodeID"] for n in ray.nodes() if n.get("Alive")]
        count = (spec.workers or max(1, len(nodes))) if calls else 0
        actors = [_new_worker(node_placement(nodes, i)) for i in range(count)]
        pool = cls(actors, owns, nodes, spec.workers)
        try:
            ray.get([a.ready.remote() for a in actors], timeout=READY_TIMEOUT_S)
        except Exception as exc:
            pool.close()
            raise ConfigError(f"--backend ray: the call workers did not start ({_first_line(exc)}); "
                              "taskladder must be installed on every node of the cluster") from None
        return pool

    def client(self, cfg: ModelConfig) -> Any:
        """A ``local/...`` model's client answers on its ``ModelWorker`` actors; any other model's
        calls go to the call workers."""
        from .ray_local import is_local_model, local_client

        if is_local_model(cfg):
            return local_client(self.model_pools, cfg, self._workers or max(1, len(self._nodes)), self._nodes)
        if not self.actors:
            raise ConfigError("this Ray backend was started without call workers")
        return RayClient(self, cfg)

    def replace(self, index: int, dead: Any) -> None:
        """Start a new worker in place of ``dead`` (once, however many of its calls noticed)."""
        if index < len(self.actors) and self.actors[index] is dead:
            self.actors[index] = _new_worker(None)

    def least_busy(self) -> int:
        return min(range(len(self.actors)), key=self.in_flight.__getitem__)

    def workers(self) -> list[dict[str, Any]]:
        """Each worker's pid, node and calls answered so far (for tests, benchmarks and logs)."""
        import ray

        return ray.get([a.ready.remote() for a in self.actors])

    def close(self) -> None:
        import ray

        for pool in self.model_pools.values():
            pool.close()
        self.model_pools = {}
        for actor in self.actors:
            ray.kill(actor)
        self.actors = []
        if self._owns_ray:
            ray.shutdown()


def node_placement(nodes: list[str], i: int) -> Any:
    """Worker i on node i mod n, so workers spread over the cluster's machines (a soft affinity is
    often ignored right after a node joins). A worker lost later is replaced anywhere: Ray's own
    actor restarts do not keep a node affinity either."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    return NodeAffinitySchedulingStrategy(nodes[i % len(nodes)], soft=False) if nodes else None


def _new_worker(placement: Any) -> Any:
    """A ``CallWorker`` actor; it needs no CPU of its own (it waits on the network)."""
    import ray

    options: dict[str, Any] = {"num_cpus": 0}
    if placement is not None:
        options["scheduling_strategy"] = placement
    return ray.remote(CallWorker).options(**options).remote()


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
