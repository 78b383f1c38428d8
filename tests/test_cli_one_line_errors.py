"""Bad setups end in one line and exit 2 (never a traceback); Ctrl-C says how to resume."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from helpers import sentiment_rows, write_task


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "taskladder", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


def assert_one_line(out, *phrases):
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    for phrase in phrases:
        assert phrase in lines[0]


def test_taskladder_home_pointing_at_a_file(tmp_path):
    task = write_task(tmp_path / "t", sentiment_rows(12))
    (tmp_path / "home").write_text("not a folder")
    for args in (["eval", task, "-m", "baseline/majority"], ["runs"]):
        assert_one_line(cli(*args, env={"TASKLADDER_HOME": str(tmp_path / "home")}), "TASKLADDER_HOME", "is a file")


def test_task_yaml_that_is_a_folder(tmp_path):
    (tmp_path / "task.yaml").mkdir()
    assert_one_line(cli("eval", tmp_path / "task.yaml", "-m", "baseline/majority"), "is a folder")


def test_huge_csv_cell(tmp_path):
    task = write_task(tmp_path / "t", sentiment_rows(12))
    rows = (tmp_path / "t" / "data.csv").read_text().splitlines()
    rows[3] = f"r2,{'x' * 140_000},pos"
    (tmp_path / "t" / "data.csv").write_text("\n".join(rows) + "\n")
    assert_one_line(cli("eval", task, "-m", "baseline/majority"), "row 4", "128 KB")


def test_ctrl_c_prints_how_to_resume_and_exits_130(tmp_path, monkeypatch, capsys):
    import taskladder.cli.common as cli_common
    from taskladder.cli import main

    def interrupted(*_a, **_k):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_common, "load_task", interrupted)  # where every command loads tasks
    monkeypatch.setattr(sys, "argv", ["taskladder", "eval", str(tmp_path / "task.yaml"), "-m", "baseline/majority"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 130
    assert "rerun the same command to resume" in capsys.readouterr().err


def test_eval_on_a_store_that_is_not_sqlite(tmp_path):
    task = write_task(tmp_path / "t", sentiment_rows(12))
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "taskladder.sqlite").write_text("some notes, not a database\n" * 20)
    out = cli("eval", task, "-m", "baseline/majority", env={"TASKLADDER_HOME": str(tmp_path / "home")})
    assert_one_line(out, "is not a SQLite file", "TASKLADDER_HOME")
