"""Prompt search under a hard budget: successive halving over dev minibatches, a per-example
Pareto set, and proposer rounds (grounded proposals first, then reflective mutation of the
current best from its failures on train). Every evaluation is a kernel run (``runner.evaluate``),
so it is cached, resumable, and its spend is in the calls table under its own run.

Honest protocol: candidates are scored on dev only (the first ``search_limit`` rows), the
reflective proposer sees failures on train only, and only the chosen prompt meets test, once.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from ..errors import ConfigError, RunFailedError
from ..models.config import ModelConfig
from ..models.pricing import lookup_price
from ..pipeline import PipelineSpec
from ..runner import EvalResult, evaluate
from ..store import Record, Store
from ..task import Task
from .candidate import Candidate, answer_tokens
from .demosets import demo_candidates, knn_sets
from .frontier import per_example_front
from .options import OptimizeOptions
from .prompts import TIPS, grounded_prompt, reflective_prompt
from .proposer import proposal_requests, proposals_cost, run_proposals
from .spend import NOTHING, SpendGuard, StepCost, bootstrap_key, worst_case
from .trajectory import Point

GROUNDING_SAMPLE = 4  # train rows shown with each first proposal


@dataclass(eq=False)  # identity: one object per distinct spec
class Scored:
    candidate: Candidate
    spec: PipelineSpec
    scores: list[float] = field(default_factory=list)  # per dev example, the longest prefix evaluated
    order: int = 0  # when it was first seen: ties go to the earlier (simpler, incumbent) candidate

    @property
    def mean(self) -> float:
        return sum(self.scores) / len(self.scores) if self.scores else 0.0

    def mean_over(self, n: int) -> float:
        return sum(self.scores[:n]) / n if n else 0.0


@dataclass
class SearchState:
    """Everything a search accumulates; the result is read from it."""

    scored: dict[str, Scored] = field(default_factory=dict)
    search_runs: list[str] = field(default_factory=list)
    proposer_runs: list[str] = field(default_factory=list)
    confirm_runs: list[str] = field(default_factory=list)
    trajectory: list[Point] = field(default_factory=list)
    stopped: str | None = None  # the first step the budget could not cover
    out_of_budget: bool = False  # a step every later round needs (feedback, proposals) did not fit
    rounds_done: int = 0
    test: EvalResult | None = None
    charged_search: StepCost = NOTHING


class Search:
    def __init__(self, task: Task, cfg: ModelConfig, proposer: ModelConfig, *, models: dict[str, ModelConfig],
                 store: Store, budget_usd: float, options: OptimizeOptions, progress: bool = False,
                 client: Any = None, proposer_client: Any = None):
        self.task, self.cfg, self.proposer, self.models, self.store = task, cfg, proposer, models, store
        self.options, self.progress, self.client, self.proposer_client = options, progress, client, proposer_client
        for c in (cfg, proposer):
            if lookup_price(c) is None and math.isfinite(budget_usd):
                raise ConfigError(f"model '{c.name}': its price is unknown, so a budget cannot be enforced; add "
                                  "price: {input_per_mtok: ..., output_per_mtok: ...} to its models.yaml entry")
        dev = task.split("dev")
        if not dev:
            raise ConfigError(f"task '{task.name}': optimize searches on the dev split, which is empty; "
                              "give the split a dev share (data.split.dev)")
        self.dev = dev[: options.search_limit] if options.search_limit else dev
        self.sizes = levels(options.minibatch, len(self.dev))
        self.answer_tokens = answer_tokens(task)
        self.guard = SpendGuard(budget_usd, options.max_calls)
        self.state = SearchState()
        self._confirm_costs: dict[str, StepCost] = {}

    # -- the search -------------------------------------------------------------------------

    def run(self) -> SearchState:
        base = [Candidate(None, None, "zero-shot"), *demo_candidates(self.task, self.options)]
        zero = self._unique(base[:1])[0]
        if not self.guard.fits(NOTHING, reserve=self._confirm_cost(zero)):
            raise ConfigError(f"budget too small: confirming even the zero-shot prompt on test may cost up to "
                              f"${self._confirm_cost(zero).usd:.4f} ({self._confirm_cost(zero).calls} calls); "
                              "raise --budget")
        proposed = self._grounded()
        pool = base + [Candidate(text, None, f"proposed r0#{i}") for i, text in enumerate(proposed)]
        nearest = knn_sets(self.options)[:1] if self.options.combine_knn and self.task.train else []
        pool += [Candidate(text, demos, f"proposed r0#{i} + nearest demos k={demos.k}")
                 for demos in nearest for i, text in enumerate(proposed)]
        best = self._halve(pool)
        for r in range(1, self.options.rounds):
            if best is None or self.state.out_of_budget:
                break
            pool = self._next_pool(best, r)
            if len(pool) <= 1:
                break
            best = self._halve(pool) or best
            self.state.rounds_done = r
        self.state.charged_search = StepCost(self.guard.charged_usd, self.guard.charged_calls)
        if self.options.confirm and self.best() is not None:
            self._confirm(self.best())  # type: ignore[arg-type]
        return self.state

    def best(self) -> Scored | None:
        """The best candidate at the largest number of dev examples any candidate reached."""
        if not self.state.scored:
            return None
        reach = max(len(s.scores) for s in self.state.scored.values())
        at = [s for s in self.state.scored.values() if len(s.scores) >= reach]
        return max(at, key=lambda s: (s.mean_over(reach), -s.order))

    def _halve(self, pool: list[Candidate]) -> Scored | None:
        """Successive halving: all candidates on the first minibatch, the better half (plus the
        per-example Pareto set's strongest members) on twice as many, ... up to all of dev."""
        alive = self._unique(pool)
        for size in self.sizes:
            # A candidate the budget cannot cover is dropped; cheaper ones go on.
            alive = [s for s in alive if self._evaluate(s, size)]
            if not alive:
                break
            if size == self.sizes[-1] or len(alive) == 1:
                continue
            ranked = sorted(alive, key=lambda s: (-s.mean_over(size), s.order))
            top = ranked[: math.ceil(len(alive) / 2)]
            front = per_example_front([s.scores[:size] for s in alive])
            extra = [alive[i] for i in front if alive[i] not in top][: self.options.pareto_extra]
            alive = [s for s in alive if s in top or s in extra]
        return self.best()

    def _next_pool(self, best: Scored, round_no: int) -> list[Candidate]:
        """The incumbent, its Pareto companions, its reflective mutations, and crossovers."""
        n = len(best.scores)
        full = [s for s in self.state.scored.values() if len(s.scores) >= n]
        front = per_example_front([s.scores[:n] for s in full])
        elites = [full[i].candidate for i in front if full[i] is not best][: self.options.pareto_extra]
        mutations = [Candidate(text, best.candidate.demos, f"reflected r{round_no}#{i}")
                     for i, text in enumerate(self._reflect(best, round_no))]
        ranked = sorted(full, key=lambda s: (-s.mean_over(n), s.order))[:2]
        crossed = [Candidate(a.candidate.instructions, b.candidate.demos, "combined")
                   for a in ranked for b in ranked if a is not b]
        return [best.candidate, *elites, *mutations, *crossed]

    # -- steps ---------------------------------------------------------------------------------

    def _evaluate(self, s: Scored, size: int) -> bool:
        """``s`` on the first ``size`` dev examples; False when the budget cannot cover it."""
        if len(s.scores) >= size:
            return True
        examples = self.dev[:size]
        digest = s.spec.digest()
        run_cost, bootstrap = worst_case(self.task, s.spec, self.cfg, self.store,
                                         self.guard.uncharged(digest, examples), self.models)
        boot = bootstrap_key(s.spec)
        step = run_cost + (bootstrap if boot and not self.guard.bootstrap_charged(boot) else NOTHING)
        held = self.guard.reserve.covering(self._confirm_cost(s))
        if not self.guard.fits(step, reserve=held):
            self._stop(f"budget: evaluating '{s.candidate.origin}' on {size} dev examples could cost up to "
                       f"${step.usd:.4f} ({step.calls} calls), more than is left")
            return False
        # It may win from now on, so its confirmation is held back before the step runs: the
        # step's own cap (step_budget) then leaves the confirmation's money untouched too.
        self.guard.reserve = held
        result = evaluate(self.task, s.spec, split="dev", limit=size, models=self.models, store=self.store,
                          budget=self.guard.step_budget(), progress=self.progress, client=self.client,
                          max_error_rate=1.0)
        self._check_usable(result, s)
        self.guard.charge_records(digest, result.records)
        if boot:
            self.guard.charge_bootstrap(boot, bootstrap)
        self.state.search_runs.append(result.run.run_id)
        s.scores = [float(r.score or 0.0) for r in result.records]
        self._point("evaluate", s.candidate.origin, len(s.scores), s.mean if s.scores else None)
        return True

    def _check_usable(self, result: EvalResult, s: Scored) -> None:
        """A candidate whose every answer errored says nothing about its prompt: the model is
        unreachable or refuses, and no other candidate would fare better."""
        records = result.records
        if records and all(r.error for r in records) and not any("budget exhausted" in (r.error or "") for r in records):
            raise RunFailedError(f"optimize: every call of '{s.candidate.origin}' failed; first error: {records[0].error}")

    def _grounded(self) -> list[str]:
        n = self.options.proposals
        train = list(self.task.train)
        if not n or not train:
            return []
        prompts = [grounded_prompt(self.task, random.Random(self.options.seed + i).sample(train, min(GROUNDING_SAMPLE, len(train))),
                                   TIPS[i % len(TIPS)]) for i in range(n)]
        return self._propose(prompts, "r0")

    def _reflect(self, best: Scored, round_no: int) -> list[str]:
        n = self.options.proposals
        if not n:
            return []
        feedback = self._feedback(best)
        if feedback is None:
            return []
        failures = [r for r in feedback if (r.score or 0.0) < 1.0][: self.options.failures_shown]
        if not failures:
            return []  # nothing left to learn from on the feedback rows
        instruction = best.candidate.instructions or self.task.spec.instructions.strip()
        prompts = [reflective_prompt(self.task, instruction, failures, i) for i in range(n)]
        return self._propose(prompts, f"r{round_no}")

    def _feedback(self, best: Scored) -> list[Record] | None:
        """The best candidate's answers on train rows: where its failures (and their reasons) come from."""
        examples = self.task.train[: self.options.feedback]
        if not examples:
            return None
        digest = best.spec.digest()
        run_cost, _ = worst_case(self.task, best.spec, self.cfg, self.store, self.guard.uncharged(digest, examples),
                                 self.models)
        if not self.guard.fits(run_cost):
            self.state.out_of_budget = True
            self._stop(f"budget: the best prompt's feedback on {len(examples)} train examples could cost up to "
                       f"${run_cost.usd:.4f}, more than is left")
            return None
        result = evaluate(self.task, best.spec, split="train", limit=len(examples), models=self.models,
                          store=self.store, budget=self.guard.step_budget(), progress=self.progress,
                          client=self.client, max_error_rate=1.0)
        self.guard.charge_records(digest, result.records)
        self.state.search_runs.append(result.run.run_id)
        mean = sum(float(r.score or 0.0) for r in result.records) / max(1, len(result.records))
        self._point("feedback", best.candidate.origin, len(result.records), mean)
        return list(result.records)

    def _propose(self, prompts: list[list[dict[str, str]]], tag: str) -> list[str]:
        requests = proposal_requests(prompts, tag)
        key = f"proposer:{tag}"
        cost = proposals_cost(self.proposer, self.guard.uncharged(key, requests))
        if not self.guard.fits(cost):
            self.state.out_of_budget = True
            self._stop(f"budget: {len(requests)} proposals could cost up to ${cost.usd:.4f}, more than is left")
            return []
        texts, records, run_id = run_proposals(self.task, self.proposer, requests, store=self.store,
                                               budget=self.guard.step_budget(), client=self.proposer_client,
                                               progress=self.progress)
        self.guard.charge_records(key, records)
        self.state.proposer_runs.append(run_id)
        self._point("propose", None, len(requests), None)
        return texts

    def _confirm(self, best: Scored) -> None:
        test = self.task.split("test")
        if not test:
            self.state.stopped = self.state.stopped or "no test split: the chosen prompt was not confirmed"
            return
        digest = best.spec.digest()
        cost, _ = worst_case(self.task, best.spec, self.cfg, self.store, self.guard.uncharged(digest, test), self.models)
        if not self.guard.fits(cost, use_reserve=True):  # cannot happen: the reserve bounds it
            self.state.stopped = f"budget: confirming on test could cost up to ${cost.usd:.4f}; not confirmed"
            return
        result = evaluate(self.task, best.spec, split="test", models=self.models, store=self.store,
                          budget=self.guard.step_budget(use_reserve=True), progress=self.progress,
                          client=self.client)
        self.guard.charge_records(digest, result.records)
        self.state.confirm_runs.append(result.run.run_id)
        self.state.test = result
        self._point("confirm", best.candidate.origin, len(result.records), result.run.summary.score)

    def _confirm_cost(self, s: Scored) -> StepCost:
        """The most confirming ``s`` on test can cost (nothing when there is no confirmation)."""
        if not self.options.confirm:
            return NOTHING
        digest = s.spec.digest()
        if digest not in self._confirm_costs:
            test = self.task.split("test")
            self._confirm_costs[digest], _ = worst_case(self.task, s.spec, self.cfg, self.store, test, self.models)
        return self._confirm_costs[digest]

    # -- bookkeeping -------------------------------------------------------------------------

    def _unique(self, pool: list[Candidate]) -> list[Scored]:
        out: list[Scored] = []
        for c in pool:
            spec = c.spec(self.cfg.name, self.answer_tokens)
            digest = spec.digest()
            if digest not in self.state.scored:
                self.state.scored[digest] = Scored(c, spec, order=len(self.state.scored))
            s = self.state.scored[digest]
            if s not in out:
                out.append(s)
        return out

    def _stop(self, reason: str) -> None:
        self.state.stopped = self.state.stopped or reason

    def _point(self, kind: str, candidate: str | None, examples: int, score: float | None) -> None:
        full = [s.mean for s in self.state.scored.values() if len(s.scores) >= len(self.dev)]
        self.state.trajectory.append(Point(
            step=len(self.state.trajectory) + 1, kind=kind, charged_usd=self.guard.charged_usd,
            calls=self.guard.charged_calls, candidate=candidate, examples=examples, score=score,
            best_score=max(full) if full else None))


def levels(minibatch: int, total: int) -> list[int]:
    """Successive-halving sizes: minibatch, 2×, 4×, ... and finally every search example."""
    sizes, size = [], min(minibatch, total)
    while size < total:
        sizes.append(size)
        size *= 2
    return sizes + [total]

