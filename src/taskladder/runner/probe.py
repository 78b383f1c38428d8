"""`models --check`: can this model really be called, right now, with this key?

A key variable being set says nothing about the key being valid or the model name being
right. One minimal real call (one token, never cached, never stored) does: its answer is
sorted into ok / auth error / not found / unreachable / rate limited / error, with the
round-trip time.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Sequence

from pydantic import BaseModel

from ..errors import TaskladderError
from ..models.config import ModelConfig
from ..models.errors import ProviderError, classify, redact_secrets
from ..models.providers import make_client
from .preflight import check_access

PROBE_MESSAGES = [{"role": "user", "content": "Reply with the word ok."}]
PROBE_PARAMS = {"max_tokens": 1, "temperature": 0}
PROBE_TIMEOUT_S = 30.0


class ProbeResult(BaseModel):
    status: str  # ok | auth error | not found | unreachable | rate limited | error
    detail: str = ""  # the provider's answer when not ok (secrets scrubbed)
    rtt_ms: float | None = None  # round trip of the call; None when no call went out


def probe_all(configs: Sequence[ModelConfig]) -> list[ProbeResult]:
    """One probe per model, all at once."""

    async def run() -> list[ProbeResult]:
        return list(await asyncio.gather(*(aprobe(cfg) for cfg in configs)))

    return asyncio.run(run())


async def aprobe(cfg: ModelConfig) -> ProbeResult:
    try:
        check_access(cfg)  # a missing key or an unroutable name: no call needed to know
    except TaskladderError as exc:
        text = str(exc)
        status = "unreachable" if "cannot reach" in text else "not found" if "unknown provider" in text else "auth error"
        return ProbeResult(status=status, detail=text)
    start = time.perf_counter()
    try:
        client = make_client(cfg)
        await asyncio.wait_for(client.complete(PROBE_MESSAGES, dict(PROBE_PARAMS)), min(cfg.timeout_s, PROBE_TIMEOUT_S))
    except TaskladderError as exc:
        return ProbeResult(status="auth error", detail=str(exc))
    except Exception as exc:  # every failure is sorted below; none escapes raw
        rtt = (time.perf_counter() - start) * 1000
        err = classify(exc)
        if isinstance(exc, asyncio.TimeoutError):
            err = ProviderError(f"no answer within {min(cfg.timeout_s, PROBE_TIMEOUT_S):.0f} s", retryable=True)
        return ProbeResult(status=_status_of(err), detail=redact_secrets(str(err), _known_keys(cfg)), rtt_ms=rtt)
    return ProbeResult(status="ok", rtt_ms=(time.perf_counter() - start) * 1000)


def _status_of(err: ProviderError) -> str:
    if err.status in (401, 403):
        return "auth error"
    if err.status == 404:
        return "not found"
    if err.status == 429:
        return "rate limited"
    if err.status is None:
        return "unreachable"  # no HTTP answer at all: refused, dropped, timed out, garbled
    return "error"


def _known_keys(cfg: ModelConfig) -> list[str]:
    key = os.environ.get(cfg.api_key_env) if cfg.api_key_env else None
    return [key] if key else []
