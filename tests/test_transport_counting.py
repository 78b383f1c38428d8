"""Tokens are counted once per distinct prompt text, not once per call."""

from __future__ import annotations

import pytest

from taskladder.models.config import Price
from taskladder.runner import budget


def test_a_repeated_instruction_is_counted_once_across_calls(monkeypatch):
    counted: list[str] = []
    real = budget.count_text_tokens

    def counting(texts, model):
        counted.extend(texts)
        return real(texts, model)

    monkeypatch.setattr(budget, "count_text_tokens", counting)
    budget._text_tokens.cache_clear()
    price = Price(input_per_mtok=1.0, output_per_mtok=2.0)
    system = {"role": "system", "content": "Classify the ticket into one of: billing, bug, other. " * 20}
    costs = [budget.worst_case_cost(price, [system, {"role": "user", "content": f"ticket {i}"}], 16)
             for i in range(50)]
    assert counted.count(system["content"]) == 1 and len(counted) == 51  # 1 instruction + 50 distinct tickets
    assert costs[0] == budget.worst_case_cost(price, [system, {"role": "user", "content": "ticket 0"}], 16)
    assert costs[0] > price.cost(len(system["content"]) // 8, 16)  # the instruction's tokens are in every bound


def _count_encodes(monkeypatch) -> list[str]:
    """Every text this process's client side hands to tiktoken (the loopback server's own
    usage counting runs in its thread and is not counted)."""
    import threading

    import tiktoken

    encoded: list[str] = []
    for name in ("encode", "encode_ordinary"):
        real = getattr(tiktoken.Encoding, name)

        def counting(self, text, *args, _real=real, **kwargs):
            if threading.current_thread() is threading.main_thread():
                encoded.append(text)
            return _real(self, text, *args, **kwargs)

        monkeypatch.setattr(tiktoken.Encoding, name, counting)
    return encoded


def test_the_direct_path_counts_no_tokens_where_usage_is_reported_and_each_prompt_once_under_a_budget(
        tmp_path, monkeypatch):
    from helpers import sentiment_rows, write_task

    from taskladder.models.config import ModelConfig
    from taskladder.models.llm import OpenAICompatibleClient
    from taskladder.models.providers import make_client
    from taskladder.runner import evaluate
    from taskladder.store import Store
    from taskladder.task import load_task
    from taskladder.testing import LoopbackServer, mapping_responder

    task = load_task(write_task(tmp_path / "t", sentiment_rows(80)))
    budget._text_tokens.cache_clear()
    encoded = _count_encodes(monkeypatch)
    with LoopbackServer(mapping_responder({"great": "pos", "good": "pos"}, default="neg")) as srv:
        model = ModelConfig(name="loop", model="openai/loopback", api_base=srv.base_url, concurrency=8,
                            price={"input_per_mtok": 1.0, "output_per_mtok": 2.0})
        assert type(make_client(model)) is OpenAICompatibleClient

        def run(store: str, limit_usd: float | None = None):
            return evaluate(task, "loop", models={"loop": model}, store=Store(tmp_path / store), progress=False,
                            budget=budget.Budget(limit_usd) if limit_usd else None)

        plain = run("a.sqlite")
        assert plain.summary.calls == len(task.dev) and encoded == []  # the provider's usage is the count
        # Cost comes from the reported usage, once per paid call, and a replay reuses it.
        price = model.price
        assert price is not None
        for r in plain.records:
            assert r.input_tokens > 0 and r.cost_usd == pytest.approx(price.cost(r.input_tokens, r.output_tokens))
        replay = run("a.sqlite")
        assert replay.summary.cached_calls == len(task.dev) and encoded == []
        assert [r.cost_usd for r in replay.records] == [r.cost_usd for r in plain.records]

        # A budget bounds each call before it is sent: each distinct message text is counted once,
        # however many calls (and runs) repeat it.
        run("b.sqlite", 100.0)
        run("c.sqlite", 100.0)  # a fresh store: every call paid again, no text counted again
        texts = {m["content"] for request in srv.requests for m in request.body["messages"]}
    assert len(texts) == len(task.dev) + 1  # one instruction, one text per example
    assert sorted(encoded) == sorted(texts)
