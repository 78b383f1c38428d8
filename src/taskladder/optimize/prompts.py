"""What the proposer model is asked: a grounded first instruction (the task, a sample of train
rows, a tip, as MIPROv2 grounds its proposals), or a reflective rewrite of the current best
instruction from its failures and the reason each failed (as GEPA reflects)."""

from __future__ import annotations

import json
import re

from ..prompt import render_input
from ..store import Record
from ..task import Example, Task

SYSTEM = ("You improve the instruction given to a language model that performs a task. Reply with the new "
          "instruction only, between <instruction> and </instruction>. Do not describe the output format: "
          "it is added after your instruction.")

# Different angles for the first proposals (temperature 0, so each angle is its own cached call).
TIPS = (
    "Be concise and precise.",
    "Describe what each possible answer means and how to tell similar ones apart.",
    "List the clues in the input that decide the answer.",
    "Explain the common mistakes to avoid.",
    "Write it as a short checklist.",
    "Mention the edge cases seen in the examples.",
)


def _output_text(outputs: dict) -> str:
    return json.dumps(outputs, ensure_ascii=False) if len(outputs) != 1 else str(next(iter(outputs.values())))


def _task_header(task: Task, instruction: str) -> list[str]:
    lines = [f"Task: {task.name}", f"Current instruction: {instruction}"]
    labels = {k: task.labels(k) for k, o in task.spec.outputs.items() if o.type == "label"}
    for name, values in labels.items():
        lines.append(f"Possible values of {name}: {', '.join(values)}")
    return lines


def grounded_prompt(task: Task, sample: list[Example], tip: str) -> list[dict[str, str]]:
    lines = _task_header(task, task.spec.instructions.strip())
    lines.append("Examples from the training data:")
    for e in sample:
        lines.append(f"Input: {render_input(task.spec, e)}\nAnswer: {_output_text(e.outputs)}")
    lines.append(f"Tip: {tip}")
    lines.append("Write a better instruction for this task.")
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n\n".join(lines)}]


def failure_reason(record: Record) -> str:
    if record.error:
        return f"the call failed: {record.error}"
    if record.prediction is None:
        return f"the answer could not be read: {record.parse_error or 'no answer in the expected format'}"
    return f"wrong answer: it said {_output_text(record.prediction)} but the right answer is {_output_text(record.expected)}"


def reflective_prompt(task: Task, instruction: str, failures: list[Record], variant: int) -> list[dict[str, str]]:
    lines = _task_header(task, instruction)
    lines.append("With this instruction the model got these training examples wrong:")
    for r in failures:
        reasoning = (r.trace or {}).get("reasoning")
        shown = f"\nIts reasoning: {reasoning}" if reasoning else ""
        lines.append(f"Input: {_inputs_text(task, r.inputs)}\nExpected: {_output_text(r.expected)}\n"
                     f"Model answered: {r.raw_text.strip()[:300]}{shown}\nWhy it failed: {failure_reason(r)}")
    angle = TIPS[variant % len(TIPS)]
    lines.append("Write an improved instruction that fixes these failures and keeps what already works: state the "
                 f"rules that would have given the right answers. {angle}")
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n\n".join(lines)}]


def _inputs_text(task: Task, inputs: dict) -> str:
    return render_input(task.spec, Example(id="x", inputs=inputs))


_TAGGED = re.compile(r"<instruction>(.*?)(?:</instruction>|$)", re.DOTALL | re.IGNORECASE)


def parse_instruction(text: str) -> str | None:
    """The proposed instruction: the tagged part, else the whole reply; None when empty."""
    found = _TAGGED.search(text or "")
    body = (found.group(1) if found else text or "").strip().strip("`").strip()
    return body or None
