"""Every model call a recipe makes, through one ``ModelCaller`` per model (cached, costed).

Besides the outcome, each call returns its cache key, so a transform can stamp the rows it
makes with the time the call was first made (read back from the call cache). A replay from the
cache then stamps the same time, which is what keeps a rerun's files byte-identical.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..models.config import ModelConfig, resolve_model
from ..runner.calls import ModelCaller

if TYPE_CHECKING:
    from ..runner.budget import Budget
    from ..runner.calls import CallOutcome, ModelCaller
    from ..store import Store


@dataclass
class CallCounts:
    calls: int = 0  # new provider calls
    cached_calls: int = 0
    errors: int = 0
    spent_usd: float = 0.0  # paid by this run (cache hits cost nothing)

    def minus(self, other: CallCounts) -> CallCounts:
        return CallCounts(self.calls - other.calls, self.cached_calls - other.cached_calls,
                          self.errors - other.errors, self.spent_usd - other.spent_usd)

    def as_dict(self) -> dict[str, Any]:
        return {"calls": self.calls, "cached_calls": self.cached_calls, "errors": self.errors,
                "spent_usd": round(self.spent_usd, 8)}


class SynthCalls:
    """Model callers by name, with call counts per model and cache times per key."""

    def __init__(self, models: dict[str, ModelConfig], store: Store, budget: Budget | None = None):
        self.models = models
        self.store = store
        self.budget = budget
        self._callers: dict[str, ModelCaller] = {}
        self._keys: dict[str, set[str]] = {}  # cache keys of every call made, by model

    def config(self, name: str) -> ModelConfig:
        return resolve_model(name, self.models)

    def caller(self, name: str) -> ModelCaller:
        if name not in self._callers:
            self._callers[name] = ModelCaller(self.config(name), self.store, budget=self.budget)
            self._keys[name] = set()
        return self._callers[name]

    def model_id(self, name: str) -> str:
        """The model string stamped in lineage (the provider's model, not the local alias)."""
        return self.caller(name).cfg.model

    def key(self, name: str, messages: list[dict[str, str]], params: dict[str, Any] | None = None,
            sample_index: int = 0) -> str:
        caller = self.caller(name)
        return caller.key(messages, caller.params(params), sample_index)

    async def call(self, name: str, messages: list[dict[str, str]], params: dict[str, Any] | None = None,
                   sample_index: int = 0) -> tuple[CallOutcome, str]:
        caller = self.caller(name)
        outcome = await caller.call(messages, params, sample_index=sample_index)
        key = self.key(name, messages, params, sample_index)
        self._keys[name].add(key)
        return outcome, key

    def touch(self, name: str, keys: list[str]) -> None:
        """Register calls made outside ``call`` (e.g. by ``bootstrap_rationales``) for costing."""
        self.caller(name)
        self._keys[name].update(keys)

    def counts(self, name: str | None = None) -> CallCounts:
        """Counters so far, for one model or summed over all."""
        names = [name] if name is not None else list(self._callers)
        total = CallCounts()
        for n in names:
            if n not in self._callers:
                continue
            s = self._callers[n].stats
            total.calls += s.calls
            total.cached_calls += s.cached_calls
            total.errors += s.errors
            total.spent_usd += s.spent_usd
        return total

    def cost(self, name: str | None = None) -> tuple[float, int]:
        """(original cost in USD, calls of unknown price) of every call made so far.

        From the call cache, so a replay reports what the calls cost when they were made.
        """
        names = [name] if name is not None else list(self._keys)
        usd, unknown = 0.0, 0
        for n in names:
            for call in self.store.get_calls(self._keys.get(n, ())).values():
                if call["cost_usd"] is None:
                    unknown += 1
                else:
                    usd += call["cost_usd"]
        return usd, unknown

    def by_model(self) -> dict[str, dict[str, Any]]:
        out = {}
        for n in sorted(self._callers):
            usd, unknown = self.cost(n)
            out[n] = self.counts(n).as_dict() | {"cost_usd": round(usd, 8), "unknown_cost_calls": unknown}
        return out

    def times(self, keys: list[str]) -> dict[str, float]:
        """When each cached call was first made (Unix time), by cache key."""
        return {k: float(c["created_at"]) for k, c in self.store.get_calls(keys).items()}
