"""What the user is told (issue 13): recall@k shown, the rag rung reached and every skip
explained, labels that name every technique with real counts, a stable export order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from helpers import sentiment_rows, write_task
from typer.testing import CliRunner

from taskladder.cli import app
from taskladder.ladder import climb
from taskladder.ladder.results import RungResult
from taskladder.models.config import ModelConfig
from taskladder.pipeline import DemoSpec, PipelineSpec, SamplingSpec
from taskladder.rank.arena import player_names
from taskladder.store import Record, RunInfo, RunSummary, Store
from taskladder.task import load_task

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "manual_qa"
runner = CliRunner()


def invoke(*args) -> str:
    result = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


# ---- recall@k --------------------------------------------------------------------------

def test_recall_at_k_is_in_the_eval_table_json_and_climb_json(tmp_path):
    spec = tmp_path / "rag.yaml"
    PipelineSpec(model="manual-reader", retrieval={"strategy": "bm25", "k": 4},
                 demos=DemoSpec(strategy="bm25", k=4)).save(spec)
    task, models = EXAMPLE / "task.yaml", EXAMPLE / "models.yaml"
    out = json.loads(invoke("eval", task, "--models", models, "--pipeline", spec, "--json"))
    assert out["retrieval_recall_at_k"] == pytest.approx(17 / 18)  # one dev question misses its passage
    table = invoke("eval", task, "--models", models, "--pipeline", spec, "-m", "baseline/majority")
    assert "recall@k" in table and "94.4" in table
    plain = invoke("eval", task, "--models", models, "-m", "baseline/majority")
    assert "recall@k" not in plain  # no column where nothing retrieved
    climb_out = tmp_path / "climb"
    invoke("climb", task, "--models", models, "--rungs", "zero-shot,rag", "--no-baselines", "--no-test",
           "--out", climb_out, "-q")
    rows = {r["rung"]: r for r in json.loads((climb_out / "climb.json").read_text())["rungs"]}
    assert rows["rag"]["retrieval_recall_at_k"] == pytest.approx(17 / 18)
    assert rows["zero-shot"]["retrieval_recall_at_k"] is None


# ---- the rag rung and skip reasons ---------------------------------------------------------

def test_manual_qa_climb_reaches_rag_though_the_prompt_rungs_gain_nothing(tmp_path):
    out = tmp_path / "out"
    args = ["climb", EXAMPLE / "task.yaml", "--models", EXAMPLE / "models.yaml", "--no-baselines", "--no-test",
            "--rungs", "zero-shot,few-shot,max-shots,knn-shots,rag", "--out", out]
    payload = json.loads(invoke(*args, "--json"))
    rows = {r["rung"]: r for r in payload["rungs"]}
    assert [rows[r]["score"] for r in ("zero-shot", "few-shot", "max-shots")] == [0.0, 0.0, 0.0]
    assert rows["knn-shots"]["status"] == "stopped-no-gain"  # a prompt rung: the stopping rule holds
    assert rows["knn-shots"]["skip_reason"] == "2 successive rungs without a significant gain"
    assert rows["rag"]["status"] == "ran" and rows["rag"]["score"] == pytest.approx(17 / 18)
    assert rows["rag"]["skip_reason"] is None
    assert payload["recommendation"]["rung"] == "rag"
    saved = json.loads((out / "climb.json").read_text())
    assert {r["rung"]: r["skip_reason"] for r in saved["rungs"]}["knn-shots"]
    printed = invoke(*args, "-q")
    assert "(knn-shots) not run, stopped-no-gain: 2 successive rungs without a significant gain" in printed


def test_every_row_that_did_not_run_says_why(tmp_path, monkeypatch):
    monkeypatch.delenv("NOPE_KEY", raising=False)
    task = load_task(write_task(tmp_path / "t", sentiment_rows(40)))
    keyless = ModelConfig(name="keyless", model="openai/gpt-4o-mini", api_key_env="NOPE_KEY")
    result = climb(task, ["keyless"], {"keyless": keyless}, baselines=[], progress=False, confirm_on_test=False)
    assert result.rungs and all(r.status == "no-access" and r.skip_reason == "model not callable"
                                for r in result.rungs)
    # a rung that sets only a status (a plugin's, the cascade's) still gets one
    assert RungResult(model="m", rung="x", pipeline={}, status="skipped-budget").skip_reason == "over budget"
    assert RungResult(model="m", rung="x", pipeline={}, status="ran").skip_reason is None


# ---- labels ----------------------------------------------------------------------------------

def test_labels_name_every_technique_with_its_count():
    plain = PipelineSpec(model="gen")
    vote = PipelineSpec(model="gen", sampling=SamplingSpec(n=5))
    judge = PipelineSpec(model="gen", sampling=SamplingSpec(n=4, select="judge", judge="ref"))
    assert len({plain.label(), vote.label(), judge.label()}) == 3
    assert vote.label() == "gen · zero-shot · vote of 5 (T=0.7)"
    assert judge.label() == "gen · zero-shot · best of 4 (judge ref, halving)"
    knn = [PipelineSpec(model="gen", rung="knn-shots", demos=DemoSpec(strategy=s, k=8, rationales=r))
           for s, r in (("mmr", False), ("embedding", False), ("bm25", True))]
    assert [s.label() for s in knn] == ["gen · knn-shots 8 (mmr)", "gen · knn-shots 8 (embedding)",
                                        "gen · knn-shots 8 (bm25, rationales)"]
    rag = PipelineSpec(model="gen", rung="rag", retrieval={"strategy": "bm25", "k": 4},
                       demos=DemoSpec(strategy="bm25", k=4), reasoning=True)
    assert rag.label() == "gen · rag 4 (bm25) · knn-shots 4 (bm25) · cot"
    assert PipelineSpec(model="gen", rung="terse").label() == "gen · zero-shot · rung terse"  # a plugin's rung


def test_a_max_shots_run_is_labelled_with_the_demos_it_packed():
    from taskladder.pipeline import run_label

    spec = PipelineSpec(model="gen", rung="max-shots", demos=DemoSpec(k=1000, max_shots=True))
    assert spec.label() == "gen · max-shots ≤1000 (stratified)"  # before the run: an upper bound
    run = RunInfo(run_id="r1", task="t", model="gen", split="dev", status="finished",
                  pipeline={**spec.model_dump(exclude_none=True), "kind": "llm"},
                  summary=RunSummary(n=10, shots_used_mean=52.0))
    assert run_label(run) == "gen · max-shots 52 (stratified)"
    uneven = run.model_copy(update={"summary": RunSummary(n=10, shots_used_mean=51.5)})
    assert run_label(uneven) == "gen · max-shots ≈51.5 (stratified)"
    cascade = RunInfo(run_id="r2", task="t", model="cheap → strong", split="dev", pipeline={"kind": "cascade",
                                                                                           "rung": "cascade"})
    assert run_label(cascade) == "cheap → strong · cascade"


def test_runs_and_arena_tell_plain_vote_and_judge_pipelines_apart(tmp_path):
    task = write_task(tmp_path / "t", sentiment_rows(40))
    models = tmp_path / "models.yaml"
    models.write_text(
        "models:\n"
        "  - {name: bot, model: scripted, script: {callable: 'helpers:sentiment_responder'}}\n"
        "  - {name: judge, model: scripted, script: {callable: 'helpers:sentiment_judge'}}\n")
    run_ids = {}
    for name, sampling in (("plain", None), ("vote", {"n": 3}), ("judge", {"n": 2, "select": "judge", "judge": "judge"})):
        spec = tmp_path / f"{name}.yaml"
        spec.write_text(yaml.safe_dump({"model": "bot", **({"sampling": sampling} if sampling else {})}))
        run_ids[name] = json.loads(invoke("eval", task, "--models", models, "--pipeline", spec, "--json"))["run_id"]
    labels = {r["run_id"]: r["label"] for r in json.loads(invoke("runs", "--json"))["runs"]}
    assert labels[run_ids["plain"]] == "bot · zero-shot"
    assert labels[run_ids["vote"]] == "bot · zero-shot · vote of 3 (T=0.7)"
    assert labels[run_ids["judge"]] == "bot · zero-shot · best of 2 (judge judge, halving)"
    assert "vote of 3" in invoke("runs")
    out = json.loads(invoke("arena", run_ids["plain"], run_ids["vote"], "--judge", "judge", "--models", models,
                            "--json"))
    assert {r["name"] for r in out["ratings"]} == {"bot · zero-shot", "bot · zero-shot · vote of 3 (T=0.7)"}
    stored = Store().list_runs()
    assert player_names([r for r in stored if r.run_id in (run_ids["plain"], run_ids["vote"])]) == [
        labels[r.run_id] for r in stored if r.run_id in (run_ids["plain"], run_ids["vote"])]


# ---- export order, star docstring --------------------------------------------------------------

def test_export_records_is_in_example_id_order_whatever_the_write_order(tmp_path):
    store = Store()
    store.save_run(RunInfo(run_id="run-x", task="t", model="m", split="dev", status="finished"), "key")
    ids = ["q10", "q2", "q1", "b7", "q33"]  # the order concurrent workers happened to finish in
    store.put_records([Record(run_id="run-x", example_id=i, split="dev", inputs={}, expected={}) for i in ids])
    rows = [json.loads(line)["example_id"] for line in invoke("export-records", "run-x").splitlines()]
    assert rows == ["b7", "q1", "q2", "q10", "q33"]
    csv_path = tmp_path / "out.csv"
    invoke("export-records", "run-x", "-o", csv_path)
    assert [line.split(",")[1] for line in csv_path.read_text().splitlines()[1:]] == rows


def test_star_docstring_describes_only_the_code():
    from taskladder.synth import star

    assert "the lead" not in (star.__doc__ or "")
    assert "skipped_has_context" in (star.__doc__ or "")  # what the code does with such rows


def test_rationale_demos_with_no_rationale_kept_give_prompts_without_demos():
    """knn-cot on manual_qa: the model never answers without context, so no rationale checks
    out; its run goes on without demos (and its label says 0) instead of crashing in bm25s."""
    from taskladder.pipeline.stages.demos import fit_selector, pick_demos

    selector = fit_selector(DemoSpec(strategy="bm25", k=4, rationales=True), [])
    assert selector is None
    assert pick_demos(selector, load_task(EXAMPLE / "task.yaml").dev[0], 4, packing=False) == []
