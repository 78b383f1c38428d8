"""LoRA supervised fine-tuning of a local model (PEFT), merged into a standalone folder.

Loss is on the answer tokens only; dev loss after every epoch picks the best epoch and stops
early when it stops improving; a checkpoint (adapter, optimiser, schedule, position) is
written every ``checkpoint_every`` steps, so a killed run resumes where it stopped; the best
adapter is merged into the base and saved as safetensors under ``<home>/local-models/NAME``,
which loads as ``-m local/NAME``.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..local.engine import LocalModel, cache_kwarg, model_folder, output_cache, set_threads
from ..local.source import models_dir, resolve_local
from .data import ChatPair
from .replay import base_model_replay, replay_rows
from .replay_file import file_replay

IGNORE = -100  # label value the loss skips (prompt tokens, padding)
Progress = Callable[[dict[str, Any]], None]


@dataclass
class TuneConfig:
    base: str = "local/smollm2"
    name: str = ""
    epochs: int = 2
    lr: float = 1e-3
    batch_size: int = 8
    rank: int = 16
    alpha: int = 32
    warmup_ratio: float = 0.1
    patience: int = 1  # epochs without dev improvement before stopping
    max_length: int = 512
    seed: int = 0
    checkpoint_every: int = 10
    replay_ratio: float = 0.0  # general replay rows per training row, answered by the base (tune/replay.py)
    replay_files: list[str] = field(default_factory=list)  # the user's general data instead (tune/replay_file.py)
    threads: int | None = None  # torch threads (None: the engine's default); not a hyper-parameter

    def hyper(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k not in ("name", "checkpoint_every", "threads")}
        if not self.replay_ratio:
            del out["replay_ratio"]  # runs without replay keep the names and signatures they had
        if not self.replay_files:
            del out["replay_files"]
        return out


@dataclass
class TuneResult:
    name: str
    path: Path
    base: str
    dataset_hash: str
    train_rows: int
    dev_rows: int
    steps: int
    epochs_run: int
    best_epoch: int
    dev_losses: list[float]
    train_tokens: int
    wall_s: float
    resumed: bool
    hyper: dict[str, Any] = field(default_factory=dict)
    replay_rows: int = 0
    replay_source: str = ""  # "base model" (its own answers) or the user's general files
    truncated_rows: int = 0  # task rows (train + dev) longer than max_length, their prompts' starts cut

    def lineage(self) -> dict[str, Any]:
        out = asdict(self)
        out["path"] = str(self.path)
        out["cost_usd"] = 0.0  # local compute: $0 per call, the time is in wall_s
        return out


def dataset_hash(train: list[ChatPair], dev: list[ChatPair]) -> str:
    h = hashlib.sha256()
    for part in (train, dev):
        for p in part:
            h.update(json.dumps([p.prompt, p.answer], sort_keys=True).encode())
        h.update(b"|")
    return h.hexdigest()[:16]


def encode_pair(model: LocalModel, pair: ChatPair, max_length: int) -> tuple[list[int], list[int]]:
    """Input ids and labels: the prompt's labels are IGNORE, so only the answer is learnt."""
    prompt = model.encode(model.prompt_text(pair.prompt))
    eos = model.tokenizer.eos_token_id
    answer = (model.encode(pair.answer) + ([eos] if eos is not None else []))[: max(1, max_length - 1)]
    # Keep the end of a long prompt, nearest the answer; an answer longer than the row (a long general
    # replay answer) keeps its beginning, so no row runs past max_length.
    prompt = prompt[-max(1, max_length - len(answer)) :]
    return prompt + answer, [IGNORE] * len(prompt) + answer


def truncated_note(event: dict[str, Any]) -> str:
    return (
        f"{event['truncated']} of {event['rows']} training and dev rows are longer than max_length "
        f"{event['max_length']} tokens and lose the start of their prompt (only in training)"
    )


def row_length(model: LocalModel, pair: ChatPair) -> int:
    """Tokens of a pair's whole row (prompt, answer, end token) before any cut to max_length."""
    return len(model.encode(model.prompt_text(pair.prompt))) + len(model.encode(pair.answer)) + 1


def tune(
    train: list[ChatPair],
    dev: list[ChatPair],
    cfg: TuneConfig,
    home: Path,
    progress: Progress | None = None,
    overwrite: bool = False,
) -> TuneResult:
    import torch
    from peft import LoraConfig, get_peft_model, get_peft_model_state_dict, set_peft_model_state_dict

    if not cfg.name or "/" in cfg.name:
        raise ConfigError(f"--name '{cfg.name}': give a plain name (letters, digits, -); it becomes local/NAME")
    out_dir = models_dir(home) / cfg.name
    if (out_dir / "config.json").is_file() and not overwrite:
        raise ConfigError(f"local/{cfg.name} exists ({out_dir}); pick another --name or pass --overwrite")
    n_replay = replay_rows(cfg.replay_ratio, len(train))
    if cfg.replay_files and not n_replay:
        raise ConfigError(
            f"--replay-file with --replay-ratio {cfg.replay_ratio:g} replays no rows; give a ratio "
            f"above 0 (0.25: one replay row in five)"
        )
    # The user's own general data is read before the model loads: a bad file fails in a second.
    replay = file_replay([Path(p) for p in cfg.replay_files], n_replay, cfg.seed) if cfg.replay_files else []
    source = resolve_local(cfg.base, home)
    folder = model_folder(source, home)
    base = LocalModel.from_folder(folder, name=source.name, threads=cfg.threads)
    set_threads(base.threads)
    work = Path(home) / "tune" / cfg.name
    work.mkdir(parents=True, exist_ok=True)
    data_hash = dataset_hash(train, dev)
    if not cfg.replay_files:  # answered by the base before LoRA wraps it (cached: a resume does not redo it)
        replay = base_model_replay(base, folder, n_replay, Path(home) / "tune" / "replay")
    signature = {"hyper": cfg.hyper(), "data": data_hash, **({"replay": dataset_hash(replay, [])} if replay else {})}

    torch.manual_seed(cfg.seed)
    lora = LoraConfig(
        r=cfg.rank, lora_alpha=cfg.alpha, lora_dropout=0.0, target_modules="all-linear", task_type="CAUSAL_LM"
    )
    model = get_peft_model(base.model, lora)
    train_rows = [encode_pair(base, p, cfg.max_length) for p in train + replay]
    dev_rows = [encode_pair(base, p, cfg.max_length) for p in dev]
    truncated = sum(1 for p in train + dev if row_length(base, p) > cfg.max_length)
    if truncated and progress:  # said before training: the cut prompts are not the ones the model will see
        progress({"truncated": truncated, "rows": len(train) + len(dev), "max_length": cfg.max_length})
    steps_per_epoch = len(epoch_batches(len(train), len(replay), cfg.batch_size, 0))
    total = steps_per_epoch * cfg.epochs
    warmup = max(1, int(total * cfg.warmup_ratio))
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup)))
    )

    state: dict[str, Any] = {
        "epoch": 0,
        "step_in_epoch": 0,
        "global_step": 0,
        "best": None,
        "best_epoch": 0,
        "bad": 0,
        "dev_losses": [],
        "tokens": 0,
        "wall_s": 0.0,
        "done": False,
    }
    ckpt, best_path = work / "checkpoint.pt", work / "best.pt"
    resumed = False
    if ckpt.is_file():
        saved = torch.load(ckpt, weights_only=False)
        if saved.get("signature") == signature:
            set_peft_model_state_dict(model, saved["adapter"])
            optimizer.load_state_dict(saved["optimizer"])
            schedule.load_state_dict(saved["schedule"])
            state, resumed = saved["state"], True

    def save_checkpoint() -> None:
        tmp = ckpt.with_suffix(".tmp")
        torch.save(
            {
                "signature": signature,
                "adapter": get_peft_model_state_dict(model),
                "optimizer": optimizer.state_dict(),
                "schedule": schedule.state_dict(),
                "state": state,
            },
            tmp,
        )
        os.replace(tmp, ckpt)  # a kill mid-write leaves the previous checkpoint whole

    pad = base.tokenizer.pad_token_id
    started = time.perf_counter() - state["wall_s"]
    while not state["done"] and state["epoch"] < cfg.epochs:
        batches = epoch_batches(len(train), len(replay), cfg.batch_size, cfg.seed + state["epoch"])
        model.train()
        for b in range(state["step_in_epoch"], len(batches)):
            loss = _loss(model, [train_rows[i] for i in batches[b]], pad, torch)
            loss.backward()
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            state["step_in_epoch"], state["global_step"] = b + 1, state["global_step"] + 1
            state["tokens"] += sum(len(train_rows[i][0]) for i in batches[b])
            state["wall_s"] = time.perf_counter() - started
            if progress:
                per_step = state["wall_s"] / max(1, state["global_step"])
                progress(
                    {
                        "step": state["global_step"],
                        "total": total,
                        "epoch": state["epoch"] + 1,
                        "loss": float(loss.detach()),
                        "eta_s": per_step * (total - state["global_step"]),
                    }
                )
            if state["global_step"] % cfg.checkpoint_every == 0:
                save_checkpoint()
        dev_loss = _dev_loss(model, dev_rows, pad, cfg.batch_size, torch) if dev_rows else float(loss)
        state["dev_losses"].append(dev_loss)
        if progress:
            progress({"epoch_done": state["epoch"] + 1, "dev_loss": dev_loss})
        if state["best"] is None or dev_loss < state["best"]:
            state["best"], state["best_epoch"], state["bad"] = dev_loss, state["epoch"] + 1, 0
            torch.save(get_peft_model_state_dict(model), best_path)
        else:
            state["bad"] += 1
            state["done"] = state["bad"] >= cfg.patience  # early stop: dev stopped improving
        state["epoch"], state["step_in_epoch"] = state["epoch"] + 1, 0
        state["wall_s"] = time.perf_counter() - started
        save_checkpoint()

    set_peft_model_state_dict(model, torch.load(best_path, weights_only=False))
    merged: Any = model.merge_and_unload()
    tmp = out_dir.with_name(out_dir.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    merged.save_pretrained(str(tmp), safe_serialization=True)
    base.tokenizer.save_pretrained(str(tmp))
    result = TuneResult(
        name=cfg.name,
        path=out_dir,
        base=cfg.base,
        dataset_hash=data_hash,
        train_rows=len(train),
        dev_rows=len(dev),
        steps=state["global_step"],
        epochs_run=state["epoch"],
        best_epoch=state["best_epoch"],
        dev_losses=state["dev_losses"],
        train_tokens=state["tokens"],
        wall_s=round(state["wall_s"], 2),
        resumed=resumed,
        hyper=cfg.hyper(),
        replay_rows=len(replay),
        replay_source=(", ".join(cfg.replay_files) if cfg.replay_files else "base model") if replay else "",
        truncated_rows=truncated,
    )
    (tmp / "taskladder-tune.json").write_text(json.dumps(result.lineage(), indent=2))
    shutil.rmtree(out_dir, ignore_errors=True)
    tmp.rename(out_dir)
    return result


def epoch_batches(n_train: int, n_replay: int, size: int, seed: int) -> list[list[int]]:
    """One epoch's batches of row indices (train rows first, then replay rows), shuffled by
    ``seed``. Replay rows are batched apart from the task's rows and the batches shuffled
    together: a batch of task rows keeps the long prompt prefix they share, which ``_loss``
    encodes once, instead of losing it to a general prompt in its midst."""
    rng = random.Random(seed)
    order = list(range(n_train))
    rng.shuffle(order)
    batches = [order[i : i + size] for i in range(0, len(order), size)]
    if n_replay:
        extra = list(range(n_train, n_train + n_replay))
        rng.shuffle(extra)
        batches += [extra[i : i + size] for i in range(0, len(extra), size)]
        rng.shuffle(batches)
    return batches


def _batch(rows: list[tuple[list[int], list[int]]], pad: int, torch: Any) -> dict[str, Any]:
    width = max(len(ids) for ids, _ in rows)
    return {
        "input_ids": torch.tensor([ids + [pad] * (width - len(ids)) for ids, _ in rows]),
        "attention_mask": torch.tensor([[1] * len(ids) + [0] * (width - len(ids)) for ids, _ in rows]),
        "labels": torch.tensor([labels + [IGNORE] * (width - len(labels)) for _, labels in rows]),
    }


MIN_SHARED_PREFIX = 16  # tokens; a shorter common prefix is not worth a separate pass


def shared_prefix_len(rows: list[tuple[list[int], list[int]]]) -> int:
    """How many leading tokens every row of a batch has in common, stopping before the first
    position whose hidden state predicts an answer token (those must be in each row's own pass)."""
    first = rows[0][0]
    limit = (
        min(
            min(len(ids) for ids, _ in rows),
            min(next((i for i, t in enumerate(labels) if t != IGNORE), len(labels)) for _, labels in rows),
        )
        - 1
    )
    n = 0
    while n < limit and all(ids[n] == first[n] for ids, _ in rows):
        n += 1
    return n if len(rows) > 1 and n >= MIN_SHARED_PREFIX else 0


def _loss(model: Any, rows: list[tuple[list[int], list[int]]], pad: int, torch: Any) -> Any:
    """Mean cross-entropy over the answer tokens (as the model's own loss), computed cheaply:
    the prefix every row shares (a task's system prompt and instructions) runs once for the
    batch, its key/value cache repeated per row with gradients flowing back through it; and
    the vocabulary projection runs only at the positions that predict an answer token.
    Same value as a plain forward pass, up to float rounding; several times fewer FLOPs."""
    shared = shared_prefix_len(rows)
    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    device = model.device
    cache = None
    if shared:
        prefix = torch.tensor([rows[0][0][:shared]], device=device)
        cache = output_cache(inner.model(input_ids=prefix, use_cache=True))
        cache.batch_repeat_interleave(len(rows))
    batch = {
        k: v.to(device)
        for k, v in _batch([(ids[shared:], labels[shared:]) for ids, labels in rows], pad, torch).items()
    }
    mask = batch["attention_mask"]
    if shared:
        mask = torch.cat([torch.ones(len(rows), shared, dtype=mask.dtype, device=device), mask], dim=1)
    with_cache = {cache_kwarg(inner.model): cache} if cache is not None else {}
    hidden = inner.model(
        input_ids=batch["input_ids"], attention_mask=mask, use_cache=cache is not None, **with_cache
    ).last_hidden_state
    targets = batch["labels"][:, 1:]
    keep = targets != IGNORE
    logits = inner.lm_head(hidden[:, :-1][keep])
    return torch.nn.functional.cross_entropy(logits.float(), targets[keep])


def _dev_loss(model: Any, rows: list[tuple[list[int], list[int]]], pad: int, size: int, torch: Any) -> float:
    model.eval()
    total, count = 0.0, 0
    with torch.inference_mode():
        for i in range(0, len(rows), size):
            chunk = rows[i : i + size]
            n = sum(sum(1 for t in labels if t != IGNORE) for _, labels in chunk)
            total += float(_loss(model, chunk, pad, torch)) * n
            count += n
    model.train()
    return total / max(1, count)
