"""Seeded train/validation split that keeps rows of one source together."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def split_train_validation(
    items: Sequence[T],
    *,
    validation_fraction: float = 0.1,
    seed: int = 0,
    group: Callable[[T, int], str] | None = None,
) -> tuple[list[T], list[T]]:
    """Split ``items`` into (train, validation), the same way for the same seed.

    Whole groups (``group(item, index)``, e.g. the source row of a flipped or paraphrased row)
    go to one side, so near-copies of a training row cannot sit in validation. Both sides keep
    the input order. With at least two groups and a fraction > 0, validation gets at least one.
    """
    if not 0.0 <= validation_fraction < 1.0:
        raise ValueError(f"validation_fraction must be in [0, 1), got {validation_fraction}")
    keys = [group(item, i) if group else str(i) for i, item in enumerate(items)]
    groups = list(dict.fromkeys(keys))
    random.Random(seed).shuffle(groups)
    target = round(len(items) * validation_fraction)
    if validation_fraction > 0 and len(groups) >= 2:
        target = max(target, 1)
    sizes: dict[str, int] = {}
    for k in keys:
        sizes[k] = sizes.get(k, 0) + 1
    chosen: set[str] = set()
    taken = 0
    for g in groups:
        if taken >= target or len(chosen) == len(groups) - 1:
            break
        chosen.add(g)
        taken += sizes[g]
    train = [it for it, k in zip(items, keys) if k not in chosen]
    valid = [it for it, k in zip(items, keys) if k in chosen]
    return train, valid
