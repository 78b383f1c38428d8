"""A caller that answers from the call cache only: for planning what a run would send
(``--dry-run``, the report) when preparing the pipeline replays earlier calls, such as a
rationale bootstrap, and must never pay for new ones."""

from __future__ import annotations

from typing import Any

from ..errors import TaskladderError
from .calls import CallOutcome, ModelCaller


class NotCached(TaskladderError):
    """A call that is not in the cache: answering it would mean calling the provider."""


class CacheOnlyCaller(ModelCaller):
    async def call(self, messages: list[dict[str, str]], params: dict[str, Any] | None = None,
                   sample_index: int = 0) -> CallOutcome:
        key = self.key(messages, self.params(params), sample_index)
        if key not in self.store.get_calls([key]):
            raise NotCached(f"call {key[:12]} of {self.cfg.name} is not in the call cache")
        return await super().call(messages, params, sample_index)
