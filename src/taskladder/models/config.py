"""``models.yaml``: named model configurations.

```yaml
models:
  - name: mini
    model: openai/gpt-4o-mini        # any LiteLLM model string
    api_key_env: OPENAI_API_KEY      # the *name* of the variable; keys are never stored
    price: {input_per_mtok: 0.15, output_per_mtok: 0.6}   # optional; default LiteLLM's map
    concurrency: 16
    adaptive_concurrency: true        # optional: back off on 429, grow again up to concurrency
    rpm: 500
    tpm: 200000
  - name: local
    model: openai/qwen2.5
    api_base: http://127.0.0.1:8000/v1
  - name: smollm2
    model: local/smollm2
    climb:                            # optional: a slow model climbs less than the others
      rungs: [zero-shot, few-shot, knn-shots, finetune]
      limit: 40                       # first 40 dev (and test) examples
      tune: {rows: 160, epochs: 2}    # finetune rung: 160 train rows, 2 epochs
      # tune: {replay_file: general/, replay_ratio: 0.25}  # general-data replay (a path
      #   relative to this file's folder), as `tune --replay-file/--replay-ratio`
```
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from ..errors import ConfigError, ModelAccessError
from ..yamlfile import format_validation_error, load_yaml


class Price(BaseModel):
    input_per_mtok: float
    output_per_mtok: float

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input_per_mtok + output_tokens * self.output_per_mtok) / 1e6


class ClimbTune(BaseModel):
    """The finetune rung's settings for one model (models.yaml ``climb.tune``); unset fields keep
    ``TuneConfig``'s defaults. ``rows``: train on the first N train rows (a demo's subsample)."""

    rows: int | None = Field(default=None, ge=8)
    epochs: int | None = Field(default=None, ge=1)
    batch_size: int | None = Field(default=None, ge=1)
    lr: float | None = Field(default=None, gt=0)
    rank: int | None = Field(default=None, ge=1)
    max_length: int | None = Field(default=None, ge=16)
    # General-data replay, as ``tune --replay-file/--replay-ratio``: files or folders of general
    # examples (one path or a list; relative to the models.yaml's folder, see load_models), and
    # replay rows per training row (a file without a ratio: tune's default for --replay-file;
    # a ratio without a file: the base model's own answers).
    replay_file: list[str] | None = None
    replay_ratio: float | None = Field(default=None, ge=0)

    model_config = {"extra": "forbid"}

    @field_validator("replay_file", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    def overrides(self) -> dict[str, Any]:
        """The ``TuneConfig`` fields this block sets."""
        out = self.model_dump(exclude={"rows", "replay_file"}, exclude_none=True)
        if self.replay_file:
            out["replay_files"] = list(self.replay_file)
        return out


class ModelClimb(BaseModel):
    """How ``climb`` treats one model (models.yaml ``climb:``): a slow model (a local one on a CPU)
    climbs only ``rungs``, on the first ``limit`` examples of dev and test, tuned as ``tune`` says,
    while the other models of the same climb take every rung on every example."""

    rungs: list[str] | None = None  # None: every rung the climb climbs
    limit: int | None = Field(default=None, ge=1)  # first N of the compared split and of test
    tune: ClimbTune | None = None

    model_config = {"extra": "forbid"}

    def wants(self, rung: str) -> bool:
        return self.rungs is None or rung in self.rungs


LOCAL_TIMEOUT_S = 900.0  # local/... models unless models.yaml sets timeout_s


class ModelConfig(BaseModel):
    name: str
    model: str
    api_base: str | None = None
    api_key_env: str | None = None
    price: Price | None = None
    # Local models: $ per hour of this machine. Each call costs its measured compute seconds at
    # this price (models/pricing.py measured_usd), and the finetune rung prices its measured
    # training time with it (None: $0).
    price_per_machine_hour: float | None = Field(default=None, ge=0)
    concurrency: int = Field(default=8, ge=1)
    # Adaptive: start lower, back off on 429 / Retry-After and grow again, never above concurrency
    # (runner/ratelimit.py ConcurrencyLimit); rpm/tpm still bound every call.
    adaptive_concurrency: bool = False
    rpm: int | None = Field(default=None, ge=1)
    tpm: int | None = Field(default=None, ge=1)
    timeout_s: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=6, ge=0)
    params: dict[str, Any] = Field(default_factory=dict)  # e.g. temperature, max_tokens
    context_window: int | None = None
    # auto: the direct OpenAI-compatible client (models/http1.py) for openai/... models, LiteLLM for every
    # other provider; openai: that direct client for any model string (an OpenAI-compatible server
    # under another prefix); openai-sdk: the openai SDK; litellm: LiteLLM.
    transport: Literal["auto", "litellm", "openai", "openai-sdk"] = "auto"
    # Scripted models only: rules the scripted model answers by (see models/scripted.py).
    script: dict[str, Any] | None = None
    # What climb does with this model: which rungs, on how many examples, tuned how.
    climb: ModelClimb | None = None

    model_config = {"extra": "forbid"}

    @field_validator("model")
    @classmethod
    def _has_provider(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("model must be a LiteLLM model string such as openai/gpt-4o-mini")
        return value

    @model_validator(mode="after")
    def _local_calls_wait_longer(self) -> "ModelConfig":
        # A hosted call past 60 s is a stuck connection; a local model on a busy CPU can take
        # minutes over a long prompt, and timing it out only repeats the work.
        if self.is_local and "timeout_s" not in self.model_fields_set:
            self.timeout_s = LOCAL_TIMEOUT_S
        return self

    @property
    def is_scripted(self) -> bool:
        return self.model.startswith("scripted")

    @property
    def is_local(self) -> bool:
        """Runs on this machine (``local/...``, see taskladder.local): no key, $0 per call."""
        return self.model.startswith("local/")

    def api_key(self) -> str | None:
        """Read the key from the environment at call time; it is never stored anywhere."""
        if self.api_key_env:
            key = os.environ.get(self.api_key_env)
            if not key:
                raise ModelAccessError(
                    f"model '{self.name}': environment variable {self.api_key_env} is not set; "
                    f"export it or change api_key_env in models.yaml"
                )
            return key
        return None

    def identity(self) -> dict[str, Any]:
        """What makes two configs answer the same way: part of every cache key."""
        ident: dict[str, Any] = {"model": self.model}
        if self.api_base:
            ident["api_base"] = self.api_base.rstrip("/")
        if self.script:
            ident["script"] = self.script
        return ident


class ModelsFile(BaseModel):
    models: list[ModelConfig]


def load_models(path: str | Path | None) -> dict[str, ModelConfig]:
    if path is None:
        return {}

    path = Path(path)
    raw = load_yaml(path)
    try:
        parsed = ModelsFile.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc)) from None
    out: dict[str, ModelConfig] = {}
    for cfg in parsed.models:
        if cfg.name in out:
            raise ConfigError(f"{path}: model name '{cfg.name}' is listed twice; names must be unique")
        _resolve_replay_files(cfg, path)
        out[cfg.name] = cfg
    return out


def _resolve_replay_files(cfg: ModelConfig, path: Path) -> None:
    """``climb.tune.replay_file`` paths made absolute against the models.yaml's folder (so a climb
    started anywhere finds them), and a missing one is a config error now, not a failed rung later."""
    tune = cfg.climb.tune if cfg.climb else None
    if tune is None or not tune.replay_file:
        return
    resolved = []
    for given in tune.replay_file:
        full = Path(given).expanduser()
        full = full if full.is_absolute() else path.parent / full
        if not full.exists():
            raise ConfigError(
                f"{path}: model '{cfg.name}': climb.tune.replay_file '{given}' is no file or folder ({full}); "
                f"a relative path is read from the models.yaml's folder"
            )
        resolved.append(str(full.resolve()))
    tune.replay_file = resolved


def resolve_model(name: str, models: dict[str, ModelConfig]) -> ModelConfig:
    """A name from models.yaml, or a bare LiteLLM string (``openai/gpt-4o-mini``)."""
    if name in models:
        return models[name]
    if "/" in name and not name.startswith("baseline/"):
        return ModelConfig(name=name, model=name)
    known = ", ".join(sorted(models)) or "(no models.yaml given)"
    raise ModelAccessError(
        f"unknown model '{name}'; use a name from models.yaml ({known}), a LiteLLM string "
        f"like openai/gpt-4o-mini, or a baseline/... name"
    )
