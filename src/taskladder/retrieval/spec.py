"""The ``retrieval:`` block of a pipeline spec, validated."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, model_validator

from ..embeddings.model import DEFAULT_MODEL
from ..errors import ConfigError

Strategy = Literal["bm25", "embedding", "hybrid"]


class RetrievalSpec(BaseModel):
    """``{"strategy": "bm25", "k": 4, "chunking": "tokens", "size": 200, "overlap": 40}``."""

    strategy: Strategy = "bm25"
    k: int = Field(default=4, ge=1)
    chunking: Literal["tokens", "sections"] = "tokens"
    size: int = Field(default=200, ge=1)  # tokens per chunk (o200k_base)
    overlap: int = Field(default=40, ge=0)  # tokens shared by consecutive token windows
    model: str = DEFAULT_MODEL  # embedding model, for `embedding` and `hybrid`

    model_config = {"extra": "forbid", "frozen": True}

    @model_validator(mode="after")
    def _overlap_below_size(self) -> "RetrievalSpec":
        if self.overlap >= self.size:
            raise ValueError(f"overlap ({self.overlap}) must be smaller than size ({self.size})")
        return self


def parse_retrieval_spec(raw: RetrievalSpec | dict[str, Any] | None) -> RetrievalSpec:
    """A ``RetrievalSpec`` from a pipeline's ``retrieval`` dict; ConfigError names the field."""
    if isinstance(raw, RetrievalSpec):
        return raw
    try:
        return RetrievalSpec.model_validate(raw or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        where = f"field 'retrieval.{loc}'" if loc else "'retrieval'"
        raise ConfigError(f"pipeline {where}: {first['msg']}") from None
