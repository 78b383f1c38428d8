"""Guess a task spec from a table: which columns are inputs, which output, and their types."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from ..errors import DataError
from .tables import read_table

MAX_LABELS = 50  # more distinct values than this (or mostly unique) reads as free text
# File stems that name a split, not a task: `data/trec/train.csv` is the task `trec`.
SPLIT_STEMS = {"train": "train", "training": "train", "test": "test", "testing": "test",
               "dev": "dev", "val": "dev", "valid": "dev", "validation": "dev", "data": None, "all": None}
_SIBLINGS = {"test": ("test", "testing"), "dev": ("dev", "validation", "val", "valid")}
MAX_PARENT_STEPS = 2  # a relative path climbing more folders than this reads worse than an absolute one


def task_name_for(data_file: Path) -> str:
    """The task's name: the data's folder when the file is named after a split, else the file's stem."""
    stem = data_file.stem
    if stem.lower() in SPLIT_STEMS:
        folder = data_file.resolve().parent.name
        if folder:
            return folder
    return stem


def sibling_splits(data_file: Path) -> dict[str, Path]:
    """For a ``train`` file: the ``test`` and ``dev``/``validation`` files beside it, same format."""
    if SPLIT_STEMS.get(data_file.stem.lower()) != "train":
        return {}
    found: dict[str, Path] = {}
    for split, stems in _SIBLINGS.items():
        for stem in stems:
            matches = [p for p in data_file.parent.glob(f"*{data_file.suffix}")
                       if p.stem.lower() == stem and p.is_file()]
            if matches:
                found[split] = matches[0]
                break
    return found


def data_path(data_file: Path, relative_to: Path | None) -> str:
    """How task.yaml names a data file: relative to its own folder unless that climbs far."""
    if relative_to is None:
        return str(data_file)
    rel = os.path.relpath(data_file.resolve(), relative_to.resolve())
    if Path(rel).parts[:MAX_PARENT_STEPS + 1].count("..") > MAX_PARENT_STEPS:
        return str(data_file.resolve())
    return Path(rel).as_posix()


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
                  relative_to: Path | None = None, siblings: dict[str, Path] | None = None) -> str:
    """task.yaml text for ``data_file``. With ``siblings`` (``test``/``dev`` files beside a train
    file), the data block names each file; without a dev file, dev is carved from train."""
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
    data: dict[str, Any]
    if siblings and "test" in siblings:
        data = {"train": data_path(data_file, relative_to)}
        data.update({k: data_path(siblings[k], relative_to) for k in ("dev", "test") if k in siblings})
        data["split"] = {"dev": 0.0 if "dev" in siblings else 0.2, "seed": 0}
    else:
        data = {"file": data_path(data_file, relative_to), "split": {"dev": 0.2, "test": 0.2, "seed": 0}}
    spec: dict[str, Any] = {
        "name": name or task_name_for(data_file),
        "instructions": f"Given the {', '.join(inputs)}, produce the {', '.join(outputs)}.",
        "inputs": inputs,
        "outputs": out_spec,
        "data": data,
        "volume": {"calls_per_day": 1000},
    }
    if id_col:
        spec["data"]["id_column"] = id_col
    also = "".join(f", {k} from {p.name}" for k, p in sorted((siblings or {}).items()) if "test" in (siblings or {}))
    header = (f"# Scaffolded from {data_file.name} ({len(rows)} rows{also}). "
              "Edit the instructions to describe the task.\n")
    return header + yaml.safe_dump(spec, sort_keys=False, allow_unicode=True)
