"""Distillation: a teacher pipeline labels the task's ``unlabeled:`` inputs, and its answers
(optionally with its rationales) become training pairs for a small student model.

The teacher runs through the run kernel like any evaluation: every call is cached and counted
(a rerun pays nothing twice, a kill resumes), and its run is stored under the split name
``unlabeled`` with the cost it took. Answers the teacher could not give (errors, unparsable
replies) are dropped, and so are those below ``min_confidence``: the teacher's own confidence,
i.e. the agreement of its samples (a sampling/consensus pipeline) or its token probability
(``params: {logprobs: true}``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..baselines import make_baseline
from ..errors import ConfigError
from ..finetune.jsonl import write_jsonl
from ..models.base import Predictor
from ..models.config import ModelConfig, resolve_model
from ..pipeline.llm import LLMPipeline
from ..pipeline.spec import PipelineSpec
from ..prompt import render_messages
from ..prompt.render import render_output
from ..runner.calls import ModelCaller, RunStats
from ..runner.health import DEFAULT_MAX_ERROR_RATE
from ..runner.kernel import RunPlan, RunResult, execute
from ..runner.predictors import PipelinePredictor
from ..runner.preflight import check_provider
from ..store import Record, Store
from ..task import Example, Task
from .data import ChatPair, task_labels

UNLABELED_SPLIT = "unlabeled"


@dataclass
class Distilled:
    """The student's training pairs from the teacher's answers, and what was dropped and why."""

    pairs: list[ChatPair]
    teacher_run_id: str
    labeled: int  # unlabeled inputs the teacher was asked about
    dropped_unanswered: int  # errors and unparsable answers
    dropped_low_confidence: int
    rationales: int  # pairs whose answer carries the teacher's reasoning
    teacher_cost_usd: float | None  # what the teacher's answers cost (None: a price is unknown)
    teacher_spent_usd: float  # paid now (0 when every call came from the cache)
    notes: list[str] = field(default_factory=list)

    def lineage(self) -> dict[str, Any]:
        return {"teacher_run_id": self.teacher_run_id, "labeled": self.labeled, "kept": len(self.pairs),
                "dropped_unanswered": self.dropped_unanswered, "dropped_low_confidence": self.dropped_low_confidence,
                "rationales": self.rationales, "teacher_cost_usd": self.teacher_cost_usd,
                "teacher_spent_usd": self.teacher_spent_usd}


def label_unlabeled(task: Task, teacher: PipelineSpec, models: dict[str, ModelConfig], store: Store, *,
                    progress: bool = True, max_error_rate: float = DEFAULT_MAX_ERROR_RATE) -> RunResult:
    """The teacher's answers to ``task.unlabeled``: a stored run (no scores: there is no gold)."""
    if not task.unlabeled:
        raise ConfigError(f"task '{task.name}' has no unlabeled inputs to distill; add `unlabeled: FILE` to its "
                          "task.yaml (a table with the input columns)")
    cfg = None if teacher.is_baseline else resolve_model(teacher.model, models)
    if cfg is not None:
        check_provider(cfg)
    stats = RunStats()
    plan = RunPlan(task=task, split=UNLABELED_SPLIT, examples=list(task.unlabeled), scorer=None,
                   model=teacher.model, label=f"{task.name} · teacher {teacher.label()} · unlabeled",
                   identity={"pipeline": teacher.canonical(), "model": cfg.identity() if cfg else {},
                             "unlabeled": _digest(task.unlabeled)},  # the task's fingerprint covers its splits only
                   pipeline={**teacher.model_dump(exclude_none=True), "kind": "teacher"})
    predictor: Predictor
    if cfg is None:
        predictor = make_baseline(teacher.model)
    else:
        caller = ModelCaller(cfg, store, stats, budget=None)
        predictor = PipelinePredictor(LLMPipeline(teacher, task, models), caller)
    return execute(plan, predictor, store=store, stats=stats, progress=progress, max_error_rate=max_error_rate)


def _digest(examples: list[Example]) -> str:
    h = hashlib.sha256()
    for e in examples:
        h.update(e.model_dump_json().encode())
    return h.hexdigest()[:16]


def student_pair(task: Task, example: Example, output: dict[str, Any], rationale: str | None) -> ChatPair:
    """The prompt the student is asked (zero-shot; with reasoning when a rationale is kept) and
    the answer it learns, in exactly the format that prompt asks for."""
    labels = task_labels(task)
    taught = example.model_copy(update={"outputs": output, "extra": {"rationale": rationale} if rationale else {}})
    prompt = render_messages(task.spec, taught, [], reasoning=bool(rationale), labels=labels)
    return ChatPair([dict(m) for m in prompt], render_output(task.spec, taught, reasoning=bool(rationale)))


def distill(task: Task, result: RunResult, *, min_confidence: float | None = None,
            keep_rationales: bool = False) -> Distilled:
    """Training pairs from the teacher's run; ``min_confidence`` drops answers the teacher was
    unsure of (a ``ConfigError`` when its pipeline gives no confidence to filter by)."""
    by_id = {e.id: e for e in task.unlabeled}
    answered: list[Record] = [r for r in result.records if r.parse_status == "ok" and r.prediction is not None]
    if min_confidence is not None and answered and all(r.confidence is None for r in answered):
        raise ConfigError("--min-confidence: the teacher pipeline reports no confidence; give it sampling "
                          "(e.g. `sampling: {n: 5}` in pipeline.yaml: the samples' agreement) or "
                          "`params: {logprobs: true}`, or drop --min-confidence")
    kept = [r for r in answered if min_confidence is None or (r.confidence or 0.0) >= min_confidence]
    pairs, rationales = [], 0
    for r in kept:
        rationale = (r.trace or {}).get("reasoning") if keep_rationales else None
        rationales += bool(rationale)
        pairs.append(student_pair(task, by_id[r.example_id], dict(r.prediction or {}), rationale))
    summary = result.run.summary
    notes = []
    if keep_rationales and not rationales:
        notes.append("--keep-rationales: the teacher gave no reasoning (set `reasoning: true` in its pipeline.yaml)")
    return Distilled(pairs=pairs, teacher_run_id=result.run.run_id, labeled=len(result.records),
                     dropped_unanswered=len(result.records) - len(answered),
                     dropped_low_confidence=len(answered) - len(kept), rationales=rationales,
                     teacher_cost_usd=summary.cost_usd, teacher_spent_usd=summary.cost_usd_spent or 0.0, notes=notes)


def write_training_file(pairs: list[ChatPair], path: Path) -> Path:
    """The pairs as chat JSONL (``export``'s openai-chat format): the student's training file,
    for ``tune --train-file`` or a provider job (``finetune submit``)."""
    write_jsonl(({"messages": [*p.prompt, {"role": "assistant", "content": p.answer}]} for p in pairs), path)
    return path

