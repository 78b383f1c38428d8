"""SetFit-style contrastive tuning of a sentence-embedding model (Tunstall et al. 2022).

Each training example is paired with a few others of its own label (target cosine 1) and of
other labels (target 0); the encoder is tuned on those pairs with a cosine-similarity loss,
then saved as a sentence-transformers folder. A plain torch loop over
``CosineSimilarityLoss`` is used rather than the sentence-transformers trainer, which would
pull in the `datasets` package for a list of pairs; it optimises as SetFit's trainer does
(AdamW, weight decay 0.01 except on biases and LayerNorm, gradients clipped to norm 1,
linear warm-up over 10% of the steps then linear decay, batch 16, one epoch).

What differs from SetFit is the number of pairs: SetFit draws ``num_iterations`` (20 in its
papers) same-label and other-label partners per example, ~24,600 pairs for Banking77 at
8 examples per class; ``max_pairs`` caps that at what 2 CPU cores tune in a few minutes.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import json
import math
import os
import random
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..embeddings.model import DEFAULT_MODEL, load_model, load_options
from ..errors import TaskladderError
from ..settings import Settings

TUNE_INFO = "taskladder-embed-tuned.json"


@dataclass(frozen=True)
class ContrastiveConfig:
    base: str = DEFAULT_MODEL
    pairs_per_example: int = 4  # SetFit's R: this many same-label and this many other-label partners each
    max_pairs: int = 3000  # cap: on 2 CPU cores MiniLM trains ~100 pairs/s
    epochs: int = 1
    batch_size: int = 16
    lr: float = 2e-5  # SetFit's default body learning rate
    warmup: float = 0.1
    max_grad_norm: float = 1.0  # SetFit (and sentence-transformers' fit) clip every step; 0 = no clipping
    weight_decay: float = 0.01  # SetFit's, on every weight but biases and LayerNorm
    seed: int = 0


def contrastive_pairs(texts: list[str], labels: list[str], cfg: ContrastiveConfig) -> list[tuple[str, str, float]]:
    """(text, partner, 1.0 same label / 0.0 different label), shuffled, at most ``cfg.max_pairs``."""
    rng = random.Random(cfg.seed)
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    pairs: list[tuple[str, str, float]] = []
    for i, label in enumerate(labels):
        same = [j for j in by_label[label] if j != i]
        others = [j for j in range(len(texts)) if labels[j] != label]
        for _ in range(cfg.pairs_per_example):
            if same:
                pairs.append((texts[i], texts[rng.choice(same)], 1.0))
            if others:
                pairs.append((texts[i], texts[rng.choice(others)], 0.0))
    rng.shuffle(pairs)
    return pairs[: cfg.max_pairs]


def run_key(texts: list[str], labels: list[str], cfg: ContrastiveConfig) -> str:
    """Names the tuned folder: the same data and settings reuse it instead of tuning again."""
    digest = hashlib.sha256(json.dumps([asdict(cfg), texts, labels], ensure_ascii=False).encode())
    return digest.hexdigest()[:16]


def _cosine_loss(model: Any) -> Any:

    try:
        losses = importlib.import_module("sentence_transformers.sentence_transformer.losses")
    except ImportError:  # sentence-transformers < 6 keeps its losses here
        losses = importlib.import_module("sentence_transformers.losses")
    return losses.CosineSimilarityLoss(model)


def _param_groups(model: Any, weight_decay: float) -> list[dict[str, Any]]:
    """AdamW groups as SetFit sets them: no decay on biases and LayerNorm weights."""
    decay: list[Any] = []
    plain: list[Any] = []
    for name, param in model.named_parameters():
        (plain if "bias" in name or "LayerNorm" in name else decay).append(param)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": plain, "weight_decay": 0.0}]


def tune_encoder(
    texts: list[str], labels: list[str], cfg: ContrastiveConfig, out_dir: Path, settings: Settings | None = None
) -> dict[str, Any]:
    """Tune ``cfg.base`` on contrastive pairs of (texts, labels); save it at ``out_dir``; its summary."""
    import torch

    pairs = contrastive_pairs(texts, labels, cfg)
    if not any(p[2] == 1.0 for p in pairs) or not any(p[2] == 0.0 for p in pairs):
        raise TaskladderError(
            "contrastive tuning needs two examples of some label and two different labels "
            "in train; give more training examples"
        )
    started = time.perf_counter()
    torch.manual_seed(cfg.seed)
    model = copy.deepcopy(load_model(cfg.base, **load_options(settings or Settings.from_env())))
    model.train()
    loss_fn = _cosine_loss(model)
    optimizer = torch.optim.AdamW(_param_groups(model, cfg.weight_decay), lr=cfg.lr)
    total = cfg.epochs * math.ceil(len(pairs) / cfg.batch_size)
    warm = max(1, int(cfg.warmup * total))
    schedule = torch.optim.lr_scheduler.LambdaLR(  # linear warmup then linear decay, as SetFit does
        optimizer, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm)))
    )
    tokenize = getattr(model, "preprocess", None) or model.tokenize  # `tokenize` before sentence-transformers 6
    rng, losses = random.Random(cfg.seed), []
    for _ in range(cfg.epochs):
        rng.shuffle(pairs)
        for start in range(0, len(pairs), cfg.batch_size):
            batch = pairs[start : start + cfg.batch_size]
            features = [tokenize([p[0] for p in batch]), tokenize([p[1] for p in batch])]
            loss = loss_fn(features, torch.tensor([p[2] for p in batch], dtype=torch.float32))
            loss.backward()
            if cfg.max_grad_norm > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.max_grad_norm)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            losses.append(float(loss.detach()))
    model.eval()
    tmp = out_dir.with_name(out_dir.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    model.save(str(tmp), create_model_card=False, safe_serialization=True)
    window = max(1, len(losses) // 10)
    info = {
        "config": asdict(cfg),
        "pairs": len(pairs),
        "steps": len(losses),
        "train_rows": len(texts),
        "first_loss": round(sum(losses[:window]) / window, 5),
        "last_loss": round(sum(losses[-window:]) / window, 5),
        "wall_s": round(time.perf_counter() - started, 2),
    }
    (tmp / TUNE_INFO).write_text(json.dumps(info, indent=2))
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)
    return info
