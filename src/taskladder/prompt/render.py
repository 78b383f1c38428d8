"""Chat messages for one example: system, demos as user/assistant turns, then the input.

Deterministic by construction (no clocks, no sets, spec order everywhere): the call cache
keys on these messages, so the same inputs must give the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from ..task import Example, TaskSpec
from .fields import REASONING_KEY, answer_mode
from .instructions import system_text
from .values import json_value, number_text, value_text

Message = dict[str, str]


def render_input(spec: TaskSpec, example: Example) -> str:
    """One input: the bare value, or ``field: value`` lines in the spec's input order."""
    if len(spec.inputs) == 1:
        return value_text(example.inputs.get(spec.inputs[0]))
    return "\n".join(f"{name}: {value_text(example.inputs.get(name))}" for name in spec.inputs)


def render_output(spec: TaskSpec, example: Example, *, reasoning: bool = False) -> str:
    """A demo's expected answer, in exactly the format the model is asked to reply in.

    With ``reasoning`` a demo's ``extra["rationale"]`` becomes the reasoning key; a demo
    without one shows only the answer keys rather than an invented or empty rationale.
    """
    if answer_mode(spec, reasoning) == "plain":
        name, field = next(iter(spec.outputs.items()))
        value = example.outputs.get(name)
        return number_text(value) if field.type == "number" else value_text(value)
    obj: dict[str, object] = {}
    rationale = example.extra.get("rationale") if reasoning else None
    if rationale:
        obj[REASONING_KEY] = str(rationale)
    for name, field in spec.outputs.items():
        obj[name] = json_value(example.outputs.get(name), field.type)
    return json.dumps(obj, ensure_ascii=False)


def render_demo(spec: TaskSpec, demo: Example, *, reasoning: bool = False) -> tuple[Message, Message]:
    """A demo as a user turn and the assistant turn that answers it."""
    return (
        {"role": "user", "content": render_input(spec, demo)},
        {"role": "assistant", "content": render_output(spec, demo, reasoning=reasoning)},
    )


def render_query(spec: TaskSpec, example: Example, context: Sequence[dict] | None = None) -> Message:
    """The final user turn: retrieved context (each chunk with its source id), then the input."""
    text = render_input(spec, example)
    if context:
        chunks = []
        for i, chunk in enumerate(context):
            source = chunk.get("id", i + 1)
            chunks.append(f"[source: {source}]\n{value_text(chunk.get('text', ''))}")
        text = "Context:\n" + "\n\n".join(chunks) + "\n\nInput:\n" + text
    return {"role": "user", "content": text}


def render_messages(
    spec: TaskSpec,
    example: Example,
    demos: Sequence[Example] = (),
    *,
    reasoning: bool = False,
    context: Sequence[dict] | None = None,
    instructions: str | None = None,
    labels: dict[str, list[str]] | None = None,
    system: str | None = None,
) -> list[Message]:
    """OpenAI-style chat messages for ``example``, with ``demos`` shown in the given order.

    ``system``: the system message's text when the caller has it already, i.e. ``system_text``
    of these same ``spec``, ``reasoning``, ``instructions`` and ``labels`` (a pipeline renders
    the same one for every example, so it makes it once)."""
    if system is None:
        system = system_text(spec, reasoning=reasoning, instructions=instructions, labels=labels)
    messages: list[Message] = [{"role": "system", "content": system}]
    for demo in demos:
        messages.extend(render_demo(spec, demo, reasoning=reasoning))
    messages.append(render_query(spec, example, context))
    return messages
