"""Mixing as a sweep with a rule: the rule itself, and a sweep end to end on a tiny embedder."""

from __future__ import annotations

import json

import pytest

from taskladder.mix.rule import SweepPoint, choose_alpha


def test_rule_takes_best_task_score_within_delta_of_the_original():
    points = [SweepPoint(0.0, 80.0, 82.0), SweepPoint(0.25, 84.0, 82.5), SweepPoint(0.5, 85.0, 81.6),
              SweepPoint(0.75, 86.0, 81.0), SweepPoint(1.0, 87.0, 79.0)]
    assert choose_alpha(points, 0.5, 82.0).alpha == 0.5  # 81.6 >= 81.5; 0.75 drops too far
    assert choose_alpha(points, 0.0, 82.0).alpha == 0.25
    assert choose_alpha(points, 10.0, 82.0).alpha == 1.0
    tie = [SweepPoint(0.0, 80.0, 82.0), SweepPoint(0.5, 85.0, 82.0), SweepPoint(0.75, 85.0, 82.0)]
    assert choose_alpha(tie, 0.5, 82.0).alpha == 0.5  # ties go to the mix nearer the original
    with pytest.raises(ValueError, match="delta"):
        choose_alpha([SweepPoint(1.0, 90.0, 70.0)], 0.5, 82.0)


def test_sweep_end_to_end_on_a_tiny_embedder(tmp_path):
    pytest.importorskip("sentence_transformers")
    from mix_models import perturbed_copy, tiny_sentence_transformer
    from typer.testing import CliRunner

    from taskladder.cli import app
    from taskladder.mix.embedder_eval import head_accuracies, load_encoder, sts_spearman

    base = tiny_sentence_transformer(tmp_path / "st")
    tuned = perturbed_copy(base, tmp_path / "tuned", scale=0.5)
    words = {"pets": ["cat", "dog"], "colour": ["red", "blue", "green"], "speed": ["fast", "slow"]}
    rows = [{"text": f"the {w} {x}", "label": label} for label, ws in words.items() for w in ws
            for x in ("sat", "ran", "on the mat", "a big", "small")]
    task_dir = tmp_path / "task"
    task_dir.mkdir()
    import csv

    with (task_dir / "data.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, ["text", "label"])
        writer.writeheader()
        writer.writerows(rows)
    (task_dir / "task.yaml").write_text("name: tiny\ninputs: [text]\noutputs: {label: label}\n"
                                        "data: {file: data.csv, split: {dev: 0.3, test: 0.3, seed: 0}}\n")
    sts = tmp_path / "sts.csv"
    sts.write_text("sentence1,sentence2,score\nthe cat sat,the dog sat,3.5\nthe red mat,a blue mat,2.0\n"
                   "a cat ran fast,the cat ran fast,4.8\nthe mat,a dog ran slow,0.2\nbig red dog,small red dog,3.0\n")
    result = CliRunner().invoke(app, ["mix-sweep", str(task_dir / "task.yaml"), str(base), str(tuned),
                                      "--general", str(sts), "--out", str(tmp_path / "out"),
                                      "--alphas", "0,0.5,1", "--delta", "1", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    points = {p["alpha"]: p for p in summary["points"]}
    assert sorted(points) == [0.0, 0.5, 1.0] and summary["chosen"]["alpha"] in points
    assert summary["chosen"]["general"] >= points[0.0]["general"] - 1
    assert (tmp_path / "out" / "sweep.png").stat().st_size > 1000
    assert json.loads((tmp_path / "out" / "chosen" / "taskladder-mix.json").read_text())["alpha"] == \
        summary["chosen"]["alpha"]
    # the alpha=0 point is the original model's own scores
    from taskladder.mix.embedder_eval import read_sts_pairs

    original = load_encoder(base)
    assert points[0.0]["general"] == pytest.approx(sts_spearman(original, read_sts_pairs(sts)), abs=1e-3)
    encoder_end = load_encoder(tuned)
    assert points[1.0]["general"] == pytest.approx(sts_spearman(encoder_end, read_sts_pairs(sts)), abs=1e-3)
    assert isinstance(head_accuracies(original, (["a", "b"], ["x", "y"]), [(["a"], ["x"])])[0], float)
