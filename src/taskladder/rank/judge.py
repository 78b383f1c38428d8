"""The pairwise judge interface, and judging one pair in both orders.

A judge answers in *display* terms: ``"a"`` means the first output it was shown won. The
lead wires an LLM behind this interface (see ``judge_prompt`` for the prompt and parser);
tests and benchmarks plug in scripted or simulated judges.

Inconsistency policy (stated once, used everywhere): a pair is judged in both orders and the
combined verdict is a win only when both orders agree on the winner; any disagreement (a
flip, or a win in one order and a tie in the other) counts as a tie. Both raw verdicts are
also kept as ``Comparison`` rows with ``first`` set, so the Bradley–Terry fit can estimate
the first-position advantage and the position bias can be measured.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Protocol, runtime_checkable

from pydantic import BaseModel

from .comparison import Comparison, Winner

INCONSISTENCY_POLICY = (
    "each pair is judged in both orders; the combined verdict is a win only when both orders agree, "
    "otherwise (a flip, or a win against a tie) it is a tie"
)


@runtime_checkable
class Judge(Protocol):
    async def judge(self, item_input: Any, output_a: str, output_b: str, rubric: str | None) -> Winner:
        """Compare two outputs shown in this order; return 'a' (first), 'b' (second) or 'tie'."""
        ...


JudgeFn = Callable[[Any, str, str, "str | None"], Awaitable[Winner]]


def as_judge_fn(judge: Judge | JudgeFn) -> JudgeFn:
    """Accept a ``Judge`` object or a plain async function with the same signature."""
    return judge.judge if isinstance(judge, Judge) else judge


class Verdict(str):
    """A judge's verdict ('a', 'b' or 'tie') that also carries the reasoning it gave.

    A ``str``, so every judge function's ``Winner`` contract holds; ``judge_both_orders``
    keeps the reasoning on each ``Comparison`` it records."""

    reasoning: str | None

    def __new__(cls, winner: Winner, reasoning: str | None = None) -> "Verdict":
        verdict = super().__new__(cls, winner)
        verdict.reasoning = reasoning
        return verdict


def swap(verdict: Winner) -> Winner:
    """The same verdict expressed with a and b exchanged."""
    return {"a": "b", "b": "a", "tie": "tie"}[verdict]  # type: ignore[return-value]


def reconcile(verdict_ab: Winner, verdict_ba_as_ab: Winner) -> Winner:
    """Combine the two orders' verdicts (both expressed in a/b names) by the stated policy."""
    return verdict_ab if verdict_ab == verdict_ba_as_ab else "tie"


class PairVerdict(BaseModel):
    comparisons: list[Comparison]  # the two raw verdicts, first = "a" then first = "b"
    verdict: Winner  # combined by INCONSISTENCY_POLICY
    consistent: bool


async def judge_both_orders(
    judge: Judge | JudgeFn, *, item: str, item_input: Any, a_name: str, a_output: str,
    b_name: str, b_output: str, rubric: str | None = None,
) -> PairVerdict:
    """Ask the judge about (a, b) and (b, a) concurrently and reconcile the two verdicts."""
    fn = as_judge_fn(judge)
    v_ab, v_ba = await asyncio.gather(
        fn(item_input, a_output, b_output, rubric), fn(item_input, b_output, a_output, rubric)
    )
    first_verdict: Winner = str(v_ab)  # type: ignore[assignment]
    second: Winner = swap(str(v_ba))  # type: ignore[arg-type]  # in the second call a was shown as "b"
    rows = [
        Comparison(item=item, a=a_name, b=b_name, winner=first_verdict, first="a",
                   reasoning=getattr(v_ab, "reasoning", None)),
        Comparison(item=item, a=a_name, b=b_name, winner=second, first="b",
                   reasoning=getattr(v_ba, "reasoning", None)),
    ]
    return PairVerdict(comparisons=rows, verdict=reconcile(first_verdict, second), consistent=first_verdict == second)
