"""Mixing a fine-tuned causal LM (issue 16): the general score (NLL of general answers, agreement with
the original's greedy answers), `mix-sweep` on two tiny Llama folders, and the mix rung after finetune."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("transformers")

from conftest import shared_path  # noqa: E402
from helpers import sentiment_rows, write_task  # noqa: E402

from taskladder.errors import ConfigError, DataError, TaskladderError  # noqa: E402
from taskladder.local.engine import LocalModel  # noqa: E402
from taskladder.mix.causal_eval import general_scores, original_answers, read_general_rows  # noqa: E402
from taskladder.mix.causal_sweep import is_causal_lm  # noqa: E402
from taskladder.tune.data import ChatPair  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from local_tiny import build_tiny_model  # noqa: E402
from mix_models import perturbed_copy  # noqa: E402

GENERAL = [
    {"instruction": "Say what the customer wants.", "input": "my card was lost", "output": "lost_card"},
    {"prompt": "route the message to the team", "answer": "password reset"},
    {
        "instruction": "Answer the user.",
        "instances": [{"input": "", "output": " "}, {"input": "", "output": "refund my order please"}, {"output": "x"}],
    },
    {
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "hello"},
        ]
    },
    {"instruction": "Pick exactly one intent.", "output": "refund_request"},
]


def user(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("lm")
    base = build_tiny_model(root / "base")
    return base, perturbed_copy(base, root / "tuned", scale=0.2)


@pytest.fixture
def general_file(tmp_path) -> Path:
    path = tmp_path / "general.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in GENERAL))
    return path


def test_reads_instruction_rows_in_each_shape(general_file, tmp_path):
    rows = read_general_rows(general_file)
    assert rows[0] == ChatPair(user("Say what the customer wants.\n\nmy card was lost"), "lost_card")
    assert rows[1] == ChatPair(user("route the message to the team"), "password reset")
    # one answer per instruction: the first instance with an answer (a blank one scores nothing)
    assert rows[2] == ChatPair(user("Answer the user."), "refund my order please")
    assert rows[3] == ChatPair(GENERAL[3]["messages"][:2], "hello") and len(rows) == len(GENERAL)
    assert read_general_rows(general_file, limit=2) == rows[:2]
    (tmp_path / "bad.jsonl").write_text('{"instruction": "no answer"}\n')
    with pytest.raises(DataError, match="output"):
        read_general_rows(tmp_path / "bad.jsonl")


def test_reads_the_shared_general_folder():
    folder = shared_path("general")
    rows = read_general_rows(folder)
    assert len(rows) == 427 and all(r.prompt[0]["content"] and r.answer.strip() for r in rows)  # one per instruction


def test_general_scores_the_original_agrees_with_itself(tiny, general_file):
    base, tuned = tiny
    rows = read_general_rows(general_file)
    original = LocalModel.from_folder(base, name="base")
    answers = original_answers(original, [r.prompt for r in rows], max_tokens=8)
    own = general_scores(original, rows, answers)
    assert own.agreement == pytest.approx(100.0) and own.nll > 0
    moved = general_scores(LocalModel.from_folder(tuned, name="tuned"), rows, answers)
    assert moved.nll != own.nll and moved.agreement < 100.0
    assert is_causal_lm(base) and not is_causal_lm(general_file.parent)


def test_mix_sweep_of_a_causal_lm(tiny, tmp_path, general_file):
    from typer.testing import CliRunner

    from taskladder.cli import app

    base, tuned = tiny
    task = write_task(tmp_path / "task", sentiment_rows(16))
    out = tmp_path / "out"
    args = [
        "mix-sweep",
        str(task),
        str(base),
        str(tuned),
        "--out",
        str(out),
        "--alphas",
        "0,0.5,1",
        "--general",
        str(general_file),
        "--limit",
        "3",
        "--json",
    ]
    result = CliRunner().invoke(app, [*args, "--delta", "100"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    points = {p["alpha"]: p for p in summary["points"]}
    assert sorted(points) == [0.0, 0.5, 1.0]
    assert points[0.0]["agreement"] == pytest.approx(100.0)  # the original agrees with its own answers
    assert all(p["general"] == pytest.approx(-p["nll"]) and p["task_test"] is not None for p in points.values())
    # the rule: with delta 100 every alpha qualifies, so the best dev score wins (ties: the smaller alpha)
    best = max(points.values(), key=lambda p: (p["task_dev"], -p["alpha"]))
    assert summary["chosen"]["alpha"] == best["alpha"]
    chosen = Path(summary["chosen_mix"])
    assert (chosen / "config.json").is_file() and (chosen / "tokenizer.json").is_file()
    assert json.loads((chosen / "taskladder-mix.json").read_text())["alpha"] == best["alpha"]
    assert (out / "sweep.png").stat().st_size > 1000 and not (out / "work").exists()
    # delta 0: only mixes whose general NLL is no worse than the original's qualify
    strict = CliRunner().invoke(app, [*args, "--delta", "0"])
    assert strict.exit_code == 0, strict.output
    again = json.loads(strict.stdout)
    assert again["chosen"]["general"] >= points[0.0]["general"]
    # a causal BASE needs a causal TUNED
    bad = CliRunner().invoke(app, ["mix-sweep", str(task), str(base), str(general_file.parent), "--out", str(out)])
    assert isinstance(bad.exception, ConfigError) and "TUNED must be one too" in str(bad.exception)


def test_mix_rung_after_finetune(tiny, tmp_path, general_file):
    pytest.importorskip("peft")
    from taskladder.ladder import LadderOptions, climb
    from taskladder.models.config import ModelConfig
    from taskladder.report.render import render_report
    from taskladder.store import Store
    from taskladder.task import load_task

    base, _ = tiny
    task = load_task(write_task(tmp_path / "t", sentiment_rows(24)))
    models = {"tiny": ModelConfig(name="tiny", model=f"local/{base}", params={"score_labels": ["neg", "pos"]})}
    opts = LadderOptions(
        rungs=("finetune", "mix"),
        cascade=False,
        finetune_min_train=8,
        mix_alphas=(0.0, 0.5, 1.0),
        mix_nll_delta=100.0,
        general_set=str(general_file),
    )
    store = Store(tmp_path / "s.sqlite")
    result = climb(
        task, ["tiny"], models, baselines=[], store=store, progress=False, options=opts, out_dir=tmp_path / "out"
    )
    rows = {r.rung: r for r in result.rungs}
    assert set(rows) == {"finetune", "mix"}
    assert rows["mix"].status == "ran", rows["mix"].reason
    tuned, mixed = rows["finetune"], rows["mix"]
    sweep = mixed.mix
    assert sweep is not None and sweep["kind"] == "causal" and sweep["of"] == tuned.model
    assert [p["alpha"] for p in sweep["points"]] == [0.0, 0.5, 1.0]
    assert "5 rows of general.jsonl" in sweep["general_measure"]
    chosen = sweep["chosen"]
    assert mixed.model.endswith(f"-linear-{chosen['alpha']:g}") and mixed.general_score == chosen["general"]
    assert mixed.score == pytest.approx(chosen["task_dev"] / 100, abs=1e-5)  # the sweep's dev run, from the cache
    assert mixed.training_cost_usd == tuned.training_cost_usd  # the mix needs that training too
    assert "agreement" in (mixed.reason or "")
    html = render_report([(store.get_run(result.run_ids[0]), [])], climb=result, title="t")
    assert f"Mixing sweep of {tuned.model}" in html and "general NLL" in html


def test_without_a_general_set_the_original_answers_the_packaged_prompts():
    from taskladder.local.engine import Generated
    from taskladder.mix.causal_sweep import packaged_general
    from taskladder.tune.general_prompts import GENERAL_PROMPTS

    class Original:  # answers every other prompt; an empty answer is no reference
        def generate(self, prompts, max_new_tokens, batch_size=None):
            return [Generated(f"answer {i}" if i % 2 else "", 1, 1, [1]) for i, _ in enumerate(prompts)]

    rows = packaged_general(Original())  # type: ignore[arg-type]
    assert rows[0] == ChatPair(user(GENERAL_PROMPTS[1]), "answer 1") and len(rows) == len(GENERAL_PROMPTS) // 2

    class Silent:
        def generate(self, prompts, max_new_tokens, batch_size=None):
            return [Generated("", 1, 0, []) for _ in prompts]

    with pytest.raises(TaskladderError, match="none of the packaged general prompts"):
        packaged_general(Silent())  # type: ignore[arg-type]


def test_sweep_reuses_a_measured_original(tiny, tmp_path, general_file):
    """Seeds tuned from one base share alpha 0 (the original): given its point, the sweep neither
    mixes nor scores it again, rules with it as the reference and never removes the base."""
    from dataclasses import replace

    from taskladder.mix.causal_sweep import sweep_causal

    base, tuned = tiny
    general = read_general_rows(general_file)
    scored: list[float] = []

    def score(name: str, folder: Path) -> tuple[float, float | None]:
        alpha = json.loads((folder / "taskladder-mix.json").read_text())["alpha"]
        scored.append(alpha)
        return 50.0 + 10 * alpha, 40.0 + 10 * alpha  # the task improves with alpha

    full, _ = sweep_causal(base, tuned, general, tmp_path / "a", score, alphas=(0.0, 0.5, 1.0), delta=100.0)
    assert scored == [0.0, 0.5, 1.0]
    scored.clear()
    original = full.point(0.0)
    again, folder = sweep_causal(
        base, tuned, general, tmp_path / "b", score, alphas=(0.0, 0.5, 1.0), delta=100.0, original_point=original
    )
    assert scored == [0.5, 1.0] and again.points[0] == original
    assert [(p.alpha, p.nll) for p in again.points] == [(p.alpha, p.nll) for p in full.points]
    assert again.chosen.alpha == 1.0 and folder.parent == tmp_path / "b"
    # a strict rule that only the original passes: the base is chosen and left in place
    strict, folder = sweep_causal(
        base,
        tuned,
        general,
        tmp_path / "c",
        score,
        alphas=(0.5, 1.0),
        delta=0.0,
        original_point=replace(original, general=1e9),
    )
    assert strict.chosen.alpha == 0.0 and folder == base and (base / "config.json").is_file()
    assert not any((tmp_path / "c").glob("*"))
