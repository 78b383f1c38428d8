"""Gold values for intermediate fields: extra columns of the data named like a step's outputs.

A column ``STEP.FIELD`` wins over a bare ``FIELD`` (two steps may share a field name); a
task output field is its own gold. Values are typed like the step's field, so a CSV's
"1234.50" compares as the number 1234.5.
"""

from __future__ import annotations

import logging
from typing import Any

from ..prompt.coerce import coerce
from ..task import Example
from ..task.spec import OutputField

log = logging.getLogger(__name__)
MISSING = object()


def gold_value(example: Example, step: str, field: str, kind: OutputField) -> Any:
    """The typed gold value, or ``MISSING`` when the row has none (or an empty cell)."""
    for key in (f"{step}.{field}", field):
        if key in example.extra:
            raw = example.extra[key]
            break
    else:
        raw = example.outputs.get(field, MISSING)
    if raw is MISSING or raw is None or (isinstance(raw, str) and not raw.strip()):
        return MISSING
    value, error = coerce(raw, kind.type, field, None)
    if error:
        log.warning("example %s: gold value %r for %s.%s is not a %s; ignored", example.id, raw, step, field,
                    kind.type)
        return MISSING
    return value


def gold_output(example: Example, step: str, outputs: dict[str, OutputField]) -> dict[str, Any]:
    """The gold values the row has for a step's outputs (possibly only some of them)."""
    out = {}
    for name, kind in outputs.items():
        value = gold_value(example, step, name, kind)
        if value is not MISSING:
            out[name] = value
    return out


def has_gold(examples: list[Example], step: str, outputs: dict[str, OutputField]) -> bool:
    return any(gold_output(e, step, outputs) for e in examples)
