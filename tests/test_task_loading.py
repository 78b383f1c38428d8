"""Task YAML + data loading: formats, splits, and errors that name file, row and field."""

from __future__ import annotations

import json

import pytest
from helpers import sentiment_rows, write_task

from taskladder.errors import ConfigError, DataError
from taskladder.task import load_task


def test_split_is_seeded_and_disjoint(tmp_path):
    path = write_task(tmp_path, sentiment_rows(40))
    a, b = load_task(path), load_task(path)
    assert [e.id for e in a.dev] == [e.id for e in b.dev]
    ids = [e.id for part in (a.train, a.dev, a.test) for e in part]
    assert len(ids) == len(set(ids)) == 40
    assert (len(a.train), len(a.dev), len(a.test)) == (20, 10, 10)


def test_labels_inferred_from_data(tmp_path):
    task = load_task(write_task(tmp_path, sentiment_rows(10)))
    assert task.labels("label") == ["neg", "pos"]


def test_jsonl_and_explicit_files(tmp_path):
    rows = sentiment_rows(8)
    for name, part in (("train", rows[:4]), ("test", rows[4:])):
        (tmp_path / f"{name}.jsonl").write_text("\n".join(json.dumps(r) for r in part))
    (tmp_path / "task.yaml").write_text(
        "name: j\ninputs: [text]\noutputs: {label: label}\n"
        "data: {train: train.jsonl, test: test.jsonl, id_column: id, split: {dev: 0}}\n"
    )
    task = load_task(tmp_path / "task.yaml")
    assert len(task.train) == 4 and len(task.test) == 4 and task.dev == []


def test_parquet_and_xlsx(tmp_path):
    import pandas as pd

    frame = pd.DataFrame(sentiment_rows(12))
    frame.to_parquet(tmp_path / "d.parquet")
    frame.to_excel(tmp_path / "d.xlsx", index=False)
    for name in ("d.parquet", "d.xlsx"):
        (tmp_path / "task.yaml").write_text(f"name: p\ninputs: [text]\noutputs: {{label: label}}\ndata: {name}\n")
        task = load_task(tmp_path / "task.yaml")
        assert len(task.train) + len(task.dev) + len(task.test) == 12


def test_missing_column_names_file_and_field(tmp_path):
    rows = [{"id": "1", "body": "x", "label": "a"}]
    with pytest.raises(DataError) as err:
        load_task(write_task(tmp_path, rows))
    assert "data.csv" in str(err.value) and "'text'" in str(err.value)


def test_empty_expected_output_names_row(tmp_path):
    rows = sentiment_rows(6)
    rows[3]["label"] = " "
    with pytest.raises(DataError) as err:
        load_task(write_task(tmp_path, rows))
    assert "row 5" in str(err.value) and "'label'" in str(err.value)  # header is row 1


def test_duplicate_ids(tmp_path):
    rows = sentiment_rows(6)
    rows[4]["id"] = rows[1]["id"]
    with pytest.raises(DataError) as err:
        load_task(write_task(tmp_path, rows))
    assert "duplicate id 'r1'" in str(err.value) and "row 6" in str(err.value)


def test_unreadable_encoding(tmp_path):
    path = write_task(tmp_path, sentiment_rows(4))
    (tmp_path / "data.csv").write_bytes(b"id,text,label\n1,\xff\xfe\x00\x00\x81\x8d,a\n")
    with pytest.raises(DataError) as err:
        load_task(path)
    assert "encoding" in str(err.value) or "UTF-8" in str(err.value)


def test_latin1_file_is_decoded(tmp_path):
    # Decoded only when the task names its encoding: the guess (cp1250) turned "crème" into "crčme".
    path = write_task(tmp_path, sentiment_rows(4))
    (tmp_path / "data.csv").write_bytes("id,text,label\n1,caf\xe9 cr\xe8me br\xfbl\xe9e tr\xe8s bon,a\n2,b,b\n".encode("latin-1"))
    path.write_text(path.read_text().replace("data:", "encoding: latin-1\ndata:", 1))
    task = load_task(path)
    texts = [e.inputs["text"] for e in task.train + task.dev + task.test]
    assert any("café" in t for t in texts)


def test_bad_yaml_and_unknown_key(tmp_path):
    (tmp_path / "bad.yaml").write_text("name: [unclosed\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_task(tmp_path / "bad.yaml")
    (tmp_path / "extra.yaml").write_text("name: x\ninputs: [a]\noutputs: {b: label}\ndata: d.csv\nbogus: 1\n")
    with pytest.raises(ConfigError, match="bogus"):
        load_task(tmp_path / "extra.yaml")


def test_data_dir_override_for_urls(tmp_path):
    rows = sentiment_rows(8)
    local = tmp_path / "copy"
    local.mkdir()
    write_task(local, rows)  # writes copy/data.csv
    (tmp_path / "task.yaml").write_text(
        "name: u\ninputs: [text]\noutputs: {label: label}\n"
        "data: {file: 'https://example.invalid/some/data.csv', id_column: id}\n"
    )
    task = load_task(tmp_path / "task.yaml", data_dir=local)
    assert len(task.train) + len(task.dev) + len(task.test) == 8
