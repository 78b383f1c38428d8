"""Group commit: the claims and call writes of one event-loop turn share one SQLite transaction.

At hundreds of calls a second, a transaction per claim and another per answer was most of
what a run did besides HTTP: thousands of BEGIN/COMMITs, and at high concurrency every
example claimed one by one before the first request could leave. Here each claim or write
joins the current turn's batch and awaits it; the batch runs as one transaction on the next
turn. Nothing is weaker than before: a claim is held, and an answer stored, before the
awaiting call goes on, exactly as with one transaction each; only the commits are fewer.

A batch belongs to the event loop it was opened on; a loop closed with a batch still
pending (an interrupted run) leaves nothing behind for the next ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from ..store import Store
from ..store.db import CachedCall

Item = TypeVar("Item")
Result = TypeVar("Result")


class _Batch(Generic[Item, Result]):
    """Items handed in during one loop turn, run together by ``run_batch`` on the next.

    A waiter that goes away (cancelled) does not take its item out: the batch still runs it,
    and ``abandoned(item, result)`` is told, so a claim nobody will use can be given up."""

    def __init__(self, run_batch: Callable[[list[Item]], list[Result]],
                 abandoned: Callable[[Item, Result], None] | None = None):
        self._run_batch = run_batch
        self._abandoned = abandoned
        self._items: list[Item] = []
        self._futures: list[asyncio.Future[Result]] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def submit(self, item: Item) -> asyncio.Future[Result]:
        loop = asyncio.get_running_loop()
        if self._loop is not loop or not self._futures:
            # A new batch (the previous one ran, or its loop is gone).
            self._items, self._futures, self._loop = [], [], loop
            loop.call_soon(self._run, self._items, self._futures)
        future: asyncio.Future[Result] = loop.create_future()
        self._items.append(item)
        self._futures.append(future)
        return future

    def _run(self, items: list[Item], futures: list[asyncio.Future[Result]]) -> None:
        if futures is self._futures:
            self._futures = []  # later submits open the next batch
        try:
            results = self._run_batch(items)
        except Exception as exc:  # every waiter gets the failure instead of hanging
            for future in futures:
                if not future.done():
                    future.set_exception(exc)
            return
        for item, future, result in zip(items, futures, results):
            if not future.done():
                future.set_result(result)
            elif self._abandoned is not None:
                self._abandoned(item, result)

class GroupCommit:
    """One caller's claims and call writes, batched per event-loop turn."""

    def __init__(self, store: Store, owner: str, ttl_s: float):
        self.store = store
        self.owner = owner
        self.ttl_s = ttl_s
        self._claims: _Batch[tuple[str, str], tuple[str | None, dict[str, CachedCall]]] = _Batch(
            self._claim_batch, abandoned=self._release_unused)
        self._writes: _Batch[tuple[Any, ...], None] = _Batch(self._write_batch)
        self._lookups: _Batch[str, tuple[CachedCall | None, str | None]] = _Batch(
            self._lookup_or_claim_batch, abandoned=self._release_unused_lookup)

    async def lookup_or_claim(self, key: str) -> tuple[CachedCall | None, str | None]:
        """What the cache holds under ``key``; when it holds nothing, the claim to send it.

        ``(answer, None)``: cached (nothing claimed); ``(None, None)``: this caller now holds the
        claim; ``(None, holder)``: another live process holds it. A replay only reads."""
        return await self._lookups.submit(key)

    async def claim(self, key: str, exact: str) -> tuple[str | None, dict[str, CachedCall]]:
        """Claim ``key``: ``(None, cached)`` when this caller now holds it, else ``(holder, {})``.

        ``cached`` holds what the store already had under ``key`` or ``exact`` once claimed
        (another process may have stored the answer between this caller's lookup and its claim)."""
        return await self._claims.submit((key, exact))

    async def put(self, call: tuple[Any, ...]) -> None:
        """Store a call (``Store.put_call``'s arguments, in order); returns once it is committed.

        A cancelled waiter does not cancel the write: a paid answer is stored either way."""
        await self._writes.submit(call)

    def _claim_batch(self, items: list[tuple[str, str]]) -> list[tuple[str | None, dict[str, CachedCall]]]:
        held = self.store.claim_calls([key for key, _ in items], self.owner, self.ttl_s)
        mine = [(key, exact) for key, exact in items if key not in held]
        found = self.store.get_calls([k for pair in mine for k in pair]) if mine else {}
        return [(held[key], {}) if key in held else (None, {k: found[k] for k in (key, exact) if k in found})
                for key, exact in items]

    def _lookup_or_claim_batch(self, keys: list[str]) -> list[tuple[CachedCall | None, str | None]]:
        found = self.store.get_calls(keys)
        missing = [key for key in dict.fromkeys(keys) if key not in found]
        held: dict[str, str] = {}
        if missing:
            held = self.store.claim_calls(missing, self.owner, self.ttl_s)
            mine = [key for key in missing if key not in held]
            # Another process may have stored an answer between the read and the claim.
            late = self.store.get_calls(mine) if mine else {}
            for key in late:
                self.store.release_call(key, self.owner)
            found.update(late)
        return [(found.get(key), None if key in found else held.get(key)) for key in keys]

    def _release_unused_lookup(self, key: str, result: tuple[CachedCall | None, str | None]) -> None:
        if result == (None, None):  # claimed for a call that went away (cancelled)
            self.store.release_call(key, self.owner)

    def _write_batch(self, calls: list[tuple[Any, ...]]) -> list[None]:
        self.store.put_calls(calls)
        return [None] * len(calls)

    def _release_unused(self, item: tuple[str, str], result: tuple[str | None, dict[str, CachedCall]]) -> None:
        if result[0] is None:  # claimed for a call that went away (cancelled): let others send it
            self.store.release_call(item[0], self.owner)
