"""``local/...`` models as a provider: the same ``complete(messages, params)`` call as a hosted
model, so pipelines, the runner's cache and records, cascades and serve all work unchanged.

The runner sends one example per call, many calls in flight; this client gathers the calls
that arrive together into one left-padded batch (up to ``batch_size``), which is where a
CPU model gets its throughput. Cost is $0 per call unless models.yaml gives a price; the
measured compute time is returned with every call (``extra``).

models.yaml options (under ``params``): ``max_tokens`` (default 32), ``batch_size`` (16),
``threads`` (torch threads; default: the cores this process may use),
``score_labels: [a, b, ...]`` to answer by label likelihood instead of free generation
(always a valid label; ``extra.label_probs`` holds the class probabilities).

Calls waiting together are batched by prompt length (similar lengths together, so little
padding), and within a batch the prefix all prompts share is encoded once (engine.py).
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..models.client import CallResult
from ..models.config import ModelConfig
from ..settings import Settings
from .engine import LocalModel, default_threads, load_model
from .source import resolve_local

DEFAULT_MAX_TOKENS = 32
DEFAULT_BATCH = 16
GATHER_S = 0.005  # how long the first call of a batch waits for the others to arrive


@dataclass
class _Pending:
    messages: list[dict[str, str]]
    max_tokens: int
    future: asyncio.Future = field(repr=False)


class LocalClient:
    def __init__(self, cfg: ModelConfig, home: Path | None = None):
        self.cfg = cfg
        self.home = home if home is not None else Settings.from_env().home
        self.source = resolve_local(cfg.model, self.home)  # bad names fail here, before any run starts
        params = dict(cfg.params)
        self.batch_size = int(params.get("batch_size", DEFAULT_BATCH))
        self.threads = int(params.get("threads") or default_threads())
        if self.batch_size < 1 or self.threads < 1:
            raise ConfigError(f"model '{cfg.name}': params.batch_size and params.threads must be at least 1")
        self.score_labels: list[str] | None = params.get("score_labels")
        self._model: LocalModel | None = None
        self._pending: list[_Pending] = []
        self._flush_scheduled = False

    @classmethod
    def from_config(cls, cfg: ModelConfig) -> "LocalClient":
        return cls(cfg)

    def model(self) -> LocalModel:
        if self._model is None:
            self._model = load_model(self.source, self.home, threads=self.threads)
        return self._model

    async def complete(self, messages: list[dict[str, str]], params: dict[str, Any]) -> CallResult:
        if self.score_labels:
            return await self._run_score(messages)
        max_tokens = int(params.get("max_tokens") or params.get("max_completion_tokens") or DEFAULT_MAX_TOKENS)
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(messages, max_tokens, future))
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().create_task(self._flush())
        result: CallResult = await future
        return result

    async def _flush(self) -> None:
        await asyncio.sleep(GATHER_S)
        self._flush_scheduled = False
        while self._pending:
            waiting, self._pending = self._pending, []
            for batch in self._length_sorted(waiting):
                try:
                    results = await self._run_batch([p.messages for p in batch], max(p.max_tokens for p in batch))
                except BaseException as exc:  # every waiting call hears of the failure
                    for p in batch:
                        if not p.future.done():
                            p.future.set_exception(exc)
                    continue
                for p, r in zip(batch, results):
                    if not p.future.done():
                        p.future.set_result(r)

    def _length_sorted(self, waiting: list[_Pending]) -> list[list[_Pending]]:
        """Batches of calls of similar prompt length (characters stand in for tokens, so no model
        is needed here and a Ray worker can do the tokenising): a batch pads little."""
        ordered = sorted(waiting, key=lambda p: sum(len(m["content"]) for m in p.messages))
        size = max(1, self.batch_size)
        return [ordered[i:i + size] for i in range(0, len(ordered), size)]

    # Where a gathered batch and a scored call are answered: a thread of this process here; a Ray
    # ModelWorker under --backend ray (``runner.ray_local`` overrides these two).
    async def _run_batch(self, prompts: list[list[dict[str, str]]], max_tokens: int) -> list[CallResult]:
        return await asyncio.to_thread(self.generate_batch, prompts, max_tokens)

    async def _run_score(self, messages: list[dict[str, str]]) -> CallResult:
        return await asyncio.to_thread(self.score, messages)

    def generate_batch(self, prompts: list[list[dict[str, str]]], max_tokens: int) -> list[CallResult]:
        """One call's result per prompt, generated as one left-padded batch."""
        model = self.model()
        start = time.perf_counter()
        outs = model.generate(prompts, max_tokens)
        elapsed = time.perf_counter() - start
        generated = sum(o.output_tokens for o in outs)
        share = elapsed / len(prompts)  # compute time per call: the batch's time split evenly
        return [CallResult(texts=[o.text], input_tokens=o.input_tokens, output_tokens=o.output_tokens,
                           latency_ms=elapsed * 1000,
                           extra={"compute_s": share, "batch": len(prompts),
                                  "tokens_per_s": generated / elapsed if elapsed else None})
                for o in outs]

    def score(self, messages: list[dict[str, str]]) -> CallResult:
        """The most likely of ``score_labels`` for ``messages``, with every label's probability."""
        model, labels = self.model(), list(self.score_labels or [])
        start = time.perf_counter()
        scores = model.label_logprobs(messages, labels)
        elapsed = time.perf_counter() - start
        top = max(scores)
        weights = [math.exp(s - top) for s in scores]
        probs = {label: w / sum(weights) for label, w in zip(labels, weights)}
        best = max(probs, key=lambda k: probs[k])
        return CallResult(texts=[best], input_tokens=model.count_tokens(messages), output_tokens=0,
                          latency_ms=elapsed * 1000,
                          extra={"compute_s": elapsed, "label_probs": probs, "logprob": scores[labels.index(best)]})
