"""Mixing a fine-tuned causal LM back with its original, as a sweep with a rule.

For each alpha: mix (``mix_folders``), score the task through ``score_task`` (the caller's
pipeline run on dev, and test when it has one: the local model answers as any model does,
so prompts, parsing, metrics and the call cache are the runner's), score the general set
(``causal_eval``: NLL of reference answers, agreement with the original's greedy answers),
then drop the mix. ``rule.choose_alpha`` picks on ``general = -NLL`` within ``delta``
nats/token of the original's.

Each mix folder is named from its inputs' weights, method and alpha, so the runner's call
cache (keyed by model name) never serves one mix's answers to different weights; the chosen
mix is left in place for the caller to run or copy.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from ..errors import TaskladderError
from ..local.engine import LocalModel, forget_model, load_model
from ..local.source import LocalSource
from ..tune.data import ChatPair
from .causal_eval import ANSWER_TOKENS, BATCH, general_scores, original_answers
from .methods import MixSpec
from .rule import SweepPoint, choose_alpha
from .stream import mix_folders
from .sweep import DEFAULT_ALPHAS, SweepResult

DEFAULT_NLL_DELTA = 0.05  # nats per answer token the chosen mix may lose against the original
TaskScorer = Callable[[str, Path], tuple[float, float | None]]  # (model name, folder) -> (dev %, test % or None)


def weights_tag(*folders: Path) -> str:
    """8 hex digits that change when any input's weight files change (path, size, mtime)."""
    ident = []
    for folder in folders:
        files = sorted(p for p in Path(folder).iterdir() if p.is_file() and p.suffix == ".safetensors")
        ident.append([str(Path(folder).resolve()), [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files]])
    return hashlib.sha256(json.dumps(ident).encode()).hexdigest()[:8]


def mix_folder_for(mixes_dir: Path, base: Path, tuned: Path, method: str, alpha: float) -> Path:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", Path(tuned).name).strip("-").lower()[:40] or "tuned"
    return mixes_dir / f"{slug}-mix-{weights_tag(base, tuned)}-{method}-{alpha:g}"


def sweep_causal(
    base: Path,
    tuned: Path,
    general: list[ChatPair] | None,
    mixes_dir: Path,
    score_task: TaskScorer,
    *,
    alphas: tuple[float, ...] = DEFAULT_ALPHAS,
    delta: float = DEFAULT_NLL_DELTA,
    method: str = "linear",
    progress: Callable[[SweepPoint], None] | None = None,
    original_point: SweepPoint | None = None,
) -> tuple[SweepResult, Path]:
    """The sweep, and the chosen mix's folder (kept; every other alpha's folder is removed;
    ``base`` itself when the original is chosen from ``original_point``).

    ``general`` None: the packaged general prompts, with the original's answers as reference.
    ``original_point``: alpha 0 as already measured on the same task and general set (it is the
    original model whatever was tuned from it, so seeds or tunings of one base share it): taken
    as alpha 0's point instead of mixing and scoring the original again."""
    original = LocalModel.from_folder(base, name="original")
    if general is None:
        general = packaged_general(original)
    answers = original_answers(original, [r.prompt for r in general])
    known = original_point is not None
    reference = None if 0.0 in alphas or known else -general_scores(original, general, answers).nll
    del original
    points: list[SweepPoint] = [original_point] if original_point is not None else []
    folders: dict[float, Path] = {0.0: base} if known else {}
    chosen: SweepPoint | None = None
    try:
        for alpha in sorted(set(alphas) - ({0.0} if known else set())):
            folder = mix_folder_for(mixes_dir, base, tuned, method, alpha)
            folders[alpha] = folder
            if not (folder / "config.json").is_file():  # the same inputs and alpha give the same mix
                mix_folders(base, [tuned], folder, MixSpec(method, alpha), overwrite=True)
            dev, test = score_task(_model_name(folder, mixes_dir), folder)
            model = load_model(LocalSource(folder.name, folder), mixes_dir)  # the one the task run loaded
            scores = general_scores(model, general, answers)
            forget_model(folder)
            point = SweepPoint(
                alpha=alpha,
                task_dev=round(dev, 3),
                general=round(-scores.nll, 4),
                task_test=round(test, 3) if test is not None else None,
                nll=round(scores.nll, 4),
                agreement=round(scores.agreement, 2),
            )
            points.append(point)
            if progress:
                progress(point)
        if reference is None:
            reference = next(p.general for p in points if p.alpha == 0.0)
        points.sort(key=lambda p: p.alpha)
        chosen = choose_alpha(points, delta, reference)
    finally:
        kept = folders[chosen.alpha] if chosen is not None else None
        for folder in folders.values():
            if folder != kept and folder != base:  # never the original's own folder
                shutil.rmtree(folder, ignore_errors=True)
    return SweepResult(points=points, delta=delta, chosen=chosen), folders[chosen.alpha]


def packaged_general(original: LocalModel) -> list[ChatPair]:
    """The packaged general prompts (tune/general_prompts.py) answered greedily by the original."""
    from ..tune.general_prompts import GENERAL_PROMPTS

    messages = [[{"role": "user", "content": p}] for p in GENERAL_PROMPTS]
    answers = original.generate(messages, ANSWER_TOKENS, batch_size=BATCH)
    rows = [ChatPair(m, a.text) for m, a in zip(messages, answers) if a.text]
    if not rows:
        raise TaskladderError(
            "the original model answered none of the packaged general prompts; "
            "give a general set of instruction rows (--general)"
        )
    return rows


def _model_name(folder: Path, mixes_dir: Path) -> str:
    """``local/NAME`` when the mixes live in the home's model folder, else ``local/<abs path>``."""
    from ..local.source import models_dir
    from ..settings import Settings

    inside = folder.parent.resolve() == models_dir(Settings.from_env().home).resolve()
    return f"local/{folder.name}" if inside else f"local/{folder.resolve()}"


def is_causal_lm(folder: Path) -> bool:
    """A transformers causal LM folder (not a sentence-transformers one): what `mix-sweep` sweeps
    by task accuracy against general NLL instead of against STS."""
    if (folder / "modules.json").is_file():
        return False
    try:
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return any(str(a).endswith("ForCausalLM") for a in config.get("architectures") or [])


def causal_folder(model: str | Path, home: Path) -> Path | None:
    """The weights folder of a causal LM given as ``local/NAME`` (a GGUF is de-quantised once) or
    as a folder; None when ``model`` is neither."""
    from ..local.engine import model_folder
    from ..local.source import PREFIX, resolve_local

    if str(model).startswith(PREFIX):
        return model_folder(resolve_local(str(model), home), home)
    folder = Path(model).expanduser()
    return folder if folder.is_dir() and is_causal_lm(folder) else None
