"""Load a task: parse the YAML, read and validate its data, split it reproducibly."""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import ConfigError, DataError
from ..yamlfile import format_validation_error, load_yaml  # noqa: F401  (load_yaml's old home; kept for importers)
from .duplicates import DuplicateLog
from .example import Example
from .overlap import SplitOverlap, drop_leaked, measure_overlap
from .sources import locate
from .spec import TaskSpec
from .tables import read_table

log = logging.getLogger(__name__)

_LATER_DATA_OPTIONS: dict[str, Any] = {"encoding": None, "separator": None, "dedupe": False, "unlabeled": None}


@dataclass
class Task:
    spec: TaskSpec
    train: list[Example]
    dev: list[Example]
    test: list[Example]
    base_dir: Path = field(default_factory=Path.cwd)
    source: Path | None = None
    # Dev/test inputs also found (normalised) in an earlier split; shown with every result.
    overlap: SplitOverlap = field(default_factory=SplitOverlap)
    # Warnings about the data (duplicates kept once, conflicting outputs, overlap), one line each.
    notes: list[str] = field(default_factory=list)
    # Inputs without gold outputs (task.yaml `unlabeled:`), for distillation; in no split.
    unlabeled: list[Example] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.spec.name

    def split(self, name: str) -> list[Example]:
        if name not in ("train", "dev", "test"):
            raise ConfigError(f"unknown split '{name}'; use train, dev or test")
        return getattr(self, name)

    def labels(self, field_name: str) -> list[str]:
        out = self.spec.outputs[field_name]
        if out.labels:
            return list(out.labels)
        seen = Counter(str(e.outputs[field_name]) for e in self.train + self.dev + self.test)
        return sorted(seen)

    def fingerprint(self) -> str:
        """Content hash of the spec and data: runs of the same task share it."""
        # Data options added later are hashed only when set, so tasks written before them keep
        # their fingerprint (and their interrupted runs stay resumable).
        unset = {k for k, default in _LATER_DATA_OPTIONS.items() if getattr(self.spec.data, k) == default}
        h = hashlib.sha256(self.spec.model_dump_json(exclude={"data": unset} if unset else None).encode())
        for part in (self.train, self.dev, self.test):
            for e in part:
                h.update(e.model_dump_json().encode())
        return h.hexdigest()[:16]


def load_task(path: str | Path, data_dir: str | Path | None = None, dedupe: bool | None = None) -> Task:
    """Load a task YAML. ``data_dir`` overrides the folder data paths resolve from;
    ``dedupe`` (``--dedupe-splits``) overrides the YAML's ``dedupe``."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{path} is a folder, not a task YAML; pass the YAML file itself "
                          "(`taskladder init DATA.csv` writes one)")
    raw = load_yaml(path)
    try:
        spec = TaskSpec.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(path, exc)) from None
    if dedupe is not None:
        spec = spec.model_copy(update={"data": spec.data.model_copy(update={"dedupe": dedupe})})
    return task_from_spec(spec, path.parent, source=path, data_dir=Path(data_dir) if data_dir else None)


def task_from_spec(spec: TaskSpec, base: Path, source: Path | None = None, data_dir: Path | None = None) -> Task:
    d = spec.data
    notes: list[str] = []

    def read(p: str) -> list[Example]:
        file = locate(p, base, data_dir)
        return _examples(spec, file, read_table(file, encoding=d.encoding, separator=d.separator), notes)

    if d.file:
        rows = read(d.file)
        train, dev, test = split_examples(rows, d.split.dev, d.split.test, d.split.seed)
    else:
        parts = {name: (read(getattr(d, name)) if getattr(d, name) else []) for name in ("train", "dev", "test")}
        train, dev, test = parts["train"], parts["dev"], parts["test"]
        if not d.dev and d.split.dev > 0:
            # No dev file: carve a seeded dev split out of train, so tuning never touches test.
            train, dev, _ = split_examples(train, d.split.dev, 0.0, d.split.seed)
        _check_unique_across(spec, [train, dev, test])
    removed = 0
    if d.dedupe:
        kept = drop_leaked(train, dev, test)
        removed, train = len(train) - len(kept), kept
    overlap = measure_overlap(train, dev, test, removed_from_train=removed)
    if overlap.total:
        notes.append(overlap.describe() + "; set `dedupe: true` in task.yaml or pass --dedupe-splits to drop them from train"
                     if overlap.dev_in_train + overlap.test_in_train else overlap.describe())
    if removed:
        notes.append(f"dedupe: removed {removed} train example(s) whose input also appears in dev or test")
    for note in notes:
        log.warning("%s", note)
    task = Task(spec=spec, train=train, dev=dev, test=test, base_dir=base, source=source, overlap=overlap, notes=notes)
    if d.unlabeled:
        file = locate(d.unlabeled, base, data_dir)
        task.unlabeled = _unlabeled(spec, file, read_table(file, encoding=d.encoding, separator=d.separator))
    _check_labels(task)
    return task


def _examples(spec: TaskSpec, file: Path, rows: list[dict[str, Any]], notes: list[str] | None = None) -> list[Example]:
    if not rows:
        raise DataError(str(file), "no data rows; add at least one example")
    columns = set(rows[0])
    id_col = spec.data.id_column or ("id" if "id" in columns else None)
    needed = list(spec.inputs) + list(spec.outputs) + ([id_col] if id_col else [])
    for col in needed:
        if col not in columns:
            raise DataError(
                str(file), f"missing column; the file has {sorted(columns)}", row=1, field=col
            )
    first_row = 2 if file.suffix.lower() in (".csv", ".tsv") else 1
    seen: dict[str, int] = {}
    duplicates = DuplicateLog(str(file))
    examples = []
    for i, row in enumerate(rows):
        line = i + first_row
        for name, out in spec.outputs.items():
            value = row.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                raise DataError(str(file), "empty expected output; fill it in or drop the row", row=line, field=name)
            if out.type == "number":
                try:
                    float(value)
                except (TypeError, ValueError):
                    raise DataError(str(file), f"'{value}' is not a number", row=line, field=name) from None
        ex_id = str(row[id_col]) if id_col else _content_id(row, spec)
        if ex_id in seen:
            if not id_col:  # an identical row: the same example twice, kept once
                duplicates.identical += 1
                continue
            raise DataError(str(file), f"duplicate id '{ex_id}', first seen at row {seen[ex_id]}; ids must be unique",
                            row=line, field=id_col)
        seen[ex_id] = line
        inputs = {k: _clean(row.get(k)) for k in spec.inputs}
        outputs = {k: _coerce(row.get(k), spec.outputs[k].type) for k in spec.outputs}
        duplicates.see(line, inputs, outputs)
        extra = {k: v for k, v in row.items() if k not in inputs and k not in outputs and k != id_col}
        examples.append(Example(id=ex_id, inputs=inputs, outputs=outputs, extra=extra))
    if notes is not None:
        notes.extend(duplicates.notes())
    return examples


def _unlabeled(spec: TaskSpec, file: Path, rows: list[dict[str, Any]]) -> list[Example]:
    """The ``unlabeled:`` table: input columns only (outputs, if present, are ignored); ids from
    the id column, else from the content, prefixed so they never collide with labelled ids."""
    if not rows:
        raise DataError(str(file), "no data rows; the unlabeled table needs at least one input row")
    id_col = spec.data.id_column or ("id" if "id" in rows[0] else None)
    for col in [*spec.inputs, *([id_col] if id_col else [])]:
        if col not in rows[0]:
            raise DataError(str(file), f"missing column; the file has {sorted(rows[0])}", row=1, field=col)
    out: dict[str, Example] = {}
    for row in rows:
        inputs = {k: _clean(row.get(k)) for k in spec.inputs}
        ex_id = "u-" + (str(row[id_col]) if id_col else hashlib.sha256(repr(sorted(inputs.items())).encode()).hexdigest()[:12])
        out.setdefault(ex_id, Example(id=ex_id, inputs=inputs))
    return list(out.values())


def _content_id(row: dict[str, Any], spec: TaskSpec) -> str:
    key = repr([(k, row.get(k)) for k in list(spec.inputs) + list(spec.outputs)])
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def _clean(value: Any) -> Any:
    return "" if value is None else value


def _coerce(value: Any, kind: str) -> Any:
    if kind == "number":
        f = float(value)
        return int(f) if f.is_integer() else f
    if kind == "json" and isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value if kind == "json" else str(value)


def _check_unique_across(spec: TaskSpec, parts: list[list[Example]]) -> None:
    if not spec.data.id_column:
        return
    seen: set[str] = set()
    for part in parts:
        for e in part:
            if e.id in seen:
                raise DataError("data", f"id '{e.id}' appears in more than one split", field=spec.data.id_column)
            seen.add(e.id)


def _check_labels(task: Task) -> None:
    for name, out in task.spec.outputs.items():
        if out.type != "label" or not out.labels:
            continue
        allowed = set(out.labels)
        for part in ("train", "dev", "test"):
            for e in task.split(part):
                if str(e.outputs[name]) not in allowed:
                    raise DataError(
                        "data", f"label '{e.outputs[name]}' of example '{e.id}' is not in the task's listed labels",
                        field=name,
                    )


def split_examples(
    examples: list[Example], dev: float, test: float, seed: int
) -> tuple[list[Example], list[Example], list[Example]]:
    """Seeded shuffle then cut: the same file and seed always give the same split."""
    order = list(examples)
    random.Random(seed).shuffle(order)
    n = len(order)
    n_test = round(n * test)
    n_dev = round(n * dev)
    test_part = order[:n_test]
    dev_part = order[n_test : n_test + n_dev]
    train_part = order[n_test + n_dev :]
    return train_part, dev_part, test_part
