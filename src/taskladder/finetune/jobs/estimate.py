"""A dry run: what a fine-tuning job would train on and cost, before anything is uploaded."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from ...errors import DataError
from ...money import usd
from ..validate import validate_file
from .prices import price_per_mtok

METHOD_FORMATS = {"supervised": "openai-chat", "dpo": "dpo"}


class Estimate(BaseModel):
    file: str
    method: str
    base_model: str
    examples: int
    tokens_per_epoch: int
    epochs: int
    training_tokens: int
    tokenizer: str
    price_per_mtok: float | None  # None: unknown
    cost_usd: float | None  # None: unknown, never $0 by default

    def describe(self) -> str:
        price = "unknown" if self.price_per_mtok is None else f"${self.price_per_mtok:g}/1M tokens"
        cost = "unknown (add the model to training_prices in models.yaml)" if self.cost_usd is None \
            else usd(self.cost_usd)
        return (f"{self.file}: {self.examples} {self.method} examples, {self.tokens_per_epoch:,} tokens x "
                f"{self.epochs} epochs = {self.training_tokens:,} training tokens ({self.tokenizer}); "
                f"{self.base_model} at {price}: cost {cost}")


def estimate(path: Path, method: str, base_model: str, epochs: int, prices: dict[str, float]) -> Estimate:
    """Validate the file in the method's format and price its training tokens; a one-line
    ``DataError`` for the first invalid line (a job on it would fail after upload)."""
    report = validate_file(path, METHOD_FORMATS[method], epochs=epochs)
    if report.problems:
        first = report.problems[0]
        more = f" ({len(report.problems) - 1} more problems)" if len(report.problems) > 1 else ""
        raise DataError(str(path), f"{first.category}: {first.message}{more}; check it with "
                        f"`taskladder validate {path} --format {METHOD_FORMATS[method]}`",
                        line=first.line or None)
    stats = report.tokens
    per_epoch = stats.total if stats else 0
    price = price_per_mtok(base_model, prices)
    tokens = per_epoch * epochs
    return Estimate(file=str(path), method=method, base_model=base_model, examples=report.valid_lines,
                    tokens_per_epoch=per_epoch, epochs=epochs, training_tokens=tokens,
                    tokenizer=stats.tokenizer if stats else "none", price_per_mtok=price,
                    cost_usd=None if price is None else tokens * price / 1e6)
