"""Field flip: a task's inverse from its own rows, with no model call.

EN→FR rows are also FR→EN rows: the output field becomes the input and the input the output,
under new instructions. The inverse is a view of its own (``flip``), so its rows are rendered,
schema-checked and exported with the inverse spec.
"""

from __future__ import annotations

from typing import Any

from ...errors import ConfigError
from ...task import TaskSpec
from ...task.spec import OutputField
from ..context import StepContext, StepReport, select_rows
from ..lineage import prompt_hash
from ..rows import FLIP_VIEW, TASK_VIEW, SynthRow, child_lineage, row_time


def inverse_spec(spec: TaskSpec, swap: dict[str, str], instructions: str) -> TaskSpec:
    """The inverse task: every output field swapped with an input field (``swap`` maps input
    name -> output name); inputs not swapped stay inputs. Swapped-in outputs are text."""
    if not swap:
        raise ConfigError("flip: `swap` must map at least one input field to an output field, e.g. {en: fr}")
    for src, dst in swap.items():
        if src not in spec.inputs:
            raise ConfigError(f"flip: '{src}' is not an input field of task '{spec.name}' (inputs: {spec.inputs})")
        if dst not in spec.outputs:
            raise ConfigError(f"flip: '{dst}' is not an output field of task '{spec.name}' (outputs: {list(spec.outputs)})")
    unswapped = [o for o in spec.outputs if o not in swap.values()]
    if unswapped:
        raise ConfigError(f"flip: output field(s) {unswapped} have no input to swap with; list every output in `swap`")
    if len(set(swap.values())) != len(swap):
        raise ConfigError("flip: two inputs are swapped with the same output; each pair must be distinct")
    if not instructions.strip():
        raise ConfigError("flip: give `instructions` for the inverse task (e.g. 'Translate the French into English.')")
    inputs = [swap.get(name, name) for name in spec.inputs]
    outputs = {src: OutputField(type="text") for src in swap}
    return spec.model_copy(update={
        "name": f"{spec.name} (inverse)", "instructions": instructions, "inputs": inputs, "outputs": outputs,
        # A text->text task's metric (e.g. a custom chrF) fits its inverse; any other does not.
        "metric": spec.metric if all(f.type == "text" for f in spec.outputs.values()) else None,
    })


def declared_inverse(spec: TaskSpec) -> dict[str, Any] | None:
    """A task-level `inverse: {swap, instructions}` when the task spec has one."""
    inv = getattr(spec, "inverse", None)
    if inv is None:
        return None
    return inv if isinstance(inv, dict) else inv.model_dump()


def flip_rows(
    rows: list[SynthRow], ctx: StepContext, *, swap: dict[str, str] | None, instructions: str | None,
    of: list[str] | None = None, name: str = "flip",
) -> tuple[list[SynthRow], StepReport]:
    """Append the inverse of every selected task row (view ``task``); defines the ``flip`` view."""
    declared = declared_inverse(ctx.task.spec) or {}
    swap = swap or declared.get("swap")
    instructions = instructions or declared.get("instructions") or ""
    spec = inverse_spec(ctx.task.spec, swap or {}, instructions)
    ctx.define_view(FLIP_VIEW, spec)
    swap = dict(swap or {})
    phash = prompt_hash({"instructions": instructions, "swap": swap})
    made: list[SynthRow] = []
    reasons: dict[str, int] = {}
    for i in select_rows(rows, of):
        row = rows[i]
        if row.view != TASK_VIEW:
            continue  # flipping a flipped row gives back the original
        if row.context:
            reasons["has_context"] = reasons.get("has_context", 0) + 1
            continue
        # An original output becomes an input; unswapped inputs stay as they were.
        inputs = {f: row.outputs.get(f) if f in swap.values() else row.inputs.get(f) for f in spec.inputs}
        outputs = {src: row.inputs.get(src) for src in swap}
        made.append(SynthRow(
            id=f"{row.id}~flip", view=FLIP_VIEW, inputs=inputs, outputs=outputs,
            lineage=child_lineage(row, transform="flip", created_at=row_time(row, ctx.data_time),
                                  prompt_hash=phash, params={"swap": swap}),
        ))
    report = StepReport(name=name, step="flip", rows_in=len(rows), rows_out=len(rows) + len(made),
                        added=len(made), reasons=reasons)
    return rows + made, report

