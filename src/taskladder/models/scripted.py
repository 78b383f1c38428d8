"""A scripted model for tests and offline demos: deterministic answers by rule or callable.

It goes through the same runner path as a real model (cache keys, concurrency, cost
accounting, records), so tests of that path need no network.

In ``models.yaml``::

    - name: fake
      model: scripted
      script:
        rules:
          - {contains: "card", answer: "card_arrival"}
          - {regex: "\\bpin\\b", answer: "change_pin"}
        default: "other"
        # or: callable: "my_module:answer"   (messages -> str)
        latency_ms: 0

``scripted/echo`` (no script) answers with the last line of the last user message.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any, Callable

from ..errors import ConfigError
from ..usercode import load_callable
from .client import CallResult
from .config import ModelConfig

Responder = Callable[[list[dict[str, str]]], str]


class ScriptedClient:
    def __init__(self, respond: Responder, latency_ms: float = 0.0):
        self.respond = respond
        self.latency_ms = latency_ms
        self.calls = 0

    @classmethod
    def from_config(cls, cfg: ModelConfig) -> "ScriptedClient":
        script = cfg.script or {}
        return cls(build_responder(script, cfg.name), float(script.get("latency_ms", 0.0)))

    async def complete(self, messages: list[dict[str, str]], params: dict[str, Any]) -> CallResult:
        self.calls += 1
        start = time.perf_counter()
        if self.latency_ms:
            await asyncio.sleep(self.latency_ms / 1000)
        n = int(params.get("n", 1) or 1)
        texts = [self.respond(messages) for _ in range(n)]
        prompt = " ".join(str(m.get("content", "")) for m in messages)
        return CallResult(
            texts=texts,
            input_tokens=len(prompt.split()),
            output_tokens=sum(len(t.split()) for t in texts),
            latency_ms=(time.perf_counter() - start) * 1000,
        )


def last_user_text(messages: list[dict[str, str]]) -> str:
    for m in reversed(messages):
        if m.get("role") == "user":
            return str(m.get("content", ""))
    return ""


def build_responder(script: dict[str, Any], name: str = "scripted") -> Responder:
    if "callable" in script:
        return _load_callable(script["callable"], name)
    rules = script.get("rules", [])
    default = script.get("default")
    compiled = []
    for i, rule in enumerate(rules):
        if "answer" not in rule or not ({"contains", "regex"} & set(rule)):
            raise ConfigError(f"model '{name}': script rule {i + 1} needs `answer` and `contains` or `regex`")
        pattern = re.compile(rule["regex"] if "regex" in rule else re.escape(rule["contains"]), re.IGNORECASE)
        compiled.append((pattern, str(rule["answer"])))

    def respond(messages: list[dict[str, str]]) -> str:
        text = last_user_text(messages)
        for pattern, answer in compiled:
            if pattern.search(text):
                return answer
        if default is not None:
            return str(default)
        return text.strip().splitlines()[-1] if text.strip() else ""

    return respond


def _load_callable(spec: str, name: str) -> Responder:
    return load_callable(spec, base_dir=None, what=f"model '{name}': script callable", prefix="script")
