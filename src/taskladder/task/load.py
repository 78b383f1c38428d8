"""Load a task: parse the YAML, read and validate its data, split it reproducibly."""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import random
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from ..errors import ConfigError, DataError
from ..yamlfile import format_validation_error, load_yaml  # noqa: F401  (load_yaml's old home; kept for importers)
from .duplicates import DuplicateLog
from .example import Example
from .overlap import SplitOverlap, dedupe_and_measure
from .packed import PackedExamples, PackedTable, in_sorted, index_dtype, repeated_values
from .sources import locate
from .spec import TaskSpec
from .tables import iter_table, read_table

log = logging.getLogger(__name__)

_LATER_DATA_OPTIONS: dict[str, Any] = {"encoding": None, "separator": None, "dedupe": False, "unlabeled": None}


@dataclass
class Task:
    # The splits of a loaded task are ``PackedExamples`` (rows kept compactly, an ``Example`` made
    # when read); any sequence of examples will do for a task built in code.
    spec: TaskSpec
    train: Sequence[Example]
    dev: Sequence[Example]
    test: Sequence[Example]
    base_dir: Path = field(default_factory=Path.cwd)
    source: Path | None = None
    # Dev/test inputs also found (normalised) in an earlier split; shown with every result.
    overlap: SplitOverlap = field(default_factory=SplitOverlap)
    # Warnings about the data (duplicates kept once, conflicting outputs, overlap), one line each.
    notes: list[str] = field(default_factory=list)
    # Inputs without gold outputs (task.yaml `unlabeled:`), for distillation; in no split.
    unlabeled: list[Example] = field(default_factory=list)
    # What reading every example gives (the fingerprint, a label field's values), computed once
    # per task, not once per run or pipeline: only over packed splits (read-only views; a list
    # may be changed in place), and only while the splits are the same objects.
    # ``dataclasses.replace`` (gold patches) starts with an empty one.
    _cache: dict[Any, tuple[tuple[Sequence[Example], ...], Any]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def name(self) -> str:
        return self.spec.name

    def split(self, name: str) -> Sequence[Example]:
        if name not in ("train", "dev", "test"):
            raise ConfigError(f"unknown split '{name}'; use train, dev or test")
        return getattr(self, name)

    def labels(self, field_name: str) -> list[str]:
        out = self.spec.outputs[field_name]
        if out.labels:
            return list(out.labels)
        return list(
            self._cached(
                ("labels", field_name), lambda: sorted(Counter(str(e.outputs[field_name]) for e in self.all_examples()))
            )
        )

    def _cached(self, key: Any, compute: Callable[[], Any]) -> Any:
        parts = (self.train, self.dev, self.test)
        if not all(isinstance(part, PackedExamples) for part in parts):
            return compute()
        hit = self._cache.get(key)
        if hit is not None and all(a is b for a, b in zip(hit[0], parts)):
            return hit[1]
        value = compute()
        self._cache[key] = (parts, value)
        return value

    def all_examples(self) -> Iterator[Example]:
        """Train, dev and test, one example at a time."""
        return itertools.chain(self.train, self.dev, self.test)

    def fingerprint(self) -> str:
        """Content hash of the spec and data: runs of the same task share it."""
        # Data options added later are hashed only when set, so tasks written before them keep
        # their fingerprint (and their interrupted runs stay resumable).
        unset = {k for k, default in _LATER_DATA_OPTIONS.items() if getattr(self.spec.data, k) == default}
        spec = self.spec.model_dump_json(exclude={"data": unset} if unset else None).encode()

        def compute() -> str:
            h = hashlib.sha256(spec)
            for part in (self.train, self.dev, self.test):
                for e in part:
                    h.update(e.model_dump_json().encode())
            return h.hexdigest()[:16]

        return str(self._cached(("fingerprint", spec), compute))


def load_task(path: str | Path, data_dir: str | Path | None = None, dedupe: bool | None = None) -> Task:
    """Load a task YAML. ``data_dir`` overrides the folder data paths resolve from;
    ``dedupe`` (``--dedupe-splits``) overrides the YAML's ``dedupe``."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(
            f"{path} is a folder, not a task YAML; pass the YAML file itself (`taskladder init DATA.csv` writes one)"
        )
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

    def read(p: str) -> PackedExamples:
        file = locate(p, base, data_dir)
        return _examples(spec, file, iter_table(file, encoding=d.encoding, separator=d.separator), notes)

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
    train, overlap = dedupe_and_measure(train, dev, test, d.dedupe)
    removed = overlap.removed_from_train
    if overlap.total:
        notes.append(
            overlap.describe() + "; set `dedupe: true` in task.yaml or pass --dedupe-splits to drop them from train"
            if overlap.dev_in_train + overlap.test_in_train
            else overlap.describe()
        )
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


def _examples(
    spec: TaskSpec, file: Path, rows: Iterable[dict[str, Any]], notes: list[str] | None = None
) -> PackedExamples:
    """The file's rows, checked and packed as they are read (``PackedTable``): no row dicts or
    ``Example`` objects are held, and duplicates are found afterwards on 8-byte hashes."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        raise DataError(str(file), "no data rows; add at least one example")
    columns = set(first)
    id_col = spec.data.id_column or ("id" if "id" in columns else None)
    needed = list(spec.inputs) + list(spec.outputs) + ([id_col] if id_col else [])
    for col in needed:
        if col not in columns:
            raise DataError(str(file), f"missing column; the file has {sorted(columns)}", row=1, field=col)
    first_row = 2 if file.suffix.lower() in (".csv", ".tsv") else 1
    table = PackedTable(list(spec.inputs), list(spec.outputs))
    duplicates = DuplicateLog(str(file))
    for i, row in enumerate(itertools.chain([first], rows)):
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
        inputs = {k: _clean(row.get(k)) for k in spec.inputs}
        outputs = {k: _coerce(row.get(k), spec.outputs[k].type) for k in spec.outputs}
        duplicates.see(inputs, outputs)
        extra = {k: v for k, v in row.items() if k not in inputs and k not in outputs and k != id_col}
        table.append(ex_id, inputs, outputs, extra)
    every = table.view()
    repeats = every.later_duplicates()
    if len(repeats) and id_col:
        at, first_at = repeats[0].tolist()
        raise DataError(
            str(file),
            f"duplicate id '{table.row(at)[0]}', first seen at row {first_row + first_at}; ids must be unique",
            row=first_row + at,
            field=id_col,
        )
    # Without an id column an id is the row's content: a repeat is the same example twice, kept once.
    duplicates.identical = len(repeats)
    kept = np.delete(np.arange(len(table), dtype=index_dtype(len(table))), repeats[:, 0]) if len(repeats) else None

    def values(at: int) -> tuple[dict[str, Any], dict[str, Any]]:
        e = table.example(at)
        return e.inputs, e.outputs

    # A row's line is its position past the header: computed, not stored.
    duplicates.settle(kept, first_row, values)
    if notes is not None:
        notes.extend(duplicates.notes())
    return every if kept is None else every.take(kept)


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
        ex_id = "u-" + (
            str(row[id_col]) if id_col else hashlib.sha256(repr(sorted(inputs.items())).encode()).hexdigest()[:12]
        )
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


def _check_unique_across(spec: TaskSpec, parts: list[Sequence[Example]]) -> None:
    if not spec.data.id_column:
        return
    tables = {id(part.table) for part in parts if isinstance(part, PackedExamples)}
    if len(tables) == 1 and all(isinstance(part, PackedExamples) or not part for part in parts):
        # Views of one table (one file split here): its ids were found unique when it loaded,
        # and its splits are cuts of one shuffle, so they share no row.
        return
    # Ids are compared by hash first (8 bytes a row; a set and a Counter of a million hashes held
    # ~100 bytes a row), then as strings where hashes meet. Ids are unique within a part, so a
    # hash seen twice is shared by two parts (or, rarely, two ids of one part: told apart below).
    wanted = repeated_values(np.concatenate([_id_hashes(part) for part in parts]), in_place=True)
    if not len(wanted):
        return
    seen: set[str] = set()
    for part in parts:
        ids = [part[at].id for at in np.flatnonzero(in_sorted(_id_hashes(part), wanted)).tolist()]
        for ex_id in ids:
            if ex_id in seen:
                raise DataError("data", f"id '{ex_id}' appears in more than one split", field=spec.data.id_column)
        seen.update(ids)


def _id_hashes(part: Sequence[Example]) -> np.ndarray:
    if isinstance(part, PackedExamples):
        return part.id_hashes()
    return np.fromiter((hash(e.id) for e in part), dtype=np.int64, count=len(part))


def _check_labels(task: Task) -> None:
    for name, out in task.spec.outputs.items():
        if out.type != "label" or not out.labels:
            continue
        allowed = set(out.labels)
        for part in ("train", "dev", "test"):
            for e in task.split(part):
                if str(e.outputs[name]) not in allowed:
                    raise DataError(
                        "data",
                        f"label '{e.outputs[name]}' of example '{e.id}' is not in the task's listed labels",
                        field=name,
                    )


def split_examples(
    examples: Sequence[Example], dev: float, test: float, seed: int
) -> tuple[Sequence[Example], Sequence[Example], Sequence[Example]]:
    """Seeded shuffle then cut: the same file and seed always give the same split.

    A shuffle's order depends only on the length, so packed rows are split by shuffling their
    positions (the same order as shuffling the examples) and each split is a view of the rows."""
    # An array, not a list: ``shuffle`` only swaps items, and a list of a million ints held ~36 MB.
    # Its order depends only on the length, not on the item type: 4-byte positions below 2**31.
    wide = index_dtype(len(examples)) is np.int64
    order = array("q" if wide else "i", range(len(examples)))
    random.Random(seed).shuffle(order)
    n = len(order)
    n_test = round(n * test)
    n_dev = round(n * dev)
    cuts = (order[n_test + n_dev :], order[n_test : n_test + n_dev], order[:n_test])
    if isinstance(examples, PackedExamples):
        dtype = np.int64 if wide else np.int32
        train_part, dev_part, test_part = (examples.take(np.frombuffer(c, dtype=dtype)) for c in cuts)
        return train_part, dev_part, test_part
    return [examples[i] for i in cuts[0]], [examples[i] for i in cuts[1]], [examples[i] for i in cuts[2]]
