"""`synth` and `arena` with `--backend ray` on the session's real 2-node loopback cluster
(tests/ray_cluster.py): every provider call is answered by a Ray worker, and the command's output
is what the local backend writes.

The local runs are in this process; the Ray ones are the real command in its own process (a Ray
driver started inside CliRunner's swapped streams keeps writing to them after it closes them).
Each side has its own taskladder home, so the Ray run can take nothing from the local run's cache.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import sentiment_judge, sentiment_responder, sentiment_rows, write_task
from test_synth_recipe import RECIPE as SYNTH_RECIPE
from test_synth_recipe import _digests
from test_synth_recipe import responder as synth_responder
from typer.testing import CliRunner

from taskladder.cli import app
from taskladder.testing import LoopbackServer

pytest.importorskip("ray")
pytestmark = pytest.mark.slow

# test_synth_recipe's recipe with its model served by the loopback server, without its general-data mix.
RECIPE = "\n".join(
    line.replace("model: bot", "model: loop") for line in SYNTH_RECIPE.splitlines() if "step: mix" not in line
)


def _models_file(folder: Path, srv: LoopbackServer) -> Path:
    path = folder / "models.yaml"
    path.write_text(
        json.dumps(
            {
                "models": [
                    {
                        "name": "loop",
                        "model": "openai/loopback",
                        "api_base": srv.base_url,
                        "concurrency": 4,
                        "price": {"input_per_mtok": 1.0, "output_per_mtok": 2.0},
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    return path


def _local(args: list, home: Path) -> dict:
    res = CliRunner().invoke(app, [str(a) for a in args], env={"TASKLADDER_HOME": str(home)}, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _on_ray(args: list, home: Path, address: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "taskladder", *map(str, args), "--backend", "ray", "--address", address],
        env={**os.environ, "TASKLADDER_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def test_synth_on_ray_writes_the_local_dataset(ray_cluster, tmp_path):
    task = write_task(tmp_path / "t", sentiment_rows(16))
    (tmp_path / "recipe.yaml").write_text(RECIPE, encoding="utf-8")
    with LoopbackServer(lambda r: synth_responder(r["messages"])) as srv:
        args = ["synth", task, "--recipe", tmp_path / "recipe.yaml", "--models", _models_file(tmp_path, srv), "--json"]
        local = _local([*args, "--out", tmp_path / "local"], tmp_path / "home-local")
        sent_locally = srv.request_count
        remote = _on_ray([*args, "--out", tmp_path / "ray"], tmp_path / "home-ray", ray_cluster)
        sent_on_ray = srv.request_count - sent_locally
    assert local["new_calls"] > 0 and remote["new_calls"] == local["new_calls"] == sent_locally == sent_on_ray
    assert remote["rows"] == local["rows"] > 0 and remote["steps"] == local["steps"]
    # The same exports byte for byte, and the same dataset rows: only when each call was paid (the
    # lineage's created_at) differs between two fresh runs, on any backend.
    exports = {p for p in _digests(tmp_path / "local") if p != "dataset.jsonl"}
    assert exports and {p: _digests(tmp_path / "ray")[p] for p in exports} == {
        p: _digests(tmp_path / "local")[p] for p in exports
    }
    assert _undated(tmp_path / "ray" / "dataset.jsonl") == _undated(tmp_path / "local" / "dataset.jsonl")


def _undated(path: Path) -> list:
    """The rows of a dataset.jsonl with every ``created_at`` left out (lineage nests its parents')."""

    def drop(value):
        if isinstance(value, dict):
            return {k: drop(v) for k, v in value.items() if k != "created_at"}
        return [drop(v) for v in value] if isinstance(value, list) else value

    return [drop(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines()]


def _judge_or_answer(request: dict) -> str:
    messages = request["messages"]
    return sentiment_judge(messages) if "## Answer A" in messages[-1]["content"] else sentiment_responder(messages)


def test_arena_on_ray_judges_as_locally(ray_cluster, tmp_path):
    task = write_task(tmp_path / "t", sentiment_rows(24))
    home = tmp_path / "home-local"
    with LoopbackServer(_judge_or_answer) as srv:
        models = _models_file(tmp_path, srv)
        good = _local(["eval", task, "-m", "loop", "--models", models, "--json"], home)["run_id"]
        bad = _local(["eval", task, "-m", "baseline/majority", "--json"], home)["run_id"]
        shutil.copytree(home, tmp_path / "home-ray")  # the same two runs, before any judge call is cached
        args = ["arena", good, bad, "--judge", "loop", "--models", models, "--json"]
        local = _local([*args, "--save-judgments", tmp_path / "local.jsonl"], home)
        before = srv.request_count
        remote = _on_ray([*args, "--save-judgments", tmp_path / "ray.jsonl"], tmp_path / "home-ray", ray_cluster)
        judged_on_ray = srv.request_count - before
    assert remote["judge_calls"] == local["judge_calls"] == judged_on_ray > 0 and remote["judge_errors"] == 0
    same = ("ratings", "n_items", "n_judgments", "position_bias", "judge_cached_calls", "players")
    assert {k: remote[k] for k in same} == {k: local[k] for k in same}
    # The same calls' cost, summed in the order the answers came back (which no backend fixes).
    assert remote["judge_cost_usd"] == pytest.approx(local["judge_cost_usd"], rel=1e-9) and local["judge_cost_usd"] > 0
    assert (tmp_path / "ray.jsonl").read_text() == (tmp_path / "local.jsonl").read_text()
