"""The ladder: every rung, in climbing order, as one list.

baseline → zero-shot → few-shot → max-shots → knn-shots → rag (tasks with documents) →
cot → knn-cot → consensus (the model's best rung so far, sampled and voted) → optimize (opt-in:
prompt search, only when ``--rungs`` names it) → finetune (local models LoRA-tuned on train) →
embed-tuned (opt-in: the embedding model tuned on train) → mix (opt-in: the tuned weights mixed
back with the original's, alpha chosen by a rule) → cascade.

To add a rung: write one file with a ``ModelRung`` (or ``ClimbRung``) subclass and add
one line to ``LADDER``. Every other list of rung names (the options' default, the CLI's
``--rungs``, the report's column order) is derived from ``ladder_rungs()``.
"""

from __future__ import annotations

from collections.abc import Sequence

from ...errors import ConfigError
from ...pipeline import PipelineSpec
from ...plugins import place_after, registry
from ...task import Task
from ..options import LadderOptions
from .base import GAIN_PATIENCE, ClimbRung, ClimbState, LadderContext, ModelRung, ModelState, Rung
from .baselines import Baselines
from .cascade import Cascade
from .consensus import Consensus, consensus_of
from .cot import REASONING_TOKENS, Cot
from .embed_tuned import EmbedTuned
from .few_shot import FewShot
from .finetune import FineTune
from .knn_cot import KnnCot
from .knn_shots import KnnShots
from .max_shots import MaxShots
from .mix import Mix
from .optimize import Optimize
from .rag import Rag
from .zero_shot import ZeroShot

LADDER: tuple[Rung, ...] = (
    Baselines(),
    ZeroShot(),
    FewShot(),
    MaxShots(),
    KnnShots(),
    Rag(),
    Cot(),
    KnnCot(),
    Consensus(),
    Optimize(),
    FineTune(),
    EmbedTuned(),
    Mix(),
    Cascade(),
)


def ladder_rungs() -> list[Rung]:
    """The rungs a climb walks, in order: the built-in ones, and each installed plugin rung
    (entry point group ``taskladder.rungs``) right after the rung its ``after`` names."""
    added = [p for p in registry("rungs", builtins={}).values() if not p.builtin]
    placed = place_after(list(LADDER), added, name_of=lambda rung: rung.name)
    for rung in placed:
        is_rung = isinstance(rung, Rung) or (isinstance(rung, type) and issubclass(rung, Rung))
        if not is_rung:
            raise ConfigError(f"plugin rung {getattr(rung, 'name', rung)!r} is not a ModelRung or ClimbRung "
                              "(taskladder.ladder.rungs); fix or uninstall that plugin")
    return [r() if isinstance(r, type) else r for r in placed]  # a plugin may register its class


def rung_names(rungs: Sequence[Rung] | None = None, *, selectable: bool = False) -> tuple[str, ...]:
    """The rungs' names in climbing order; ``selectable``: only those ``--rungs`` can pick."""
    return tuple(r.name for r in (ladder_rungs() if rungs is None else rungs) if r.selectable or not selectable)


# The per-model rungs of the built-in ladder, cheapest first (kept for existing imports).
RUNG_ORDER = rung_names(LADDER, selectable=True)


def build_rungs(task: Task, model: str, options: LadderOptions) -> list[PipelineSpec]:
    """The pipeline specs ``model`` would climb before any run (consensus then votes zero-shot)."""
    ctx, start = LadderContext(task, options), ModelState(model)
    return [r.spec(ctx, start) for r in ladder_rungs() if isinstance(r, ModelRung) and options.wants(r.name) and r.applies(ctx)]


def specs_zero_shot(task: Task, model: str, options: LadderOptions) -> dict:
    return ZeroShot().spec(LadderContext(task, options), ModelState(model)).model_dump()


def answer_tokens(task: Task) -> int:
    """A max_tokens that fits the longest expected answer with room to spare."""
    return LadderContext(task, LadderOptions()).answer_tokens


__all__ = ["LADDER", "ladder_rungs", "rung_names", "RUNG_ORDER", "Rung", "ModelRung", "ClimbRung", "ClimbState",
           "LadderContext", "ModelState", "GAIN_PATIENCE", "LadderOptions", "build_rungs", "consensus_of",
           "specs_zero_shot", "answer_tokens", "REASONING_TOKENS", "Baselines", "ZeroShot", "FewShot", "MaxShots",
           "KnnShots", "Rag", "Cot", "KnnCot", "Consensus", "FineTune", "EmbedTuned", "Mix", "Cascade"]
