"""The general score of a causal LM mix: what it could do before the narrow tuning.

Two measures on general prompts, both teacher-forced (one forward pass per batch, no
sampling, so a sweep of several alphas stays cheap on a CPU):

- **NLL**: mean negative log-likelihood per answer token (nats) of the general set's
  reference answers given their prompts. It drives the rule (``general = -NLL``, so higher
  is better there as for every general score); lower NLL is better.
- **agreement**: the share (%) of the original model's own greedy answer tokens that the
  mix also ranks first, each given the original's answer so far: 100 for the original
  itself; it falls as the mix drifts from what the original would have said.

A general set is JSONL rows in any form ``tune --replay-file`` reads (tune/replay_file.py):
``instruction`` (+ ``input``) with ``output``, self-instruct's ``instances: [{input, output}]``
(``../shared/data/general``; the first instance with an answer), ``prompt``/``answer`` or chat
``messages``; a folder reads every ``*.jsonl`` in it. Without one, the packaged
general prompts (tune/general_prompts.py) are answered by the original and those answers are
the reference: NLL then measures drift from the original, as agreement does.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..local.engine import LocalModel, set_threads
from ..tune.data import ChatPair
from ..tune.replay_file import read_general

ANSWER_TOKENS = 64  # reference answer tokens scored per row: enough to weigh, cheap to run
AGREEMENT_TOKENS = 32  # greedy tokens of the original's answer compared per prompt
BATCH = 8


@dataclass(frozen=True)
class GeneralScores:
    nll: float  # nats per reference answer token
    agreement: float  # % of the original's greedy answer tokens the model also ranks first


def read_general_rows(path: Path | str, limit: int | None = None) -> list[ChatPair]:
    """A general set from a JSONL file or a folder of them (tune/replay_file.py reads both):
    one answer per instruction, so the set stays as varied as it is long."""
    return read_general([Path(path)], first_instance=True, limit=limit)


def original_answers(
    model: LocalModel, prompts: list[list[dict[str, str]]], max_tokens: int = AGREEMENT_TOKENS
) -> list[list[int]]:
    """The original model's greedy answer token ids (end of turn excluded) to each prompt (chat messages)."""
    return [g.ids for g in model.generate(prompts, max_tokens, batch_size=BATCH)]


def general_scores(model: LocalModel, rows: list[ChatPair], original: list[list[int]]) -> GeneralScores:
    """NLL of ``rows``' answers and agreement with ``original`` (token ids, one list per row's prompt)."""
    prompts = [model.encode(model.prompt_text(r.prompt)) for r in rows]
    eos = model.tokenizer.eos_token_id
    references = [(model.encode(r.answer)[:ANSWER_TOKENS] + ([eos] if eos is not None else [])) for r in rows]
    import torch

    nll_sum, nll_n = 0.0, 0
    for logp, answers in _answer_logits(model, prompts, references):
        for lp, answer in zip(logp, answers):
            picked = lp.gather(1, torch.tensor(answer, device=lp.device).unsqueeze(1))
            nll_sum -= float(picked.sum())
            nll_n += len(answer)
    same, total = 0, 0
    kept = [(p, a) for p, a in zip(prompts, original) if a]
    for logp, answers in _answer_logits(model, [p for p, _ in kept], [a for _, a in kept]):
        for lp, answer in zip(logp, answers):
            top = lp[: len(answer)].argmax(-1).tolist()
            same += sum(int(t == a) for t, a in zip(top, answer))
            total += len(answer)
    return GeneralScores(nll=nll_sum / max(nll_n, 1), agreement=100.0 * same / max(total, 1))


def _answer_logits(model: LocalModel, prompts: list[list[int]], answers: list[list[int]]) -> Any:
    """For each batch: the log-probabilities at each answer position (row i: the distribution
    that predicts answer token i), and the answers. Right-padded, one forward pass a batch."""
    import torch

    set_threads(model.threads)
    pad = model.tokenizer.pad_token_id
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]) + len(answers[i]))
    for start in range(0, len(order), BATCH):
        chunk = order[start : start + BATCH]
        rows = [prompts[i] + answers[i] for i in chunk]
        width = max(len(r) for r in rows)
        input_ids = torch.tensor([r + [pad] * (width - len(r)) for r in rows], device=model.device)
        mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows], device=model.device)
        with model.lock, torch.inference_mode():
            # the vocabulary projection only at answer positions: full logits of a batch of long
            # general prompts are GBs (8 x 600 tokens x 49k vocabulary x 4 bytes for SmolLM2)
            hidden = model.model.base_model(input_ids=input_ids, attention_mask=mask)[0]
            head = model.model.get_output_embeddings()
            out = []
            for k, i in enumerate(chunk):
                first = len(prompts[i]) - 1  # the position whose output predicts the answer's first token
                logits = head(hidden[k, first : first + len(answers[i])]).float()
                out.append(torch.log_softmax(logits, dim=-1))
        yield out, [answers[i] for i in chunk]
