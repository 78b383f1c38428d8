"""Choice shuffle: each sample sees the options in its own seeded order; answers map back."""

from __future__ import annotations

import json
import zlib
from typing import Any

from ...errors import ConfigError
from ...sampling import LETTERS, shuffle_choices, unshuffle_answer
from ...task import Example


def shuffled_example(example: Example, field: str, sample_index: int) -> tuple[Example, list[int]]:
    """``example`` with the options of ``field`` shown lettered in sample ``sample_index``'s
    order, and the mapping from shown position to original position."""
    options = _options(example.inputs.get(field), field)
    shown, mapping = shuffle_choices(options, seed=zlib.crc32(f"{example.id}:{sample_index}".encode()))
    lettered = "\n".join(f"{LETTERS[k]}. {text}" for k, text in enumerate(shown))
    return example.model_copy(update={"inputs": {**example.inputs, field: lettered}}), mapping


def unshuffled(output: dict[str, Any] | None, mapping: list[int]) -> dict[str, Any] | None:
    """The answer letter mapped back to the original option order (None: an abstention)."""
    if not output:
        return None
    name, value = next(iter(output.items()))
    back = unshuffle_answer(str(value), mapping)
    return None if back is None else {**output, name: back}


def _options(value: Any, field: str) -> list[str]:
    """Multiple-choice options from a list, a JSON list, or one option per line."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = [line.strip() for line in value.splitlines() if line.strip()]
        value = parsed
    if not isinstance(value, list) or len(value) < 2:
        raise ConfigError(f"sampling.shuffle_choices: input field '{field}' must hold a list of at least two options")
    return [str(v) for v in value]
