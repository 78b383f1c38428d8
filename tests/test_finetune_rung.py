"""The finetune rung: a local model of the climb is LoRA-tuned on train (a tiny model built in code),
climbed on dev, confirmed on test, its training cost amortised into the costs the recommendation compares."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("peft")

from helpers import sentiment_rows, write_task  # noqa: E402

from taskladder.ladder import LadderContext, LadderOptions, climb  # noqa: E402
from taskladder.ladder.rungs.finetune import FineTune, amortised  # noqa: E402
from taskladder.models.config import ModelConfig  # noqa: E402
from taskladder.store import Store  # noqa: E402
from taskladder.task import load_task  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from local_tiny import build_tiny_model  # noqa: E402

LABELS = ["neg", "pos"]
PER_HOUR = 3600.0  # $1 a second of training: large enough to move every cost figure


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


def tiny_models(tiny: Path, price: float | None = PER_HOUR) -> dict[str, ModelConfig]:
    # Label scoring: even an untrained tiny model always answers a valid label.
    return {"tiny": ModelConfig(name="tiny", model=f"local/{tiny}", params={"score_labels": LABELS},
                                price_per_machine_hour=price)}


def options(**kw) -> LadderOptions:
    return LadderOptions(**{"rungs": ("zero-shot", "finetune"), "cascade": False, "finetune_min_train": 8, **kw})


def test_finetune_trains_on_train_amortises_its_cost_and_is_confirmed_on_test(tiny, tmp_path):
    task = load_task(write_task(tmp_path / "t", sentiment_rows(40), volume={"calls_per_day": 100}))
    store = Store(tmp_path / "store.sqlite")
    models = tiny_models(tiny)
    result = climb(task, ["tiny"], models, baselines=[], store=store, progress=False,
                   options=options(rungs=("finetune",)), out_dir=tmp_path / "out")
    assert list(models) == ["tiny"]  # the caller's models are left as they were
    [row] = result.rungs
    assert row.rung == "finetune" and row.status == "ran", row.reason
    assert row.model.startswith("local/ft-t-") and row.score is not None
    # The one-off cost is the measured training time at the machine-hour price...
    assert row.training_s and row.training_s > 0
    assert row.training_cost_usd == pytest.approx(row.training_s * PER_HOUR / 3600)
    # ...spread over 12 months of 100 calls a day, on top of the calls' own cost: each local call
    # is priced too, its measured compute seconds at the same machine-hour price.
    calls = 100 * 30 * 12
    inference_per_1k = row.cost_per_1k_calls - row.training_cost_usd / calls * 1000
    assert inference_per_1k > 0
    assert row.projected_monthly_usd == pytest.approx(row.training_cost_usd / 12 + inference_per_1k / 1000 * 100 * 30)
    assert "one-off" in row.reason and "/month over 12 months" in row.reason
    # The training run is stored with its lineage.
    tune_runs = [r for r in store.list_runs() if r.pipeline.get("kind") == "tune"]
    assert len(tune_runs) == 1
    lineage = tune_runs[0].pipeline
    assert lineage["train_rows"] == len(task.train) and lineage["dev_rows"] == len(task.dev)
    assert lineage["base"] == f"local/{tiny}" and lineage["dataset_hash"] and lineage["hyper"]["seed"] == 0
    assert lineage["cost_usd"] == pytest.approx(row.training_cost_usd)
    # The only candidate is recommended, saved as a pipeline of the tuned model, confirmed on test.
    assert result.recommendation["rung"] == "finetune"
    assert result.test["status"] == "ran" and result.test["n"] == len(task.test)
    assert row.model in Path(result.pipeline_path).read_text()

    # A second climb reuses the tuned model: no new training, the same one-off cost shown.
    again = climb(task, ["tiny"], tiny_models(tiny), baselines=[], store=store, progress=False,
                  options=options(rungs=("finetune",)), confirm_on_test=False)
    assert again.rungs[0].reason.startswith("reused") and again.rungs[0].model == row.model
    assert again.rungs[0].training_cost_usd == pytest.approx(row.training_cost_usd)
    assert len([r for r in store.list_runs() if r.pipeline.get("kind") == "tune"]) == 1


def test_recommendation_weighs_the_training_cost(tiny, tmp_path):
    """Same scores, but training costs money: the untrained zero-shot row is the cheaper one."""
    task = load_task(write_task(tmp_path / "t", sentiment_rows(40)))
    result = climb(task, ["tiny"], tiny_models(tiny), baselines=[], progress=False, options=options(),
                   confirm_on_test=False)
    rows = {r.rung: r for r in result.rungs}
    zero, tuned = rows["zero-shot"], rows["finetune"]
    assert zero.cost_per_1k_calls > 0  # the base model's calls cost their compute time
    one_off_per_1k = tuned.training_cost_usd / (1000 * 30 * 12) * 1000  # default volume: 1000 calls a day
    assert tuned.cost_per_1k_calls > one_off_per_1k > 0
    if tuned.score <= zero.score and tuned.cost_per_1k_calls > zero.cost_per_1k_calls:
        assert result.recommendation["rung"] == "zero-shot"


def test_applies_only_with_enough_train_rows_and_a_local_model(tiny, tmp_path):
    task = load_task(write_task(tmp_path / "t", sentiment_rows(40)))  # 20 train rows
    assert FineTune().applies(LadderContext(task, options(finetune_min_train=20)))
    assert not FineTune().applies(LadderContext(task, options(finetune_min_train=21)))
    assert not FineTune().applies(LadderContext(task, options(rungs=("zero-shot",))))
    bot = {"bot": ModelConfig(name="bot", model="scripted", script={"rules": [], "default": "pos"})}
    result = climb(task, ["bot"], bot, baselines=[], progress=False, options=options(), confirm_on_test=False)
    assert [r.rung for r in result.rungs] == ["zero-shot"]  # no tunable model: no finetune row


def test_amortised_cost_arithmetic():
    per_1k, monthly = amortised(0.5, 75.0, one_off=36.0, calls_per_day=1000, months=12)
    assert per_1k == pytest.approx(0.5 + 36.0 / 360_000 * 1000)
    assert monthly == pytest.approx(75.0 + 3.0)
    assert amortised(None, None, 0.0, 1000, 12) == (0.0, 0.0)


def test_cli_climb_shows_the_one_off_training_cost(tiny, tmp_path, monkeypatch, capsys):
    from taskladder.cli import main

    path = write_task(tmp_path / "t", sentiment_rows(210))  # 106 train rows: over the default minimum of 100
    models = tmp_path / "models.yaml"
    models.write_text(f"models:\n  - name: tiny\n    model: local/{tiny}\n    price_per_machine_hour: 2.5\n"
                      f"    params: {{score_labels: [neg, pos]}}\n")
    monkeypatch.setattr("sys.argv", ["taskladder", "climb", str(path), "--models", str(models), "--no-baselines",
                                     "--rungs", "finetune", "--no-test", "-q", "-o", str(tmp_path / "out")])
    with pytest.raises(SystemExit) as exit_:
        main()
    out = capsys.readouterr().out
    assert exit_.value.code in (0, None), out
    assert "finetune" in out and "one-off $" in out and "/month over 12 months" in out
