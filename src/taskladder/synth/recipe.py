"""A synth recipe (YAML): the steps that turn a task's rows into a fine-tuning dataset, the
exports to write, and a seed. Plain data: the same recipe over the same cache gives the same
files, byte for byte.

```yaml
seed: 0
split: train                 # the task rows the dataset starts from
steps:
  - {step: flip, swap: {en: fr}, instructions: "Translate the French caption into English."}
  - {step: paraphrase, model: mini, n: 2, of: [source]}
  - {step: edge_cases, model: mini, n: 20, description: "Very short captions, numbers, brand names..."}
  - {step: recast, model: mini, per_chunk: 2}           # tasks with `documents`
  - {step: rationales, model: mini, rationalize: true}
  - {step: dedup_exact}
  - {step: dedup_near, threshold: 0.8}
  - {step: decontaminate}                               # against the task's dev and test splits
  - {step: schema}
  - {step: judge, model: judge, threshold: 7}
  - {step: verify, verifier: back_translation, model: mini, threshold: 0.5}
  - {step: mix, file: general.jsonl, ratio: 0.2}
exports:
  - {format: openai-chat, style: answer}
  - {format: openai-chat, style: two_message}
  - {format: openai-chat, style: think}
  - {format: hf-messages}
  - {format: dpo}
validation_fraction: 0.1
```

``- flip: {swap: ...}`` (the step name as the only key) is accepted too.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from ..errors import ConfigError
from ..yamlfile import format_validation_error, load_yaml


class _Step(BaseModel):
    name: str | None = None  # for reports and `--backfill NAME=MODEL`; default: the step kind
    model_config = {"extra": "forbid"}


class _ModelStep(_Step):
    model: str
    params: dict[str, Any] = Field(default_factory=dict)  # extra call params (max_tokens ...)


ROW_MAKERS = ("source", "flip", "paraphrase", "edge_cases", "recast", "mix")


def _check_of(value: list[str] | None) -> list[str] | None:
    for v in value or []:
        if v not in ROW_MAKERS:
            raise ValueError(f"'{v}' is not a row maker; `of` takes: {', '.join(ROW_MAKERS)}")
    return value


class FlipStep(_Step):
    step: Literal["flip"]
    swap: dict[str, str] | None = None  # input field -> output field; default: the task's `inverse`
    instructions: str | None = None


class ParaphraseStep(_ModelStep):
    step: Literal["paraphrase"]
    n: int = Field(default=1, ge=1)
    fields: list[str] | None = None
    of: list[str] | None = None
    temperature: float = 0.7
    style: str | None = None

    @field_validator("of")
    @classmethod
    def _known_makers(cls, value: list[str] | None) -> list[str] | None:
        return _check_of(value)


class EdgeCasesStep(_ModelStep):
    step: Literal["edge_cases"]
    description: str
    n: int = Field(default=10, ge=1)
    per_call: int = Field(default=5, ge=1)
    examples: int = Field(default=3, ge=0)
    temperature: float = 0.9


class RecastStep(_ModelStep):
    step: Literal["recast"]
    per_chunk: int = Field(default=1, ge=1)
    max_chunks: int | None = Field(default=None, ge=1)
    chunking: Literal["tokens", "sections"] = "tokens"  # as the retrieval rung cuts them
    size: int = Field(default=200, ge=1)  # tokens per chunk
    overlap: int = Field(default=40, ge=0)
    documents: list[str] | None = None  # default: the task's `documents`


class RationalesStep(_ModelStep):
    step: Literal["rationales"]
    check: Literal["auto", "gold", "majority"] = "auto"
    samples: int = Field(default=3, ge=1)
    rationalize: bool = False
    keep_unverified: bool = False
    of: list[str] | None = None

    @field_validator("of")
    @classmethod
    def _known_makers(cls, value: list[str] | None) -> list[str] | None:
        return _check_of(value)


class DedupExactStep(_Step):
    step: Literal["dedup_exact"]
    fields: list[str] | None = None


class DedupNearStep(_Step):
    step: Literal["dedup_near"]
    threshold: float = Field(default=0.8, gt=0, le=1)
    shingle_words: int = Field(default=2, ge=1)
    num_perm: int = Field(default=128, ge=16)
    fields: list[str] | None = None


class DecontaminateStep(_Step):
    step: Literal["decontaminate"]
    n: int = Field(default=13, ge=1)
    short_n: int = Field(default=8, ge=1)
    fields: list[str] | None = None


class SchemaStep(_Step):
    step: Literal["schema"]


class JudgeStep(_ModelStep):
    step: Literal["judge"]
    threshold: float = Field(default=7.0, ge=1, le=10)
    rubric: str | None = None


class VerifyStep(_Step):
    step: Literal["verify"]
    verifier: Literal["json_schema", "back_translation"]
    model: str | None = None  # back_translation: the model that translates back
    threshold: float = Field(default=0.5, ge=0, le=1)
    instructions: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _model_when_needed(self) -> VerifyStep:
        if self.verifier == "back_translation" and not self.model:
            raise ValueError("back_translation needs `model` (the model that translates back)")
        return self


class MixStep(_Step):
    step: Literal["mix"]
    file: str
    ratio: float = Field(ge=0, lt=1)


Step = Annotated[
    Union[FlipStep, ParaphraseStep, EdgeCasesStep, RecastStep, RationalesStep, DedupExactStep, DedupNearStep,
          DecontaminateStep, SchemaStep, JudgeStep, VerifyStep, MixStep],
    Field(discriminator="step"),
]
STEP_KINDS = ("flip", "paraphrase", "edge_cases", "recast", "rationales", "dedup_exact", "dedup_near",
              "decontaminate", "schema", "judge", "verify", "mix")


class ExportSpec(BaseModel):
    format: Literal["openai-chat", "hf-messages", "dpo"]
    style: Literal["answer", "two_message", "think"] = "answer"
    name: str | None = None  # folder under exports/; default "<format>-<style>" ("dpo" for dpo)
    train_reasoning: bool = True  # two_message: false puts weight 0 on the reasoning turn
    model: str | None = None  # count tokens against this model's tokenizer and context limit

    model_config = {"extra": "forbid"}

    @property
    def folder(self) -> str:
        return self.name or ("dpo" if self.format == "dpo" else f"{self.format}-{self.style}")


class Recipe(BaseModel):
    seed: int = 0
    split: Literal["train", "dev", "test"] = "train"
    limit: int | None = Field(default=None, ge=1)  # only the first N rows of the split
    steps: list[Step] = Field(default_factory=list)
    exports: list[ExportSpec] = Field(default_factory=list)
    validation_fraction: float = Field(default=0.1, ge=0, lt=1)

    model_config = {"extra": "forbid"}

    @field_validator("steps", mode="before")
    @classmethod
    def _short_steps(cls, value: Any) -> Any:
        # `- flip: {swap: ...}` is shorthand for `- {step: flip, swap: ...}`.
        if not isinstance(value, list):
            return value
        out = []
        for item in value:
            if isinstance(item, dict) and "step" not in item and len(item) == 1:
                (kind, body), = item.items()
                if kind in STEP_KINDS:
                    item = {"step": kind, **(body or {})}
            elif isinstance(item, str) and item in STEP_KINDS:
                item = {"step": item}
            out.append(item)
        return out

    @model_validator(mode="after")
    def _names(self) -> Recipe:
        kinds = [s.step for s in self.steps]
        names: list[str] = []
        for i, s in enumerate(self.steps):
            if s.name is None:
                s.name = s.step if kinds.count(s.step) == 1 else f"{s.step}-{kinds[:i + 1].count(s.step)}"
            names.append(s.name)
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"step names must be unique; repeated: {dupes}")
        folders = [e.folder for e in self.exports]
        if len(set(folders)) != len(folders):
            raise ValueError("two exports write the same folder; give them distinct `name`s")
        return self

    def digest(self) -> str:
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def step(self, name: str) -> Any:
        for s in self.steps:
            if s.name == name:
                return s
        raise ConfigError(f"no step named '{name}' in the recipe; steps: {[s.name for s in self.steps]}")

    def with_models(self, overrides: dict[str, str]) -> Recipe:
        """A copy whose named steps call another model (a backfill): every other step is
        unchanged, so its calls replay from the cache."""
        copy = self.model_copy(deep=True)
        for name, model in overrides.items():
            s = copy.step(name)
            if not hasattr(s, "model"):
                raise ConfigError(f"step '{name}' ({s.step}) calls no model, so there is nothing to backfill")
            s.model = model
        return copy


def load_recipe(path: str | Path) -> Recipe:
    path = Path(path)
    raw = load_yaml(path)
    try:
        return Recipe.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc)) from None
