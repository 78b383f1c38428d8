"""A real plugin package (tests/fixtures/plugin_pkg), pip-installed into a scratch folder and
used from the CLI: its provider, baseline and metric work like built-ins, and its broken and
clashing entries cost one warning line each, nothing else."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from helpers import sentiment_rows, write_task

from taskladder.task import load_task

pytestmark = pytest.mark.slow  # a pip install and a few CLI processes: ~10 s

FIXTURE = Path(__file__).parent / "fixtures" / "plugin_pkg"
BROKEN = ("plugin baselines 'broken' (taskladder_demo_plugin.broken:Anything) from taskladder-demo-plugin "
          "skipped: it failed to load: RuntimeError: demo plugin: this module is broken on purpose")
CLASH = ("plugin metrics 'accuracy' (taskladder_demo_plugin.metric:first_letter) from taskladder-demo-plugin "
         "skipped: 'accuracy' is already registered by taskladder")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The fixture package installed with pip into its own folder (the venv stays untouched)."""
    root = tmp_path_factory.mktemp("plugin")
    source = shutil.copytree(FIXTURE, root / "src")  # pip builds in the tree: keep the checkout clean
    target = root / "site"
    base = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), str(source)]
    # Offline and fast with the setuptools already installed; pip's own isolated build otherwise.
    done = subprocess.run([*base, "--no-build-isolation"], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        done = subprocess.run(base, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (target / "taskladder_demo_plugin-0.1.0.dist-info" / "entry_points.txt").is_file()
    return target


def cli(site: Path, *args) -> subprocess.CompletedProcess:
    path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH")) if p)
    return subprocess.run([sys.executable, "-m", "taskladder", *map(str, args)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": path}, timeout=300)


def warnings(done: subprocess.CompletedProcess) -> list[str]:
    return [line for line in done.stderr.splitlines() if line.startswith("plugin ")]


def test_plugins_lists_builtins_and_the_plugin_with_their_distribution(site):
    done = cli(site, "plugins", "--json")
    assert done.returncode == 0, done.stderr
    rows = {(r["group"], r["name"]): r for r in json.loads(done.stdout)["plugins"]}
    for key in [("providers", "demoprov"), ("baselines", "baseline/last-label"), ("metrics", "first_letter")]:
        assert rows[key]["distribution"] == "taskladder-demo-plugin", key
    for key in [("providers", "scripted"), ("baselines", "baseline/majority"), ("metrics", "accuracy")]:
        assert rows[key]["distribution"] == "taskladder", key
    assert ("baselines", "baseline/broken") not in rows
    assert sorted(warnings(done)) == sorted([BROKEN, CLASH])
    table = cli(site, "plugins")
    assert table.returncode == 0 and "taskladder-demo-plugin" in table.stdout and "last-label" in table.stdout


def test_eval_a_plugin_baseline_and_a_plugin_provider(site, tmp_path):
    task_file = write_task(tmp_path / "t", sentiment_rows(40))
    task = load_task(task_file)
    dev = Counter(e.outputs["label"] for e in task.dev)
    done = cli(site, "eval", task_file, "-m", "baseline/last-label", "-m", "demoprov/pos", "--json")
    assert done.returncode == 0, done.stderr
    runs = {r["model"]: r for r in json.loads(done.stdout)["runs"]}
    # last-label answers the last training label; demoprov/pos answers "pos" to every prompt.
    assert runs["baseline/last-label"]["score"] == pytest.approx(dev[task.train[-1].outputs["label"]] / len(task.dev))
    assert runs["demoprov/pos"]["score"] == pytest.approx(dev["pos"] / len(task.dev))
    assert runs["demoprov/pos"]["calls"] == len(task.dev) and runs["demoprov/pos"]["errors"] == 0
    assert runs["demoprov/pos"]["cost_usd"] is None  # no price in models.yaml: unknown, not $0
    assert warnings(done) == [BROKEN, CLASH]  # the broken and clashing entries cost a line each, once


def test_eval_with_a_plugin_metric(site, tmp_path):
    # A text output, so "p" is a valid answer that only the plugin's first-letter metric rewards.
    task_file = write_task(tmp_path / "t", sentiment_rows(40), outputs={"label": "text"})
    task = load_task(task_file)
    share_pos = sum(e.outputs["label"] == "pos" for e in task.dev) / len(task.dev)
    plugin = json.loads(cli(site, "eval", task_file, "-m", "demoprov/p", "--metric", "first-letter", "--json").stdout)
    assert plugin["metric"] == "first_letter" and plugin["score"] == pytest.approx(share_pos)
    builtin = json.loads(cli(site, "eval", task_file, "-m", "demoprov/p", "--metric", "accuracy", "--json").stdout)
    assert builtin["metric"] == "accuracy" and builtin["score"] == 0.0  # the built-in kept its name


def test_an_unknown_plugin_name_is_a_one_line_error(site, tmp_path):
    task_file = write_task(tmp_path / "t", sentiment_rows(20))
    done = cli(site, "eval", task_file, "-m", "baseline/broken", "--json")
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "baseline/last-label" in errors[0] and "Traceback" not in done.stderr
