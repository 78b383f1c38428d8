"""mix: weight-mix the tuned model with the original one (WiSE-FT), keeping the task gain while
forgetting less of what the model could do before (issue 16).

Opt-in (``--rungs ...,embed-tuned,mix``); it runs after ``finetune`` and ``embed-tuned``. For
the encoder embed-tuned tuned: sweep alpha over ``options.mix_alphas`` (0 = original, 1 =
tuned), score each mix's embed-lr head on the climb's split (task) and on the general set,
choose alpha by the stated rule (max task score s.t. general >= original - ``mix_delta``), then
run the chosen mix as a pipeline (``baseline/embed-lr`` with ``params.encoder``) so its row
compares, is recommended and confirmed on test like any other. The test split is scored for
every alpha in the row's ``mix`` sweep (shown, never used to choose).

A model tuned by ``finetune`` (a causal LM) is weighed by a different general score (held-out
NLL and agreement with the original's answers); its row says so until that sweep is wired in.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ...errors import TaskladderError
from ...mix import MixSpec, mix_folders
from ...mix.folder import resolve_model_dir
from ...mix.sweep import sweep_embedder
from ...pipeline import PipelineSpec
from ...runner import evaluate
from ...task import Example
from ..results import RungResult, row_from_run
from .base import ClimbRung, ClimbState, LadderContext
from .embed_tuned import ORIGINAL, ORIGINAL_MODEL, EmbedTuned, encoders_dir, general_pairs, label_field, mark_original
from .finetune import FineTune

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
            self._unavailable(
                state,
                row.model,
                (
                    "mixing a fine-tuned causal LM is weighed by general-text NLL, a sweep this climb does not run "
                    "yet; mix it by hand with `taskladder mix BASE TUNED --alpha A`"
                ),
            )
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

        def texts(examples: list[Example]) -> tuple[list[str], list[str]]:
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
