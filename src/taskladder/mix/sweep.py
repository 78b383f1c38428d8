"""Mixing as a sweep with a rule: mix at each alpha of a grid, score the task (dev and test)
and the general set, pick alpha on dev by ``rule.choose_alpha``, report it on test."""

from __future__ import annotations

import functools
import json
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..runner.ray_tasks import map_heavy
from .curve import draw_curve
from .embedder_eval import head_accuracies, load_encoder, sts_spearman
from .methods import MixSpec
from .rule import SweepPoint, choose_alpha
from .stream import mix_folders

Texts = tuple[list[str], list[str]]  # (texts, labels)
DEFAULT_ALPHAS = (0.0, 0.25, 0.5, 0.75, 1.0)


@dataclass
class SweepResult:
    points: list[SweepPoint]
    delta: float
    chosen: SweepPoint

    def point(self, alpha: float) -> SweepPoint | None:
        return next((p for p in self.points if p.alpha == alpha), None)

    def to_json(self) -> dict[str, Any]:
        return {"delta": self.delta, "chosen": asdict(self.chosen), "points": [asdict(p) for p in self.points]}


def sweep_embedder(base: Path, tuned: Path, train: Texts, dev: Texts, test: Texts | None,
                   general: list[tuple[str, str, float]], work_dir: Path, *, alphas: tuple[float, ...] = DEFAULT_ALPHAS,
                   delta: float = 0.5, method: str = "linear",
                   progress: Callable[[SweepPoint], None] | None = None) -> SweepResult:
    """Sweep a sentence-embedding model: task = embed-lr accuracy (%), general = STS Spearman x100.

    ``delta`` is in the general score's units. Each mix is written under ``work_dir`` and
    removed once scored; mix the chosen alpha again with ``mix_folders`` to keep it.
    """
    score = functools.partial(_sweep_point, base, tuned, train, dev, test, general, work_dir, method)
    points = []
    # One alpha, one heavy task: a Ray task under --backend ray (runner.ray_tasks), else here in turn.
    for point in map_heavy(score, sorted(set(alphas))):
        points.append(point)
        if progress:
            progress(point)
    original = next((p for p in points if p.alpha == 0.0), None)
    reference = original.general if original else _general_of_base(base, general)
    return SweepResult(points=points, delta=delta, chosen=choose_alpha(points, delta, reference))


def _sweep_point(base: Path, tuned: Path, train: Texts, dev: Texts, test: Texts | None,
                 general: list[tuple[str, str, float]], work_dir: Path, method: str, alpha: float) -> SweepPoint:
    """Mix at ``alpha`` under ``work_dir``, score it, remove the mix."""
    folder = work_dir / f"alpha-{alpha:g}"
    mix_folders(base, [tuned], folder, MixSpec(method, alpha), overwrite=True)
    encoder = load_encoder(folder)
    scores = head_accuracies(encoder, train, [dev] + ([test] if test else []))
    point = SweepPoint(alpha=alpha, task_dev=round(scores[0], 3), general=round(sts_spearman(encoder, general), 3),
                       task_test=round(scores[1], 3) if test else None)
    shutil.rmtree(folder, ignore_errors=True)
    return point


def _general_of_base(base: Path, general: list[tuple[str, str, float]]) -> float:
    return sts_spearman(load_encoder(base), general)


def write_sweep(result: SweepResult, out_dir: Path, title: str) -> tuple[Path, Path]:
    """sweep.json and sweep.png (task vs general, each point labelled with its alpha)."""

    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "sweep.json").write_text(json.dumps(result.to_json(), indent=2))
    return out_dir / "sweep.json", draw_curve(result.points, result.chosen, result.delta, out_dir / "sweep.png", title)
