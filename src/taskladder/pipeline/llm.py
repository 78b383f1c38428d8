"""The LLM pipeline: runs the stages (``pipeline/stages``) for one example at a time.

demos → retrieval → render → (input guard) → sample → call → parse → vote or judge → (output guard).
``plan(example)`` runs every stage up to the calls and returns what would be sent.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Callable

from ..models.base import Prediction
from ..models.caller import Caller
from ..models.config import ModelConfig
from ..prompt import system_text
from ..task import Example, Task
from .plan import PipelinePlan, PlannedCall
from .spec import PipelineSpec
from .stages.demos import DEFAULT_CONTEXT_TOKENS, demo_pool, fit_selector, packing_budget, pick_demos
from .stages.guarded import guard_for, screen_input, screen_output
from .stages.judge_select import judge_maker, select_best
from .stages.outcomes import keep_logprob, prediction_from
from .stages.parse import OutputParser
from .stages.render import render
from .stages.retrieval import retrieve, retriever_for
from .stages.sample import Draws, draw
from .stages.shuffle import unshuffled
from .stages.vote import vote

if TYPE_CHECKING:
    from ..demos.base import DemoSelector
    from ..rank.llm_judge import LLMJudge

__all__ = ["DEFAULT_CONTEXT_TOKENS", "LLMPipeline"]


class LLMPipeline:
    kind = "llm"

    def __init__(self, spec: PipelineSpec, task: Task, models: dict[str, ModelConfig] | None = None):
        self.spec = spec
        self.task = task
        self.models = models or {}
        self.name = spec.label()
        self.labels = {name: task.labels(name) for name, out in task.spec.outputs.items() if out.type == "label"}
        self.parser = OutputParser(task.spec, spec.reasoning, self.labels)
        # Prepared state, filled by aprepare (ladder/estimate.py also sets _selector and _model).
        self._judge: Callable[[], LLMJudge] | None = None
        self._selector: "DemoSelector | None" = None
        self._retriever = None
        self._guard = guard_for(spec.guard)
        self._context_tokens: int | None = None
        self._model = spec.model
        self._caller: Caller | None = None
        self._system: str | None = None  # the system message: the same for every example (system_text)

    async def aprepare(self, caller: Caller, pool: list[Example] | None = None) -> None:
        """Build the demo index; for rationale demos, bootstrap the rationales first (model calls).

        ``pool``: the demos to index instead (a plan made before the bootstrap has run passes
        ``stages.demos.placeholder_pool``), so nothing is called.
        """
        demos = self.spec.demos
        self._model = caller.cfg.model
        self._caller = caller
        if self.spec.sampling and self.spec.sampling.select == "judge":
            self._judge = judge_maker(self.spec, self.task, self.models, caller)
        if self.spec.retrieval:
            self._retriever = retriever_for(self.task, self.spec.retrieval)
        if not demos or demos.k <= 0:
            return
        if pool is None:
            pool = await demo_pool(self.task, demos, caller, self.spec.params)
        self._selector = fit_selector(demos, pool)
        self._context_tokens = packing_budget(demos, caller.cfg.context_window, self._model)

    def messages(self, example: Example) -> tuple[list[dict[str, str]], dict[str, Any]]:
        """The chat messages for ``example`` and a trace of what went into them."""
        k = self.spec.demos.k if self.spec.demos else 0
        order = self.spec.demos.order if self.spec.demos else None
        demos = pick_demos(self._selector, example, k, packing=bool(self._context_tokens), order=order)
        trace: dict[str, Any] = {}
        context = None
        if self._retriever is not None:
            context, found = retrieve(self._retriever, example, int(self.spec.retrieval.get("k", 4)))
            trace.update(found)
        messages, demos = render(
            self.task.spec,
            example,
            demos,
            model=self._model,
            packing_budget=self._context_tokens,
            max_tokens=self.spec.params.get("max_tokens"),
            context=context,
            reasoning=self.spec.reasoning,
            instructions=self.spec.instructions,
            labels=self.labels,
            system=self.system_text(),
        )
        trace["demo_ids"] = [d.id for d in demos]
        return messages, trace

    def system_text(self) -> str:
        """The system message of every prompt: a function of the task's spec, its labels (read
        once, in ``__init__``) and the pipeline's reasoning and instructions, so it is made once,
        not once per example."""
        if self._system is None:
            self._system = system_text(
                self.task.spec, reasoning=self.spec.reasoning, instructions=self.spec.instructions, labels=self.labels
            )
        return self._system

    def plan(self, example: Example, caller: Caller | None = None) -> PipelinePlan:
        """Exactly what ``apredict(example, caller)`` would send, without calling anything.

        Needs the prepared state (demo index, retriever): run ``aprepare`` first. For rationale
        demos, ``aprepare`` itself calls the model (the bootstrap); after it, planning is free.
        ``caller`` (default: the one given to ``aprepare``) supplies the model's default params
        and identity, so each call carries its final params and call-cache key. A best-of-N
        pipeline's judge calls depend on the samples' answers: ``judge_calls_follow`` says they
        come after the listed sample calls.
        """
        caller = caller or self._caller
        if caller is None:
            raise RuntimeError("LLMPipeline.plan needs the prepared pipeline: await pipeline.aprepare(caller) first")
        sampling = self.spec.sampling
        judged = bool(sampling and sampling.select == "judge")
        out = PipelinePlan(
            example_id=example.id,
            pipeline=self.name,
            model=self.spec.model,
            judge_calls_follow=judged,
            judge=sampling.judge if judged and sampling else None,
        )
        guard_trace = None
        if self._guard is not None:
            screened = screen_input(self._guard, example)
            guard_trace = screened.decisions
            if screened.blocked:
                return out.model_copy(
                    update={"blocked": screened.blocked, "trace": {"guard": guard_trace}, "judge_calls_follow": False}
                )
            example = screened.example
        draws = draw(self.spec, example, self.messages)
        for d in draws.calls:
            params = caller.params(d.params)
            out.calls.append(
                PlannedCall(
                    sample_index=d.sample_index,
                    messages=d.messages,
                    params=params,
                    cache_key=caller.key(d.messages, params, d.sample_index),
                )
            )
        out.trace = draws.trace if guard_trace is None else {**draws.trace, "guard": guard_trace}
        return out

    async def apredict(self, example: Example, caller: Caller) -> Prediction:
        if self._guard is None:
            return await self._apredict(example, caller)
        screened = screen_input(self._guard, example)
        if screened.blocked:
            return Prediction(error=screened.blocked, trace={"guard": screened.decisions})
        pred = await self._apredict(screened.example, caller)
        return screen_output(self._guard, pred, screened.decisions, self.parser)

    async def _apredict(self, example: Example, caller: Caller) -> Prediction:
        draws = draw(self.spec, example, self.messages)
        if draws.sampled:
            return await self._consensus(example, draws, caller)
        call = draws.calls[0]
        outcome = await caller.call(call.messages, call.params)
        pred = prediction_from([outcome], draws.trace)
        keep_logprob(pred, outcome)
        if not outcome.error:
            self.parser.parse_into(pred, outcome.text)
        return pred

    async def _consensus(self, example: Example, draws: Draws, caller: Caller) -> Prediction:
        """n samples, parsed, then judged or voted; the vote margin is kept as the confidence."""
        outcomes = await asyncio.gather(
            *(caller.call(c.messages, c.params, sample_index=c.sample_index) for c in draws.calls)
        )
        pred = prediction_from(list(outcomes), draws.trace)
        trace = pred.trace  # pydantic copied the dict: record into the prediction's own
        ok = [o for o in outcomes if not o.error]
        if not ok:
            return pred
        parsed = [self.parser.parse(o.text) for o in ok]
        outputs = [p.output for p in parsed]
        if draws.mappings:
            mappings = [m for m, o in zip(draws.mappings, outcomes) if not o.error]
            outputs = [unshuffled(out, mapping) for out, mapping in zip(outputs, mappings)]
        if self._judge is not None:
            return await select_best(self.spec, self._judge, example.inputs, pred, ok, parsed, trace)
        result = vote(self.task.spec, outputs)
        trace[result.trace_key] = result.trace
        index = outputs.index(result.winner) if result.winner is not None else 0
        pred.raw_text = ok[index].text
        pred.output = result.winner
        pred.parse_error = None if result.winner is not None else (parsed[0].error or "no sample could be parsed")
        pred.confidence = result.confidence
        if parsed[index].reasoning:
            trace["reasoning"] = parsed[index].reasoning
        return pred
