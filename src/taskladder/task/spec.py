"""The task YAML, as typed data.

A task names its input fields, its typed output fields, where its data lives and how
it is split, the metric, and the expected volume (for projected monthly cost).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

OutputType = Literal["label", "text", "number", "json"]


class OutputField(BaseModel):
    type: OutputType = "text"
    labels: list[str] | None = None  # for `label`; inferred from the data when absent
    tolerance: float | None = None  # for `number`: absolute tolerance
    schema_: dict[str, Any] | None = Field(default=None, alias="schema")  # for `json`

    model_config = {"populate_by_name": True}


class SplitSpec(BaseModel):
    dev: float = 0.2
    test: float = 0.2
    seed: int = 0

    @model_validator(mode="after")
    def _fractions(self) -> "SplitSpec":
        if not (0 <= self.dev < 1 and 0 <= self.test < 1 and self.dev + self.test < 1):
            raise ValueError("split fractions must be in [0, 1) and dev + test < 1")
        return self


class DataSpec(BaseModel):
    """Either one `file` with a seeded `split`, or explicit `train`/`dev`/`test` files."""

    file: str | None = None
    split: SplitSpec = Field(default_factory=SplitSpec)
    train: str | None = None
    dev: str | None = None
    test: str | None = None
    id_column: str | None = None
    encoding: str | None = None  # e.g. latin-1; default: UTF-8, or a guess only when unambiguous
    separator: str | None = None  # CSV column separator; default: detected (, ; tab |)
    dedupe: bool = False  # drop train examples whose input also appears in dev or test
    # A table of inputs without gold outputs (the input columns, an optional id): `tune --teacher`
    # labels it with a teacher pipeline to distill it into a small model.
    unlabeled: str | None = None

    @model_validator(mode="after")
    def _one_layout(self) -> "DataSpec":
        explicit = any([self.train, self.dev, self.test])
        if self.file and explicit:
            raise ValueError("give either `file` (with `split`) or `train`/`dev`/`test`, not both")
        if not self.file and not self.train:
            raise ValueError("`data` needs `file: PATH` or at least `train: PATH`")
        return self


class VolumeSpec(BaseModel):
    calls_per_day: float = 1000.0


class InverseSpec(BaseModel):
    """The task read backwards (EN→FR also gives FR→EN): which input field each output
    field becomes, and the inverse task's instructions. Used by the synth `flip` transform."""

    swap: dict[str, str]
    instructions: str

    model_config = {"extra": "forbid"}


_DATA_KEYS_AT_TOP = ("dedupe", "encoding", "separator", "unlabeled")


class TaskSpec(BaseModel):
    name: str
    instructions: str = ""
    inputs: list[str]
    outputs: dict[str, OutputField]
    data: DataSpec
    metric: str | None = None  # default chosen from the output types
    volume: VolumeSpec = Field(default_factory=VolumeSpec)
    documents: list[str] | None = None
    inverse: InverseSpec | None = None

    model_config = {"extra": "forbid"}

    @model_validator(mode="before")
    @classmethod
    def _data_keys_at_top(cls, value: Any) -> Any:
        # `dedupe: true` (and `encoding:`, `separator:`) read naturally at the top of task.yaml too.
        if isinstance(value, dict) and any(k in value for k in _DATA_KEYS_AT_TOP):
            value = dict(value)
            data = value.get("data")
            data = {"file": data} if isinstance(data, str) else dict(data or {})
            for key in _DATA_KEYS_AT_TOP:
                if key in value:
                    data.setdefault(key, value.pop(key))
            value["data"] = data
        return value

    @field_validator("outputs", mode="before")
    @classmethod
    def _short_outputs(cls, value: Any) -> Any:
        # `outputs: {category: label}` is shorthand for `{category: {type: label}}`.
        if isinstance(value, list):
            value = {name: "text" for name in value}
        if isinstance(value, dict):
            return {k: ({"type": v} if isinstance(v, str) else v) for k, v in value.items()}
        return value

    @field_validator("data", mode="before")
    @classmethod
    def _short_data(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"file": value}
        return value

    @field_validator("documents", mode="before")
    @classmethod
    def _short_documents(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("inputs")
    @classmethod
    def _some_inputs(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("list at least one input field")
        return value

    def default_metric(self) -> str:
        if self.metric:
            return self.metric
        types = {f.type for f in self.outputs.values()}
        if len(self.outputs) > 1:
            return "json_fields"
        return {"label": "accuracy", "text": "token_f1", "number": "numeric", "json": "json_fields"}[
            types.pop()
        ]


def resolve(base: Path, path: str) -> Path:
    """Paths in a task YAML are relative to the YAML's folder."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else (base / p)
