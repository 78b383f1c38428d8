"""Render: demos and context become the chat messages, packed to the budget for max-shots."""

from __future__ import annotations

from typing import Any

from ...prompt import pack_demos, render_messages
from ...task import Example, TaskSpec


def render(task_spec: TaskSpec, example: Example, demos: list[Example], *, model: str, packing_budget: int | None,
           max_tokens: int | None, context: list[dict[str, Any]] | None, **prompt: Any
           ) -> tuple[list[dict[str, str]], list[Example]]:
    """The messages for ``example`` and the demos that went into them (``prompt``: reasoning,
    instructions, labels)."""
    if context is not None:
        prompt["context"] = context
    if packing_budget:
        # pack_demos returns the kept demos most preferred last, nearest the input.
        demos = pack_demos(task_spec, example, demos, model=model, context_tokens=packing_budget,
                           reserve_output_tokens=max_tokens, **prompt)
    return render_messages(task_spec, example, demos, **prompt), demos
