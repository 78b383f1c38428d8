"""embed-tuned: the embedding model tuned on the train split SetFit-style, then embed-lr's head.

Opt-in (``--rungs ...,embed-tuned``): tuning takes minutes on a CPU. It needs no LLM, so a
user without one still gets a tuned model to weigh and, with the ``mix`` rung after it, the
mixing curve. Its row is scored on the climb's split like a baseline (and confirmed on test
when recommended, as any row). With a general set (``LadderOptions.general_set``), the row
also carries the tuned encoder's general score, and the original embed-lr row the original
model's, so the report shows what the narrow gain cost.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...baselines.embed_tuned import contrastive_config, training_pairs, tuned_folder
from ...errors import TaskladderError
from ...mix.embedder_eval import load_encoder, read_sts_pairs, sts_spearman
from ...mix.folder import resolve_model_dir
from ...pipeline import PipelineSpec
from ...runner import evaluate
from ...settings import Settings
from ..results import RungResult, row_from_run
from .base import ClimbRung, ClimbState, LadderContext

TUNED = "baseline/embed-tuned"
ORIGINAL = "baseline/embed-lr"  # the same head on the original model: the row the tuning is weighed against
ORIGINAL_MODEL = "all-MiniLM-L6-v2"


class EmbedTuned(ClimbRung):
    name = "embed-tuned"
    selectable = True
    spends_budget = False

    def applies(self, ctx: LadderContext) -> bool:
        return ctx.options.names(self.name) and label_field(ctx) is not None

    def run(self, state: ClimbState) -> None:
        spec = PipelineSpec(model=TUNED, rung=self.name, params=dict(state.options.embed_tune))
        try:
            ev = evaluate(
                state.task, spec, split=state.split, limit=state.limit, store=state.store, progress=state.progress
            )
        except TaskladderError as exc:
            state.add(
                RungResult(
                    model=TUNED,
                    rung=self.name,
                    pipeline=spec.model_dump(exclude_none=True),
                    status="unavailable",
                    reason=str(exc),
                )
            )
            return
        row = row_from_run(TUNED, spec, ev, 0.0, 0.0)
        field = label_field(state)
        assert field is not None  # applies() checked
        folder = tuned_folder(encoders_dir(), *training_pairs(state.task.train, field), contrastive_config(spec.params))
        state.notes[self.name] = folder
        general = general_score(state, folder)
        if general is not None:
            original = general_score(state, resolve_model_dir(ORIGINAL_MODEL))
            assert original is not None  # the same general set scored the tuned encoder
            row = row.model_copy(
                update={
                    "general_score": general,
                    "reason": (
                        f"encoder tuned on {len(state.task.train)} train rows ({folder.name}); general score "
                        f"{general:.2f} vs {original:.2f} for the original model"
                    ),
                }
            )
            mark_original(state, original)
        state.add(row, ev)


def label_field(ctx: LadderContext) -> str | None:
    """The first label output: what contrastive pairs are formed by and the head predicts."""
    return next((n for n, f in ctx.task.spec.outputs.items() if f.type == "label"), None)


def encoders_dir() -> Path:
    """Where baseline/embed-tuned saves its encoders (and the mix rung its mixes)."""
    return Settings.from_env().home / "encoders"


def general_pairs(state: ClimbState) -> list[tuple[str, str, float]] | None:
    """The climb's general set (read once), or None when it has none."""
    path = state.options.general_set
    if path is None:
        return None
    key = f"general:{path}:{state.options.general_limit}"
    if key not in state.notes:
        state.notes[key] = read_sts_pairs(Path(path), state.options.general_limit)
    pairs: list[tuple[str, str, float]] = state.notes[key]
    return pairs


def general_score(state: ClimbState, folder: Path) -> float | None:
    """Spearman x100 of ``folder``'s cosine similarities on the general set (cached per folder)."""
    pairs = general_pairs(state)
    if pairs is None:
        return None
    scores: dict[str, Any] = state.notes.setdefault("general-scores", {})
    if str(folder) not in scores:
        scores[str(folder)] = round(sts_spearman(load_encoder(folder), pairs), 3)
    value: float = scores[str(folder)]
    return value


def mark_original(state: ClimbState, original: float) -> None:
    """Give the baseline rung's plain embed-lr row (the original model) its general score."""
    rows = state.result.rungs
    for i, row in enumerate(rows):
        if row.model == ORIGINAL and row.rung == "baseline" and row.status == "ran" and not row.pipeline.get("params"):
            rows[i] = row.model_copy(update={"general_score": original})
