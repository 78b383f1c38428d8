"""Guarded: rule checks on the example's input before the call (a block means no call) and on
the model's answer after it (a block or a rewrite changes the prediction)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...guard import Guard, GuardConfig, GuardDecision
from ...models.base import Prediction
from ...task import Example
from .parse import OutputParser


@dataclass
class Screened:
    example: Example  # as the model will see it: redacted and/or wrapped in the reminder
    decisions: dict[str, Any]  # the guard's records, for the trace
    blocked: str | None = None  # why no call goes out


def guard_for(config: dict[str, Any] | None) -> Guard | None:
    return None if config is None else Guard(GuardConfig.model_validate(config))


def screen_input(guard: Guard, example: Example) -> Screened:
    checked = guard.check_input(example.input_text())
    decisions = {"input": checked.to_record()}
    if checked.blocked:
        return Screened(example, decisions, f"input blocked by guard: {findings(checked)}")
    if checked.decision == "redact" and len(example.inputs) == 1:
        example = example.model_copy(update={"inputs": {next(iter(example.inputs)): checked.text}})
    if guard.config.reminder.enabled and len(example.inputs) == 1:
        name, value = next(iter(example.inputs.items()))
        example = example.model_copy(update={"inputs": {name: guard.wrap_user_content(str(value))}})
    return Screened(example, decisions)


def screen_output(guard: Guard, pred: Prediction, decisions: dict[str, Any], parser: OutputParser) -> Prediction:
    pred.trace["guard"] = decisions
    if pred.error:
        return pred
    answer = guard.check_output(pred.raw_text)
    decisions["output"] = answer.to_record()
    if answer.blocked:
        pred.output, pred.parse_error = None, None
        pred.error = f"output blocked by guard: {findings(answer)}"
    elif answer.text != pred.raw_text:  # truncated at a repetition loop, or redacted
        parsed = parser.parse(answer.text)
        pred.output, pred.parse_error = parsed.output, parsed.error
    return pred


def findings(decision: GuardDecision) -> str:
    return "; ".join(f"{f.check}: {f.message}" for f in decision.findings) or decision.decision
