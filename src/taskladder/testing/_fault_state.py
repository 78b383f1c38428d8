"""The stateful side of a ``FaultPlan``: decides, request by request, whether to fail."""

from __future__ import annotations

import hashlib
import random

from .faults import FaultKind, FaultPlan


class FaultSchedule:
    """Counters behind one ``FaultPlan``. Not thread-safe: the server calls it under its lock."""

    def __init__(self, plan: FaultPlan):
        self.plan = plan
        self._fired: list[int] = [0] * len(plan.fail_first)
        self._seen: dict[str, int] = {}

    def decide(self, index: int, key_text: str, body: bytes) -> FaultKind | None:
        plan = self.plan
        if index in plan.by_index:
            return plan.by_index[index]
        for i, rule in enumerate(plan.fail_first):
            if rule.substring in key_text and self._fired[i] < rule.times:
                self._fired[i] += 1
                return rule.kind
        if plan.rate <= 0.0 or not plan.kinds:
            return None
        digest = hashlib.sha256(body).hexdigest()
        attempt = self._seen.get(digest, 0)
        self._seen[digest] = attempt + 1
        rng = random.Random(f"{plan.seed}:{digest}:{attempt}")
        if rng.random() < plan.rate:
            return rng.choice(plan.kinds)
        return None
