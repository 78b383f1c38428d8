"""models.yaml ``climb:``: a slow (local) model climbs only its rungs, on a subsample of dev and
test, tuned as its block says, while the other models of the same climb take every rung on
every example. A tiny model built in code stands in for SmolLM2 (no download)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from helpers import sentiment_rows, write_task

from taskladder.errors import ConfigError
from taskladder.ladder import LadderOptions, climb
from taskladder.models.config import load_models
from taskladder.store import Store
from taskladder.task import load_task

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
sys.path.insert(0, str(Path(__file__).parent))


def test_bundled_models_yaml_climbs_smollm2_on_a_subsample():
    models = load_models(EXAMPLES / "support_tickets" / "models.yaml")
    smol = models["smollm2"]
    assert smol.model == "local/smollm2" and smol.climb is not None
    assert smol.climb.rungs == ["zero-shot", "few-shot", "knn-shots", "finetune"]
    assert smol.climb.limit and smol.climb.limit < 112  # a subsample of the 112 dev tickets
    assert smol.climb.tune and smol.climb.tune.rows and smol.climb.tune.rows < 336
    assert models["keyword-bot"].climb is None  # the cheap model climbs everything


def test_a_misspelt_climb_block_is_a_one_line_config_error(tmp_path):
    path = tmp_path / "models.yaml"
    path.write_text("models:\n  - name: x\n    model: local/smollm2\n    climb: {rungs: [zero-shot], limt: 5}\n")
    with pytest.raises(ConfigError, match="limt"):
        load_models(path)


def test_climb_block_restricts_rungs_rows_and_tuning(tmp_path):
    pytest.importorskip("peft")
    from local_tiny import build_tiny_model

    tiny = build_tiny_model(tmp_path / "tiny")
    task = load_task(write_task(tmp_path / "t", sentiment_rows(60)))  # 30 train, 15 dev, 15 test
    models_yaml = tmp_path / "models.yaml"
    models_yaml.write_text(
        "models:\n"
        "  - name: bot\n    model: scripted\n    script: {rules: [], default: pos}\n"
        f"  - name: tiny\n    model: local/{tiny}\n    params: {{score_labels: [neg, pos]}}\n"
        "    climb:\n      rungs: [zero-shot, finetune]\n      limit: 6\n      tune: {rows: 16, epochs: 1}\n"
    )
    models = load_models(models_yaml)
    store = Store(tmp_path / "store.sqlite")
    opts = LadderOptions(rungs=("zero-shot", "few-shot", "finetune"), cascade=False, finetune_min_train=8, shots=2)
    result = climb(task, ["bot", "tiny"], models, baselines=[], store=store, progress=False, options=opts)
    rows = {(r.model, r.rung): r for r in result.rungs}
    # the cheap model climbs every rung on every dev example
    assert rows[("bot", "zero-shot")].n == rows[("bot", "few-shot")].n == len(task.dev)
    # the local model only its own rungs, on its subsample: no few-shot row at all
    assert ("tiny", "few-shot") not in rows
    assert rows[("tiny", "zero-shot")].status == "ran" and rows[("tiny", "zero-shot")].n == 6
    [tuned] = [r for r in result.rungs if r.rung == "finetune"]
    assert tuned.status == "ran", tuned.reason
    assert tuned.n == 6 and tuned.model.startswith("local/ft-")
    # tuned on the block's rows and schedule
    [run] = [r for r in store.list_runs() if r.pipeline.get("kind") == "tune"]
    assert run.pipeline["train_rows"] == 16 and run.pipeline["dev_rows"] == 6
    assert run.pipeline["hyper"]["epochs"] == 1
    # a recommended subsampled row is confirmed on the same-sized subsample of test
    if result.recommendation["model"] != "bot":
        assert result.test["n"] == 6
    else:
        assert result.test["n"] == len(task.test)


def test_climb_block_carries_the_replay_file_to_the_finetune_rung(tmp_path):
    """``climb.tune.replay_file`` (relative to the models.yaml's folder) reaches tune; without a
    ``replay_ratio`` it takes ``tune --replay-file``'s default, one replay row in five."""
    pytest.importorskip("peft")
    import json

    from local_tiny import build_tiny_model

    tiny = build_tiny_model(tmp_path / "tiny")
    task = load_task(write_task(tmp_path / "t", sentiment_rows(60)))
    conf = tmp_path / "conf"
    (conf / "general").mkdir(parents=True)
    (conf / "general" / "g.jsonl").write_text(
        "".join(json.dumps({"instruction": f"Say {w}.", "output": w}) + "\n" for w in ("yes", "no", "maybe"))
    )
    (conf / "models.yaml").write_text(
        f"models:\n  - name: tiny\n    model: local/{tiny}\n    params: {{score_labels: [neg, pos]}}\n"
        "    climb:\n      rungs: [finetune]\n      limit: 4\n"
        "      tune: {rows: 16, epochs: 1, replay_file: general/g.jsonl}\n"
    )
    models = load_models(conf / "models.yaml")
    assert models["tiny"].climb.tune.replay_file == [str((conf / "general" / "g.jsonl").resolve())]
    store = Store(tmp_path / "store.sqlite")
    opts = LadderOptions(rungs=("finetune",), cascade=False, finetune_min_train=8)
    result = climb(
        task, ["tiny"], models, baselines=[], store=store, progress=False, options=opts, confirm_on_test=False
    )
    [row] = result.rungs
    assert row.status == "ran", row.reason
    [run] = [r for r in store.list_runs() if r.pipeline.get("kind") == "tune"]
    assert run.pipeline["replay_rows"] == 4  # 0.25 × 16 train rows, drawn from the user's file
    assert run.pipeline["replay_source"] == str((conf / "general" / "g.jsonl").resolve())
    assert run.pipeline["hyper"]["replay_ratio"] == 0.25


def test_climb_tune_replay_options_and_a_missing_file_is_a_one_line_error(tmp_path):
    (tmp_path / "g.jsonl").write_text('{"instruction": "Say yes.", "output": "yes"}\n')
    path = tmp_path / "models.yaml"
    path.write_text(
        "models:\n  - name: x\n    model: local/smollm2\n    climb: {tune: {replay_file: g.jsonl, replay_ratio: 0.5}}\n"
    )
    tune = load_models(path)["x"].climb.tune
    assert tune.overrides() == {"replay_files": [str((tmp_path / "g.jsonl").resolve())], "replay_ratio": 0.5}
    path.write_text("models:\n  - name: x\n    model: local/smollm2\n    climb: {tune: {replay_file: [nope.jsonl]}}\n")
    with pytest.raises(ConfigError, match="climb.tune.replay_file 'nope.jsonl'") as err:
        load_models(path)
    assert "\n" not in str(err.value)
