"""The LLM pipeline: select demos, render messages, call the model, parse the answer."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ..models.base import Prediction, Usage
from .spec import PipelineSpec

if TYPE_CHECKING:
    from ..runner.calls import ModelCaller
    from ..task import Example, Task

DEFAULT_CONTEXT_TOKENS = 8192  # when neither the config nor LiteLLM knows the window


class LLMPipeline:
    kind = "llm"

    def __init__(self, spec: PipelineSpec, task: "Task", models: dict | None = None):
        self.spec = spec
        self.task = task
        self.models = models or {}
        self._judge = None
        self.name = spec.label()
        self.labels = {
            name: task.labels(name) for name, out in task.spec.outputs.items() if out.type == "label"
        }
        self._selector = None
        self._retriever = None
        self._guard = _guard_for(spec)
        self._context_tokens: int | None = None
        self._model = spec.model

    async def aprepare(self, caller: "ModelCaller") -> None:
        """Build the demo index; for rationale demos, bootstrap the rationales first."""
        demos = self.spec.demos
        self._model = caller.cfg.model
        if self.spec.sampling and self.spec.sampling.select == "judge":
            self._judge = _judge_for(self, caller)
        if self.spec.retrieval:
            self._retriever = _retriever_for(self.task, self.spec.retrieval)
        if not demos or demos.k <= 0:
            return
        from ..demos import make_selector

        pool = list(self.task.train)
        if demos.rationales:
            from ..reasoning import bootstrap_rationales

            pool = (await bootstrap_rationales(self.task, caller, n=demos.rationale_pool, seed=demos.seed,
                                               params=self.spec.params)).demos
        self._selector = make_selector(demos.strategy, max(1, min(demos.k, len(pool) or 1)), seed=demos.seed)
        self._selector.fit(pool)
        if demos.max_shots:
            self._context_tokens = demos.max_prompt_tokens or caller.cfg.context_window or _window(self._model)

    def messages(self, example: "Example") -> tuple[list[dict[str, str]], dict[str, Any]]:
        """The chat messages for ``example`` and a trace of what went into them."""
        from ..prompt import pack_demos, render_messages

        if self._selector is None:
            demos = []
        elif self._context_tokens:
            # max-shots: a ranked list (best first) up to k, packed until the context is full.
            demos = self._selector.ranked(example, self.spec.demos.k)
        else:
            demos = self._selector.select(example)
        kwargs: dict[str, Any] = dict(reasoning=self.spec.reasoning, instructions=self.spec.instructions,
                                      labels=self.labels)
        trace: dict[str, Any] = {}
        if self._retriever is not None:
            from ..retrieval import as_context, example_recall, gold_from_extra

            hits = self._retriever.search(example.input_text(), int(self.spec.retrieval.get("k", 4)))
            kwargs["context"] = as_context(hits)
            trace["context_ids"] = [c["id"] for c in kwargs["context"]]
            gold = gold_from_extra(example.extra)
            if gold is not None:  # the row names its evidence: how much of it was retrieved
                trace["retrieval_recall"] = example_recall(gold, [h.chunk for h in hits])
        if self._context_tokens:
            # pack_demos returns the kept demos most preferred last, nearest the input.
            demos = pack_demos(self.task.spec, example, demos, model=self._model,
                               context_tokens=self._context_tokens,
                               reserve_output_tokens=self.spec.params.get("max_tokens"), **kwargs)
        trace["demo_ids"] = [d.id for d in demos]
        return render_messages(self.task.spec, example, demos, **kwargs), trace

    async def apredict(self, example: "Example", caller: "ModelCaller") -> Prediction:
        if self._guard is not None:
            return await self._guarded(example, caller)
        return await self._apredict(example, caller)

    async def _guarded(self, example: "Example", caller: "ModelCaller") -> Prediction:
        """Input checks before the call (a block means no call), output checks after it."""
        from ..prompt import parse_output

        checked = self._guard.check_input(example.input_text())
        decisions = {"input": checked.to_record()}
        if checked.blocked:
            return Prediction(error=f"input blocked by guard: {_findings(checked)}", trace={"guard": decisions})
        if checked.decision == "redact" and len(example.inputs) == 1:
            example = example.model_copy(update={"inputs": {next(iter(example.inputs)): checked.text}})
        if self._guard.config.reminder.enabled and len(example.inputs) == 1:
            name, value = next(iter(example.inputs.items()))
            example = example.model_copy(update={"inputs": {name: self._guard.wrap_user_content(str(value))}})
        pred = await self._apredict(example, caller)
        pred.trace["guard"] = decisions
        if pred.error:
            return pred
        answer = self._guard.check_output(pred.raw_text)
        decisions["output"] = answer.to_record()
        if answer.blocked:
            pred.output, pred.parse_error = None, None
            pred.error = f"output blocked by guard: {_findings(answer)}"
        elif answer.text != pred.raw_text:  # truncated at a repetition loop, or redacted
            parsed = parse_output(answer.text, self.task.spec, reasoning=self.spec.reasoning, labels=self.labels)
            pred.output, pred.parse_error = parsed.output, parsed.error
        return pred

    async def _apredict(self, example: "Example", caller: "ModelCaller") -> Prediction:
        messages, trace = self.messages(example)
        if self.spec.sampling:
            return await self._consensus(example, messages, trace, caller)
        outcome = await caller.call(messages, self.spec.params)
        pred = _prediction([outcome], trace)
        if outcome.logprob is not None:
            # Geometric-mean token probability: the model's own confidence (params logprobs: true).
            pred.trace["logprob_mean"] = outcome.logprob
            pred.confidence = math.exp(outcome.logprob)
        if not outcome.error:
            self._parse_into(pred, outcome.text)
        return pred

    async def _consensus(self, example: "Example", messages, trace, caller: "ModelCaller") -> Prediction:
        """n samples, parsed, then voted; the vote margin is kept as the confidence."""
        import asyncio
        import json

        from ..prompt import parse_output

        sampling = self.spec.sampling
        params = {**self.spec.params, "temperature": sampling.temperature}
        shuffles = [self._shuffled(example, i) for i in range(sampling.n)] if sampling.shuffle_choices else None
        prompts = [s[0] for s in shuffles] if shuffles else [messages] * sampling.n
        outcomes = await asyncio.gather(*(caller.call(m, params, sample_index=i) for i, m in enumerate(prompts)))
        pred = _prediction(list(outcomes), trace)
        trace = pred.trace  # pydantic copied the dict: record into the prediction's own
        ok = [o for o in outcomes if not o.error]
        if not ok:
            return pred
        parsed = [parse_output(o.text, self.task.spec, reasoning=self.spec.reasoning, labels=self.labels) for o in ok]
        outputs = [p.output for p in parsed]
        if shuffles:
            mappings = [m for (_, m), o in zip(shuffles, outcomes) if not o.error]
            outputs = [_unshuffled(out, mapping) for out, mapping in zip(outputs, mappings)]
        if self._judge is not None:
            return await self._best_of_n(example, pred, ok, parsed, trace)
        free_text = [k for k, f in self.task.spec.outputs.items() if f.type == "text"]
        if len(self.task.spec.outputs) == 1 and free_text:
            from ..sampling import text_consensus

            field = free_text[0]
            result = text_consensus([o[field] if o else None for o in outputs])
            winner = None if result.index is None else outputs[result.index]
            confidence = result.support
            trace["consensus"] = {"group_size": result.group_size, "n": result.n}
        else:
            from ..sampling import majority_vote

            vote = majority_vote(outputs, normalise=lambda o: json.dumps(o, sort_keys=True) if o else None)
            winner = json.loads(vote.answer) if vote.answer is not None else None
            confidence = vote.margin
            trace["vote"] = {"counts": vote.counts, "margin": vote.margin, "tie_broken_by": vote.tie_broken_by}
        index = outputs.index(winner) if winner is not None else 0
        pred.raw_text = ok[index].text
        pred.output = winner
        pred.parse_error = None if winner is not None else (parsed[0].error or "no sample could be parsed")
        pred.confidence = confidence
        if parsed[index].reasoning:
            trace["reasoning"] = parsed[index].reasoning
        return pred

    def _shuffled(self, example: "Example", i: int) -> tuple[list[dict[str, str]], list[int]]:
        """Sample ``i``'s messages with the options in their own seeded order, and the mapping
        from shown position to original position."""
        import zlib

        from ..sampling import LETTERS, shuffle_choices

        field = self.spec.sampling.shuffle_choices
        options = _options(example.inputs.get(field), field)
        shown, mapping = shuffle_choices(options, seed=zlib.crc32(f"{example.id}:{i}".encode()))
        lettered = "\n".join(f"{LETTERS[k]}. {text}" for k, text in enumerate(shown))
        copy = example.model_copy(update={"inputs": {**example.inputs, field: lettered}})
        return self.messages(copy)[0], mapping

    async def _best_of_n(self, example: "Example", pred: Prediction, ok, parsed, trace) -> Prediction:
        """Candidates that parse are ranked by the pairwise judge; its calls count in the cost."""
        from ..rank import Knockout, RoundRobin, SequentialHalving, best_of_n

        sampling = self.spec.sampling
        usable = [i for i, p in enumerate(parsed) if p.output is not None]
        if not usable:
            pred.parse_error = parsed[0].error or "no sample could be parsed"
            return pred
        chosen = usable[0]
        if len(usable) > 1:
            schedule = {"halving": SequentialHalving, "round-robin": RoundRobin, "knockout": Knockout}[sampling.schedule]()
            judge = self._judge()  # one per example, so its calls and cost add up per record
            result = await best_of_n([ok[i].text for i in usable], judge, item_input=example.inputs,
                                     rubric=sampling.rubric, schedule=schedule)
            chosen = usable[result.best]
            trace["best_of_n"] = {"p_best": result.p_best, "judge_calls": result.calls, "schedule": result.schedule}
            pred.calls += judge.calls
            pred.cached_calls += judge.cached_calls
            pred.spent_usd += judge.spent_usd
            pred.cost_usd = None if pred.cost_usd is None or judge.cost_usd is None else pred.cost_usd + judge.cost_usd
        pred.raw_text = ok[chosen].text
        pred.output = parsed[chosen].output
        if parsed[chosen].reasoning:
            trace["reasoning"] = parsed[chosen].reasoning
        return pred

    def _parse_into(self, pred: Prediction, text: str) -> None:
        from ..prompt import parse_output

        parsed = parse_output(text, self.task.spec, reasoning=self.spec.reasoning, labels=self.labels)
        pred.output = parsed.output
        pred.parse_error = parsed.error
        if parsed.reasoning:
            pred.trace["reasoning"] = parsed.reasoning


def _prediction(outcomes: list, trace: dict[str, Any]) -> Prediction:
    """Usage, cost and latency of one or more calls made for one example (run in parallel)."""
    costs = [o.cost_usd for o in outcomes]
    errors = [o.error for o in outcomes if o.error]
    return Prediction(
        raw_text=outcomes[0].text,
        usage=Usage(input_tokens=sum(o.input_tokens for o in outcomes),
                    output_tokens=sum(o.output_tokens for o in outcomes)),
        cost_usd=None if any(c is None for c in costs) else sum(costs),
        spent_usd=sum(o.cost_usd or 0.0 for o in outcomes if not o.cached),
        latency_ms=max(o.latency_ms for o in outcomes),
        cached=all(o.cached for o in outcomes),
        calls=sum(1 for o in outcomes if not o.cached and not o.error),
        cached_calls=sum(1 for o in outcomes if o.cached),
        error=errors[0] if len(errors) == len(outcomes) else None,
        trace=trace,
    )


def _window(model: str) -> int:
    from ..prompt import context_window

    return context_window(model) or DEFAULT_CONTEXT_TOKENS


def _retriever_for(task: "Task", retrieval: dict[str, Any]):
    from ..errors import ConfigError
    from ..retrieval import build_retriever_for_task

    retriever = build_retriever_for_task(task, retrieval)
    if retriever is None:
        raise ConfigError(f"task '{task.name}': the pipeline asks for retrieval but the task lists no `documents`")
    return retriever


def _judge_for(pipeline: "LLMPipeline", caller: "ModelCaller"):
    """A maker of pairwise judges for a best-of-N pipeline; they share one caller (cache, store,
    budget), and each example gets its own judge object so its calls are counted per record."""
    from ..errors import ConfigError
    from ..models.config import resolve_model
    from ..rank import LLMJudgePrompt
    from ..rank.llm_judge import LLMJudge
    from ..runner.calls import ModelCaller

    sampling = pipeline.spec.sampling
    if not sampling.judge:
        raise ConfigError("sampling.select is 'judge' but no sampling.judge model is named")
    cfg = resolve_model(sampling.judge, pipeline.models)
    types = {o.type for o in pipeline.task.spec.outputs.values()}
    prompt = LLMJudgePrompt(output_type=types.pop() if len(types) == 1 else "json",
                            instructions=pipeline.spec.instructions or pipeline.task.spec.instructions)
    judge_caller = ModelCaller(cfg, caller.store, budget=caller.budget)
    return lambda: LLMJudge(judge_caller, prompt)


def _options(value: Any, field: str) -> list[str]:
    """Multiple-choice options from a list, a JSON list, or one option per line."""
    import json

    from ..errors import ConfigError

    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = [line.strip() for line in value.splitlines() if line.strip()]
        value = parsed
    if not isinstance(value, list) or len(value) < 2:
        raise ConfigError(f"sampling.shuffle_choices: input field '{field}' must hold a list of at least two options")
    return [str(v) for v in value]


def _unshuffled(output: dict[str, Any] | None, mapping: list[int]) -> dict[str, Any] | None:
    """The answer letter mapped back to the original option order (None: an abstention)."""
    from ..sampling import unshuffle_answer

    if not output:
        return None
    name, value = next(iter(output.items()))
    back = unshuffle_answer(str(value), mapping)
    return None if back is None else {**output, name: back}


def _guard_for(spec: PipelineSpec):
    if spec.guard is None:
        return None
    from ..guard import Guard, GuardConfig

    return Guard(GuardConfig.model_validate(spec.guard))


def _findings(decision) -> str:
    return "; ".join(f"{f.check}: {f.message}" for f in decision.findings) or decision.decision
