"""`taskladder mix`: streaming merges reproduce their inputs exactly at the ends, write folders
that load the same way, and refuse mismatched inputs with one line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest.importorskip("torch")
pytest.importorskip("safetensors")
pytest.importorskip("transformers")

import torch  # noqa: E402
from mix_models import perturbed_copy, read_all, tiny_llama, tiny_sentence_transformer  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from taskladder.cli import app  # noqa: E402
from taskladder.errors import TaskladderError  # noqa: E402
from taskladder.mix import MixSpec, mix_folders  # noqa: E402


@pytest.fixture(scope="module")
def llama_pair(tmp_path_factory):
    root = tmp_path_factory.mktemp("llama")
    base = tiny_llama(root / "base", dtype="bfloat16")
    return base, perturbed_copy(base, root / "tuned")


def _bits_equal(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        a[k].dtype == b[k].dtype and torch.equal(a[k].view(-1).view(torch.uint8), b[k].view(-1).view(torch.uint8))
        for k in a
    )


@pytest.mark.parametrize("alpha,which", [(0.0, 0), (1.0, 1)])
def test_alpha_ends_reproduce_inputs_bit_for_bit(llama_pair, tmp_path, alpha, which):
    out = tmp_path / "out"
    mix_folders(llama_pair[0], [llama_pair[1]], out, MixSpec("linear", alpha))
    assert _bits_equal(read_all(out), read_all(llama_pair[which]))


def test_linear_midpoint_and_loads_like_input(llama_pair, tmp_path):
    from transformers import AutoModelForCausalLM

    out = tmp_path / "out"
    result = mix_folders(llama_pair[0], [llama_pair[1]], out, MixSpec("linear", 0.25))
    base, tuned, mixed = read_all(llama_pair[0]), read_all(llama_pair[1]), read_all(out)
    for k in base:
        expect = (0.75 * base[k].float() + 0.25 * tuned[k].float()).to(torch.bfloat16)
        assert torch.allclose(mixed[k].float(), expect.float(), atol=1e-2), k
    model = AutoModelForCausalLM.from_pretrained(str(out))
    assert model.dtype == torch.bfloat16
    assert json.loads((out / "taskladder-mix.json").read_text())["alpha"] == 0.25
    # peak memory: the inputs and the output of one tensor, never the model
    assert result.peak_tensor_bytes_held <= 3 * result.largest_tensor_bytes
    assert result.peak_tensor_bytes_held < result.bytes_written


def test_shards_and_index_load_back(llama_pair, tmp_path):
    from transformers import AutoModelForCausalLM

    out = tmp_path / "out"
    result = mix_folders(llama_pair[0], [llama_pair[1]], out, MixSpec("linear", 1.0), shard_bytes=4096)
    assert result.shards > 1 and (out / "model.safetensors.index.json").is_file()
    assert _bits_equal(read_all(out), read_all(llama_pair[1]))
    loaded = AutoModelForCausalLM.from_pretrained(str(out)).state_dict()
    tuned = read_all(llama_pair[1])
    assert all(torch.equal(loaded[k], tuned[k]) for k in tuned)


def test_sentence_transformers_folder_loads_and_encodes(tmp_path):
    pytest.importorskip("sentence_transformers")
    from sentence_transformers import SentenceTransformer

    base = tiny_sentence_transformer(tmp_path / "st")
    tuned = perturbed_copy(base, tmp_path / "st-tuned")
    out = tmp_path / "out"
    mix_folders(base, [tuned], out, MixSpec("linear", 1.0))
    assert (out / "modules.json").is_file() and (out / "1_Pooling" / "config.json").is_file()
    sentences = ["the cat sat on the mat", "a dog ran fast"]
    expect = SentenceTransformer(str(tuned), device="cpu").encode(sentences)
    got = SentenceTransformer(str(out), device="cpu").encode(sentences)
    assert got.tolist() == expect.tolist()


def test_task_arithmetic_and_add_difference_formulas(llama_pair, tmp_path):
    base_dir, tuned_dir = llama_pair
    other = perturbed_copy(base_dir, tmp_path / "other", seed=7)
    mix_folders(base_dir, [tuned_dir, other], tmp_path / "ta", MixSpec("task-arithmetic", 0.5))
    mix_folders(base_dir, [tuned_dir], tmp_path / "ad", MixSpec("add-difference", 0.5), instruct_dir=other)
    b, t, o = read_all(base_dir), read_all(tuned_dir), read_all(other)
    ta, ad = read_all(tmp_path / "ta"), read_all(tmp_path / "ad")
    for k in b:
        bf, tf, of = b[k].float(), t[k].float(), o[k].float()
        assert torch.equal(ta[k], (bf + 0.5 * ((tf - bf) + (of - bf))).to(torch.bfloat16)), k
        assert torch.equal(ad[k], (tf + 0.5 * (of - bf)).to(torch.bfloat16)), k


def _llama_with_lora(folder_base):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(3)
    model = AutoModelForCausalLM.from_pretrained(str(folder_base))
    config = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "up_proj"], init_lora_weights=False)
    return get_peft_model(model, config)


def test_merged_lora_matches_adapter_at_inference(tmp_path):
    pytest.importorskip("peft")
    from transformers import AutoModelForCausalLM

    base = tiny_llama(tmp_path / "base")
    peft_model = _llama_with_lora(base).eval()
    ids = torch.tensor([[1, 5, 9, 17, 30, 2]])
    with torch.no_grad():
        adapted = peft_model(input_ids=ids).logits
        for module in peft_model.modules():  # the same adapter at half strength
            if hasattr(module, "scaling") and isinstance(module.scaling, dict):
                module.scaling = {k: v * 0.5 for k, v in module.scaling.items()}
        half = peft_model(input_ids=ids).logits
        for module in peft_model.modules():
            if hasattr(module, "scaling") and isinstance(module.scaling, dict):
                module.scaling = {k: v * 2 for k, v in module.scaling.items()}
    peft_model.merge_and_unload().save_pretrained(str(tmp_path / "merged"), safe_serialization=True)
    for alpha, expect in ((1.0, adapted), (0.5, half)):
        out = tmp_path / f"mix{alpha}"
        mix_folders(base, [tmp_path / "merged"], out, MixSpec("linear", alpha))
        with torch.no_grad():
            got = AutoModelForCausalLM.from_pretrained(str(out)).eval()(input_ids=ids).logits
        assert torch.allclose(got, expect, atol=1e-4), (alpha, (got - expect).abs().max())
    with torch.no_grad():
        plain = AutoModelForCausalLM.from_pretrained(str(base)).eval()(input_ids=ids).logits
    assert not torch.allclose(plain, adapted, atol=1e-3)  # the adapter does change the answer


def test_mismatches_and_bad_folders_are_one_line_errors(llama_pair, tmp_path):
    base_dir, _ = llama_pair
    wide = tiny_llama(tmp_path / "wide", hidden=32, dtype="bfloat16")
    fp32 = tiny_llama(tmp_path / "fp32")
    with pytest.raises(TaskladderError, match="has shape"):
        mix_folders(base_dir, [wide], tmp_path / "o1", MixSpec())
    with pytest.raises(TaskladderError, match="is F32.*same dtype"):
        mix_folders(base_dir, [fp32], tmp_path / "o2", MixSpec())
    from safetensors.torch import load_file, save_file

    missing = perturbed_copy(base_dir, tmp_path / "missing")
    tensors = load_file(str(missing / "model.safetensors"))
    tensors.pop("model.norm.weight")
    save_file(tensors, str(missing / "model.safetensors"), metadata={"format": "pt"})
    with pytest.raises(TaskladderError, match="'model.norm.weight'.*missing"):
        mix_folders(base_dir, [missing], tmp_path / "o3", MixSpec())
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "pytorch_model.bin").write_bytes(b"x")
    with pytest.raises(TaskladderError, match="not a model folder.*pytorch_model.bin"):
        mix_folders(base_dir, [tmp_path / "bin"], tmp_path / "o4", MixSpec())
    assert not (tmp_path / "o1").exists() and not list(tmp_path.glob("o*.tmp*"))


def test_cli_mix_and_its_errors(llama_pair, tmp_path):
    base_dir, tuned_dir = llama_pair
    runner = CliRunner()
    ok = runner.invoke(
        app, ["mix", str(base_dir), str(tuned_dir), "--alpha", "0.3", "--out", str(tmp_path / "m"), "--json"]
    )
    assert ok.exit_code == 0, ok.output
    summary = json.loads(ok.stdout)
    assert summary["tensors"] == len(read_all(base_dir)) and summary["peak_tensor_bytes_held"] > 0
    cases = [
        (["mix", str(base_dir), str(tmp_path / "nope"), "--out", str(tmp_path / "x")], "not a folder"),
        (["mix", str(base_dir), str(tuned_dir), str(tuned_dir), "--out", str(tmp_path / "x")], "exactly one TUNED"),
        (["mix", str(base_dir), str(tuned_dir), "--method", "soup", "--out", str(tmp_path / "x")], "unknown mix"),
        (["mix", str(base_dir), str(tuned_dir), "--out", str(tmp_path / "m")], "not empty"),
        (
            ["mix", str(base_dir), str(tuned_dir), "--method", "add-difference", "--out", str(tmp_path / "x")],
            "--instruct",
        ),
    ]
    for args, message in cases:  # TaskladderError is what `main` turns into one line and exit 2
        result = runner.invoke(app, args)
        assert isinstance(result.exception, TaskladderError), (args, result.output)
        assert message in str(result.exception)
    real = subprocess.run([sys.executable, "-m", "taskladder", *cases[0][0]], capture_output=True, text=True)
    assert real.returncode == 2 and real.stderr.strip().count("\n") == 0 and "not a folder" in real.stderr


def test_row_blocks_give_the_same_bits_and_hold_less_than_a_tensor(llama_pair, tmp_path, monkeypatch):
    from taskladder.mix import stream

    whole = mix_folders(llama_pair[0], [llama_pair[1]], tmp_path / "whole", MixSpec("linear", 0.3))
    monkeypatch.setattr(stream, "BLOCK_ELEMENTS", 40)  # a few rows per block
    blocks = mix_folders(llama_pair[0], [llama_pair[1]], tmp_path / "blocks", MixSpec("linear", 0.3))
    assert _bits_equal(read_all(tmp_path / "whole"), read_all(tmp_path / "blocks"))
    assert blocks.peak_tensor_bytes_held < blocks.largest_tensor_bytes < whole.peak_tensor_bytes_held
    mix_folders(llama_pair[0], [llama_pair[1]], tmp_path / "one", MixSpec("linear", 1.0))
    assert _bits_equal(read_all(tmp_path / "one"), read_all(llama_pair[1]))


def test_cli_refuses_mismatched_shapes_and_dtypes_in_one_line_exit_2(llama_pair, tmp_path):
    base_dir, _ = llama_pair
    wide = tiny_llama(tmp_path / "wide", hidden=32, dtype="bfloat16")
    fp32 = tiny_llama(tmp_path / "fp32")
    for other, method, message in ((wide, "ties", "has shape"), (fp32, "dare", "same dtype")):
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "taskladder",
                "mix",
                str(base_dir),
                str(other),
                str(other),
                "--method",
                method,
                "--out",
                str(tmp_path / method),
            ],
            capture_output=True,
            text=True,
        )
        assert run.returncode == 2, run.stderr
        assert run.stderr.strip().count("\n") == 0 and message in run.stderr, run.stderr
        assert not (tmp_path / method).exists()
