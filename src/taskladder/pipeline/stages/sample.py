"""Sample: the provider calls one example needs — one call, or n samples at a temperature,
each with its own option order when choices are shuffled."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ...task import Example
from ..spec import PipelineSpec
from .shuffle import shuffled_example

Messages = list[dict[str, str]]


@dataclass
class CallDraft:
    messages: Messages
    params: dict[str, Any]  # the pipeline's overrides; the caller adds its defaults
    sample_index: int = 0


@dataclass
class Draws:
    calls: list[CallDraft]
    trace: dict[str, Any]
    mappings: list[list[int]] | None = None  # per sample, shown option position -> original (shuffle)
    sampled: bool = field(default=False)  # n samples to be voted or judged, not one call


def draw(spec: PipelineSpec, example: Example, messages_for: Callable[[Example], tuple[Messages, dict[str, Any]]]
         ) -> Draws:
    """The calls for ``example``; ``messages_for`` renders an example (demos, context, prompt)."""
    messages, trace = messages_for(example)
    sampling = spec.sampling
    if not sampling:
        return Draws([CallDraft(messages, spec.params)], trace)
    params = {**spec.params, "temperature": sampling.temperature}
    if not sampling.shuffle_choices:
        return Draws([CallDraft(messages, params, i) for i in range(sampling.n)], trace, sampled=True)
    calls, mappings = [], []
    for i in range(sampling.n):
        shown, mapping = shuffled_example(example, sampling.shuffle_choices, i)
        calls.append(CallDraft(messages_for(shown)[0], params, i))
        mappings.append(mapping)
    return Draws(calls, trace, mappings, sampled=True)
