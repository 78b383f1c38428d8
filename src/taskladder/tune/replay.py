"""General-data replay made by the base model itself (``tune --replay-ratio R``).

A LoRA tuned on a single task drifts away from everything else the base model could do.
Mixing general examples into training holds it back; when the user has no general data,
the base model answers the packaged general prompts (general_prompts.py) with greedy
decoding, and those answers are the replay: training on them teaches the tuned model to
keep answering as its base did. ``R`` replay rows per training row (0.25: one in five rows
of the mix is replay); the prompts are cycled when more rows are asked than there are.

The answers depend only on the base model's weights and the prompts, so they are cached
under the home folder: a resumed or repeated run does not generate them again.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from ..errors import ConfigError
from ..local.engine import LocalModel
from .data import ChatPair
from .general_prompts import GENERAL_PROMPTS

REPLAY_MAX_TOKENS = 96  # a few sentences: enough to keep the model's general style
REPLAY_BATCH = 8


def replay_rows(ratio: float, train_rows: int) -> int:
    if ratio < 0:
        raise ConfigError(f"--replay-ratio {ratio}: give 0 (no replay) or more (replay rows per training row)")
    return round(ratio * train_rows)


def base_model_replay(
    base: LocalModel,
    folder: Path,
    n: int,
    cache_dir: Path,
    prompts: tuple[str, ...] = GENERAL_PROMPTS,
    max_new_tokens: int = REPLAY_MAX_TOKENS,
) -> list[ChatPair]:
    """``n`` replay pairs: each general prompt answered by ``base`` (the model in ``folder``)."""
    if n <= 0:
        return []
    answers = _cached_answers(base, folder, prompts, max_new_tokens, cache_dir)
    pairs = [ChatPair([{"role": "user", "content": p}], a) for p, a in zip(prompts, answers) if a]
    if not pairs:
        raise ConfigError(f"replay: {base.name} gave no answer to any general prompt; tune without --replay-ratio")
    return [pairs[i % len(pairs)] for i in range(n)]


def _cached_answers(
    base: LocalModel, folder: Path, prompts: tuple[str, ...], max_new_tokens: int, cache_dir: Path
) -> list[str]:
    key = hashlib.sha256(json.dumps([_weights_id(folder), list(prompts), max_new_tokens]).encode()).hexdigest()[:16]
    path = cache_dir / f"replay-{key}.json"
    if path.is_file():
        try:
            cached = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(cached, list) and len(cached) == len(prompts):
                return [str(a) for a in cached]
        except (OSError, json.JSONDecodeError):
            pass  # unreadable: generate again
    messages = [[{"role": "user", "content": p}] for p in prompts]
    answers = [g.text for g in base.generate(messages, max_new_tokens, batch_size=REPLAY_BATCH)]
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(answers), encoding="utf-8")
    os.replace(tmp, path)
    return answers


def _weights_id(folder: Path) -> list[object]:
    """Which weights: the folder and its files' sizes and times (a retrained model differs)."""
    files = sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
    return [str(folder.resolve()), [(p.name, p.stat().st_size, int(p.stat().st_mtime)) for p in files]]
