"""Which requests the loopback server answers badly, and how (plain data, no state).

The state (how many requests arrived, how often a rule already fired) lives in the server's
``FaultSchedule``, so one ``FaultPlan`` can be reused across servers and ``reset()`` calls.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

FaultKind = Literal["429", "500", "503", "timeout", "truncated", "malformed", "drop", "401", "404"]
"""What a faulty answer looks like on the wire:

- ``"429"``: rate limited, with a ``Retry-After`` header (``FaultPlan.retry_after_s``);
- ``"500"`` / ``"503"``: server error with an OpenAI-shaped error body;
- ``"401"``: a rejected key (the message echoes a key-shaped string, as providers do);
- ``"404"``: no such model;
- ``"timeout"``: no answer for ``FaultPlan.timeout_hold_s`` (longer than the client waits), then close;
- ``"truncated"``: 200 headers whose Content-Length exceeds the bytes sent, then close;
- ``"malformed"``: 200 ``application/json`` whose body is not JSON;
- ``"drop"``: close the connection without sending a byte.
"""

FAULT_KINDS: tuple[str, ...] = FaultKind.__args__  # type: ignore[attr-defined]


def _as_kind(value: Any) -> Any:
    # Let callers write 429 as well as "429".
    return str(value) if isinstance(value, int) else value


class FailFirst(BaseModel):
    """Fail the first ``times`` requests whose key text contains ``substring``, then succeed.

    The key text is the last user message of a chat request (the input of an embeddings request).
    The count is per rule: the first ``times`` matching requests fail, whichever example they
    belong to, so pick a substring that only the example under test contains.
    """

    model_config = ConfigDict(frozen=True)

    substring: str = Field(min_length=1)
    times: int = Field(ge=1)
    kind: FaultKind = "500"

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any) -> Any:
        return _as_kind(value)


class FaultPlan(BaseModel):
    """Faults to inject. Precedence per request: ``by_index``, then ``fail_first``, then ``rate``.

    - ``by_index``: ``{request_index: kind}``; the index is the request's position in
      ``server.requests`` (0-based, every endpoint counts, reset by ``server.reset()``).
    - ``rate`` / ``kinds`` / ``seed``: each request fails with probability ``rate``, with a kind
      drawn from ``kinds``. The draw is seeded by (seed, request body, how many times that same
      body was seen before), so it does not depend on the arrival order of concurrent requests,
      and a retry of a failed request draws again.
    """

    model_config = ConfigDict(frozen=True)

    by_index: dict[int, FaultKind] = Field(default_factory=dict)
    fail_first: tuple[FailFirst, ...] = ()
    rate: float = Field(default=0.0, ge=0.0, le=1.0)
    kinds: tuple[FaultKind, ...] = ("429", "500")
    seed: int = 0
    retry_after_s: float = Field(default=1.0, ge=0.0)
    timeout_hold_s: float = Field(default=30.0, gt=0.0)

    @field_validator("by_index", mode="before")
    @classmethod
    def _index_kinds(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: _as_kind(v) for k, v in value.items()}
        return value

    @field_validator("kinds", mode="before")
    @classmethod
    def _kinds(cls, value: Any) -> Any:
        if isinstance(value, (str, int)):
            value = [value]
        return [_as_kind(v) for v in value]

    @field_validator("fail_first", mode="before")
    @classmethod
    def _fail_first(cls, value: Any) -> Any:
        # Shorthand: {"substring": times} fails that many times with a 500.
        if isinstance(value, dict):
            return [FailFirst(substring=s, times=n) for s, n in value.items()]
        if isinstance(value, FailFirst):
            return [value]
        return value
