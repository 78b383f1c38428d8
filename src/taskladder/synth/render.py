"""Rows as chat turns: the prompt a model would see and the answer it should give.

Task rows render with the same functions the ladder uses (``prompt.render_messages`` and
``render_output``), under their view's spec, so a fine-tuned model is trained on exactly the
prompts it will be evaluated and served with. General chat rows are their own conversation:
every turn but the last is the prompt, the last assistant turn the answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import DataError
from ..finetune import ExportRow
from ..prompt import render_messages, render_output
from .rows import SynthRow

if TYPE_CHECKING:
    from ..finetune import ExportRow
    from .context import StepContext


def render_row(row: SynthRow, ctx: StepContext) -> SynthRow:
    """``row`` with ``prompt`` and ``answer`` filled in."""
    if row.messages is not None:
        return row.model_copy(update={"prompt": [dict(m) for m in row.messages[:-1]],
                                      "answer": str(row.messages[-1].get("content", ""))})
    spec = ctx.spec(row.view)
    ex = row.example()
    prompt = render_messages(spec, ex, [], reasoning=False, context=row.context, labels=ctx.labels(row.view))
    return row.model_copy(update={"prompt": prompt, "answer": render_output(spec, ex)})


def render_rows(rows: list[SynthRow], ctx: StepContext) -> list[SynthRow]:
    return [render_row(r, ctx) for r in rows]


def export_row(row: SynthRow) -> ExportRow:
    """A rendered row as the fine-tuning exports take it."""

    if row.prompt is None or row.answer is None:
        raise DataError("dataset", f"row '{row.id}' has no rendered prompt/answer; rerun `taskladder synth`")
    return ExportRow(id=row.id, messages=row.prompt, output=row.answer, reasoning=row.rationale, lineage=row.lineage)
