"""The typed result of validating a fine-tuning file."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Problem(BaseModel):
    line: int  # 1-based; 0 for a problem of the whole file (e.g. it is empty)
    category: str
    message: str


class LineTokens(BaseModel):
    line: int
    tokens: int  # the longest sequence the example puts through the model (context check)
    training_tokens: int  # tokens trained on per epoch (a DPO pair trains prompt twice)


class TokenStats(BaseModel):
    tokenizer: str
    examples: int
    total: int  # training tokens per epoch, valid lines only
    min: int
    max: int
    mean: float
    p50: int
    p95: int


class ValidationReport(BaseModel):
    file: str
    format: str
    lines: int
    valid_lines: int
    invalid_lines: int
    counts: dict[str, int] = Field(default_factory=dict)  # category -> lines with it
    lines_by_category: dict[str, list[int]] = Field(default_factory=dict)
    problems: list[Problem] = Field(default_factory=list)
    tokens: TokenStats | None = None
    token_counts: list[LineTokens] = Field(default_factory=list)
    model: str | None = None
    context_limit: int | None = None  # None: unknown (no model, or not in litellm's map)
    over_context_limit: int = 0
    epochs: int = 1
    training_tokens: int = 0  # per-epoch total x epochs
    training_price_usd: float | None = None  # None: unknown, never 0 by default
    price_note: str = ""

    @property
    def ok(self) -> bool:
        return self.invalid_lines == 0 and not any(p.line == 0 for p in self.problems)

    def to_json(self) -> dict:
        return {"ok": self.ok, **self.model_dump()}
