"""``validate_file``: check a fine-tuning JSONL file line by line, then count its tokens
against the target model's context limit and price the training run where that is known."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ..errors import DataError, TaskladderError
from . import checks as C
from .checks import check_record
from .formats import rules_for
from .model_info import target_model
from .report import LineTokens, Problem, TokenStats, ValidationReport
from .tokens import TokenCounter, make_counter

DEFAULT_EPOCHS = 3  # a common fine-tuning default (OpenAI picks per dataset size when "auto")


def _as_messages(value: Any, role: str) -> list[dict[str, Any]]:
    return [{"role": role, "content": value}] if isinstance(value, str) else list(value)


def _count(obj: dict[str, Any], fmt: str, counter: TokenCounter) -> tuple[int, int]:
    """(longest sequence, tokens trained per epoch) of one valid record."""
    if fmt == "dpo":
        prompt = _as_messages(obj["prompt"], "user")
        chosen = counter.count(prompt + _as_messages(obj["chosen"], "assistant"))
        rejected = counter.count(prompt + _as_messages(obj["rejected"], "assistant"))
        return max(chosen, rejected), chosen + rejected
    n = counter.count(obj["messages"], obj.get("tools"))
    return n, n


def _split_lines(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()  # the newline that ends the last line starts no new line
    return [ln[:-1] if ln.endswith(b"\r") else ln for ln in lines]


def _percentile(sorted_values: list[int], q: float) -> int:
    idx = min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))
    return sorted_values[idx]


def validate_file(
    path: str | Path,
    fmt: str,
    *,
    model: str | None = None,
    epochs: int = DEFAULT_EPOCHS,
    count_tokens: bool = True,
) -> ValidationReport:
    """Validate a JSONL file in format ``fmt`` (openai-chat, hf-messages, dpo).

    Every problem is reported with its 1-based line; token counts use ``model``'s tokenizer via
    litellm when given (else o200k_base), the context limit and training price come from
    litellm's cost map (``None`` = unknown).
    """
    rules_for(fmt)  # unknown format -> TaskladderError
    if epochs < 1:
        raise TaskladderError(f"epochs must be at least 1, got {epochs}")
    p = Path(path)
    if not p.is_file():
        raise DataError(str(p), "no such file; give the path of a JSONL file")
    lines = _split_lines(p.read_bytes())
    problems: list[Problem] = []
    valid: list[tuple[int, dict[str, Any]]] = []
    for no, raw in enumerate(lines, start=1):
        found: list[tuple[str, str]] = []
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            found.append((C.INVALID_UTF8, f"not UTF-8 at byte {exc.start}"))
        else:
            if not text.strip():
                found.append((C.BLANK_LINE, "blank line; remove it (every line must be one JSON object)"))
            else:
                try:
                    obj = json.loads(text)
                except json.JSONDecodeError as exc:
                    found.append((C.INVALID_JSON, f"not valid JSON: {exc.msg} at column {exc.colno}"))
                else:
                    found = check_record(obj, fmt)
                    if not found:
                        valid.append((no, obj))
        problems.extend(Problem(line=no, category=c, message=m) for c, m in found)

    report = ValidationReport(
        file=str(p), format=fmt, lines=len(lines), valid_lines=len(valid), invalid_lines=0, model=model, epochs=epochs
    )
    if not lines:
        problems.append(Problem(line=0, category=C.EMPTY_FILE, message="the file has no lines"))
    if count_tokens and valid:
        _add_tokens(report, valid, fmt, model, problems)
    _tally(report, problems)
    return report


def _add_tokens(
    report: ValidationReport,
    valid: list[tuple[int, dict[str, Any]]],
    fmt: str,
    model: str | None,
    problems: list[Problem],
) -> None:
    counter = make_counter(model)
    target = None
    if model:
        target = target_model(model)
        report.context_limit = target.context_limit
    limit = report.context_limit
    counts: list[LineTokens] = []
    for no, obj in valid:
        longest, trained = _count(obj, fmt, counter)
        counts.append(LineTokens(line=no, tokens=longest, training_tokens=trained))
        if limit is not None and longest > limit:
            problems.append(
                Problem(line=no, category=C.TOO_LONG, message=f"{longest} tokens > {model}'s context limit of {limit}")
            )
    report.over_context_limit = sum(1 for c in counts if limit is not None and c.tokens > limit)
    # Lines over the limit would be dropped or fail the job: they do not count as training.
    fit = [c for c in counts if limit is None or c.tokens <= limit]
    per_epoch = sum(c.training_tokens for c in fit)
    lengths = sorted(c.tokens for c in counts)
    report.token_counts = counts
    report.tokens = TokenStats(
        tokenizer=counter.name,
        examples=len(counts),
        total=per_epoch,
        min=lengths[0],
        max=lengths[-1],
        mean=round(sum(lengths) / len(lengths), 1),
        p50=_percentile(lengths, 0.5),
        p95=_percentile(lengths, 0.95),
    )
    report.training_tokens = per_epoch * report.epochs
    if target is None:
        report.price_note = "unknown: no --model given"
    elif not target.known:
        report.price_note = f"unknown: {model} is not in litellm's cost map"
    elif target.training_price_per_token is None:
        report.price_note = f"unknown: litellm's cost map has no fine-tuning price for {model}"
    else:
        report.training_price_usd = report.training_tokens * target.training_price_per_token
        report.price_note = f"{target.price_source} = {target.training_price_per_token:g} USD/token"


def _tally(report: ValidationReport, problems: list[Problem]) -> None:
    problems.sort(key=lambda pr: pr.line)
    report.problems = problems
    by_cat: dict[str, list[int]] = {}
    for pr in problems:
        seen = by_cat.setdefault(pr.category, [])
        if not seen or seen[-1] != pr.line:
            seen.append(pr.line)
    report.lines_by_category = by_cat
    report.counts = {cat: len(lines) for cat, lines in sorted(by_cat.items())}
    bad = {pr.line for pr in problems if pr.line > 0}
    report.invalid_lines = len(bad)
    report.valid_lines = report.lines - len(bad)
