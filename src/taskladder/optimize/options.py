"""What an optimisation may be told: its search sizes, how many proposals, which demo sets."""

from __future__ import annotations

from pydantic import BaseModel, Field


class OptimizeOptions(BaseModel):
    rounds: int = Field(default=3, ge=1)  # proposal/evaluation rounds after the first pool
    proposals: int = Field(default=4, ge=0)  # instructions the proposer writes per round
    minibatch: int = Field(default=8, ge=1)  # dev examples at the first successive-halving level
    search_limit: int | None = Field(default=None, ge=1)  # dev examples at the last level (None: all of dev)
    shots: int = Field(default=4, ge=0)  # demos per demo set
    demo_seeds: int = Field(default=2, ge=0)  # random label-stratified demo sets drawn from train
    knn: bool = True  # a nearest-neighbour (bm25) demo set: each input gets the train rows nearest it
    knn_sizes: list[int] = Field(default_factory=list)  # more nearest-neighbour set sizes beside ``shots``
    # How "nearest" is measured (demo strategies: bm25, embedding, mmr), each at every size. None:
    # bm25, plus embedding when the embed extra is installed. Which retriever picks the demos is
    # a prompt choice like any other: on short paraphrased inputs (support tickets) sentence
    # embeddings find same-intent rows that share few words, where BM25 matches a second topic.
    knn_strategies: list[str] | None = None
    # Each nearest set also in vote-last order (demos.order): the same demos grouped by answer,
    # the answer most neighbours share nearest the input, where a small model copies from.
    vote_last: bool = True
    # Round 0 also pairs each proposed instruction with the nearest-neighbour demos: per-example
    # demo selection (what knn-shots does) is then inside the space the search explores.
    combine_knn: bool = True
    rationales: bool = True  # a demo set of self-generated rationales kept only when correct (STaR)
    rationale_pool: int = Field(default=16, ge=1)  # train examples those rationales are bootstrapped on
    feedback: int = Field(default=8, ge=1)  # train examples the current best answers to find its failures
    failures_shown: int = Field(default=5, ge=1)  # failures (with reasons) the reflective proposer sees
    pareto_extra: int = Field(default=1, ge=0)  # per-example Pareto members kept beyond the top half
    max_calls: int | None = Field(default=None, ge=1)  # a cap on calls, cached ones counted (local models)
    confirm: bool = True  # the chosen prompt is measured once on test
    seed: int = 0

    model_config = {"extra": "forbid"}
