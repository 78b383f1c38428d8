"""Selectors that ignore the query's content: seeded random, and label-stratified."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..task import Example, TaskSpec
from .base import DemoSelector, stable_seed


class RandomSelector(DemoSelector):
    """A seeded random pick. By default every query sees the same demos (a fixed k-shot
    prompt, which also lets providers cache the prompt prefix); ``per_query=True`` draws
    afresh per query, seeded by the query's id."""

    strategy = "random"

    def __init__(self, k: int, seed: int = 0, per_query: bool = False):
        super().__init__(k, seed)
        self.per_query = per_query
        self._perm = np.zeros(0, dtype=np.int64)

    def _fit(self, pool: list[Example]) -> None:
        self._perm = np.random.default_rng(self.seed).permutation(len(pool))

    def _order(self, example: Example, want: int, excluded: set[int], rep: Any) -> Iterable[int]:
        if not self.per_query:
            return self._perm
        rng = np.random.default_rng(stable_seed(self.seed, example.id))
        return rng.permutation(len(self.pool))


class StratifiedSelector(DemoSelector):
    """Balanced across the values of one label field: round-robin over seeded-shuffled
    groups, so any k demos hold each label ⌊k/L⌋ or ⌈k/L⌉ times (while a label has rows)."""

    strategy = "stratified"

    def __init__(
        self,
        k: int,
        seed: int = 0,
        label_field: str | None = None,
        spec: TaskSpec | None = None,
    ):
        super().__init__(k, seed)
        self.label_field = label_field
        self.spec = spec
        self._groups: list[list[int]] = []

    def _field(self, pool: list[Example]) -> str:
        if self.label_field:
            return self.label_field
        if self.spec is not None:
            for name, out in self.spec.outputs.items():
                if out.type == "label":
                    return name
        if pool and pool[0].outputs:
            return next(iter(pool[0].outputs))
        raise ConfigError("stratified demo selection needs a label field; pass label_field=NAME")

    def _fit(self, pool: list[Example]) -> None:
        self._groups = []
        if not pool:
            return
        name = self._field(pool)
        groups: dict[str, list[int]] = {}
        for i, e in enumerate(pool):
            if name not in e.outputs:
                raise ConfigError(
                    f"stratified demo selection: example '{e.id}' has no output '{name}'; "
                    "pass label_field= one of its outputs"
                )
            groups.setdefault(str(e.outputs[name]), []).append(i)
        rng = np.random.default_rng(self.seed)
        labels = sorted(groups)
        for j in rng.permutation(len(labels)):
            members = groups[labels[j]]
            self._groups.append([members[m] for m in rng.permutation(len(members))])

    def _order(self, example: Example, want: int, excluded: set[int], rep: Any) -> Iterator[int]:
        # Skipping excluded rows here (not only in the guard) keeps the rounds balanced.
        queues = [iter([i for i in g if i not in excluded]) for g in self._groups]
        while queues:
            alive = []
            for q in queues:
                i = next(q, None)
                if i is not None:
                    alive.append(q)
                    yield i
            queues = alive
