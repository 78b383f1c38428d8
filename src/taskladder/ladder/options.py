"""What a climb may be told: demo counts, packing budget, consensus sampling, which rungs."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class LadderOptions(BaseModel):
    shots: int = 8
    max_shots_cap: int = 200  # demos considered for packing; the context window decides how many fit
    max_prompt_tokens: int | None = 16000  # packing budget for max-shots (None: the model's whole window)
    rationale_pool: int = 48
    cascade: bool = True  # after the rungs: the best baseline in front of the best LLM pipeline, when it pays
    samples: int = 5  # consensus rung: votes per example
    sample_temperature: float = 0.7
    seed: int = 0
    # Names of the per-model rungs to climb, picked from the ladder (climbing order is the
    # ladder's, not this tuple's). None: every rung of the ladder being climbed, so a rung
    # added to the list climbs without touching this default.
    rungs: tuple[str, ...] | None = None
    # A rung whose run has more errored examples, or more unparseable answers, than this share
    # is dropped: never recommended, and its reason shown (runner.health).
    max_error_rate: float = 0.10
    # finetune rung: LoRA-tune each local model on the train split when it has at least this
    # many rows; train on at most finetune_max_train of them (None: all; a demo subsamples);
    # the one-off training cost is spread over finetune_amortise_months of the task's volume.
    finetune_min_train: int = 100
    finetune_max_train: int | None = None
    finetune_amortise_months: int = 12
    # embed-tuned rung (opt-in): baseline/embed-tuned with these ContrastiveConfig settings ({}: its defaults).
    embed_tune: dict[str, Any] = Field(default_factory=dict)
    # What the narrow gain cost: the general set the embed-tuned and mix rungs score encoders on
    # (CSV sentence1,sentence2,score, e.g. STS-B dev; Spearman x100), its first general_limit pairs.
    # None: no general score, and the mix rung cannot choose (it says so in its row).
    general_set: str | None = None
    general_limit: int | None = None
    # mix rung (opt-in): the alphas swept and the rule's allowed drop of the general score
    # below the original model's (max task dev s.t. general >= original - mix_delta).
    mix_alphas: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)
    mix_delta: float = 0.5
    # ...for a model tuned by finetune (a causal LM) the general score is -NLL per answer token
    # on general instructions (general_set when it is JSONL rows or a folder of them, else the
    # packaged prompts answered by the original): the allowed rise of NLL, nats per token.
    mix_nll_delta: float = 0.05

    def wants(self, rung_name: str) -> bool:
        return self.rungs is None or rung_name in self.rungs

    def names(self, rung_name: str) -> bool:
        """Whether ``rungs`` names this rung: opt-in rungs climb only then, never by default."""
        return self.rungs is not None and rung_name in self.rungs
