"""Provider fine-tuning jobs (issue 15, item 3) against the loopback fine-tuning server: upload,
create, poll, add to models.yaml; a dry run's tokens and cost; DPO in the API's preference shape;
a kill while polling and a rerun that resumes the same job; cancel; auth errors and failed jobs."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from taskladder.cli.app import app
from taskladder.finetune import build_dpo
from taskladder.finetune.jobs import FineTuningAPI, endpoint_for
from taskladder.models.config import ModelConfig
from taskladder.store import Store
from taskladder.testing import FaultPlan, FineTuningServer

KEY = "sk-loop-right-key-0123456789"
BASE = "gpt-4o-mini-2024-07-18"
runner = CliRunner()


def _chat_file(path: Path, n: int = 6) -> Path:
    rows = [{"messages": [{"role": "system", "content": "Classify."}, {"role": "user", "content": f"ticket {i}"},
                          {"role": "assistant", "content": "refund" if i % 2 else "billing"}]} for i in range(n)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _models(path: Path, srv: FineTuningServer, **extra) -> Path:
    path.write_text(yaml.safe_dump({"models": [{"name": "base", "model": f"openai/{BASE}", "api_base": srv.base_url,
                                                "api_key_env": "FT_KEY"}], **extra}), encoding="utf-8")
    return path


def _posts(srv: FineTuningServer) -> list[str]:
    return [r.path.split("?")[0] for r in srv.requests if r.method == "POST"]


@pytest.fixture
def srv():
    with FineTuningServer(api_key=KEY, training_steps=3) as server:
        yield server


@pytest.fixture(autouse=True)
def _key(monkeypatch):
    monkeypatch.setenv("FT_KEY", KEY)


def test_submit_polls_to_success_and_adds_the_model(tmp_path, srv):
    data, models = _chat_file(tmp_path / "train.jsonl"), _models(tmp_path / "models.yaml", srv)
    args = ["finetune", "submit", str(data), "-m", "base", "--models", str(models), "--suffix", "demo",
            "--name", "tuned", "--epochs", "2", "--poll-interval", "0"]
    out = runner.invoke(app, args)
    assert out.exit_code == 0, out.output
    assert "training tokens" in out.output and "$3/1M tokens" in out.output  # the estimate, priced
    assert re.search(r"cost \$0\.0+[1-9]", out.output)  # a small cost keeps its digits, never rounds to $0
    assert "Step 3/3: training loss" in out.output  # progress shows the provider's events
    job = next(iter(srv.jobs.values()))
    assert job["status"] == "succeeded" and job["method"] == {"type": "supervised",
                                                              "supervised": {"hyperparameters": {"n_epochs": 2}}}
    entry = yaml.safe_load(models.read_text())["models"][-1]
    assert entry == {"name": "tuned", "model": f"openai/{job['fine_tuned_model']}", "api_base": srv.base_url,
                     "api_key_env": "FT_KEY"}
    row = Store.default().finetune_jobs(job_id=job["id"])[0]
    assert row["status"] == "succeeded" and row["fine_tuned_model"] == job["fine_tuned_model"]
    for stored in (models, Path(os.environ["TASKLADDER_HOME"]) / "taskladder.sqlite"):
        assert KEY not in stored.read_bytes().decode("utf-8", "replace")  # the key's name only, never its value
    assert _posts(srv) == ["/v1/files", "/v1/fine_tuning/jobs"]

    again = runner.invoke(app, args)  # the same submission again: nothing uploaded, created or added twice
    assert again.exit_code == 0, again.output
    assert _posts(srv) == ["/v1/files", "/v1/fine_tuning/jobs"]
    assert [m["name"] for m in yaml.safe_load(models.read_text())["models"]] == ["base", "tuned"]


def test_dry_run_prints_tokens_and_cost_and_sends_nothing(tmp_path, srv):
    data, models = _chat_file(tmp_path / "train.jsonl"), _models(tmp_path / "models.yaml", srv)
    out = runner.invoke(app, ["finetune", "submit", str(data), "-m", "base", "--models", str(models), "--dry-run",
                              "--epochs", "3", "--json"])
    assert out.exit_code == 0, out.output
    est = json.loads(out.stdout)
    assert est["examples"] == 6 and est["training_tokens"] == 3 * est["tokens_per_epoch"] > 0
    assert est["cost_usd"] == pytest.approx(est["training_tokens"] * 3.0 / 1e6)
    unknown = runner.invoke(app, ["finetune", "submit", str(data), "-m", "openai/some-open-model", "--dry-run"])
    assert unknown.exit_code == 0 and "cost unknown" in unknown.output
    priced = _models(tmp_path / "m2.yaml", srv, training_prices={BASE: 10.0})
    custom = json.loads(runner.invoke(app, ["finetune", "submit", str(data), "-m", "base", "--models", str(priced),
                                            "--dry-run", "--json"]).stdout)
    assert custom["price_per_mtok"] == 10.0
    assert srv.request_count == 0


def test_dpo_export_is_uploaded_in_the_preference_shape(tmp_path, srv):
    data = tmp_path / "dpo.jsonl"
    pairs = build_dpo([(f"question {i}", f"good answer {i}", f"bad answer {i}") for i in range(4)])
    data.write_text("".join(json.dumps(r) + "\n" for r in pairs), encoding="utf-8")
    models = _models(tmp_path / "models.yaml", srv)
    out = runner.invoke(app, ["finetune", "submit", str(data), "-m", "base", "--models", str(models), "--method", "dpo",
                              "--beta", "0.2", "--poll-interval", "0"])
    assert out.exit_code == 0, out.output
    job = next(iter(srv.jobs.values()))
    assert job["status"] == "succeeded" and job["method"]["dpo"]["hyperparameters"] == {"beta": 0.2}
    uploaded = srv.book.contents[job["training_file"]].decode().splitlines()
    first = json.loads(uploaded[0])
    assert first["input"]["messages"][-1]["content"] == "question 0"
    assert first["preferred_output"] == [{"role": "assistant", "content": "good answer 0"}]
    assert first["non_preferred_output"] == [{"role": "assistant", "content": "bad answer 0"}]


def _stored_status(home: Path) -> str | None:
    if not (home / "taskladder.sqlite").exists():
        return None
    db = sqlite3.connect(home / "taskladder.sqlite")
    try:
        row = db.execute("SELECT status FROM finetune_jobs WHERE job_id IS NOT NULL").fetchone()
    except sqlite3.OperationalError:
        return None
    finally:
        db.close()
    return row[0] if row else None


@pytest.mark.slow
def test_kill_while_polling_then_rerun_resumes_the_same_job(tmp_path, srv):
    data, models = _chat_file(tmp_path / "train.jsonl"), _models(tmp_path / "models.yaml", srv)
    home = Path(os.environ["TASKLADDER_HOME"])
    cmd = [sys.executable, "-m", "taskladder", "finetune", "submit", str(data), "-m", "base", "--models", str(models),
           "--poll-interval", "0.05"]
    srv.hold = True  # the job stays running: the command keeps polling until it is killed
    proc = subprocess.Popen(cmd, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while _stored_status(home) != "running" and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert _stored_status(home) == "running", proc.communicate(timeout=5)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert _posts(srv) == ["/v1/files", "/v1/fine_tuning/jobs"]

    srv.hold = False
    rerun = subprocess.run(cmd, env=dict(os.environ), capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert "resumed job" in rerun.stderr
    assert _posts(srv) == ["/v1/files", "/v1/fine_tuning/jobs"]  # no second upload, no second (paid) job
    job = next(iter(srv.jobs.values()))
    assert job["status"] == "succeeded"
    assert f"openai/{job['fine_tuned_model']}" in [m["model"] for m in yaml.safe_load(models.read_text())["models"]]


def test_cancel_a_running_job(tmp_path, srv):
    data, models = _chat_file(tmp_path / "train.jsonl"), _models(tmp_path / "models.yaml", srv)
    srv.hold = True
    out = runner.invoke(app, ["finetune", "submit", str(data), "-m", "base", "--models", str(models), "--no-wait"])
    assert out.exit_code == 0, out.output
    job_id = next(iter(srv.jobs))
    assert runner.invoke(app, ["finetune", "status", job_id]).exit_code == 0  # validating -> queued
    cancelled = runner.invoke(app, ["finetune", "cancel", job_id])
    assert cancelled.exit_code == 0 and "cancelled" in cancelled.output
    assert srv.jobs[job_id]["status"] == "cancelled"
    listed = runner.invoke(app, ["finetune", "list"])
    assert job_id in listed.output and "cancelled" in listed.output
    assert len(yaml.safe_load(models.read_text())["models"]) == 1  # nothing added


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "taskladder", *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


def test_wrong_key_is_one_line_and_exit_2(tmp_path, srv):
    data, models = _chat_file(tmp_path / "train.jsonl"), _models(tmp_path / "models.yaml", srv)
    wrong = "sk-loop-wrong-key-9876543210"
    out = _cli("finetune", "submit", str(data), "-m", "base", "--models", str(models), env={"FT_KEY": wrong})
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    assert "401" in lines[0] and "FT_KEY" in lines[0] and wrong not in out.stderr + out.stdout
    assert not srv.jobs


def test_failed_job_is_reported_with_the_providers_reason(tmp_path, srv):
    data, models = _chat_file(tmp_path / "train.jsonl"), _models(tmp_path / "models.yaml", srv)
    srv.fail_with = "too few examples for this model"
    out = _cli("finetune", "submit", str(data), "-m", "base", "--models", str(models), "--poll-interval", "0")
    last = out.stderr.strip().splitlines()[-1]
    assert out.returncode == 3 and last.startswith("error: ") and "too few examples" in last, out.stderr
    assert "Traceback" not in out.stderr
    job_id = next(iter(srv.jobs))
    assert Store.default().finetune_jobs(job_id=job_id)[0]["status"] == "failed"
    assert len(yaml.safe_load(models.read_text())["models"]) == 1


def test_invalid_training_file_stops_before_upload(tmp_path, srv):
    data = tmp_path / "bad.jsonl"
    data.write_text('{"messages": [{"role": "user", "content": "hi"}]}\nnot json\n', encoding="utf-8")
    models = _models(tmp_path / "models.yaml", srv)
    out = _cli("finetune", "submit", str(data), "-m", "base", "--models", str(models))
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2 and len(lines) == 1 and "bad.jsonl, line" in lines[0], out.stderr
    assert srv.request_count == 0


def test_api_retries_server_errors_and_rate_limits(srv):
    srv.faults = FaultPlan(by_index={0: "500", 1: "429", 2: "drop"})
    cfg = ModelConfig(name="base", model=f"openai/{BASE}", api_base=srv.base_url, api_key_env="FT_KEY")
    slept: list[float] = []
    with FineTuningAPI(endpoint_for(cfg), sleep=slept.append) as api:
        with pytest.raises(Exception, match="404"):
            api.get_job("ftjob-none")
    assert len(slept) == 3 and srv.request_count == 4  # three retried, the fourth answered (404: no such job)
