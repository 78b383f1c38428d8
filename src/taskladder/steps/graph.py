"""The step graph: resolve every name a step reads, check for cycles, order the steps.

Every problem is a one-line ``ConfigError`` naming the steps file and the step, because
the fix is always an edit there.
"""

from __future__ import annotations

import graphlib
from dataclasses import dataclass, field

from ..errors import ConfigError
from ..task import TaskSpec
from .spec import StepSpec, StepsSpec

TASK = "<task>"  # the pseudo-step that owns the task's inputs


@dataclass(frozen=True)
class Ref:
    """One value a step reads: a task input (``step == TASK``) or a step's output field."""

    step: str
    field: str

    def __str__(self) -> str:
        return self.field if self.step == TASK else f"{self.step}.{self.field}"


@dataclass
class StepGraph:
    spec: StepsSpec
    order: list[str]  # topological: every step after the steps it reads
    levels: list[list[str]]  # steps of one level read only earlier levels, so they may run together
    inputs: dict[str, dict[str, Ref]]  # step -> local input name (as the step sees it) -> source
    final: dict[str, Ref]  # task output field -> the step output that supplies it
    parents: dict[str, set[str]] = field(default_factory=dict)  # step -> steps it reads directly

    def step(self, name: str) -> StepSpec:
        return self.spec.step(name)

    def ancestors(self, name: str) -> set[str]:
        """Every step ``name`` depends on, directly or not."""
        seen: set[str] = set()
        todo = list(self.parents[name])
        while todo:
            s = todo.pop()
            if s not in seen:
                seen.add(s)
                todo.extend(self.parents[s])
        return seen

    def producers(self) -> set[str]:
        """Steps that supply a final output field."""
        return {r.step for r in self.final.values()}


def build_graph(spec: StepsSpec, task: TaskSpec) -> StepGraph:
    where = spec.where
    names = [s.name for s in spec.steps]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"{where}: step name '{dupes[0]}' is used twice; step names must be unique")
    producers: dict[str, list[str]] = {}
    for s in spec.steps:
        for f in s.outputs:
            producers.setdefault(f, []).append(s.name)

    def resolve(text: str, reader: str) -> Ref:
        head, dot, tail = text.partition(".")
        if dot and head in names:
            owner = spec.step(head)
            if tail not in owner.outputs:
                raise ConfigError(f"{where}: step '{reader}' reads '{text}', but step '{head}' has no output "
                                  f"'{tail}'; its outputs are {sorted(owner.outputs)}")
            return Ref(head, tail)
        if text in task.inputs:
            return Ref(TASK, text)
        found = producers.get(text, [])
        if len(found) == 1:
            return Ref(found[0], text)
        if len(found) > 1:
            raise ConfigError(f"{where}: step '{reader}' reads '{text}', which steps {found} all output; "
                              f"write it as STEP.{text}")
        raise ConfigError(f"{where}: step '{reader}' reads '{text}', which is neither a task input "
                          f"({task.inputs}) nor a step output ({sorted(producers) or 'none'}); fix the name")

    inputs: dict[str, dict[str, Ref]] = {}
    parents: dict[str, set[str]] = {}
    for s in spec.steps:
        if not s.inputs:
            raise ConfigError(f"{where}: step '{s.name}' reads nothing; list its `inputs`")
        local: dict[str, Ref] = {}
        for text in s.inputs:
            ref = resolve(text, s.name)
            if ref.step == s.name:
                raise ConfigError(f"{where}: step '{s.name}' reads its own output '{text}'; a step reads only "
                                  "task inputs and other steps' outputs")
            if ref.field in local:
                raise ConfigError(f"{where}: step '{s.name}' reads two values named '{ref.field}' "
                                  f"({local[ref.field]} and {ref}); a step's inputs need distinct field names")
            local[ref.field] = ref
        inputs[s.name] = local
        parents[s.name] = {r.step for r in local.values() if r.step != TASK}

    sorter = graphlib.TopologicalSorter(parents)
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        cycle = exc.args[1]
        raise ConfigError(f"{where}: the steps form a cycle ({' → '.join(reversed(cycle))}); "
                          "a step may only read steps that do not read it back") from None
    levels: list[list[str]] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=names.index)  # spec order within a level: deterministic
        levels.append(ready)
        sorter.done(*ready)
    order = [n for level in levels for n in level]

    final: dict[str, Ref] = {}
    for field_name in task.outputs:
        if field_name in spec.outputs:
            ref = resolve(spec.outputs[field_name], "outputs")
            if ref.step == TASK:
                raise ConfigError(f"{where}: output '{field_name}' maps to the task input '{ref.field}'; "
                                  "map it to a step output (STEP.FIELD)")
        else:
            found = producers.get(field_name, [])
            if len(found) != 1:
                what = "no step outputs it" if not found else f"steps {found} all output it"
                raise ConfigError(f"{where}: the task output '{field_name}' is not mapped and {what}; "
                                  f"add `outputs: {{{field_name}: STEP.FIELD}}`")
            ref = Ref(found[0], field_name)
        final[field_name] = ref
    unknown = sorted(set(spec.outputs) - set(task.outputs))
    if unknown:
        raise ConfigError(f"{where}: `outputs` maps '{unknown[0]}', which is not a task output "
                          f"({sorted(task.outputs)})")
    return StepGraph(spec=spec, order=order, levels=levels, inputs=inputs, final=final, parents=parents)
