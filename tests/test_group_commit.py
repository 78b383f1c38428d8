"""Issue 20: claims and call writes made together share a transaction, and dispatch starts early.

Nothing is weaker than with a transaction per call: every call is still claimed before it
is sent and stored before it counts; only the number of commits (and the wait before the
first request) shrinks.
"""

from __future__ import annotations

import asyncio

from helpers import sentiment_rows, write_task

from taskladder.models.client import CallResult
from taskladder.models.config import ModelConfig
from taskladder.runner import evaluate
from taskladder.runner.calls import ModelCaller
from taskladder.runner.group_commit import GroupCommit
from taskladder.store import Store
from taskladder.task import load_task

PRICE = {"input_per_mtok": 1.0, "output_per_mtok": 2.0}


class InstantClient:
    """Answers every call on the next loop turn and notes how many calls had reached the caller."""

    enforces_timeout = True

    def __init__(self, caller_entries: list[int] | None = None):
        self.sent = 0
        self.entries_at_first_send: int | None = None
        self._entries = caller_entries

    async def complete(self, messages, params):
        if self.entries_at_first_send is None and self._entries is not None:
            self.entries_at_first_send = len(self._entries)
        self.sent += 1
        await asyncio.sleep(0)
        return CallResult.model_construct(texts=["pos"], input_tokens=7, output_tokens=1, latency_ms=1.0, extra={})


def cfg(**kw) -> ModelConfig:
    return ModelConfig(**{"name": "m", "model": "openai/m", "api_base": "http://127.0.0.1:9/v1", "price": PRICE,
                          "concurrency": 64, **kw})


def count_transactions(store: Store) -> list[str]:
    begun: list[str] = []
    store._db.set_trace_callback(lambda sql: begun.append(sql) if sql.startswith("BEGIN") else None)
    return begun


def test_calls_made_together_are_claimed_and_stored_in_a_few_transactions(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    caller = ModelCaller(cfg(), store, client=InstantClient())
    begun = count_transactions(store)

    async def go():
        return await asyncio.gather(*(caller.call([{"role": "user", "content": f"q{i}"}]) for i in range(100)))

    outcomes = asyncio.run(go())
    assert [o.text for o in outcomes] == ["pos"] * 100 and not any(o.cached for o in outcomes)
    # Before: a claim and a write per call (200 transactions); now one of each per batch of calls.
    assert len(begun) <= 6, begun
    keys = [caller.key([{"role": "user", "content": f"q{i}"}], caller.params()) for i in range(100)]
    stored = store.get_calls(keys)
    assert len(stored) == 100 and all(c["cost_usd"] == 7e-6 + 2e-6 for c in stored.values())
    assert store._db.execute("SELECT COUNT(*) FROM call_claims").fetchone()[0] == 0  # every claim given up


def test_a_claim_whose_call_went_away_is_given_up(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    commits = GroupCommit(store, "me", 60)

    async def go():
        waiting = asyncio.ensure_future(commits.claim("k", "k"))
        await asyncio.sleep(0)  # submitted; the batch runs on the next turn
        waiting.cancel()
        await asyncio.sleep(0.01)
        return waiting.cancelled()

    assert asyncio.run(go())
    assert store._db.execute("SELECT COUNT(*) FROM call_claims").fetchone()[0] == 0
    assert store.claim_call("k", "someone-else", 60) is None  # free for another process to send


def test_a_paid_answer_is_stored_even_when_its_waiter_went_away(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    commits = GroupCommit(store, "me", 60)

    async def go():
        waiting = asyncio.ensure_future(commits.put(("k", "openai/m", {"messages": []}, "pos", 3, 1, 0.5, 2.0,
                                                     None, "run-1")))
        await asyncio.sleep(0)
        waiting.cancel()
        await asyncio.sleep(0.01)

    asyncio.run(go())
    assert store.get_call("k")["text"] == "pos" and store.get_call("k")["run_id"] == "run-1"


def test_a_batch_that_fails_fails_every_waiter(tmp_path):
    store = Store(tmp_path / "s.sqlite")
    commits = GroupCommit(store, "me", 60)
    store.close()  # every statement now raises

    async def go():
        return await asyncio.gather(commits.claim("a", "a"), commits.claim("b", "b"), return_exceptions=True)

    results = asyncio.run(go())
    assert all(isinstance(r, Exception) for r in results)


def test_the_first_call_leaves_before_every_example_is_prepared(tmp_path, monkeypatch):
    task = load_task(write_task(tmp_path / "t", sentiment_rows(2400)))  # 600 dev examples
    entries: list[int] = []
    real_call = ModelCaller.call

    async def counted(self, *args, **kwargs):
        entries.append(1)
        return await real_call(self, *args, **kwargs)

    monkeypatch.setattr(ModelCaller, "call", counted)
    client = InstantClient(entries)
    result = evaluate(task, "m", models={"m": cfg(concurrency=512)}, store=Store(tmp_path / "s.sqlite"),
                      progress=False, client=client)
    assert result.summary["calls"] == len(task.dev) == 600 and client.sent == 600
    # Before, all 600 examples were rendered, looked up and claimed before the first request left.
    assert client.entries_at_first_send is not None and client.entries_at_first_send <= 300


def test_a_replay_only_reads_and_pays_nothing(tmp_path):
    task = load_task(write_task(tmp_path / "t", sentiment_rows(200)))
    store = Store(tmp_path / "s.sqlite")
    first = evaluate(task, "m", models={"m": cfg()}, store=store, progress=False, client=InstantClient())
    client = InstantClient()
    begun = count_transactions(store)
    replay = evaluate(task, "m", models={"m": cfg()}, store=store, progress=False, client=client)
    assert client.sent == 0 and replay.summary.cached_calls == len(task.dev) == first.summary.calls
    assert "BEGIN IMMEDIATE" not in begun  # no claim taken: every answer was read from the cache
    assert [r.prediction for r in replay.records] == [r.prediction for r in first.records]
