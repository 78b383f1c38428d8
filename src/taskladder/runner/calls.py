"""Everything between a pipeline and a provider, for one model.

``ModelCaller.call`` looks the request up in the cache, and otherwise claims it in the
store (another process sending the same call waits for its answer instead of paying
twice), waits for a concurrency slot and the rate limiter, calls the provider with a
per-call timeout, retries retryable failures with backoff, prices the call, and persists
it, tagged with the run that paid for it, *before* returning, so a crash after this point
never pays for it again.

One prompt is one cache entry across commands: ``max_tokens`` only caps the answer, so it
is left out of the cache key. A cached answer is reused when it was complete (not cut by
its own cap) and fits the new cap; otherwise the call is made and cached under the exact
key (with ``max_tokens``), which is also what caches written before this used, so they stay
readable. Every other parameter (temperature, n, logprobs, ...) changes the answer and stays
in the key.

A caller stops sending once the provider has made clear that no call will succeed: after
``STOP_AFTER_FATAL`` authentication / not-found answers, or ``STOP_AFTER_FAILURES`` failed
calls without a single success. Every later call fails at once with the first error, so a
bad key or a misspelled model costs a few calls and seconds, not a retry loop per example.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import random
import uuid
from collections.abc import Awaitable
from typing import Any, TypeVar

from ..models.caller import CallOutcome, RunStats
from ..models.config import ModelConfig
from ..models.errors import ProviderError, classify, redact_secrets
from ..models.pricing import call_cost, lookup_price, measured_usd
from ..money import usd
from ..store import Store
from ..store.keys import canonical_json
from .backend import client_for
from .budget import Budget, worst_case_cost
from .group_commit import GroupCommit
from .ratelimit import ConcurrencyLimit, RateLimiter
from .retry import RetryPolicy

log = logging.getLogger(__name__)
T = TypeVar("T")

__all__ = [
    "CallOutcome",
    "ModelCaller",
    "RunStats",
    "call_key",
    "exact_call_key",
    "hit_fits",
    "DEFAULT_PARAMS",
    "canonical_request",
    "request_json",
]

DEFAULT_PARAMS = {"temperature": 0}
FATAL_STATUS = frozenset({401, 403, 404})  # a bad key, no access, no such model: the same for every call
STOP_AFTER_FATAL = 3
STOP_AFTER_FAILURES = 5
# Parameters that cap an answer without changing it: left out of the cache key (see hit_fits).
CAP_PARAMS = ("max_tokens",)
CLAIM_POLL_S = (0.02, 0.5)  # first and longest wait between looks at another process's claimed call


def call_key(
    identity: dict[str, Any], messages: list[dict[str, str]], params: dict[str, Any], sample_index: int
) -> str:
    """The cache key of a call: one per prompt and answer-changing parameters (no ``max_tokens``)."""
    return exact_call_key(identity, messages, _uncapped(params), sample_index)


def exact_call_key(
    identity: dict[str, Any], messages: list[dict[str, str]], params: dict[str, Any], sample_index: int
) -> str:
    """The key with every parameter: where a capped answer that cannot be shared is cached."""
    return _digest(canonical_request(identity, messages, params, sample_index))


def _uncapped(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k not in CAP_PARAMS}


def canonical_request(
    identity: dict[str, Any], messages: list[dict[str, str]], params: dict[str, Any], sample_index: int
) -> str:
    """A request as JSON with sorted keys: what its key hashes, and what the cache stores as the request."""
    return request_json(canonical_json(identity), messages, params, sample_index)


def request_json(identity_json: str, messages: list[dict[str, str]], params: dict[str, Any], sample_index: int) -> str:
    """``canonical_request`` given the model identity already as canonical JSON (a caller's is
    the same for every call, so it is encoded once). The request's keys in sorted order, each
    value in canonical form: the very text ``canonical_json`` gives for the whole request, to
    the byte (tests/test_canonical_json.py), for a fraction of the CPU."""
    return (
        '{"messages":'
        + canonical_json(messages)
        + ',"model":'
        + identity_json
        + ',"params":'
        + canonical_json(params)
        + ',"sample":'
        + canonical_json(sample_index)
        + "}"
    )


def _digest(canonical: str) -> str:
    return hashlib.sha256(canonical.encode()).hexdigest()


def hit_fits(hit: dict[str, Any], params: dict[str, Any]) -> bool:
    """Whether a cached answer is what a call with ``params`` would get: it was not cut by
    its own cap, and it fits within this call's cap. (Caches written before this stored no
    cap; under this key they had none.)"""
    cap = hit.get("extra", {}).get("max_tokens")
    used = int(hit.get("output_tokens") or 0)
    if cap is not None and used >= int(cap):
        return False
    wanted = params.get("max_tokens")
    return wanted is None or used <= int(wanted)


class ModelCaller:
    def __init__(
        self,
        cfg: ModelConfig,
        store: Store,
        stats: RunStats | None = None,
        client: Any = None,
        retry: RetryPolicy | None = None,
        seed: int = 0,
        concurrency: int | None = None,
        budget: Budget | None = None,
        stop_on_refusal: bool = True,
        paid_by: RunStats | None = None,
    ):
        self.cfg = cfg
        self.store = store
        self.stats = stats or RunStats()
        self._client = client
        self.retry = retry or RetryPolicy(max_retries=cfg.max_retries)
        self._rng = random.Random(seed)
        self._concurrency = concurrency or cfg.concurrency
        # Calls in flight: exactly the asked concurrency, or adaptive below it (models.yaml).
        self.slots = ConcurrencyLimit(self._concurrency, adaptive=cfg.adaptive_concurrency)
        self._pending: dict[str, asyncio.Future] | None = None
        self._inflight: dict[str, asyncio.Future] = {}
        self.limiter = RateLimiter(cfg.rpm, cfg.tpm)
        self.price = lookup_price(cfg)
        self.identity = cfg.identity()
        self._identity_json = canonical_json(self.identity)  # the same in every request this caller makes
        self.budget = budget
        self._succeeded = 0
        self._failed = 0
        self._fatal = 0
        self.stopped: str | None = None  # the error that made this caller stop sending
        # A run stops sending once the provider refuses; a long-lived server must not (serve passes False).
        self._stop_on_refusal = stop_on_refusal
        # Whose run_id tags the calls this caller pays for (a judge's caller: its run's).
        self._paid_by = paid_by or self.stats
        self._owner = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"  # names this caller's claims in the store
        # A claim outlives the longest the holder can take (every retry timing out).
        ttl = (cfg.timeout_s + 5) * (self.retry.max_retries + 1) + 60
        self._commits = GroupCommit(store, self._owner, ttl)

    @property
    def concurrency(self) -> int:
        """Provider calls this caller lets run at once."""
        return self._concurrency

    @property
    def client(self):
        if self._client is None:
            # The client's connection pool is sized for the concurrency this caller was asked for;
            # this process's client, or a Ray worker's (--backend ray).
            asked = (
                self.cfg
                if self._concurrency == self.cfg.concurrency
                else self.cfg.model_copy(update={"concurrency": self._concurrency})
            )
            self._client = client_for(asked)
        return self._client

    def params(self, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """Evaluation defaults (temperature 0) < model config < rung overrides."""
        merged = (
            {**DEFAULT_PARAMS, **self.cfg.params, **overrides} if overrides else {**DEFAULT_PARAMS, **self.cfg.params}
        )
        # A None unsets a default; without one (the usual case) the merged dict is the answer.
        return {k: v for k, v in merged.items() if v is not None} if None in merged.values() else merged

    def for_model(self, cfg: ModelConfig) -> ModelCaller:
        """A caller for another model (a judge) on this one's store, budget and run; its own counters."""
        return ModelCaller(cfg, self.store, budget=self.budget, paid_by=self._paid_by)

    def key(self, messages: list[dict[str, str]], params: dict[str, Any], sample_index: int = 0) -> str:
        """``call_key`` of this caller's model."""
        return _digest(request_json(self._identity_json, messages, _uncapped(params), sample_index))

    async def call(
        self, messages: list[dict[str, str]], params: dict[str, Any] | None = None, sample_index: int = 0
    ) -> CallOutcome:
        params = self.params(params)
        # The full request, serialised once: hashed into the exact key and stored as is with the answer.
        request = request_json(self._identity_json, messages, params, sample_index)
        exact = _digest(request)
        # Without a cap the key is the exact key itself: one canonical JSON and hash per call, not two.
        capped = any(p in params for p in CAP_PARAMS)
        key = self.key(messages, params, sample_index) if capped else exact
        claimed = False
        if not capped and exact not in self._inflight and not self.stopped:
            # The common case in one step: the cached answer, or else the claim to send it, read and
            # taken with the other calls of this loop turn (group_commit).
            hit, holder = await self._commits.lookup_or_claim(key)
            if hit is not None and hit_fits(hit, params):
                return self._from_cache(hit)
            claimed = hit is None and holder is None
        if not claimed:
            hit = await self._lookup(key)
            if hit is not None and not hit_fits(hit, params):
                hit = None
            if hit is None and exact != key:
                # An answer cut by this very cap, or one cached before keys left the cap out.
                hit = await self._lookup(exact)
            if hit is not None:
                return self._from_cache(hit)
        if exact in self._inflight:
            # The same request is already on its way: share its answer instead of paying twice. (A claim
            # taken above is this caller's own, which that call stores or gives up.)
            first = await asyncio.shield(self._inflight[exact])
            if first.error:
                return first
            self.stats.cached_calls += 1
            return first.model_copy(update={"cached": True})
        future = asyncio.get_running_loop().create_future()
        self._inflight[exact] = future  # by the exact request: another cap may get another answer
        try:
            outcome = await self._fresh_call(key, exact, messages, params, request, claimed)
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                future.cancel()
            else:
                future.set_exception(exc)
                future.exception()  # retrieved here, so an unawaited future never warns
            raise
        finally:
            self._inflight.pop(exact, None)
        future.set_result(outcome)
        return outcome

    def _from_cache(self, hit: dict[str, Any]) -> CallOutcome:
        self.stats.cached_calls += 1
        return CallOutcome(
            texts=hit["extra"].get("texts") or [hit["text"]],
            input_tokens=hit["input_tokens"],
            output_tokens=hit["output_tokens"],
            cost_usd=hit["cost_usd"],
            latency_ms=hit["latency_ms"],
            cached=True,
            logprob=hit["extra"].get("logprob"),
        )

    async def _claim(self, key: str, exact: str, params: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
        """Claim ``key`` in the store; while another process holds it, wait for its answer.

        Returns the claimed key and ``None``, or the key and the other process's cached answer.
        A claim outlives the longest the holder can take (every retry timing out); one left by
        a killed process on this host is taken over at once. Claims made in the same loop turn
        share one transaction (``group_commit``)."""
        wait = CLAIM_POLL_S[0]
        while True:
            holder, found = await self._commits.claim(key, exact)
            if holder is None:
                # The holder may have stored its answer between our cache miss and this claim.
                if key in found and hit_fits(found[key], params):
                    self.store.release_call(key, self._owner)
                    return key, found[key]
                if exact in found and exact != key:
                    self.store.release_call(key, self._owner)
                    return key, found[exact]
                return key, None
            await asyncio.sleep(wait)
            wait = min(wait * 2, CLAIM_POLL_S[1])
            found = self.store.get_calls([key, exact])
            if key in found and hit_fits(found[key], params):
                return key, found[key]
            if exact in found:
                return key, found[exact]

    async def _fresh_call(
        self,
        key: str,
        exact: str,
        messages: list[dict[str, str]],
        params: dict[str, Any],
        request: str,
        claimed: bool = False,
    ) -> CallOutcome:
        if self.stopped:
            if claimed:
                self.store.release_call(key, self._owner)
            return self._not_sent()
        if not claimed:
            key, hit = await self._claim(key, exact, params)
            if hit is not None:
                return self._from_cache(hit)
        try:
            outcome = await self._paid_call(key, exact, messages, params, request)
        except BaseException:
            self.store.release_call(key, self._owner)
            raise
        if outcome.error:  # nothing stored: give the claim up (storing an answer releases it)
            self.store.release_call(key, self._owner)
        return outcome

    async def _paid_call(
        self, key: str, exact: str, messages: list[dict[str, str]], params: dict[str, Any], request: str
    ) -> CallOutcome:
        reserved = 0.0
        if self.budget is not None:
            reserved = worst_case_cost(self.price, messages, params.get("max_tokens"))
            if not self.budget.reserve(reserved):
                self.stats.errors += 1
                return CallOutcome(
                    error=f"budget exhausted: {usd(self.budget.limit_usd)} limit, this call could "
                    f"cost up to {usd(reserved)}",
                    cost_usd=self._failed_cost(),
                )
        async with self.slots:
            if self.stopped:  # it stopped while this call waited for a slot
                if self.budget is not None:
                    self.budget.settle(reserved, 0.0)
                return self._not_sent()
            try:
                result = await self._call_with_retries(messages, params)
            except ProviderError as exc:
                # A failed call may still have been billed; we cannot know, so keep the reservation.
                if self.budget is not None:
                    self.budget.settle(reserved, reserved)
                self.stats.errors += 1
                message = redact_secrets(str(exc), [k for k in [self._key_value()] if k])
                self._note_failure(exc, message)
                return CallOutcome(error=message, cost_usd=self._failed_cost())
        self._succeeded += 1
        cost = measured_usd(self.cfg, result.extra, call_cost(self.price, result.input_tokens, result.output_tokens))
        if self.budget is not None:
            self.budget.settle(reserved, cost or 0.0)
        cap = params.get("max_tokens")
        claimed = key
        if cap is not None and result.output_tokens >= int(cap):
            # Cut by its cap: only a call with this very cap gets this answer.
            key = exact
        await self._commits.put(
            (
                key,
                self.cfg.model,
                request,
                result.texts[0] if result.texts else "",
                result.input_tokens,
                result.output_tokens,
                cost,
                result.latency_ms,
                _cache_extra(result, params),
                self._paid_by.run_id,
            )
        )
        if key != claimed:
            self.store.release_call(claimed, self._owner)  # stored under another key: its claim stays otherwise
        self.stats.calls += 1
        if cost is None:
            self.stats.unknown_cost_calls += 1
        else:
            self.stats.spent_usd += cost
        return CallOutcome(
            texts=result.texts,
            input_tokens=result.input_tokens,
            output_tokens=result.output_tokens,
            cost_usd=cost,
            latency_ms=result.latency_ms,
            logprob=result.extra.get("logprob"),
        )

    def _note_failure(self, exc: ProviderError, message: str) -> None:
        self._failed += 1
        if exc.status in FATAL_STATUS:
            self._fatal += 1
        if not self._stop_on_refusal or self.stopped:
            return
        if self._fatal >= STOP_AFTER_FATAL or (self._succeeded == 0 and self._failed >= STOP_AFTER_FAILURES):
            self.stopped = message
            log.warning("%s: stopped sending after %d failed calls: %s", self.cfg.name, self._failed, message)

    def _not_sent(self) -> CallOutcome:
        self.stats.errors += 1
        return CallOutcome(
            error=f"not sent, the provider refused earlier calls: {self.stopped}", cost_usd=self._failed_cost()
        )

    def _failed_cost(self) -> float | None:
        """A failed call's cost: nothing known to be paid, or unknown when the model's price is."""
        return None if self.price is None else 0.0

    def _key_value(self) -> str | None:
        """This model's key, only to scrub it from error texts (it is never stored)."""
        return os.environ.get(self.cfg.api_key_env) if self.cfg.api_key_env else None

    async def _lookup(self, key: str):
        """Cache lookups made in the same event-loop turn share one query.

        A replay of 10,000 cached calls then costs a few hundred queries, not 10,000.
        """
        loop = asyncio.get_running_loop()
        if self._pending is None:
            self._pending = {}
            loop.call_soon(self._flush_lookups)
        future = self._pending.get(key)
        if future is None:
            future = self._pending[key] = loop.create_future()
        return await future

    def _flush_lookups(self) -> None:
        pending, self._pending = self._pending or {}, None
        try:
            found = self.store.get_calls(pending)
        except Exception as exc:  # hand the failure to every waiter instead of hanging them
            for future in pending.values():
                if not future.done():
                    future.set_exception(exc)
            return
        for key, future in pending.items():
            if not future.done():
                future.set_result(found.get(key))

    async def _call_with_retries(self, messages, params):
        # Tokens the rate limiter counts for this call (only a limiter with a TPM budget reads them).
        estimate = 0
        if self.limiter.active:
            estimate = sum(len(str(m.get("content", ""))) for m in messages) // 4 + int(params.get("max_tokens") or 256)
        attempt = 0
        while True:
            await self.limiter.acquire(estimate)
            try:
                # A safety net above the client's own timeout, so a hung socket never hangs the run;
                # a client that enforces cfg.timeout_s on every request needs none (one less timer per call).
                pending = self.client.complete(messages, params)
                result = await (
                    pending
                    if getattr(self.client, "enforces_timeout", False)
                    else _within(pending, self.cfg.timeout_s + 5)
                )
                self.slots.succeeded()
                return result
            except Exception as exc:  # classified below; nothing raw reaches the caller
                err = classify(exc)
                if err.status == 429 or err.retry_after is not None:
                    self.slots.rate_limited()
                if isinstance(exc, asyncio.TimeoutError):
                    err = ProviderError(f"timeout after {self.cfg.timeout_s:.0f} s", retryable=True)
                status = str(err.status or type(exc).__name__)
                self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
                attempt += 1
                if not err.retryable or attempt > self.retry.max_retries:
                    if err.retryable:
                        raise ProviderError(f"{err} (gave up after {attempt} attempts)", retryable=False) from None
                    raise err from None
                delay = self.retry.delay(attempt, err.retry_after, self._rng)
                self.stats.retries += 1
                log.debug("retry %d for %s in %.2fs: %s", attempt, self.cfg.name, delay, err)
                await asyncio.sleep(delay)


async def _within(call: Awaitable[T], seconds: float) -> T:
    """``call`` with a deadline (asyncio.TimeoutError past it), in a task of its own (``wait_for``).
    Not ``asyncio.timeout`` in the caller's task: with it, a run interrupted by Ctrl-C kept none of
    its finished records (tests/test_steps_run.py, scripted model), so wait_for's behaviour stays."""
    return await asyncio.wait_for(call, seconds)


def _cache_extra(result, params: dict[str, Any]) -> dict[str, Any] | None:
    extra = dict(result.extra)
    if params.get("max_tokens") is not None:
        extra["max_tokens"] = params["max_tokens"]  # so a later call knows whether the answer was cut
    if len(result.texts) > 1:
        extra["texts"] = result.texts
    return extra or None
