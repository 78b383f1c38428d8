"""Judge select (best-of-N): a pairwise LLM judge ranks the samples that parse; its calls
depend on the samples, and count in the example's calls and cost."""

from __future__ import annotations

from typing import Any, Callable

from ...errors import ConfigError
from ...models.base import Prediction
from ...models.caller import Caller, CallOutcome
from ...models.config import ModelConfig, resolve_model
from ...prompt import ParseResult
from ...rank import Knockout, LLMJudgePrompt, RoundRobin, SequentialHalving, best_of_n
from ...rank.llm_judge import LLMJudge
from ...task import Task
from ..spec import PipelineSpec

SCHEDULES = {"halving": SequentialHalving, "round-robin": RoundRobin, "knockout": Knockout}


def judge_maker(spec: PipelineSpec, task: Task, models: dict[str, ModelConfig], caller: Caller
                ) -> Callable[[], LLMJudge]:
    """A maker of pairwise judges; they share one caller (cache, store, budget), and each
    example gets its own judge object so its calls are counted per record."""
    sampling = spec.sampling
    if not sampling or not sampling.judge:
        raise ConfigError("sampling.select is 'judge' but no sampling.judge model is named")
    cfg = resolve_model(sampling.judge, models)
    prompt = judge_prompt(spec, task)
    # Built by the run's own caller, so the judge shares its store and budget (the pipeline
    # layer never builds a runner caller itself).
    judge_caller = caller.for_model(cfg)
    return lambda: LLMJudge(judge_caller, prompt)


def judge_prompt(spec: PipelineSpec, task: Task) -> LLMJudgePrompt:
    """The judge's prompt for this pipeline's task: a rubric for its output type, its instructions."""
    types = {o.type for o in task.spec.outputs.values()}
    return LLMJudgePrompt(output_type=types.pop() if len(types) == 1 else "json",
                          instructions=spec.instructions or task.spec.instructions)


def judge_calls_per_example(spec: PipelineSpec) -> int:
    """The judge calls one example takes when all n samples parse (the most its schedule makes,
    a knockout's replays aside); fewer usable samples take fewer."""
    sampling = spec.sampling
    if not sampling or sampling.select != "judge":
        return 0
    return SCHEDULES[sampling.schedule]().calls(sampling.n)


async def select_best(spec: PipelineSpec, new_judge: Callable[[], LLMJudge], example_inputs: dict[str, Any],
                      pred: Prediction, ok: list[CallOutcome], parsed: list[ParseResult],
                      trace: dict[str, Any]) -> Prediction:
    """Candidates that parse are ranked by the judge; the best becomes the prediction."""
    sampling = spec.sampling
    assert sampling is not None  # only sampling pipelines select
    usable = [i for i, p in enumerate(parsed) if p.output is not None]
    if not usable:
        pred.parse_error = parsed[0].error or "no sample could be parsed"
        return pred
    chosen = usable[0]
    if len(usable) > 1:
        judge = new_judge()  # one per example, so its calls and cost add up per record
        result = await best_of_n([ok[i].text for i in usable], judge, item_input=example_inputs,
                                 rubric=sampling.rubric, schedule=SCHEDULES[sampling.schedule]())
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
