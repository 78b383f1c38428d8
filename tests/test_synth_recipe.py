"""`taskladder synth` and `taskladder export`: a recipe end to end, exports that validate, a rerun
that makes no call and writes the same bytes, backfill that recomputes only its step, and the
example translation recipe."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from helpers import sentiment_rows, write_task
from typer.testing import CliRunner

import taskladder.cli.cmd_synth  # noqa: F401  (registers `synth` and `export`)
from taskladder.cli import app
from taskladder.finetune import validate_file
from taskladder.models.config import ModelConfig
from taskladder.runner import evaluate
from taskladder.store import Store
from taskladder.synth.dataset import read_dataset
from taskladder.synth.recipe import load_recipe
from taskladder.synth.run import run_recipe
from taskladder.task import load_task

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "translation"
CALLS: list[str] = []  # the system prompt's first words of every call the scripted model answered


def responder(messages: list[dict]) -> str:
    system = messages[0]["content"] if messages[0]["role"] == "system" else ""
    user = messages[-1]["content"]
    CALLS.append(system[:24])
    if system.startswith("You rewrite inputs"):
        return f"Put differently, {user}"
    if system.startswith("You write test cases"):
        k = int(re.search(r"Write (\d+) new rows", user).group(1))
        return json.dumps([{"text": f"edge {i}: lovely yet {'awful' if i % 2 else 'fine'}", "label": "pos"}
                           for i in range(k)])
    if system.startswith("You grade"):
        return '{"score": 2}' if "awful" in user else '{"score": 8}'
    if '"reasoning"' in system:
        if "Hint: the correct answer is:" in user:
            label = re.search(r"correct answer is: (\w+)", user).group(1)
        else:
            label = "pos" if any(w in user for w in ("great", "lovely", "wonderful")) else "neg"
        return json.dumps({"reasoning": f"It reads as {label}.", "label": label})
    return "pos" if any(w in user for w in ("great", "lovely", "wonderful")) else "neg"


def responder_v2(messages: list[dict]) -> str:
    """A second model: it words paraphrases its own way, and is the same otherwise."""
    text = responder(messages)
    return text.replace("Put differently, ", "Said another way, ", 1)


MODELS = """models:
  - name: bot
    model: scripted
    script: {callable: "test_synth_recipe:responder"}
    price: {input_per_mtok: 1.0, output_per_mtok: 2.0}
  - name: bot2
    model: scripted/v2
    script: {callable: "test_synth_recipe:responder_v2"}
    price: {input_per_mtok: 3.0, output_per_mtok: 6.0}
"""

RECIPE = """seed: 3
steps:
  - {step: paraphrase, model: bot, n: 1}
  - {step: edge_cases, model: bot, n: 4, per_call: 2, description: "Mixed feelings in one sentence."}
  - {step: rationales, model: bot, rationalize: true}
  - dedup_exact
  - {step: dedup_near, threshold: 0.8}
  - decontaminate
  - schema
  - {step: judge, model: bot, threshold: 6}
  - {step: mix, file: general.jsonl, ratio: 0.2}
exports:
  - {format: openai-chat, style: answer}
  - {format: openai-chat, style: two_message}
  - {format: openai-chat, style: think}
  - {format: hf-messages, style: answer}
  - {format: dpo}
"""


@pytest.fixture
def project(tmp_path):
    task = write_task(tmp_path / "t", sentiment_rows(40))
    (tmp_path / "models.yaml").write_text(MODELS, encoding="utf-8")
    (tmp_path / "recipe.yaml").write_text(RECIPE, encoding="utf-8")
    general = [{"messages": [{"role": "user", "content": f"What is {i} + {i}?"},
                             {"role": "assistant", "content": str(2 * i)}]} for i in range(30)]
    (tmp_path / "general.jsonl").write_text("".join(json.dumps(g) + "\n" for g in general), encoding="utf-8")
    CALLS.clear()
    return tmp_path, task


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _synth(args: list[str]):
    return CliRunner().invoke(app, ["synth", *args], catch_exceptions=False)


def test_cli_synth_writes_a_dataset_and_exports_that_validate_then_reruns_identically(project):
    tmp, task = project
    args = [str(task), "--recipe", str(tmp / "recipe.yaml"), "--models", str(tmp / "models.yaml"),
            "--out", str(tmp / "out"), "--json"]
    res = _synth(args)
    assert res.exit_code == 0, res.output
    first = json.loads(res.stdout)
    assert first["new_calls"] > 0 and len(CALLS) == first["new_calls"]
    steps = {s["name"]: s for s in first["steps"]}
    assert steps["judge"]["removed"] == steps["judge"]["reasons"]["judge_below_6"] > 0  # the "awful" edge cases
    assert steps["rationales"]["reasons"] == {}  # rationalize rescued every failure
    comp = first["composition"]
    assert comp["rows"] == first["rows"] and comp["rationalized"] > 0 and comp["with_rejected"] == comp["rationalized"]
    assert abs(comp["by_view"]["general"]["share"] - 0.2) < 0.03
    assert set(comp["by_origin"]) == {"source", "edge_cases", "mix"}

    rows = read_dataset(tmp / "out")
    assert all(r.lineage is not None for r in rows)  # every row went through a transform
    assert {r.lineage.transform for r in rows} == {"rationale", "mix"}
    para = [r for r in rows if "paraphrase" in r.chain]
    assert para and all(r.lineage.params["parent"]["lineage"]["transform"] == "paraphrase" for r in para)

    written = {e["name"]: e for e in first["exports"]}
    assert set(written) == {"openai-chat-answer", "openai-chat-two_message", "openai-chat-think",
                            "hf-messages-answer", "dpo"}
    for e in written.values():
        fmt = e["format"]
        for f in e["files"]:
            assert validate_file(tmp / "out" / f, fmt, count_tokens=False).ok, f
    # reasoning styles skip the general chat rows (they have no rationale) and say so
    assert written["openai-chat-think"]["skipped"] == {"no_reasoning": comp["by_view"]["general"]["rows"]}
    assert written["dpo"]["train_rows"] + written["dpo"]["validation_rows"] == comp["with_rejected"]
    think = (tmp / "out" / written["openai-chat-think"]["files"][0]).read_text(encoding="utf-8").splitlines()
    assert all(json.loads(line)["messages"][-1]["content"].startswith("<think>\nIt reads as") for line in think)

    before = _digests(tmp / "out")
    CALLS.clear()
    again = json.loads(_synth(args).stdout)
    assert again["new_calls"] == 0 and CALLS == [] and again["cached_calls"] >= first["new_calls"]
    assert _digests(tmp / "out") == before  # every file byte-identical
    assert again["composition"] == first["composition"]


def test_backfill_reruns_one_step_with_another_model_and_replays_the_rest(project):
    tmp, task_path = project
    task = load_task(task_path)
    recipe = load_recipe(tmp / "recipe.yaml")
    recipe.steps = recipe.steps[:3]  # paraphrase, edge cases, rationales (all with `bot`)
    models = {n: ModelConfig(name=n, model=m, script={"callable": f"test_synth_recipe:{fn}"})
              for n, m, fn in (("bot", "scripted", "responder"), ("bot2", "scripted/v2", "responder_v2"))}
    first = run_recipe(task, recipe, models=models, store=Store())
    n_para = len(task.train)  # one paraphrase prompt per train row
    CALLS.clear()
    back = run_recipe(task, recipe, models=models, store=Store(), backfill={"paraphrase": "bot2"})
    # only the paraphrase step called the new model; everything else replayed from the cache,
    # except rationales for the rows the new paraphrases are (their prompts are new)
    assert back.calls["bot2"]["calls"] == n_para
    steps = {s.name: s for s in back.steps}
    assert steps["paraphrase"].calls == n_para and steps["paraphrase"].model == "bot2"
    assert steps["edge_cases"].calls == 0 and steps["edge_cases"].cached_calls == 2
    new_para_rows = sum(1 for r in back.rows if "paraphrase" in r.chain)
    assert steps["rationales"].calls == new_para_rows + sum(
        1 for r in back.rows if "paraphrase" in r.chain and r.lineage.params.get("rationalized"))
    assert all(c.startswith("You rewrite") or c.startswith("Classify") for c in CALLS)
    assert all(r.inputs["text"].startswith("Said another way, ") for r in back.rows if "paraphrase" in r.chain)
    # rows that do not descend from a paraphrase are the same rows, lineage and all
    same = lambda res: [r for r in res.rows if "paraphrase" not in r.chain]  # noqa: E731
    assert same(back) == same(first)
    assert {r.lineage.params["parent"]["lineage"]["model"] for r in back.rows if "paraphrase" in r.chain} == {"scripted/v2"}
    again = run_recipe(task, recipe, models=models, store=Store(), backfill={"paraphrase": "bot2"})
    assert again.new_calls == 0 and again.rows == back.rows


def test_example_translation_recipe_flips_mixes_and_reruns_identically(tmp_path):
    args = [str(EXAMPLE / "task.yaml"), "--recipe", str(EXAMPLE / "recipe.yaml"), "--models",
            str(EXAMPLE / "models.yaml"), "--out", str(tmp_path / "out"), "--json"]
    first = json.loads(_synth(args).stdout)
    comp = first["composition"]
    assert comp["by_view"]["flip"]["rows"] == comp["by_view"]["task"]["rows"] > 0
    folder = tmp_path / "out" / "exports" / "openai-chat-answer"
    lines = [json.loads(x) for f in ("train.jsonl", "validation.jsonl")
             for x in (folder / f).read_text(encoding="utf-8").splitlines()]
    systems = [m["messages"][0]["content"] for m in lines if m["messages"][0]["role"] == "system"]
    assert sum(s.startswith("Translate the French sentence into English.") for s in systems) == comp["by_view"]["flip"]["rows"]
    general = [json.loads(x)["messages"] for x in (EXAMPLE / "general.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sum(m["messages"] in general for m in lines) == comp["by_view"]["general"]["rows"] > 0
    before = _digests(tmp_path / "out")
    again = json.loads(_synth(args).stdout)
    assert again["new_calls"] == 0 and _digests(tmp_path / "out") == before


def test_export_a_dataset_file_and_a_runs_correct_records(project):
    tmp, task_path = project
    assert _synth([str(task_path), "--recipe", str(tmp / "recipe.yaml"), "--models", str(tmp / "models.yaml"),
                   "--out", str(tmp / "out")]).exit_code == 0
    runner = CliRunner()
    res = runner.invoke(app, ["export", str(tmp / "out" / "dataset.jsonl"), "--format", "hf-messages", "--style",
                              "think", "--out", str(tmp / "ex"), "--json"], catch_exceptions=False)
    info = json.loads(res.stdout)
    assert info["train_rows"] + info["validation_rows"] + sum(info["skipped"].values()) == info["rows"]
    assert all(validate_file(f, "hf-messages", count_tokens=False).ok for f in info["files"])

    task = load_task(task_path)
    bot = {"bot": ModelConfig(name="bot", model="scripted", script={"callable": "test_synth_recipe:responder"})}
    run = evaluate(task, "bot", split="train", models=bot, progress=False).run
    correct = sum(1 for r in Store().get_records(run.run_id) if r.score == 1.0)
    assert 0 < correct < len(task.train)
    res = runner.invoke(app, ["export", run.run_id, "--format", "openai-chat", "--out", str(tmp / "run"),
                              "--validation-fraction", "0", "--json"], catch_exceptions=False)
    info = json.loads(res.stdout)
    assert info["rows"] == info["train_rows"] == correct
    assert validate_file(info["files"][0], "openai-chat", count_tokens=False).ok
    res = runner.invoke(app, ["export", run.run_id, "--format", "dpo", "--out", str(tmp / "dpo"), "--json"],
                        catch_exceptions=False)
    assert json.loads(res.stdout)["rows"] == len(task.train) - correct

    dev = evaluate(task, "bot", split="dev", models=bot, progress=False).run
    res = runner.invoke(app, ["export", dev.run_id, "--format", "openai-chat", "--out", str(tmp / "dev")])
    assert res.exit_code == 2 and "dev split" in res.output and "--allow-eval-split" in res.output


@pytest.mark.parametrize("recipe, message", [
    ("steps:\n  - {step: shuffle}\n", "steps.0"),
    ("steps:\n  - {step: paraphrase}\n", "model"),
    ("steps:\n  - {step: judge, model: bot, threshold: 11}\n", "threshold"),
    ("seed: 0\nexports:\n  - {format: csv}\n", "exports.0.format"),
])
def test_bad_recipes_fail_with_one_line_naming_the_field(project, recipe, message):
    tmp, task = project
    (tmp / "bad.yaml").write_text(recipe, encoding="utf-8")
    res = CliRunner().invoke(app, ["synth", str(task), "--recipe", str(tmp / "bad.yaml")])
    assert res.exit_code == 2 and "bad.yaml" in res.output and message in res.output
    assert len(res.output.strip().splitlines()) == 1 and "Traceback" not in res.output


def test_backfill_of_an_unknown_step_is_a_one_line_error(project):
    tmp, task = project
    res = CliRunner().invoke(app, ["synth", str(task), "--recipe", str(tmp / "recipe.yaml"), "--models",
                                   str(tmp / "models.yaml"), "--backfill", "nope=bot2", "--out", str(tmp / "o")])
    assert res.exit_code == 2 and "no step named 'nope'" in res.output
