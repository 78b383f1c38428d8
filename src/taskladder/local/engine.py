"""A local causal LM in PyTorch/transformers: chat template, batched greedy generation with
left padding and a KV cache, token counts from the model's own tokenizer, label likelihoods.

A GGUF file is de-quantised to float32 once and cached as a safetensors folder under the
home (transformers' GGUF reader takes ~17 s for SmolLM2; the cached folder loads in about a
second), so only the first use pays for it.
"""

from __future__ import annotations

import inspect
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .source import LocalSource, models_dir

_loaded: dict[str, "LocalModel"] = {}
_load_lock = threading.Lock()


@dataclass
class Generated:
    text: str
    input_tokens: int
    output_tokens: int
    ids: list[int]  # the generated token ids (before the end of turn)


def _torch() -> Any:
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError:
        raise ConfigError("local models need torch and transformers: pip install 'taskladder[local]'") from None
    return torch


def gguf_cache_dir(source: LocalSource, home: Path) -> Path:
    stat = source.path.stat()
    return models_dir(home) / ".dequantised" / f"{source.path.stem}-{stat.st_size}"


def default_threads() -> int:
    """torch threads when models.yaml does not say: the cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def set_threads(threads: int) -> None:
    """torch's intra-op threads for the calling thread's work. Set on every call, not once:
    the client runs the model in worker threads, and an OpenMP thread count is per thread
    (a worker left at torch's own default oversubscribes a busy machine: measured 25x slower)."""
    torch = _torch()
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)


def load_model(source: LocalSource, home: Path, threads: int | None = None) -> "LocalModel":
    """The model behind ``source``, loaded once per process (loading costs seconds)."""
    set_threads(threads or default_threads())
    key = str(source.path.resolve())
    with _load_lock:
        if key not in _loaded:
            _loaded[key] = LocalModel.from_folder(model_folder(source, home), name=source.name)
        model = _loaded[key]
    if threads:
        model.threads = threads
    return model


def forget_model(path: Path) -> None:
    """Drop the model loaded from ``path`` (a folder or GGUF) from this process's cache: a mixing
    sweep loads one model per alpha and removes its folder, so none should stay held."""
    with _load_lock:
        _loaded.pop(str(Path(path).resolve()), None)


def model_folder(source: LocalSource, home: Path) -> Path:
    """A Hugging Face folder with the model's weights: the source itself, or its GGUF
    de-quantised into the cache (done once)."""
    if not source.is_gguf:
        return source.path
    folder = gguf_cache_dir(source, home)
    if not (folder / "config.json").is_file():
        _dequantise(source.path, folder)
    return folder


def _dequantise(gguf: Path, folder: Path) -> None:
    _torch()
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    except ImportError as exc:
        raise ConfigError(f"{gguf}: reading GGUF needs the gguf package ({exc}); pip install 'taskladder[local]'") from None
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(f"{gguf}: the installed transformers/gguf cannot read this GGUF file ({first}); "
                          f"give a Hugging Face model folder instead") from None
    tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    plain_model(model).save_pretrained(str(tmp))
    tokenizer.save_pretrained(str(tmp))
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)  # whole or not at all: a killed de-quantise never leaves half a model


def plain_model(model: Any) -> Any:
    """The same weights in a model transformers will save: a GGUF-loaded model is marked
    quantised (and refuses ``save_pretrained``) although its tensors are plain float32."""
    from transformers import AutoModelForCausalLM

    config = model.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    fresh = AutoModelForCausalLM.from_config(config)
    fresh.load_state_dict(model.state_dict())
    return fresh


class LocalModel:
    """One loaded model and its tokenizer; calls are serialised by a lock (one CPU model)."""

    def __init__(self, model: Any, tokenizer: Any, name: str, threads: int | None = None):
        self.model, self.tokenizer, self.name = model, tokenizer, name
        self.threads = threads or default_threads()  # torch threads for every call (see set_threads)
        self.lock = threading.Lock()
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        self.eos_ids = {tokenizer.eos_token_id}
        # Greedy decoding is the only mode: unset sampling defaults so generate() does not warn.
        gen = model.generation_config
        gen.do_sample, gen.temperature, gen.top_p, gen.top_k = False, None, None, None

    @classmethod
    def from_folder(cls, folder: Path, name: str, threads: int | None = None) -> "LocalModel":
        torch = _torch()
        from transformers import AutoModelForCausalLM, AutoTokenizer

        try:
            tokenizer = AutoTokenizer.from_pretrained(str(folder))
            model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32)
        except Exception as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(f"{folder}: not a loadable model folder ({first})") from None
        if torch.cuda.is_available():
            model = model.to("cuda")  # type: ignore[arg-type]  # transformers types .to() as a decorator
        model.eval()
        return cls(model, tokenizer, name, threads=threads)

    @property
    def device(self) -> Any:
        return next(self.model.parameters()).device

    def prompt_text(self, messages: list[dict[str, str]]) -> str:
        if getattr(self.tokenizer, "chat_template", None):
            return str(self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False))
        # No template (a bare base model): a plain transcript the model can continue.
        lines = [f"{m['role']}: {m['content']}" for m in messages]
        return "\n".join(lines) + "\nassistant:"

    def encode(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    def count_tokens(self, messages: list[dict[str, str]]) -> int:
        return len(self.encode(self.prompt_text(messages)))

    def generate(self, prompts: list[list[dict[str, str]]], max_new_tokens: int = 32,
                 batch_size: int | None = None) -> list[Generated]:
        """Greedy replies to each prompt, in batches of ``batch_size`` (default: all in one)."""
        if not prompts:
            return []
        ids = [self.encode(self.prompt_text(p)) for p in prompts]
        return self.generate_batched(ids, max_new_tokens, batch_size or len(ids))

    def generate_batched(self, ids: list[list[int]], max_new_tokens: int, batch_size: int) -> list[Generated]:
        """Replies in the prompts' order, computed in length-sorted batches: prompts of similar
        length go together, so a batch pads (and computes) little beyond its real tokens."""
        out: list[Generated | None] = [None] * len(ids)
        for chunk in length_sorted_batches(ids, batch_size):
            for i, g in zip(chunk, self.generate_ids([ids[i] for i in chunk], max_new_tokens)):
                out[i] = g
        return [g for g in out if g is not None]

    def generate_ids(self, ids: list[list[int]], max_new_tokens: int) -> list[Generated]:
        """One batch: the prefix every prompt shares (chat template, system prompt, few-shot
        demos) is encoded once when it is long enough; otherwise one left-padded batch."""
        set_threads(self.threads)
        shared = shared_prefix_len(ids)
        if shared:
            return self._generate_after_prefix(ids, max_new_tokens, shared)
        return self._generate_padded(ids, max_new_tokens)

    def _generate_padded(self, ids: list[list[int]], max_new_tokens: int) -> list[Generated]:
        torch = _torch()
        pad = self.tokenizer.pad_token_id
        width = max(len(x) for x in ids)
        input_ids = torch.tensor([[pad] * (width - len(x)) + x for x in ids], device=self.device)
        mask = torch.tensor([[0] * (width - len(x)) + [1] * len(x) for x in ids], device=self.device)
        with self.lock, torch.inference_mode():
            out = self.model.generate(input_ids=input_ids, attention_mask=mask, do_sample=False,
                                      max_new_tokens=max_new_tokens, pad_token_id=pad, use_cache=True)
        return self._results(out[:, width:].tolist(), ids)

    def _results(self, rows: list[list[int]], ids: list[list[int]]) -> list[Generated]:
        results = []
        for row, prompt in zip(rows, ids):
            kept = []
            for tok in row:
                if tok in self.eos_ids:
                    break
                kept.append(tok)
            results.append(Generated(self.tokenizer.decode(kept, skip_special_tokens=True).strip(),
                                     len(prompt), len(kept), kept))
        return results

    def _generate_after_prefix(self, ids: list[list[int]], max_new_tokens: int, shared: int) -> list[Generated]:
        """Greedy decoding for prompts that share their first ``shared`` tokens (a few-shot prompt's
        instructions and demos): the prefix is encoded once and its KV cache repeated per row, so
        prefill costs one prefix plus each row's own tail instead of the whole prompt per row.
        Each tail is left-padded after the prefix; padding is masked and every real token keeps
        the position it has in its own prompt, so each row decodes as it would alone."""
        torch = _torch()
        pad, n, device = self.tokenizer.pad_token_id, len(ids), self.device
        tails = [x[shared:] for x in ids]
        width = max(len(t) for t in tails)
        kw = cache_kwarg(self.model)
        with self.lock, torch.inference_mode():
            # the base model (no vocabulary projection): only the prefix's cache is needed
            prefix = self.model.base_model(input_ids=torch.tensor([ids[0][:shared]], device=device), use_cache=True)
            cache = output_cache(prefix)
            cache.batch_repeat_interleave(n)
            step_ids = torch.tensor([[pad] * (width - len(t)) + t for t in tails], device=device)
            mask = torch.tensor([[1] * shared + [0] * (width - len(t)) + [1] * len(t) for t in tails], device=device)
            positions = (mask.cumsum(-1) - 1).clamp(min=0)[:, shared:]
            out: list[list[int]] = [[] for _ in ids]
            done = [False] * n
            for _ in range(max_new_tokens):
                # logits_to_keep=1: the vocabulary projection only where the next token is read
                logits = self.model(input_ids=step_ids, attention_mask=mask, position_ids=positions,
                                    use_cache=True, logits_to_keep=1, **{kw: cache}).logits[:, -1]
                nxt = logits.argmax(-1)
                for i, tok in enumerate(nxt.tolist()):
                    if not done[i]:
                        out[i].append(tok)
                        done[i] = tok in self.eos_ids
                if all(done):
                    break
                step_ids = nxt.unsqueeze(1)
                mask = torch.cat([mask, torch.ones(n, 1, dtype=mask.dtype, device=device)], dim=1)
                positions = positions[:, -1:] + 1
        return self._results(out, ids)

    def label_logprobs(self, messages: list[dict[str, str]], labels: list[str]) -> list[float]:
        """log P(label | prompt) for each label (the sum over its tokens, end of turn included).

        The prompt is encoded once and its KV cache repeated per label; only each label's few
        tokens (after the prompt's last one) are run per row and projected onto the vocabulary.
        Running the whole prompt once per label made scoring ~40x slower than generating."""
        torch = _torch()
        set_threads(self.threads)
        prompt = self.encode(self.prompt_text(messages))
        eos = self.tokenizer.eos_token_id
        answers = [self.encode(label) + ([eos] if eos is not None else []) for label in labels]
        if len(prompt) < 2:
            return self._label_logprobs_whole(prompt, answers)
        shared, n, device = len(prompt) - 1, len(answers), self.device
        # each row: the prompt's last token, then the label's tokens but its last (right-padded)
        tails = [prompt[-1:] + a[:-1] for a in answers]
        width = max(len(t) for t in tails)
        pad = self.tokenizer.pad_token_id
        kw = cache_kwarg(self.model)
        with self.lock, torch.inference_mode():
            prefix = self.model.base_model(input_ids=torch.tensor([prompt[:shared]], device=device), use_cache=True)
            cache = output_cache(prefix)
            cache.batch_repeat_interleave(n)
            step_ids = torch.tensor([t + [pad] * (width - len(t)) for t in tails], device=device)
            mask = torch.tensor([[1] * (shared + len(t)) + [0] * (width - len(t)) for t in tails], device=device)
            positions = torch.arange(shared, shared + width, device=device).unsqueeze(0).expand(n, -1)
            logits = self.model(input_ids=step_ids, attention_mask=mask, position_ids=positions,
                                use_cache=True, **{kw: cache}).logits.float()
        logp = torch.log_softmax(logits, dim=-1)
        return [float(sum(logp[i, j, tok] for j, tok in enumerate(answer))) for i, answer in enumerate(answers)]

    def _label_logprobs_whole(self, prompt: list[int], answers: list[list[int]]) -> list[float]:
        """The same scores from one right-padded forward pass over prompt + label per row."""
        torch = _torch()
        rows = [prompt + a for a in answers]
        width = max(len(r) for r in rows)
        pad = self.tokenizer.pad_token_id
        input_ids = torch.tensor([r + [pad] * (width - len(r)) for r in rows], device=self.device)
        mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows], device=self.device)
        with self.lock, torch.inference_mode():
            logits = self.model(input_ids=input_ids, attention_mask=mask).logits.float()
        logp = torch.log_softmax(logits, dim=-1)
        start = len(prompt) - 1
        return [float(sum(logp[i, start + j, tok] for j, tok in enumerate(answer))) for i, answer in enumerate(answers)]


MIN_SHARED_PREFIX = 32  # tokens; below this a separate prefix pass saves too little


def shared_prefix_len(ids: list[list[int]]) -> int:
    """The tokens every prompt of a batch starts with (each keeps at least its last token),
    or 0 when that is too short to be worth encoding once."""
    if len(ids) < 2:
        return 0
    first, limit, n = ids[0], min(len(x) for x in ids) - 1, 0
    while n < limit and all(x[n] == first[n] for x in ids):
        n += 1
    return n if n >= MIN_SHARED_PREFIX else 0


def length_sorted_batches(ids: list[list[int]], batch_size: int) -> list[list[int]]:
    """Indices of ``ids`` in batches of at most ``batch_size``, shortest prompts first (a stable
    sort, so equal lengths keep their order and the batches are deterministic)."""
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    size = max(1, batch_size)
    return [order[i:i + size] for i in range(0, len(order), size)]


def cache_kwarg(model: Any) -> str:
    """The forward() keyword for a KV cache: ``cache`` in transformers 5, ``past_key_values`` before."""

    return "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"


def output_cache(output: Any) -> Any:
    cache = getattr(output, "cache", None)
    return cache if cache is not None else output.past_key_values


def timed(fn: Any, *args: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start
