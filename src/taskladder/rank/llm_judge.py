"""An LLM behind the pairwise ``Judge`` protocol: cached, costed calls through ``ModelCaller``."""

from __future__ import annotations

import json
from typing import Any, cast

from ..models.caller import Caller
from .comparison import Winner
from .judge import Verdict
from .judge_prompt import LLMJudgePrompt, parse_verdict, reasoning_of

JUDGE_MAX_TOKENS = 400


class LLMJudge:
    """Asks a model which of two answers is better; an unreadable verdict counts as a tie."""

    def __init__(self, caller: Caller, prompt: LLMJudgePrompt):
        self.caller = caller
        self.prompt = prompt
        self.unparsed = 0
        self.errors = 0
        # What this judge's calls cost (cached calls at their original price), for per-example accounting.
        self.calls = 0
        self.cached_calls = 0
        self.cost_usd: float | None = 0.0
        self.spent_usd = 0.0
        # Prompts already priced: a prompt identical to one asked before (a pair judged both
        # ways round whose prompt does not change) is one call in production, priced once.
        self._priced: set[str] = set()

    async def judge(self, item_input: Any, output_a: str, output_b: str, rubric: str | None) -> Winner:
        messages = self.prompt.messages(item_input, output_a, output_b, rubric)
        outcome = await self.caller.call(messages, {"max_tokens": JUDGE_MAX_TOKENS})
        self._account(outcome, json.dumps(messages, sort_keys=True))
        if outcome.error:
            self.errors += 1
            return "tie"
        verdict = parse_verdict(outcome.text)
        if verdict is None:
            self.unparsed += 1
            return cast(Winner, Verdict("tie", reasoning_of(outcome.text)))
        return cast(Winner, Verdict(verdict, reasoning_of(outcome.text)))  # a Winner that carries its reasoning

    def _account(self, outcome, prompt: str) -> None:
        if outcome.error:
            return
        if outcome.cached:
            self.cached_calls += 1
        else:
            self.calls += 1
            self.spent_usd += outcome.cost_usd or 0.0
        if prompt in self._priced:
            return
        self._priced.add(prompt)
        self.cost_usd = None if self.cost_usd is None or outcome.cost_usd is None else self.cost_usd + outcome.cost_usd
