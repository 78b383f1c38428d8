"""`taskladder tune`: answer-only loss, resume after a kill, merged model loads as local/NAME, bad data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("peft")

from taskladder.errors import DataError  # noqa: E402
from taskladder.local.engine import LocalModel  # noqa: E402
from taskladder.local.source import resolve_local  # noqa: E402
from taskladder.tune import ChatPair, TuneConfig, pairs_from_jsonl, tune  # noqa: E402
from taskladder.tune.train import IGNORE, encode_pair  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from local_tiny import build_tiny_model  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
PAIRS = [ChatPair([{"role": "user", "content": f"my card was lost {i}"}], "lost_card") for i in range(6)] + \
        [ChatPair([{"role": "user", "content": f"refund my order {i}"}], "refund_request") for i in range(6)]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "model")


def test_loss_is_on_answer_tokens_only(tiny):
    model = LocalModel.from_folder(tiny, "tiny")
    ids, labels = encode_pair(model, PAIRS[0], 512)
    answer = model.encode("lost_card") + [model.tokenizer.eos_token_id]
    assert labels[-len(answer):] == answer == ids[-len(answer):]
    assert set(labels[:-len(answer)]) == {IGNORE}


class Killed(Exception):
    pass


def test_resume_after_kill_then_merged_model_loads_as_local_name(tiny, tmp_path):
    cfg = TuneConfig(base=f"local/{tiny}", name="mini", epochs=2, batch_size=4, lr=5e-3, checkpoint_every=1)

    def kill_at_step_4(event):
        if event.get("step") == 4:
            raise Killed

    with pytest.raises(Killed):
        tune(PAIRS, PAIRS[:4], cfg, tmp_path, progress=kill_at_step_4)
    steps = []
    result = tune(PAIRS, PAIRS[:4], cfg, tmp_path, progress=lambda e: steps.append(e.get("step")))
    assert result.resumed and result.steps == 6
    # Killed during step 4, before its checkpoint: the rerun starts at step 4, not at 1.
    assert [s for s in steps if s] == [4, 5, 6]
    assert len(result.dev_losses) == 2 and result.best_epoch in (1, 2)
    lineage = json.loads((result.path / "taskladder-tune.json").read_text())
    assert lineage["dataset_hash"] == result.dataset_hash and lineage["hyper"]["lr"] == 5e-3
    tuned = LocalModel.from_folder(resolve_local("local/mini", tmp_path).path, "mini")
    assert tuned.generate([PAIRS[0].prompt], 3)[0].output_tokens >= 0
    assert not any("lora" in k for k in tuned.model.state_dict())  # merged, standalone


def test_bad_training_files(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(DataError, match="is empty"):
        pairs_from_jsonl(empty)
    wrong = tmp_path / "wrong.jsonl"
    wrong.write_text(json.dumps({"prompt": "x", "completion": "y"}) + "\n")
    with pytest.raises(DataError, match="messages"):
        pairs_from_jsonl(wrong)
    few = tmp_path / "few.jsonl"
    few.write_text("\n".join(json.dumps({"messages": [{"role": "user", "content": "a"},
                                                      {"role": "assistant", "content": "b"}]}) for _ in range(3)))
    with pytest.raises(DataError, match="at least"):
        pairs_from_jsonl(few)


def test_cli_bad_training_file_exits_2(tmp_path):
    (tmp_path / "d.csv").write_text("id,message,intent\n" + "".join(f"{i},m {i},a\n" for i in range(10)))
    (tmp_path / "task.yaml").write_text("name: t\ninputs: [message]\noutputs:\n  intent: label\n"
                                        "data:\n  file: d.csv\n  id_column: id\nmetric: accuracy\n")
    (tmp_path / "bad.jsonl").write_text('{"text": "no messages"}\n')
    out = subprocess.run([sys.executable, "-m", "taskladder", "tune", str(tmp_path / "task.yaml"), "--name", "x",
                          "--train-file", str(tmp_path / "bad.jsonl")], capture_output=True, text=True,
                         env={**__import__("os").environ, "PYTHONPATH": str(REPO / "src")}, timeout=120)
    assert out.returncode == 2 and "bad.jsonl" in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_shared_prefix_loss_equals_the_plain_loss_and_its_gradients(tiny):
    """The batch's common prefix runs once and only answer positions are projected to the
    vocabulary: the loss and the LoRA gradients are those of a plain forward pass."""
    import torch
    from peft import LoraConfig, get_peft_model

    from taskladder.tune.train import _batch, _loss, shared_prefix_len

    model = LocalModel.from_folder(tiny, "tiny")
    system = {"role": "system", "content": "Route the customer's message. Pick exactly one intent. " * 3}
    pairs = [ChatPair([system, *p.prompt], p.answer) for p in PAIRS[::3]]
    rows = [encode_pair(model, p, 512) for p in pairs]
    assert shared_prefix_len(rows) >= 16
    torch.manual_seed(0)
    peft = get_peft_model(model.model, LoraConfig(r=4, target_modules="all-linear", init_lora_weights=False))
    pad = model.tokenizer.pad_token_id

    def loss_and_grads(fn):
        peft.zero_grad()
        loss = fn()
        loss.backward()
        return float(loss), [p.grad.clone() for p in peft.parameters() if p.requires_grad]

    plain, plain_grads = loss_and_grads(lambda: peft(**_batch(rows, pad, torch)).loss)
    fast, fast_grads = loss_and_grads(lambda: _loss(peft, rows, pad, torch))
    assert fast == pytest.approx(plain, rel=1e-5)
    for a, b in zip(plain_grads, fast_grads):
        assert torch.allclose(a, b, atol=1e-5, rtol=1e-4)


def fake_answers(calls: list):
    """The base model's generate, recorded: the tiny random model only ever answers whitespace,
    so replay's answers are scripted here (the engine's generation is tested on its own)."""
    from taskladder.local.engine import Generated

    def generate(self, prompts, max_new_tokens=32, batch_size=None):
        calls.append((prompts, max_new_tokens))
        return [Generated("" if i == 1 else f"general answer {i}", 5, 3, [1, 2, 3]) for i in range(len(prompts))]

    return generate


def test_replay_is_the_base_models_own_answers_cached_and_cycled(tiny, tmp_path, monkeypatch):
    from taskladder.errors import ConfigError
    from taskladder.tune.general_prompts import GENERAL_PROMPTS
    from taskladder.tune.replay import base_model_replay, replay_rows

    calls: list = []
    monkeypatch.setattr(LocalModel, "generate", fake_answers(calls))
    base = LocalModel.from_folder(tiny, "tiny")
    prompts = GENERAL_PROMPTS[:3]
    pairs = base_model_replay(base, tiny, 7, tmp_path, prompts=prompts, max_new_tokens=4)
    assert calls == [([[{"role": "user", "content": p}] for p in prompts], 4)]  # one batched call, greedy
    kept = [(prompts[0], "general answer 0"), (prompts[2], "general answer 2")]  # an empty answer is no replay
    assert [(p.prompt[0]["content"], p.answer) for p in pairs] == [kept[i % 2] for i in range(7)]  # cycled
    assert base_model_replay(base, tiny, 7, tmp_path, prompts=prompts, max_new_tokens=4) == pairs
    assert len(calls) == 1  # the second time from the cache
    assert base_model_replay(base, tiny, 0, tmp_path) == [] and replay_rows(0.25, 12) == 3
    with pytest.raises(ConfigError, match="replay-ratio"):
        replay_rows(-1, 12)
    assert len(GENERAL_PROMPTS) >= 30 and len(set(GENERAL_PROMPTS)) == len(GENERAL_PROMPTS)


def test_tune_mixes_replay_in_batches_of_its_own(tiny, tmp_path, monkeypatch):
    import random

    from taskladder.tune.train import epoch_batches

    # Without replay: the plain shuffled epoch it always was.
    order = list(range(10))
    random.Random(3).shuffle(order)
    assert epoch_batches(10, 0, 4, 3) == [order[:4], order[4:8], order[8:]]
    batches = epoch_batches(10, 5, 4, 3)
    assert sorted(i for b in batches for i in b) == list(range(15))
    assert all(all(i < 10 for i in b) or all(i >= 10 for i in b) for b in batches)  # never mixed in a batch

    calls: list = []
    monkeypatch.setattr(LocalModel, "generate", fake_answers(calls))
    cfg = TuneConfig(base=f"local/{tiny}", name="mixed", epochs=1, batch_size=4, replay_ratio=0.5, threads=1)
    result = tune(PAIRS, PAIRS[:4], cfg, tmp_path)
    assert len(calls) == 1 and result.replay_rows == 6
    assert result.steps == 3 + 2  # 12 train rows + 6 replay rows, in batches of 4
    lineage = json.loads((result.path / "taskladder-tune.json").read_text())
    assert lineage["replay_rows"] == 6 and lineage["hyper"]["replay_ratio"] == 0.5
    assert "replay_ratio" not in TuneConfig().hyper()  # no replay: the settings (and names) runs had before
