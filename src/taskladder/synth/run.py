"""Run a recipe over a task: steps in order, then the dataset file, the exports and a summary.

Every model call goes through the call cache, every row's lineage time comes from the cache
(or from the data file for rows made by code), and nothing else varies between runs: the same
recipe over the same cache writes the same files, byte for byte, with zero new calls. A
*backfill* reruns one step with another model; every other step replays from the cache.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from pydantic import BaseModel, Field

from ..errors import ConfigError, TaskladderError
from ..redaction import redact_text
from ..runner.budget import Budget
from ..store import Store
from ..task.sources import locate
from .calls import SynthCalls
from .context import StepContext, StepReport
from .dataset import DATASET_FILE, composition, dumps, export_dataset, write_dataset
from .decontam import decontaminate
from .exact import dedup_exact
from .judge_filter import judge_filter
from .mix import mix_general
from .near import dedup_near
from .recipe import Recipe
from .render import render_rows
from .report import FilterReport
from .rows import GENERAL_VIEW, SynthRow, from_example
from .schema import filter_schema
from .star import star_rationales
from .transforms import edge_case_rows, flip_rows, paraphrase_rows, recast_rows
from .verify_filter import back_translation_filter, json_schema_filter

if TYPE_CHECKING:
    from ..models.config import ModelConfig
    from ..store import Store
    from ..task import Task

log = logging.getLogger(__name__)

SUMMARY_FILE = "synth.json"
EXPORTS_DIR = "exports"
# Per-run counters: they differ between a first run and a replay, so they stay out of the files.
_VOLATILE = {"calls", "cached_calls", "errors"}


class SynthResult(BaseModel):
    task: str
    recipe_digest: str
    rows: list[SynthRow]
    steps: list[StepReport]
    composition: dict[str, Any]
    exports: list[dict[str, Any]] = Field(default_factory=list)
    calls: dict[str, dict[str, Any]] = Field(default_factory=dict)  # by model: new/cached calls, cost
    out_dir: str | None = None
    files: list[str] = Field(default_factory=list)

    @property
    def new_calls(self) -> int:
        return sum(c["calls"] for c in self.calls.values())

    @property
    def cached_calls(self) -> int:
        return sum(c["cached_calls"] for c in self.calls.values())

    def summary(self) -> dict[str, Any]:
        """The machine-readable summary (what ``--json`` prints)."""
        return {
            "task": self.task, "recipe_digest": self.recipe_digest, "out": self.out_dir, "rows": len(self.rows),
            "steps": [s.model_dump(exclude={"filter"}) for s in self.steps], "composition": self.composition,
            "exports": self.exports, "calls": self.calls, "new_calls": self.new_calls,
            "cached_calls": self.cached_calls, "files": self.files,
        }


def data_time(task: Task) -> float:
    """The newest modification time of the task's data files (the lineage time of rows made
    by code from them); the task file's when the data cannot be found; else 0."""

    d = task.spec.data
    times = []
    for p in (d.file, d.train, d.dev, d.test):
        if not p:
            continue
        try:
            f = locate(p, task.base_dir)
        except (TaskladderError, OSError) as exc:  # a URL that cannot be fetched now: fall back below
            log.debug("no modification time for %s: %s", p, exc)
            continue
        if f.exists():
            times.append(f.stat().st_mtime)
    if not times and task.source is not None and Path(task.source).exists():
        times.append(Path(task.source).stat().st_mtime)
    return max(times) if times else 0.0


def _unique_ids(rows: list[SynthRow], step: str) -> None:
    seen: set[str] = set()
    for r in rows:
        if r.id in seen:
            raise ConfigError(f"step '{step}' made row id '{r.id}' that is already in the dataset; "
                              "two steps probably do the same thing (e.g. two flips)")
        seen.add(r.id)


def _by_filter(
    rows: list[SynthRow], fn: Callable[[list[dict[str, Any]]], tuple[list[dict[str, Any]], FilterReport]],
    name: str, step: str, per_view: bool = False,
) -> tuple[list[SynthRow], StepReport]:
    """Run one of the row filters on the rows' content fields; map its verdict back to rows.

    ``per_view`` runs it on each view apart: a flipped row holds the same texts as its source
    in swapped fields, and is not a duplicate of it but a demonstration of another task.
    """
    groups = [[r for r in rows if r.view == v] for v in dict.fromkeys(r.view for r in rows)] if per_view else [rows]
    gone: set[str] = set()
    merged: FilterReport | None = None
    for subject in groups:
        kept_views, rep = fn([r.filter_view() for r in subject])
        gone |= {r.id for r in subject} - {v["id"] for v in kept_views}
        merged = rep if merged is None else _merge(merged, rep)
    kept = [r for r in rows if r.id not in gone]
    assert merged is not None
    merged = merged.model_copy(update={"name": name, "total": len(rows), "kept": len(kept), "removed": len(gone)})
    return kept, StepReport(name=name, step=step, rows_in=len(rows), rows_out=len(kept), removed=len(gone),
                            reasons=dict(merged.reasons), filter=merged)


def _merge(a: FilterReport, b: FilterReport) -> FilterReport:
    reasons = dict(a.reasons)
    for k, v in b.reasons.items():
        reasons[k] = reasons.get(k, 0) + v
    examples = (a.examples + b.examples)[:20]
    matched = {k: v for k, v in {**a.matched, **b.matched}.items() if k in examples}
    return a.model_copy(update={"reasons": reasons, "examples": examples, "matched": matched})


def _text_fields(ctx: StepContext) -> list[str]:
    """Fields whose text can leak an eval row: inputs and free-form outputs of every view.

    Label and number outputs are left out: every row shares them ("pos", "42"), so comparing
    them would call every row contaminated. Chat rows are compared by their messages."""
    names: list[str] = []
    for spec in ctx.views.values():
        names += list(spec.inputs) + [n for n, f in spec.outputs.items() if f.type in ("text", "json")]
    return list(dict.fromkeys(names + ["messages"]))


def _schema(rows: list[SynthRow], ctx: StepContext, name: str) -> tuple[list[SynthRow], StepReport]:
    """The schema check per view: flipped rows are checked against the inverse spec; general
    chat rows were checked when they were read."""
    view_of = {r.id: r.view for r in rows}

    def check(views: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], FilterReport]:
        view = view_of[views[0]["id"]]
        if view == GENERAL_VIEW:
            return views, FilterReport(name=name, total=len(views), kept=len(views), removed=0)
        return filter_schema(views, ctx.spec(view), labels=ctx.labels(view))

    return _by_filter(rows, check, name, "schema", per_view=True)


async def apply_step(step: Any, rows: list[SynthRow], ctx: StepContext, split: str = "train") -> tuple[list[SynthRow], StepReport]:
    """One recipe step over the rows so far."""
    kind, name = step.step, step.name
    if kind == "flip":
        return flip_rows(rows, ctx, swap=step.swap, instructions=step.instructions, name=name)
    if kind == "paraphrase":
        return await paraphrase_rows(rows, ctx, model=step.model, n=step.n, fields=step.fields, of=step.of,
                                     temperature=step.temperature, style=step.style, params=step.params, name=name)
    if kind == "edge_cases":
        return await edge_case_rows(rows, ctx, model=step.model, description=step.description, n=step.n,
                                    per_call=step.per_call, examples=step.examples, temperature=step.temperature,
                                    params=step.params, name=name)
    if kind == "recast":
        return await recast_rows(rows, ctx, model=step.model, per_chunk=step.per_chunk, max_chunks=step.max_chunks,
                                 chunking=step.chunking, size=step.size, overlap=step.overlap,
                                 documents=step.documents, params=step.params, name=name)
    if kind == "rationales":
        return await star_rationales(rows, ctx, model=step.model, check=step.check, samples=step.samples,
                                     rationalize=step.rationalize, keep_unverified=step.keep_unverified, of=step.of,
                                     name=name)
    if kind == "dedup_exact":
        return _by_filter(rows, lambda v: dedup_exact(v, fields=step.fields), name, kind, per_view=True)
    if kind == "dedup_near":
        return _by_filter(rows, lambda v: dedup_near(v, threshold=step.threshold, shingle_words=step.shingle_words,
                                                     num_perm=step.num_perm, fields=step.fields, seed=ctx.seed + 1),
                          name, kind, per_view=True)
    if kind == "decontaminate":
        evals = {k: v for k, v in ctx.eval_sets().items() if k != split}
        fields = step.fields or _text_fields(ctx)
        return _by_filter(rows, lambda v: decontaminate(v, evals, n=step.n, short_n=step.short_n, fields=fields,
                                                        eval_fields=fields), name, kind)
    if kind == "schema":
        return _schema(rows, ctx, name)
    if kind == "judge":
        return await judge_filter(rows, ctx, model=step.model, threshold=step.threshold, rubric=step.rubric,
                                  params=step.params, name=name)
    if kind == "verify":
        if step.verifier == "json_schema":
            return json_schema_filter(rows, ctx, name=name)
        return await back_translation_filter(rows, ctx, model=step.model, threshold=step.threshold,
                                             instructions=step.instructions, params=step.params, name=name)
    if kind == "mix":
        return mix_general(rows, ctx, file=step.file, ratio=step.ratio, name=name)
    raise ConfigError(f"unknown step '{kind}'")  # pragma: no cover - the recipe model rejects it first


async def arun_recipe(
    task: Task, recipe: Recipe, *, models: dict[str, ModelConfig] | None = None, store: Store | None = None,
    out_dir: str | Path | None = None, backfill: dict[str, str] | None = None, budget_usd: float | None = None,
    base_dir: str | Path | None = None,
) -> SynthResult:
    """Run ``recipe`` on ``task``; write the dataset, exports and summary under ``out_dir``.

    ``backfill`` (step name -> model) reruns those steps with another model; ``base_dir`` is
    where files named in the recipe (general data, documents) resolve from.
    """

    if backfill:
        recipe = recipe.with_models(backfill)
    own_store = store is None
    store = store or Store.default()
    budget = None
    if budget_usd is not None:
        budget = Budget(budget_usd)
    calls = SynthCalls(models or {}, store, budget=budget)
    ctx = StepContext(task=task, calls=calls, seed=recipe.seed, data_time=data_time(task),
                      base_dir=Path(base_dir) if base_dir else task.base_dir)
    try:
        source = task.split(recipe.split)[: recipe.limit] if recipe.limit else task.split(recipe.split)
        rows = [from_example(e) for e in source]
        if not rows:
            raise ConfigError(f"task '{task.name}' has no {recipe.split} rows to start from")
        reports: list[StepReport] = []
        for step in recipe.steps:
            rows, rep = await apply_step(step, rows, ctx, recipe.split)
            assert step.name is not None  # Recipe._names gives every step a name
            _unique_ids(rows, step.name)
            reports.append(rep)
            log.info("%s", rep.summary())
        rows = render_rows(rows, ctx)
        result = SynthResult(task=task.name, recipe_digest=recipe.digest(), rows=rows, steps=reports,
                             composition=composition(rows), calls=calls.by_model())
        if out_dir is not None:
            _write(result, recipe, task, Path(out_dir))
        return result
    finally:
        if own_store:
            store.close()


def _write(result: SynthResult, recipe: Recipe, task: Task, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    write_dataset(result.rows, out / DATASET_FILE)
    files = [DATASET_FILE]
    for spec in recipe.exports:
        info = export_dataset(result.rows, out / EXPORTS_DIR / spec.folder, spec,
                              validation_fraction=recipe.validation_fraction, seed=recipe.seed)
        info["files"] = [f"{EXPORTS_DIR}/{f}" for f in info.get("files", [])]
        files.extend(info["files"])
        result.exports.append(info)
    cost = {m: {"cost_usd": c["cost_usd"], "unknown_cost_calls": c["unknown_cost_calls"]}
            for m, c in result.calls.items()}
    summary = {
        "task": task.name, "task_fingerprint": task.fingerprint(), "recipe_digest": result.recipe_digest,
        "recipe": recipe.model_dump(mode="json"),
        "steps": [s.model_dump(mode="json", exclude=_VOLATILE) for s in result.steps],
        "composition": result.composition, "exports": result.exports, "cost_by_model": cost,
    }
    (out / SUMMARY_FILE).write_text(redact_text(dumps(summary)), encoding="utf-8")
    files.append(SUMMARY_FILE)
    result.out_dir = str(out)
    result.files = files


def run_recipe(task: Task, recipe: Recipe, **kwargs: Any) -> SynthResult:
    """``arun_recipe`` from synchronous code."""
    return asyncio.run(arun_recipe(task, recipe, **kwargs))
