"""Pack as many demos as fit in a model's context window.

Fast path: each candidate's user/assistant pair is counted once (tiktoken) and the
counts are added up with a per-pair overhead (calibrated once with the exact counter), so
thousands of candidates cost one pass. The chosen prompt is then counted with the exact
counter: if the estimate was short, the least preferred demos are dropped until it fits;
if it was long, a few more are tried one by one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from ..demos.guard import filter_leaks
from ..task import Example, TaskSpec
from .render import render_demo, render_messages
from .tokens import PER_MESSAGE_TOKENS, count_message_tokens, count_text_tokens

log = logging.getLogger(__name__)

# Exact counts spent on demos the estimate left out; a few cover estimate rounding.
_MAX_PROBES = 4


def pack_demos(
    spec: TaskSpec,
    example: Example,
    candidates: Sequence[Example],
    *,
    model: str,
    context_tokens: int,
    reserve_output_tokens: int | None = None,
    **render_kwargs: Any,
) -> list[Example]:
    """The longest prefix of ``candidates`` (most preferred first) whose prompt fits.

    Room is left for the reply: ``reserve_output_tokens``, or the longest rendered answer
    among the candidates. Returns the kept demos in prompt order, the most preferred LAST
    (nearest the input), as the selectors order theirs. Candidates that leak the example
    (same id or same input text) are skipped, with the same guard the selectors use.
    """

    pool = filter_leaks(example, candidates)
    reasoning = bool(render_kwargs.get("reasoning", False))
    pairs = [render_demo(spec, d, reasoning=reasoning) for d in pool]
    user = count_text_tokens([u["content"] for u, _ in pairs], model)
    reply = count_text_tokens([a["content"] for _, a in pairs], model)
    if reserve_output_tokens is None:
        reserve_output_tokens = max(reply, default=0) + PER_MESSAGE_TOKENS
    budget = context_tokens - reserve_output_tokens

    def exact(n: int) -> int:
        demos = list(reversed(pool[:n]))
        return count_message_tokens(render_messages(spec, example, demos, **render_kwargs), model)

    base = exact(0)
    if base > budget:
        log.warning(
            "example %s: the prompt without demos needs %d tokens, over the budget of %d "
            "(%d context - %d reserved for the reply); no demos packed",
            example.id, base, budget, context_tokens, reserve_output_tokens,
        )
        return []
    if not pool:
        return []
    # Calibrate the per-pair overhead (roles, separators) on the first demo with the exact
    # counter, so the added-up estimate tracks the real count closely.
    first = exact(1)
    overhead = max(0, first - base - user[0] - reply[0])
    costs = [u + a + overhead for u, a in zip(user, reply)]

    if first > budget:
        return []
    n, total = 1, first
    while n < len(pool) and total + costs[n] <= budget:
        total += costs[n]
        n += 1
    if n > 1:
        total = exact(n)
    while total > budget and n > 0:  # the estimate was short: drop the least preferred
        over = total - budget
        while over > 0 and n > 0:
            n -= 1
            over -= costs[n]
        total = exact(n)
    for _ in range(_MAX_PROBES):  # the estimate was long: try the next ones exactly
        if n >= len(pool) or total + PER_MESSAGE_TOKENS >= budget:
            break
        bigger = exact(n + 1)
        if bigger > budget:
            break
        n, total = n + 1, bigger
    return list(reversed(pool[:n]))
