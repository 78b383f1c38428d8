"""Majority vote over sampled answers (self-consistency), with a stated tie rule.

Tie rule: among answers tied for the most votes, the one that appeared *first* in the
sample order wins. Sample 0 is usually the greedy or lowest-temperature sample, so the rule
favours the model's most confident answer, and it is deterministic given the samples.

The margin (top votes - runner-up votes) / n is kept as a confidence signal: n counts every
sample, abstentions included, so a vote where most samples were unparseable is not
mistaken for a confident one.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from pydantic import BaseModel

from .normalise import normalise_final_answer, normalise_label, normalise_number

Normaliser = Callable[[Any], "Hashable | None"]

NORMALISERS: dict[str, Normaliser] = {
    "label": normalise_label,
    "number": normalise_number,
    "final_answer": normalise_final_answer,
}
TIE_RULE = "earliest first occurrence among the tied answers"


class VoteResult(BaseModel):
    answer: Any  # the winning key (normalised), None when every sample abstained
    votes: int
    margin: float  # (top - second) / n
    n: int  # samples, abstentions included
    tie_broken_by: str | None = None  # None, or TIE_RULE when the top count was shared
    abstained: int = 0
    raw: Any = None  # the first raw sample that normalised to the winner
    counts: dict[str, int] = {}  # str(key) -> votes, in first-occurrence order


def _resolve(normalise: str | Normaliser | None) -> Normaliser:
    if normalise is None:
        return lambda x: x
    if isinstance(normalise, str):
        try:
            return NORMALISERS[normalise]
        except KeyError:
            raise ValueError(f"unknown normaliser '{normalise}'; use one of {sorted(NORMALISERS)} or a callable") from None
    return normalise


def majority_vote(answers: Sequence[Any], *, normalise: str | Normaliser | None = None) -> VoteResult:
    """Vote over ``answers`` after ``normalise`` ('label', 'number', 'final_answer', a callable
    returning a hashable key or None to abstain, or None for exact keys)."""
    fn = _resolve(normalise)
    counts: dict[Hashable, int] = {}
    raw_of: dict[Hashable, Any] = {}
    abstained = 0
    for ans in answers:
        key = fn(ans)
        if key is None:
            abstained += 1
            continue
        counts[key] = counts.get(key, 0) + 1  # dicts keep first-occurrence order
        raw_of.setdefault(key, ans)
    n = len(answers)
    if not counts:
        return VoteResult(answer=None, votes=0, margin=0.0, n=n, abstained=abstained)
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])  # stable: ties keep first-occurrence order
    top_key, top = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0
    return VoteResult(
        answer=top_key, votes=top, margin=(top - second) / n, n=n,
        tie_broken_by=TIE_RULE if second == top else None, abstained=abstained,
        raw=raw_of[top_key], counts={str(k): v for k, v in counts.items()},
    )
