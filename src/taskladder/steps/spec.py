"""A multi-step pipeline spec: plain, hashable data naming a graph of steps.

Each step is an LLM call (its own model, prompt, demos, reasoning, sampling), a retrieval,
or a Python function, and reads the task's inputs and earlier steps' outputs by name:
``text`` (a task input, or the one step output called ``text``) or ``extract.amount``
(step ``extract``'s output ``amount``). Same spec + same cache = same result; each step's
calls are cached on their own, so editing one step reruns only it and what reads from it.

```yaml
steps:
  - name: extract
    model: small-model            # kind: llm (inferred from `model`)
    instructions: Pull the amount, vendor and due date out of the invoice.
    inputs: [invoice]
    outputs: {amount: number, vendor: text, due_days: number}
  - name: decide
    function: rules.py:decide     # kind: python (inferred from `function`)
    inputs: [extract.amount, extract.vendor, extract.due_days]
    outputs: {decision: label}
outputs: {decision: decide.decision}   # optional: task output -> step output
```
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, PrivateAttr, ValidationError, field_validator, model_validator

from ..errors import ConfigError
from ..pipeline.spec import DemoSpec, SamplingSpec
from ..task.spec import OutputField
from ..yamlfile import format_validation_error, load_yaml

StepKind = Literal["llm", "python", "retrieval", "predictor"]
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


def _short_fields(value: Any) -> Any:
    # `outputs: {amount: number}` is shorthand for `{amount: {type: number}}`, as in a task.
    if isinstance(value, list):
        value = {name: "text" for name in value}
    if isinstance(value, dict):
        return {k: ({"type": v} if isinstance(v, str) else v) for k, v in value.items()}
    return value


class StepSpec(BaseModel):
    name: str
    kind: StepKind = "llm"
    inputs: list[str]
    outputs: dict[str, OutputField]
    # llm steps
    model: str | None = None
    instructions: str | None = None
    demos: DemoSpec | None = None
    reasoning: bool = False
    params: dict[str, Any] = Field(default_factory=dict)
    sampling: SamplingSpec | None = None  # n samples, majority-voted; the vote margin is the confidence
    # python steps: "module:function" or "path/to/file.py:function" (relative to the steps file)
    function: str | None = None
    # retrieval steps (and llm steps with their own context): taskladder.retrieval options
    # over the task's `documents`, e.g. {strategy: bm25, k: 4}
    retrieval: dict[str, Any] | None = None
    # predictor steps: any Predictor, fitted on the rows whose gold covers the step — a
    # `baseline/...` name, or "module:factory" / "file.py:factory" returning a Predictor
    predictor: str | None = None

    model_config = {"extra": "forbid", "frozen": True}

    def __hash__(self) -> int:  # dict fields are not hashable; the canonical content is
        return hash(json.dumps(self.canonical(), sort_keys=True))

    @model_validator(mode="before")
    @classmethod
    def _infer_kind(cls, value: Any) -> Any:
        if isinstance(value, dict) and "kind" not in value:
            if value.get("function"):
                value = {**value, "kind": "python"}
            elif value.get("predictor"):
                value = {**value, "kind": "predictor"}
            elif value.get("retrieval") is not None and not value.get("model"):
                value = {**value, "kind": "retrieval"}
        return value

    @field_validator("outputs", mode="before")
    @classmethod
    def _short_outputs(cls, value: Any) -> Any:
        return _short_fields(value)

    @field_validator("name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"step name '{value}' must be letters, digits, '_' or '-' (no dots or spaces)")
        return value

    @model_validator(mode="after")
    def _kind_fields(self) -> "StepSpec":
        if not self.outputs:
            raise ValueError(f"step '{self.name}' declares no outputs")
        if self.kind == "llm" and not self.model:
            raise ValueError(f"llm step '{self.name}' needs `model` (a models.yaml name or a LiteLLM string)")
        if self.kind == "python" and not self.function:
            raise ValueError(f"python step '{self.name}' needs `function: module:function`")
        if self.kind == "predictor" and not self.predictor:
            raise ValueError(f"predictor step '{self.name}' needs `predictor: baseline/...` or `module:factory`")
        if self.kind != "llm" and (self.model or self.demos or self.reasoning or self.sampling):
            raise ValueError(f"{self.kind} step '{self.name}': model/demos/reasoning/sampling belong to llm steps")
        return self

    def canonical(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True, by_alias=True)

    def label(self) -> str:
        what = {"llm": self.model, "python": self.function, "retrieval": "retrieval",
                "predictor": self.predictor}[self.kind]
        return f"{self.name} ({what})"


class StepsSpec(BaseModel):
    name: str | None = None
    steps: list[StepSpec]
    # task output field -> "step.field"; a field left out comes from the step output of the same name
    outputs: dict[str, str] = Field(default_factory=dict)

    model_config = {"extra": "forbid", "frozen": True}
    _base_dir: Path | None = PrivateAttr(default=None)  # where relative function files resolve from
    _source: str | None = PrivateAttr(default=None)  # the file, for error messages

    @field_validator("steps", mode="before")
    @classmethod
    def _mapping_form(cls, value: Any) -> Any:
        # `steps: {extract: {...}, decide: {...}}` is the same as a list with names.
        if isinstance(value, dict):
            return [{"name": k, **(v or {})} for k, v in value.items()]
        return value

    @field_validator("steps")
    @classmethod
    def _some_steps(cls, value: list[StepSpec]) -> list[StepSpec]:
        if not value:
            raise ValueError("list at least one step")
        return value

    @property
    def base_dir(self) -> Path:
        return self._base_dir or Path.cwd()

    @property
    def where(self) -> str:
        return self._source or "steps spec"

    def with_source(self, source: str | Path | None, base_dir: Path | None = None) -> "StepsSpec":
        self._source = str(source) if source else None
        self._base_dir = base_dir
        return self

    def step(self, name: str) -> StepSpec:
        for s in self.steps:
            if s.name == name:
                return s
        raise ConfigError(f"{self.where}: no step named '{name}'; steps are {[s.name for s in self.steps]}")

    def canonical(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True, by_alias=True)

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.canonical(), sort_keys=True).encode()).hexdigest()[:16]

    def __hash__(self) -> int:
        return hash(self.digest())

    def __eq__(self, other: object) -> bool:  # the content, not where it was loaded from
        return isinstance(other, StepsSpec) and self.canonical() == other.canonical()

    def label(self) -> str:
        return self.name or " → ".join(s.name for s in self.steps)

    def replace_step(self, name: str, **changes: Any) -> "StepsSpec":
        """A copy with one step changed (validated again), e.g. to try another model for it."""
        self.step(name)  # an unknown name raises here
        try:
            steps = [StepSpec.model_validate({**s.canonical(), **changes}) if s.name == name else s
                     for s in self.steps]
        except ValidationError as exc:
            raise ConfigError(f"{self.where}: step '{name}': {exc.errors()[0]['msg']}") from None
        out = StepsSpec(name=self.name, steps=steps, outputs=dict(self.outputs))
        return out.with_source(self._source, self._base_dir)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(yaml.safe_dump(self.canonical(), sort_keys=False), encoding="utf-8")
        return path


def load_steps(path: str | Path) -> StepsSpec:
    """Read a steps YAML/JSON file (a top-level `pipeline:` key is also accepted)."""

    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        raw = load_yaml(path)
    else:
        if not path.exists():
            raise ConfigError(f"{path}: file not found")
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    raw = raw.get("pipeline", raw) if isinstance(raw, dict) else raw
    if not isinstance(raw, dict) or "steps" not in raw:
        raise ConfigError(f"{path}: a steps file needs a top-level `steps:` list")
    try:
        spec = StepsSpec.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc)) from None
    return spec.with_source(path, path.parent)
