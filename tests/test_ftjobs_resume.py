"""Provider fine-tuning jobs: the ways a submission is picked up again without paying twice,
and how the tuned model is written into models.yaml (issue 15, item 3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from taskladder.cli.app import app
from taskladder.finetune.jobs import FineTuningAPI, JobSpec, endpoint_for, start_job, submission_key
from taskladder.finetune.jobs.register import add_model
from taskladder.models.config import ModelConfig
from taskladder.store import Store
from taskladder.testing import FineTuningServer

KEY = "sk-loop-right-key-0123456789"
runner = CliRunner()


@pytest.fixture
def srv(monkeypatch):
    monkeypatch.setenv("FT_KEY", KEY)
    with FineTuningServer(api_key=KEY, training_steps=2) as server:
        yield server


def _train(tmp_path: Path) -> Path:
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps({"messages": [{"role": "user", "content": f"q{i}"},
                                                     {"role": "assistant", "content": "a"}]}) + "\n" for i in range(4)))
    return path


def test_a_job_created_just_before_a_kill_is_adopted_not_created_again(tmp_path, srv):
    cfg = ModelConfig(name="base", model="openai/gpt-4o-mini-2024-07-18", api_base=srv.base_url, api_key_env="FT_KEY")
    spec = JobSpec(training_file=_train(tmp_path))
    store = Store.default()
    with FineTuningAPI(endpoint_for(cfg)) as api:
        # What a command killed mid-create leaves: the file uploaded and the create request sent
        # (the provider made the job), but no job id stored.
        file_id = api.upload(spec.training_file)["id"]
        made = api.create_job(spec.job_body(api.endpoint.base_model, file_id, None))
        key = submission_key(spec, api.endpoint)
        store.put_finetune_job({"submission_key": key, "job_id": None, "provider": srv.base_url,
                                "base_model": api.endpoint.base_model, "status": "creating",
                                "info": {"training_file_id": file_id, "create_sent": True}})
        _, job, resumed = start_job(api, spec, store, tmp_path)
    assert resumed and job["id"] == made["id"] and len(srv.jobs) == 1
    assert store.finetune_jobs(submission_key=key)[0]["job_id"] == made["id"]


def test_status_wait_finishes_a_no_wait_submission_and_adds_the_model(tmp_path, srv):
    models = tmp_path / "models.yaml"
    models.write_text(yaml.safe_dump({"models": [{"name": "base", "model": "openai/gpt-4o-mini-2024-07-18",
                                                  "api_base": srv.base_url, "api_key_env": "FT_KEY"}]}))
    out = runner.invoke(app, ["finetune", "submit", str(_train(tmp_path)), "-m", "base", "--models", str(models),
                              "--no-wait", "--name", "mine"])
    assert out.exit_code == 0 and "finetune status" in out.output, out.output
    job_id = next(iter(srv.jobs))
    assert srv.jobs[job_id]["status"] == "validating_files"
    done = runner.invoke(app, ["finetune", "status", job_id, "--wait", "--poll-interval", "0"])
    assert done.exit_code == 0 and "succeeded" in done.output, done.output
    names = {m["name"]: m for m in yaml.safe_load(models.read_text())["models"]}
    assert names["mine"]["model"] == f"openai/{srv.jobs[job_id]['fine_tuned_model']}"


def test_models_yaml_keeps_comments_when_appended_and_stays_valid_otherwise(tmp_path):
    entry = {"name": "tuned", "model": "openai/ft:x:y", "api_key_env": "FT_KEY"}
    last = tmp_path / "a.yaml"
    last.write_text("# my models\nmodels:\n  - name: base  # the base\n    model: openai/gpt-4o-mini\n")
    assert add_model(last, entry)
    assert last.read_text().startswith("# my models\n") and "# the base" in last.read_text()
    assert yaml.safe_load(last.read_text())["models"][-1] == entry
    assert not add_model(last, entry)  # the same entry again (a resumed job): nothing added

    first = tmp_path / "b.yaml"
    first.write_text("models:\n  - name: base\n    model: openai/gpt-4o-mini\ntraining_prices:\n  gpt-4o-mini: 3\n")
    assert add_model(first, entry)
    data = yaml.safe_load(first.read_text())
    assert data["models"][-1] == entry and data["training_prices"] == {"gpt-4o-mini": 3}
    with pytest.raises(Exception, match="already exists"):
        add_model(first, {**entry, "model": "openai/other"})


def test_polling_goes_on_when_the_server_has_no_events_endpoint(tmp_path, srv):
    from taskladder.finetune.jobs import poll

    cfg = ModelConfig(name="base", model="openai/gpt-4o-mini-2024-07-18", api_base=srv.base_url, api_key_env="FT_KEY")
    spec = JobSpec(training_file=_train(tmp_path))
    seen: list[str] = []
    original = srv.route

    def no_events(request, path, body):
        if path.endswith("/events"):
            from taskladder.testing._routes import error_reply

            return error_reply(404, "Unknown endpoint")
        return original(request, path, body)

    srv.route = no_events  # type: ignore[method-assign]
    with FineTuningAPI(endpoint_for(cfg)) as api:
        key, job, _ = start_job(api, spec, Store.default(), tmp_path)
        job = poll(api, job, Store.default(), key, interval_s=0, progress=lambda j, ev, _t: seen.append(j["status"]))
    assert job["status"] == "succeeded" and seen[-1] == "succeeded"
