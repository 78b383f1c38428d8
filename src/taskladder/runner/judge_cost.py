"""What a best-of-N pipeline's judge will cost, before its samples exist.

The judge's prompts hold the samples' answers, so they cannot be planned exactly; each
example's expected output stands in for both answers (a sample usually looks like it), and
the schedule's call count assumes every sample parses. None of these calls can be known
to be cached, since their keys depend on the answers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from ..models.config import ModelConfig, resolve_model
from ..models.pricing import lookup_price
from ..pipeline.spec import PipelineSpec
from ..pipeline.stages.judge_select import judge_calls_per_example, judge_prompt
from ..prompt import count_text_tokens
from ..rank.llm_judge import JUDGE_MAX_TOKENS
from ..task import Example, Task
from .budget import PER_MESSAGE_TOKENS, worst_case_cost

# A judge reasons "in a few sentences" before its verdict (the prompt asks for that).
TYPICAL_JUDGE_OUTPUT_TOKENS = 120


@dataclass
class JudgeEstimate:
    judge: str
    calls: int
    typical_usd: float | None  # None: the judge's price is unknown
    max_usd: float | None


def _stand_in(example: Example) -> str:
    outputs = example.outputs
    if len(outputs) == 1:
        return str(next(iter(outputs.values())))
    return json.dumps(outputs, ensure_ascii=False)


def judge_estimate(task: Task, spec: PipelineSpec, models: dict[str, ModelConfig],
                   examples: Sequence[Example]) -> JudgeEstimate | None:
    per_example = judge_calls_per_example(spec)
    if not per_example or spec.sampling is None or not spec.sampling.judge:
        return None
    cfg = resolve_model(spec.sampling.judge, models)
    price = lookup_price(cfg)
    calls = per_example * len(examples)
    if price is None:
        return JudgeEstimate(cfg.name, calls, None, None)

    prompt = judge_prompt(spec, task)
    typical = worst = 0.0
    for e in examples:
        answer = _stand_in(e)
        messages = prompt.messages(e.inputs, answer, answer, spec.sampling.rubric)
        tokens = sum(count_text_tokens([m["content"] for m in messages], "gpt-4o")) + PER_MESSAGE_TOKENS * len(messages)
        typical += per_example * price.cost(tokens, TYPICAL_JUDGE_OUTPUT_TOKENS)
        worst += per_example * worst_case_cost(price, messages, JUDGE_MAX_TOKENS)
    return JudgeEstimate(cfg.name, calls, typical, worst)
