"""A pipeline spec: plain, hashable data that says exactly how an example is answered.

Same spec + same cache = same result: ``taskladder eval TASK --pipeline SPEC.yaml`` reruns
a spec with identical cache keys, so a rerun makes no new calls.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError

from ..demos.order import DemoOrder
from ..errors import ConfigError
from ..store import SCHEMA_VERSION
from ..yamlfile import format_validation_error, load_yaml


class DemoSpec(BaseModel):
    strategy: str = "stratified"  # random | stratified | bm25 | embedding | mmr | fusion
    k: int = Field(default=0, ge=0)
    seed: int = 0
    max_shots: bool = False  # pack as many as fit the context window (k is then an upper bound)
    max_prompt_tokens: int | None = None  # packing budget; default: the model's context window
    rationales: bool = False  # demos carry self-generated rationales kept only when correct
    rationale_pool: int = Field(default=64, ge=1)  # train examples the rationales are bootstrapped on
    # Prompt order of the k demos (see demos.order); None: the most similar last. Not used when
    # packing (max_shots), which keeps the most preferred demos last as it drops the rest.
    order: DemoOrder | None = None

    model_config = {"extra": "forbid"}


class SamplingSpec(BaseModel):
    """n samples at a temperature, then one is chosen: by majority vote (self-consistency;
    free text: the medoid of the largest group), or by a pairwise LLM judge (best-of-N)."""

    n: int = Field(default=5, ge=2)
    temperature: float = Field(default=0.7, ge=0.0)
    select: Literal["vote", "judge"] = "vote"
    judge: str | None = None  # the judge model (models.yaml name or LiteLLM string) for select=judge
    schedule: Literal["halving", "round-robin", "knockout"] = "halving"
    rubric: str | None = None  # default: one per output type
    # Multiple choice: the input field holding the options. Each sample sees them in its own
    # seeded order (lettered A, B, ...); answers (letters) are mapped back before the vote.
    shuffle_choices: str | None = None

    model_config = {"extra": "forbid"}


# The prompt shapes a hand-written spec can have. The ladder's rungs that build these
# shapes take their names from here, so a spec run by `eval` and the same rung of a
# climb are labelled alike.
ZERO_SHOT, FEW_SHOT, MAX_SHOTS, KNN_SHOTS = "zero-shot", "few-shot", "max-shots", "knn-shots"
NEAREST_STRATEGIES = ("bm25", "embedding", "mmr", "fusion")


class PipelineSpec(BaseModel):
    model: str  # a models.yaml name, a LiteLLM string, or baseline/...
    rung: str | None = None
    instructions: str | None = None  # None: the task's instructions
    demos: DemoSpec | None = None
    retrieval: dict[str, Any] | None = None
    reasoning: bool = False
    sampling: SamplingSpec | None = None
    # Rule checks around every call (taskladder.guard.GuardConfig fields; {} = the defaults):
    # the example's input before the call, the model's answer after it.
    guard: dict[str, Any] | None = None
    params: dict[str, Any] = Field(default_factory=dict)

    model_config = {"extra": "forbid"}

    @property
    def is_baseline(self) -> bool:
        return self.model.startswith("baseline/")

    def canonical(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True, exclude={"rung"})

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.canonical(), sort_keys=True).encode()).hexdigest()[:16]

    def shape(self) -> str | None:
        """The rung this spec's prompt looks like when it names none (None for a baseline)."""
        if self.is_baseline:
            return None
        if self.demos and self.demos.k:
            if self.demos.max_shots:
                return MAX_SHOTS
            return KNN_SHOTS if self.demos.strategy in NEAREST_STRATEGIES else FEW_SHOT
        return ZERO_SHOT

    def label(self, shots_used: float | None = None) -> str:
        """``model · technique · …``: every technique this spec uses (see ``pipeline.label``);
        ``shots_used``, a run's mean demos per prompt, replaces the asked-for count."""
        from .label import pipeline_label  # label.py imports this module: a cycle inside pipeline/

        return pipeline_label(self, shots_used)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        data = {"schema_version": SCHEMA_VERSION, **self.model_dump(exclude_none=True)}  # the store layout it was run with
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path


def load_pipeline(path: str | Path) -> PipelineSpec:
    path = Path(path)
    raw = load_yaml(path) if path.suffix.lower() in (".yaml", ".yml") else _load_json(path)
    raw = _without_schema_version(path, raw)
    try:
        return PipelineSpec.model_validate(raw.get("pipeline", raw))
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc)) from None


def _without_schema_version(path: Path, raw: Any) -> Any:
    """`save` records the store schema version for provenance; it does not change the spec."""
    if not isinstance(raw, dict) or "schema_version" not in raw:
        return raw
    version = raw["schema_version"]
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ConfigError(f"{path}, field 'schema_version': expected a whole number >= 1, got {version!r}; "
                          "fix it or delete the line")
    return {k: v for k, v in raw.items() if k != "schema_version"}


def _load_json(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise ConfigError(f"{path}: file not found")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
