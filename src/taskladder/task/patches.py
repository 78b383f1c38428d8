"""Gold patches: people's corrections of a task's expected outputs, applied when a run loads it.

A patch (made in ``taskladder view``, stored by ``Store.put_gold_patch``) either sets one
output field of one example to a corrected value, or marks the example ambiguous, which takes
it out of the dev and test splits (an example with no right answer cannot score a run).
Applying patches changes the examples, hence the task's fingerprint, so a patched run is a new
run rather than a resume of one scored against the old answers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .example import Example
from .load import Task


def apply_gold_patches(task: Task, patches: Iterable[Mapping[str, Any]],
                       split: str | None = None) -> tuple[Task, int]:
    """``task`` with the patches that concern its examples applied, and how many were used
    (with ``split``: how many concern that split's examples, the ones a run on it uses).

    ``patches``: rows with ``example_id``, ``field``, ``new_value`` and ``ambiguous`` (patches
    naming another task's examples or an unknown field are not applied)."""
    patches = list(patches)
    if not patches:
        return task, 0  # nothing to apply: a million-row task is not read through for its ids
    fixes: dict[str, dict[str, Any]] = {}
    ambiguous: set[str] = set()
    known = {e.id for part in (task.train, task.dev, task.test) for e in part}
    in_split = {e.id for e in task.split(split)} if split else known
    counted = 0
    used = 0
    for p in patches:
        if p["example_id"] not in known:
            continue
        if p.get("ambiguous"):
            ambiguous.add(p["example_id"])
        elif p.get("field") in task.spec.outputs:
            fixes.setdefault(p["example_id"], {})[p["field"]] = p["new_value"]
        else:
            continue
        used += 1
        counted += p["example_id"] in in_split
    if not used:
        return task, 0

    def patched(examples: Sequence[Example], drop_ambiguous: bool) -> list[Example]:
        out = []
        for e in examples:
            if drop_ambiguous and e.id in ambiguous:
                continue
            fix = fixes.get(e.id)
            out.append(e.model_copy(update={"outputs": {**e.outputs, **fix}}) if fix else e)
        return out

    note = f"gold patches: {used} applied (corrections made in `taskladder view`)"
    return dataclasses.replace(
        task, train=patched(task.train, False), dev=patched(task.dev, True), test=patched(task.test, True),
        notes=[*task.notes, note],
    ), counted
