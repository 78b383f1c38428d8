"""Real data loads: duplicate rows, split overlap by content, encodings, separators, big cells."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from conftest import shared_path

from taskladder.errors import ConfigError, DataError
from taskladder.task import load_task
from taskladder.task.tables import read_table


def _task(folder: Path, data: str = "data.csv", extra: str = "", inputs: str = "[text]") -> Path:
    path = folder / "task.yaml"
    path.write_text(f"name: t\ninputs: {inputs}\noutputs: {{label: label}}\n{extra}data:\n  file: {data}\n"
                    "  split: {dev: 0.25, test: 0.25, seed: 0}\n")
    return path


def _csv(path: Path, rows: list[tuple[str, str]], sep: str = ",") -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=sep)
        w.writerow(["text", "label"])
        w.writerows(rows)


def _rows(n: int) -> list[tuple[str, str]]:
    return [(f"question number {i} about things", "a" if i % 2 else "b") for i in range(n)]


def test_identical_duplicates_without_id_are_kept_once_with_a_count(tmp_path, caplog):
    _csv(tmp_path / "data.csv", _rows(20) + _rows(3))  # rows 0..2 repeated exactly
    task = load_task(_task(tmp_path))
    assert len(task.train) + len(task.dev) + len(task.test) == 20
    assert any("3 identical duplicate row" in n for n in task.notes)
    assert "3 identical duplicate row" in caplog.text


def test_same_input_different_outputs_is_listed(tmp_path):
    rows = _rows(20) + [("question number 4 about things", "a")]  # row 6 says b
    _csv(tmp_path / "data.csv", rows)
    task = load_task(_task(tmp_path))
    note = next(n for n in task.notes if "different expected outputs" in n)
    assert "rows 6 and 22" in note and "question number 4" in note


def _split_files(folder: Path, train: list[tuple[str, str]], test: list[tuple[str, str]], extra: str = "") -> Path:
    _csv(folder / "train.csv", train)
    _csv(folder / "test.csv", test)
    path = folder / "task.yaml"
    path.write_text(f"name: t\ninputs: [text]\noutputs: {{label: label}}\n{extra}"
                    "data: {train: train.csv, test: test.csv, split: {dev: 0}}\n")
    return path


def test_overlap_between_splits_is_counted_by_content_without_ids(tmp_path):
    train = _rows(10)
    test = [("  Question number 3   ABOUT things ", "a"), ("question number 7 about things", "a"), ("new one", "b")]
    task = load_task(_split_files(tmp_path, train, test))
    assert task.overlap.test_in_train == 2
    assert any("2 test inputs in train" in n and "--dedupe-splits" in n for n in task.notes)


@pytest.mark.parametrize("how", ["yaml", "flag"])
def test_dedupe_removes_the_overlap_from_train(tmp_path, how):
    test = [("question number 3 about things", "a"), ("new one", "b")]
    path = _split_files(tmp_path, _rows(10), test, extra="dedupe: true\n" if how == "yaml" else "")
    task = load_task(path, dedupe=True if how == "flag" else None)
    assert len(task.train) == 9 and len(task.test) == 2
    assert task.overlap.test_in_train == 0 and task.overlap.removed_from_train == 1


def test_latin1_file_is_refused_with_the_guesses_and_the_encoding_field(tmp_path):
    (tmp_path / "data.csv").write_bytes("text,label\ncafé naïve,a\nsoupe à l'oignon,b\n".encode("latin-1"))
    with pytest.raises(DataError) as err:
        load_task(_task(tmp_path))
    msg = str(err.value)
    assert "\n" not in msg and "guesses:" in msg and "cp1252" in msg and "encoding:" in msg
    task = load_task(_task(tmp_path, extra="encoding: latin-1\n"))
    assert "café naïve" in [e.inputs["text"] for e in task.train + task.dev + task.test]


def test_unknown_encoding_name_is_one_line(tmp_path):
    _csv(tmp_path / "data.csv", _rows(4))
    with pytest.raises(DataError, match="unknown encoding 'latin-42'"):
        load_task(_task(tmp_path, extra="encoding: latin-42\n"))


@pytest.mark.parametrize("sep", [";", "\t"])
def test_separator_is_detected(tmp_path, sep):
    _csv(tmp_path / "data.csv", [("café, naïve; or not", "a"), ("b, c", "b")] + _rows(6), sep=sep)
    rows = read_table(tmp_path / "data.csv")
    assert list(rows[0]) == ["text", "label"] and rows[0]["text"] == "café, naïve; or not"


def test_separator_field_overrides_detection(tmp_path):
    (tmp_path / "data.csv").write_text("text|label\na,b|x\nc|y\n", encoding="utf-8")
    task = load_task(_task(tmp_path, extra="separator: '|'\n"))
    assert {e.inputs["text"] for e in task.train + task.dev + task.test} == {"a,b", "c"}


def test_cell_over_128kb_is_a_one_line_error(tmp_path):
    _csv(tmp_path / "data.csv", [("x" * 140_000, "a"), ("y", "b")])
    with pytest.raises(DataError) as err:
        load_task(_task(tmp_path))
    assert "row 2" in str(err.value) and "128 KB" in str(err.value) and "JSONL" in str(err.value)


def test_task_yaml_that_is_a_folder(tmp_path):
    (tmp_path / "task.yaml").mkdir()
    with pytest.raises(ConfigError, match="is a folder"):
        load_task(tmp_path / "task.yaml")


@pytest.mark.shared_data
def test_banking77_reports_its_overlap_and_dedupe_removes_it(tmp_path):
    import shutil

    for name in ("train.csv", "test.csv"):
        shutil.copy(shared_path("banking77", name), tmp_path / name)
    (tmp_path / "task.yaml").write_text("name: b\ninputs: [text]\noutputs: {category: label}\n"
                                        "data: {train: train.csv, test: test.csv, split: {dev: 0}}\n")
    task = load_task(tmp_path / "task.yaml")
    deduped = load_task(tmp_path / "task.yaml", dedupe=True)
    assert len(task.test) == 3080 and task.overlap.test_in_train > 0  # banking77 repeats a few messages
    assert deduped.overlap.test_in_train == 0 and deduped.overlap.removed_from_train >= task.overlap.test_in_train
    assert len(deduped.test) == 3080


def test_eval_and_climb_show_the_overlap_and_dedupe_splits(tmp_path):
    import json

    from typer.testing import CliRunner

    from taskladder.cli import app

    test = [("question number 3 about things", "a"), ("new one", "b"), ("another new one", "a")]
    path = _split_files(tmp_path, _rows(12), test)
    runner = CliRunner()
    out = runner.invoke(app, ["eval", str(path), "-m", "baseline/majority", "--split", "test"], catch_exceptions=False)
    assert out.exit_code == 0 and "1 test inputs in train" in out.output
    out = runner.invoke(app, ["eval", str(path), "-m", "baseline/majority", "--split", "test", "--json",
                              "--dedupe-splits"], catch_exceptions=False)
    assert json.loads(out.stdout)["split_overlap"] == {"dev_in_train": 0, "test_in_train": 0, "test_in_dev": 0,
                                                       "removed_from_train": 1}
    out = runner.invoke(app, ["climb", str(path), "--no-test", "--json", "--out", str(tmp_path / "o")],
                        catch_exceptions=False)
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["split_overlap"]["test_in_train"] == 1
    assert json.loads((tmp_path / "o" / "climb.json").read_text())["split_overlap"]["test_in_train"] == 1


def test_new_data_options_leave_old_fingerprints_alone(tmp_path):
    from helpers import sentiment_rows, write_task

    # The value taskladder gave this task before `encoding`/`separator`/`dedupe` existed: runs
    # are keyed by it, so an interrupted run from then must still resume.
    assert load_task(write_task(tmp_path, sentiment_rows(12))).fingerprint() == "098565a52b210a9b"


def test_separator_detection_survives_a_sample_cut_inside_a_multiline_cell(tmp_path):
    from taskladder.task.separator import detect_separator

    row = '"line one\nline two, with a comma",a\n'
    text = "text,label\n" + row * 6000  # far past the sampled 64 KB
    assert detect_separator(text) == ","
    assert detect_separator(text.replace(",a\n", ";a\n").replace("text,label", "text;label"), ",") == ";"
