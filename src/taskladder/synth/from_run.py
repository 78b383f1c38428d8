"""Demonstrations from a stored run: the records the model got right (with the reasoning it
gave, when the pipeline asked for reasoning), and for preference data the records it got wrong
(gold answer chosen over the model's answer).

A run on the dev or test split would turn evaluation rows into training rows, so those are
refused unless asked for explicitly.
"""

from __future__ import annotations

from ..errors import TaskladderError
from ..prompt import render_messages, render_output
from ..task import Example, TaskSpec
from .rows import SynthRow


def run_rows(store, run_id: str, *, preference: bool = False, allow_eval_split: bool = False) -> list[SynthRow]:
    """Rendered rows from run ``run_id``: correct records, or (``preference``) wrong ones with
    the model's answer as ``rejected``."""
    run = store.get_run(run_id)
    if run is None:
        raise TaskladderError(f"no dataset file or run '{run_id}'; give a dataset.jsonl path or a run id "
                              "from `taskladder runs`")
    if run.split != "train" and not allow_eval_split:
        raise TaskladderError(f"run {run.run_id} is on the {run.split} split: exporting it would train on evaluation "
                              "rows; use a train-split run, or pass --allow-eval-split")
    if not run.task_spec:
        raise TaskladderError(f"run {run.run_id} does not store its task spec, so its prompts cannot be rebuilt")
    spec = TaskSpec.model_validate(run.task_spec)
    records = store.get_records(run.run_id)
    labels = _labels(spec, records)
    instructions = (run.pipeline or {}).get("instructions")
    rows: list[SynthRow] = []
    for r in records:
        if r.error or r.score is None:
            continue
        correct = r.score >= 1.0
        if correct == preference:
            continue
        ex = Example(id=r.example_id, inputs=r.inputs, outputs=r.expected)
        rejected: list[str] = []
        if preference:
            if not r.prediction:
                continue
            rejected = [render_output(spec, Example(id=r.example_id, inputs={}, outputs=r.prediction))]
        prompt = render_messages(spec, ex, [], labels=labels, instructions=instructions)
        rows.append(SynthRow(
            id=r.example_id, inputs=r.inputs, outputs=r.expected, prompt=prompt, answer=render_output(spec, ex),
            rationale=(r.trace or {}).get("reasoning") if correct else None, rejected=rejected,
        ))
    if not rows:
        what = "wrong answers to prefer gold over" if preference else "correct records"
        raise TaskladderError(f"run {run.run_id} has no {what} to export")
    return rows


def _labels(spec: TaskSpec, records) -> dict[str, list[str]]:
    """Label sets as the run saw them: the spec's, else every label in the run's expected outputs."""
    out: dict[str, list[str]] = {}
    for name, f in spec.outputs.items():
        if f.type == "label":
            out[name] = list(f.labels) if f.labels else sorted({str(r.expected.get(name)) for r in records})
    return out
