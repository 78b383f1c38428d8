"""Installed without extras: `eval -m baseline/all` runs what it can and names the extra for the
rest; `serve` says which extra it needs in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from helpers import sentiment_rows, write_task

NO_EXTRAS = Path(__file__).with_name("no_extras_main.py")


def cli_without_extras(*args, home):
    env = {**os.environ, "TASKLADDER_HOME": str(home)}
    return subprocess.run([sys.executable, str(NO_EXTRAS), *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=180)


def test_baseline_all_runs_the_baselines_it_can(tmp_path):
    task = write_task(tmp_path / "t", sentiment_rows(24))
    out = cli_without_extras("eval", task, "-m", "baseline/all", "--json", home=tmp_path / "h")
    assert out.returncode == 0, out.stderr
    assert "skipping baseline/knn-embed, baseline/embed-lr: needs the `embed` extra" in out.stderr
    assert "pip install 'taskladder[embed]'" in out.stderr
    import json

    models = {r["model"] for r in json.loads(out.stdout)["runs"]}
    assert {"baseline/majority", "baseline/knn-bm25", "baseline/tfidf-lr"} <= models
    assert not models & {"baseline/knn-embed", "baseline/embed-lr"}


def test_serve_without_its_extra_is_one_line(tmp_path):
    task = write_task(tmp_path / "t", sentiment_rows(12))
    (tmp_path / "p.yaml").write_text("model: baseline/majority\n")
    out = cli_without_extras("serve", tmp_path / "p.yaml", "--task", task, home=tmp_path / "h")
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2 and len(lines) == 1, out.stderr
    assert "pip install 'taskladder[serve]'" in lines[0]
