"""mix: weight-mix the tuned model with the original one (WiSE-FT), keeping the task gain while
forgetting less of what the model could do before (issue 16).

Opt-in (``--rungs ...,embed-tuned,mix``); it runs after ``finetune`` and ``embed-tuned``. For
the encoder embed-tuned tuned: sweep alpha over ``options.mix_alphas`` (0 = original, 1 =
tuned), score each mix's embed-lr head on the climb's split (task) and on the general set,
choose alpha by the stated rule (max task score s.t. general >= original - ``mix_delta``), then
run the chosen mix as a pipeline (``baseline/embed-lr`` with ``params.encoder``) so its row
compares, is recommended and confirmed on test like any other. The test split is scored for
every alpha in the row's ``mix`` sweep (shown, never used to choose).

A model tuned by ``finetune`` (a causal LM) is swept the same way (``mix.causal_sweep``):
each alpha's mix answers the climb's split zero-shot, as the tuned model did, and is weighed
on general instructions by -NLL per answer token (``options.mix_nll_delta`` nats), with its
agreement with the original's greedy answers shown; the chosen mix is a ``local/...`` model
row that carries the tuned model's training cost (it cannot exist without that training).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from ...errors import TaskladderError
from ...local.engine import model_folder
from ...local.source import PREFIX, models_dir, resolve_local
from ...mix import MixSpec, mix_folders
from ...mix.causal_eval import read_general_rows
from ...mix.causal_sweep import sweep_causal
from ...mix.folder import resolve_model_dir
from ...mix.sweep import sweep_embedder
from ...pipeline import PipelineSpec
from ...runner import evaluate
from ...settings import Settings
from ...task import Example
from ...tune.data import ChatPair
from ...tune.record import stored_lineage
from ..results import RungResult, row_from_run
from .base import ClimbRung, ClimbState, LadderContext, ModelState
from .embed_tuned import ORIGINAL, ORIGINAL_MODEL, EmbedTuned, encoders_dir, general_pairs, label_field, mark_original
from .finetune import FineTune
from .zero_shot import ZeroShot

RULE = "max task score s.t. general >= original - delta"


class Mix(ClimbRung):
    name = "mix"
    selectable = True
    spends_budget = False

    def applies(self, ctx: LadderContext) -> bool:
        return ctx.options.names(self.name)

    def run(self, state: ClimbState) -> None:
        finetuned = [r for r in state.result.rungs if r.rung == FineTune.name and r.status == "ran"]
        for row in finetuned:
            self._mix_causal(state, row)
        tuned = state.notes.get(EmbedTuned.name)
        if tuned is not None:
            self._mix_encoder(state, tuned)
        elif not finetuned:
            self._unavailable(
                state,
                ORIGINAL,
                ("nothing to mix: the mix rung follows embed-tuned or finetune (add embed-tuned to --rungs)"),
            )

    def _unavailable(self, state: ClimbState, model: str, reason: str) -> None:
        state.add(RungResult(model=model, rung=self.name, pipeline={}, status="unavailable", reason=reason))

    def _mix_encoder(self, state: ClimbState, tuned: Path) -> None:
        opts = state.options
        general = general_pairs(state)
        if general is None:
            self._unavailable(
                state,
                ORIGINAL,
                (
                    "needs a general set to weigh what the tuning cost: climb --general PAIRS.csv "
                    "(sentence1,sentence2,score, e.g. STS-B dev)"
                ),
            )
            return
        field = label_field(state)
        assert field is not None  # embed-tuned ran, so the task has a label field

        def texts(examples: Sequence[Example]) -> tuple[list[str], list[str]]:
            return [e.input_text() for e in examples], [str(e.outputs[field]) for e in examples]

        base = resolve_model_dir(ORIGINAL_MODEL)
        work = encoders_dir() / f"mix-work-{os.getpid()}"
        test = state.task.test if state.confirm_on_test and state.task.test else None
        try:
            sweep = sweep_embedder(
                base,
                tuned,
                texts(state.task.train),
                texts(state.examples),
                texts(test) if test else None,
                general,
                work,
                alphas=opts.mix_alphas,
                delta=opts.mix_delta,
            )
        except (TaskladderError, ValueError) as exc:  # ValueError: the rule found no alpha (no 0 in the grid)
            state.add(RungResult(model=ORIGINAL, rung=self.name, pipeline={}, status="unavailable", reason=str(exc)))
            return
        finally:
            shutil.rmtree(work, ignore_errors=True)
        chosen = sweep.chosen
        folder = encoders_dir() / f"{tuned.name}-mix-{chosen.alpha:g}"
        if not folder.is_dir():  # the same tuned encoder and alpha always give the same mix
            mix_folders(base, [tuned], folder, MixSpec("linear", chosen.alpha), overwrite=True)
        spec = PipelineSpec(model=ORIGINAL, rung=self.name, params={"encoder": str(folder)})
        ev = evaluate(
            state.task, spec, split=state.split, limit=state.limit, store=state.store, progress=state.progress
        )
        original = sweep.point(0.0)
        if original is not None:
            mark_original(state, original.general)
        reference = f"{original.general:.2f}" if original else "the original's"
        row = row_from_run(ORIGINAL, spec, ev, 0.0, 0.0).model_copy(
            update={
                "general_score": chosen.general,
                "mix": {
                    **sweep.to_json(),
                    "of": "baseline/embed-tuned",
                    "method": "linear",
                    "rule": RULE,
                    "original_general": original.general if original else None,
                },
                "reason": (
                    f"alpha {chosen.alpha:g} of embed-tuned's encoder (linear, WiSE-FT), chosen on "
                    f"{state.split} by {RULE} ({reference} - {opts.mix_delta:g}); general score "
                    f"{chosen.general:.2f}"
                ),
            }
        )
        state.add(row, ev)

    def _mix_causal(self, state: ClimbState, tuned_row: RungResult) -> None:
        opts, home = state.options, Settings.from_env().home
        name = tuned_row.model.removeprefix(PREFIX)
        lineage = stored_lineage(home, name)
        if lineage is None or not lineage.get("base"):
            self._unavailable(
                state,
                tuned_row.model,
                f"no tune record next to {tuned_row.model}: its original "
                "model is unknown; mix it by hand with `taskladder mix-sweep`",
            )
            return
        tuned_cfg = state.models[tuned_row.model]
        test = state.confirm_on_test and bool(state.task.test)

        def as_model(model: str) -> ModelState:
            # each mix answers as the tuned model is configured (batching, label scoring, price)
            state.models = {**state.models, model: tuned_cfg.model_copy(update={"name": model, "model": model})}
            return ModelState(model)

        def score(model: str, folder: Path) -> tuple[float, float | None]:
            spec = ZeroShot().spec(state, as_model(model)).model_copy(update={"rung": self.name})
            runs = [state.evaluate(spec, progress=False)] + (
                [state.evaluate(spec, split="test", progress=False)] if test else []
            )
            pct = [100.0 * (r.summary.score or 0.0) for r in runs]
            return pct[0], pct[1] if test else None

        general, source = causal_general(state)
        try:
            base = model_folder(resolve_local(str(lineage["base"]), home), home)
            sweep, folder = sweep_causal(
                base,
                models_dir(home) / name,
                general,
                models_dir(home),
                score,
                alphas=opts.mix_alphas,
                delta=opts.mix_nll_delta,
            )
        except (TaskladderError, ValueError) as exc:  # ValueError: the rule found no alpha (no 0 in the grid)
            self._unavailable(state, tuned_row.model, str(exc))
            return
        chosen = sweep.chosen
        model = f"{PREFIX}{folder.name}"
        spec = ZeroShot().spec(state, as_model(model)).model_copy(update={"rung": self.name})
        ev = state.evaluate(spec)  # the sweep's own calls: answered from the cache
        original = sweep.point(0.0)
        row = row_from_run(model, spec, ev, 0.0, 0.0).model_copy(
            update={
                "general_score": chosen.general,
                # the mix needs the tuned model's training: its cost (amortised) comes along
                "cost_per_1k_calls": tuned_row.cost_per_1k_calls,
                "projected_monthly_usd": tuned_row.projected_monthly_usd,
                "training_s": tuned_row.training_s,
                "training_cost_usd": tuned_row.training_cost_usd,
                "mix": {
                    **sweep.to_json(),
                    "kind": "causal",
                    "of": tuned_row.model,
                    "method": "linear",
                    "rule": RULE,
                    "general_measure": f"-NLL per answer token (nats) on {source}",
                    "original_general": original.general if original else None,
                },
                "reason": (
                    f"alpha {chosen.alpha:g} of {tuned_row.model} with {lineage['base']} (linear, WiSE-FT), chosen "
                    f"on {state.split} by {RULE} (delta {opts.mix_nll_delta:g} nats); general NLL "
                    f"{chosen.nll:.3f} vs {original.nll if original else float('nan'):.3f} for the original, "
                    f"agreement with its answers {chosen.agreement:.1f}% ({source})"
                ),
            }
        )
        state.add(row, ev)


def causal_general(state: ClimbState) -> tuple[list[ChatPair] | None, str]:
    """The general instructions a fine-tuned LLM's mix is weighed on, and what they are: the
    climb's general set when it is instruction rows (JSONL or a folder), else the packaged
    prompts (None: ``sweep_causal`` has the original answer them)."""
    path = state.options.general_set
    if path and (Path(path).is_dir() or Path(path).suffix == ".jsonl"):
        key = f"general-rows:{path}:{state.options.general_limit}"
        if key not in state.notes:
            state.notes[key] = read_general_rows(Path(path), state.options.general_limit)
        return state.notes[key], f"{len(state.notes[key])} rows of {Path(path).name}"
    return None, "the packaged general prompts answered by the original"
