"""Tokens are counted once per distinct prompt text, not once per call."""

from __future__ import annotations

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
