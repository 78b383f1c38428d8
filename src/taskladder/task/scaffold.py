"""Guess a task spec from a table: which columns are inputs, which output, and their types."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from ..errors import DataError
from .tables import read_table

MAX_LABELS = 50  # more distinct values than this (or mostly unique) reads as free text


def guess_type(values: list[Any]) -> tuple[str, list[str] | None]:
    present = [v for v in values if v is not None and str(v).strip() != ""]
    if not present:
        return "text", None
    try:
        [float(v) for v in present]
        return "number", None
    except (TypeError, ValueError):
        pass  # some value is not a number: try the other types below
    if all(isinstance(v, (dict, list)) or str(v).lstrip().startswith(("{", "[")) for v in present):
        return "json", None
    distinct = sorted({str(v) for v in present})
    if len(distinct) <= MAX_LABELS and len(distinct) <= max(2, len(present) // 2):
        return "label", None
    return "text", None


def scaffold_task(data_file: Path, outputs: list[str] | None = None, name: str | None = None,
                  relative_to: Path | None = None) -> str:
    rows = read_table(data_file)
    if not rows:
        raise DataError(str(data_file), "no data rows; add a header and at least one row")
    columns = list(rows[0])
    id_col = "id" if "id" in columns else None
    outputs = outputs or [columns[-1]]
    for col in outputs:
        if col not in columns:
            raise DataError(str(data_file), f"no such column; the file has {columns}", row=1, field=col)
    inputs = [c for c in columns if c not in outputs and c != id_col]
    out_spec: dict[str, Any] = {}
    for col in outputs:
        kind, _ = guess_type([r.get(col) for r in rows])
        out_spec[col] = kind
    path = os.path.relpath(data_file, relative_to) if relative_to else str(data_file)
    spec: dict[str, Any] = {
        "name": name or data_file.stem,
        "instructions": f"Given the {', '.join(inputs)}, produce the {', '.join(outputs)}.",
        "inputs": inputs,
        "outputs": out_spec,
        "data": {"file": path, "split": {"dev": 0.2, "test": 0.2, "seed": 0}},
        "volume": {"calls_per_day": 1000},
    }
    if id_col:
        spec["data"]["id_column"] = id_col
    header = f"# Scaffolded from {data_file.name} ({len(rows)} rows). Edit the instructions to describe the task.\n"
    return header + yaml.safe_dump(spec, sort_keys=False, allow_unicode=True)
