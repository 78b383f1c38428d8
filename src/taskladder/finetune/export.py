"""Export demonstrations or preference pairs as train/validation JSONL files that validate.

The split happens on rows (grouped by source) before building records; each written file is
run through ``validate_file`` and an export that would not validate raises instead of leaving
a file that a fine-tuning job would reject hours later.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ..errors import TaskladderError
from .build import FINAL_ANSWER_PROMPT, Style, as_rows, build_chat, build_dpo
from .jsonl import write_jsonl
from .report import ValidationReport
from .rows import ExportRow, PairwiseWin
from .split import split_train_validation
from .validate import validate_file


class ExportResult(BaseModel):
    format: str
    style: str | None = None
    train_path: str
    validation_path: str | None = None
    train_rows: int
    validation_rows: int
    skipped: dict[str, int] = Field(default_factory=dict)  # reason -> rows left out
    reports: list[ValidationReport] = Field(default_factory=list)


def _write_and_check(
    parts: dict[str, list[dict[str, Any]]], out_dir: Path, prefix: str, fmt: str, model: str | None
) -> tuple[dict[str, str], list[ValidationReport]]:
    paths: dict[str, str] = {}
    reports: list[ValidationReport] = []
    for name, records in parts.items():
        if not records and name == "validation":
            continue
        path = out_dir / f"{prefix}{name}.jsonl"
        write_jsonl(records, path)
        report = validate_file(path, fmt, model=model, epochs=1, count_tokens=model is not None)
        if not report.ok:
            first = report.problems[0]
            raise TaskladderError(
                f"{path}, line {first.line}: the export does not validate ({first.category}: {first.message})"
            )
        paths[name] = str(path)
        reports.append(report)
    return paths, reports


def export_chat(
    rows: Sequence[ExportRow | dict[str, Any]],
    out_dir: str | Path,
    *,
    fmt: str = "openai-chat",
    style: Style = "answer",
    system: str | None = None,
    validation_fraction: float = 0.1,
    seed: int = 0,
    prefix: str = "",
    train_reasoning: bool = True,
    final_answer_prompt: str = FINAL_ANSWER_PROMPT,
    model: str | None = None,
) -> ExportResult:
    """Write ``{prefix}train.jsonl`` and ``{prefix}validation.jsonl`` in ``fmt``
    (openai-chat or hf-messages) and ``style`` (answer, two_message, think)."""
    if fmt not in ("openai-chat", "hf-messages"):
        raise TaskladderError(f"export_chat writes openai-chat or hf-messages, not '{fmt}'; use export_dpo for dpo")
    typed = as_rows(rows)
    train, valid = split_train_validation(
        typed, validation_fraction=validation_fraction, seed=seed, group=lambda r, i: r.group_key(i)
    )
    skipped: Counter[str] = Counter()
    kw: dict[str, Any] = {
        "style": style, "system": system, "fmt": fmt, "train_reasoning": train_reasoning,
        "final_answer_prompt": final_answer_prompt, "skipped": skipped,
    }
    parts = {"train": build_chat(train, **kw), "validation": build_chat(valid, **kw)}
    if not parts["train"]:
        raise TaskladderError(f"nothing to export: all {len(typed)} rows were skipped ({dict(skipped)})")
    paths, reports = _write_and_check(parts, Path(out_dir), prefix, fmt, model)
    return ExportResult(
        format=fmt, style=style, train_path=paths["train"], validation_path=paths.get("validation"),
        train_rows=len(parts["train"]), validation_rows=len(parts["validation"]),
        skipped=dict(skipped), reports=reports,
    )


def export_dpo(
    wins: Sequence[PairwiseWin | tuple[Any, str, str]],
    out_dir: str | Path,
    *,
    validation_fraction: float = 0.1,
    seed: int = 0,
    prefix: str = "dpo_",
    model: str | None = None,
) -> ExportResult:
    """Write DPO pairs; all pairs of one prompt go to the same split."""
    typed = [w if isinstance(w, PairwiseWin) else PairwiseWin(prompt=w[0], chosen=w[1], rejected=w[2]) for w in wins]
    train, valid = split_train_validation(
        typed, validation_fraction=validation_fraction, seed=seed, group=lambda w, i: repr(w.prompt)
    )
    skipped: Counter[str] = Counter()
    parts = {"train": build_dpo(train, skipped=skipped), "validation": build_dpo(valid, skipped=skipped)}
    if not parts["train"]:
        raise TaskladderError(f"nothing to export: all {len(typed)} pairs were skipped ({dict(skipped)})")
    paths, reports = _write_and_check(parts, Path(out_dir), prefix, "dpo", model)
    return ExportResult(
        format="dpo", train_path=paths["train"], validation_path=paths.get("validation"),
        train_rows=len(parts["train"]), validation_rows=len(parts["validation"]),
        skipped=dict(skipped), reports=reports,
    )
