"""A loaded task holds no per-row array for the whole run (issue 20): a spilled table's row
offsets and id hashes live in temporary files (``Int64Column``), the duplicate log's hashes too
and only while loading; an example is built without validating it again, equal in every way to
the validated one; dedupe and the overlap count hash each row once; the fingerprint and the
labels are computed once per task, with the same value."""

from __future__ import annotations

import csv
import dataclasses
import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from taskladder.errors import DataError
from taskladder.task import Example, PackedExamples, load_task, overlap, packed, scratch
from taskladder.task.packed import PackedTable
from taskladder.task.patches import apply_gold_patches
from taskladder.task.scratch import Int64Column


def _yaml(folder: Path, data: str, outputs: str = "{label: label}", extra: str = "") -> Path:
    path = folder / "task.yaml"
    path.write_text(
        f"name: t\ninputs: [text, n]\noutputs: {outputs}\n{extra}data:\n  file: {data}\n"
        "  split: {dev: 0.3, test: 0.3, seed: 4}\n",
        encoding="utf-8",
    )
    return path


REAL_ROWS = [
    {"id": "ü-1", "text": "café naïve — 東京 🚀", "n": "42", "label": "pos", "note": "ñ"},
    {"id": "2", "text": "  spaces  ", "n": "3.50", "label": "neg", "note": ""},
    {"id": "3", "text": "", "n": "-0", "label": "pos", "note": "x"},
    {"id": "4", "text": 'line\nbreak, "quoted"', "n": "1e3", "label": "neg", "note": "Ω"},
] + [
    {"id": f"r{i}", "text": f"row {i} ∑", "n": str(i), "label": "pos" if i % 2 else "neg", "note": ""}
    for i in range(40)
]


def _validated(table: PackedTable, at: int) -> Example:
    """What every read built before: the row's fields validated by pydantic."""
    ex_id, ins, outs, extra = table.row(at)
    inputs = dict(zip(table.input_names, ins)) if isinstance(ins, tuple) else ins
    outputs = dict(zip(table.output_names, outs)) if isinstance(outs, tuple) else outs
    return Example(id=ex_id, inputs=inputs, outputs=outputs, extra=extra or {})


def _assert_same(new: Example, old: Example) -> None:
    assert new == old and old == new
    assert new.model_dump_json() == old.model_dump_json() and new.model_dump() == old.model_dump()
    assert new.model_fields_set == old.model_fields_set and repr(new) == repr(old)
    assert new.__pydantic_extra__ == old.__pydantic_extra__ and new.__pydantic_private__ == old.__pydantic_private__
    for name in ("id", "inputs", "outputs", "extra"):
        a, b = getattr(new, name), getattr(old, name)
        assert type(a) is type(b) and a == b
        if isinstance(a, dict):
            assert [type(k) for k in a] == [type(k) for k in b]
            assert [type(v) for v in a.values()] == [type(v) for v in b.values()]
    assert new.input_text() == old.input_text()
    patched = new.model_copy(update={"outputs": {**new.outputs, "label": "fixed"}})
    assert patched == old.model_copy(update={"outputs": {**old.outputs, "label": "fixed"}})
    with pytest.raises(ValidationError):  # frozen, as a validated one is
        new.id = "other"  # type: ignore[misc]


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
@pytest.mark.parametrize("spill", [False, True])
def test_examples_built_without_validation_equal_validated_ones(tmp_path: Path, monkeypatch, kind, spill) -> None:
    if spill:
        monkeypatch.setattr(packed, "SPILL_BYTES", 300)
    if kind == "csv":
        with (tmp_path / "data.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(REAL_ROWS[0]))
            w.writeheader()
            w.writerows(REAL_ROWS)
        outputs = "{label: label}"
    else:
        # JSON numbers as inputs, a nested json output, an optional column missing from some rows.
        lines = []
        for i, r in enumerate(REAL_ROWS):
            row = {
                "id": r["id"],
                "text": r["text"],
                "n": float(r["n"]) if i % 2 else r["n"],
                "label": r["label"],
                "meta": {"k": [i, "ü"]},
            }
            if r["note"]:
                row["note"] = r["note"]
            lines.append(json.dumps(row, ensure_ascii=bool(i % 3)))
        (tmp_path / "data.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        outputs = "{label: label, meta: json}"
    task = load_task(_yaml(tmp_path, f"data.{kind}", outputs))
    table = task.dev.table  # type: ignore[attr-defined]
    assert table._plain and (table._file is not None) == spill
    for at in range(len(table)):
        _assert_same(table.example(at), _validated(table, at))
    extras = [e.extra for e in task.all_examples()]
    if kind == "jsonl":  # rows without the optional column, and rows with it
        assert {} in extras and {"note": "ñ"} in extras
        assert any(isinstance(e.inputs["n"], float) for e in task.all_examples())
        assert all(isinstance(e.outputs["meta"], dict) for e in task.all_examples())
    else:
        assert {"note": ""} in extras and {"note": "ñ"} in extras


def test_rows_with_other_key_types_are_still_validated() -> None:
    table = PackedTable(["text"], ["label"])
    table.append("a", {"text": "x"}, {"label": "y"}, {"col": 1})
    assert table._plain
    table.append("b", {"text": "x"}, {"label": "y"}, {7: "a column named by a number"})  # e.g. a Parquet file
    assert not table._plain
    _assert_same(table.example(0), _validated(table, 0))
    with pytest.raises(ValidationError):  # as every read did before
        table.example(1)


def test_int64_column_in_memory_and_spilled(monkeypatch) -> None:
    monkeypatch.setattr(scratch, "_TAIL", 4)  # flushed every 4 values
    values = [(-1) ** i * (i * 7919) ** 3 for i in range(37)]
    kept, spills = Int64Column(), Int64Column(spill_after=10)
    for v in values:
        kept.append(v)
        spills.append(v)
    assert not kept.spilled and spills.spilled and len(spills._tail) < 4 and len(spills) == len(kept) == 37
    for col in (kept, spills, pickle.loads(pickle.dumps(spills))):
        assert col.values().tolist() == values and col.values(5, 9).tolist() == values[5:9]
        assert np.concatenate(list(col.chunks(6))).tolist() == values
        col.seal()
        assert [col.bounds(at) for at in (0, 1, 17, 36)] == [
            (0, values[0]),
            *((values[a - 1], values[a]) for a in (1, 17, 36)),
        ]
        assert col.values(40).tolist() == []
    copy = pickle.loads(pickle.dumps(spills))
    assert not copy.spilled  # the values travel, not the file


def test_a_spilled_table_holds_no_per_row_arrays(monkeypatch) -> None:
    monkeypatch.setattr(scratch, "_TAIL", 16)
    rows = [
        (f"id{i - 400}" if i >= 400 else f"id{i}", {"text": f"t{i}"}, {"label": str(i % 3)}, {}) for i in range(420)
    ]
    monkeypatch.setattr(packed, "SPILL_BYTES", 1 << 30)
    small = PackedTable(["text"], ["label"])
    for r in rows:
        small.append(*r)
    monkeypatch.setattr(packed, "SPILL_BYTES", 200)
    big = PackedTable(["text"], ["label"])
    for r in rows:
        big.append(*r)
    big.row(0)  # the first read seals it
    assert big._ends.spilled and big._hashes is not None and big._hashes.spilled
    assert len(big._ends._tail) == len(big._hashes._tail) == 0 and not big._buf
    assert [big.example(i) for i in range(420)] == [small.example(i) for i in range(420)]
    assert big.id_hashes().tolist() == small.id_hashes().tolist()
    # The 20 repeated ids (rows 400..419 repeat rows 0..19), found across the columns' flushes.
    expected = [[400 + k, k] for k in range(20)]
    assert big.view().later_duplicates().tolist() == small.view().later_duplicates().tolist() == expected
    view = big.view().take(np.arange(419, -1, -3))
    assert view.rows.dtype == np.int32 and view.id_hashes().tolist() == small.id_hashes()[view.rows].tolist()
    copy = pickle.loads(pickle.dumps(big))  # another process: its id hashes are remade, not carried
    assert copy._hashes is None and copy.id_hashes().tolist() == big.id_hashes().tolist()
    assert copy.view().positions(["id3", "nope", "id419"]).tolist() == [3, -1, -1]


def _split_files(folder: Path, train: list[tuple[str, str]], test: list[tuple[str, str]], dedupe: bool) -> Path:
    for name, rows in (("train", train), ("test", test)):
        with (folder / f"{name}.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["id", "text", "label"])
            w.writerows(rows)
    path = folder / "task.yaml"
    path.write_text(
        f"name: t\ninputs: [text]\noutputs: {{label: label}}\ndedupe: {str(dedupe).lower()}\n"
        "data: {train: train.csv, test: test.csv, id_column: id, split: {dev: 0.3, seed: 1}}\n"
    )
    return path


def test_dedupe_and_overlap_hash_each_row_once(tmp_path: Path, monkeypatch) -> None:
    train = [(f"t{i}", f"Question {i % 30}  about things", "a" if i % 2 else "b") for i in range(60)]
    test = [(f"s{i}", f"question {i}  ABOUT things", "a") for i in range(0, 40, 3)]
    plain = load_task(_split_files(tmp_path, train, test, dedupe=False))
    calls = []
    seen = overlap.normalised_input
    monkeypatch.setattr(overlap, "normalised_input", lambda e: calls.append(e.id) or seen(e))
    task = load_task(_split_files(tmp_path, train, test, dedupe=True))
    assert len(calls) == len(plain.train) + len(plain.dev) + len(plain.test)  # each row once
    # What drop_leaked then measure_overlap give (each hashing every row again).
    kept = overlap.drop_leaked(plain.train, plain.dev, plain.test)
    removed = len(plain.train) - len(kept)
    assert removed and list(task.train) == list(kept)
    assert task.overlap == overlap.measure_overlap(kept, plain.dev, plain.test, removed_from_train=removed)
    assert task.overlap.dev_in_train == task.overlap.test_in_train == 0 and task.overlap.test_in_dev
    lists = [list(p) for p in (plain.train, plain.dev, plain.test)]
    assert overlap.dedupe_and_measure(*lists, dedupe=True)[1] == task.overlap  # lists give the same


def test_an_id_in_two_split_files_is_still_refused(tmp_path: Path) -> None:
    train = [(f"t{i}", f"text {i}", "a") for i in range(20)]
    with pytest.raises(DataError, match="id 't7' appears in more than one split"):
        load_task(_split_files(tmp_path, train, [("x", "other", "a"), ("t7", "again", "b")], dedupe=False))


def test_fingerprint_and_labels_are_computed_once_with_the_same_value(tmp_path: Path, monkeypatch) -> None:
    rows = [
        {"id": f"r{i}", "text": f"t {i}", "n": str(i), "label": ["x", "y", "z"][i % 3], "note": ""} for i in range(50)
    ]
    with (tmp_path / "data.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    task = load_task(_yaml(tmp_path, "data.csv", "{label: text}"))
    as_lists = dataclasses.replace(task, train=list(task.train), dev=list(task.dev), test=list(task.test))
    reads = []
    example = PackedTable.example
    monkeypatch.setattr(PackedTable, "example", lambda self, at: reads.append(at) or example(self, at))
    first, labels = task.fingerprint(), task.labels("label")
    assert len(reads) == 2 * 50
    assert task.fingerprint() == first and task.labels("label") == labels == ["x", "y", "z"]
    assert len(reads) == 2 * 50  # cached: no example read again
    assert as_lists.fingerprint() == first and as_lists.labels("label") == labels  # lists: computed, same
    # Other splits or another spec: computed again.
    fewer = dataclasses.replace(task, dev=task.dev[:5])
    assert isinstance(fewer.dev, PackedExamples) and fewer.fingerprint() != first
    renamed = dataclasses.replace(task, spec=task.spec.model_copy(update={"name": "other"}))
    assert renamed.fingerprint() != first
    dev_id = task.dev[0].id
    patched, used = apply_gold_patches(task, [{"example_id": dev_id, "field": "label", "new_value": "w"}])
    assert used == 1 and patched.fingerprint() != first and "w" in patched.labels("label")
    assert task.fingerprint() == first and task.labels("label") == labels
